from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """The county's and the township's oversight: the month at a glance, inspections and
    rectification, the monthly bulletin, branch ranking and the vanguard index."""

    name = "supervision"
    verbose_name = "督查考核"
