from django.apps import AppConfig


class DiankeConfig(AppConfig):
    """The project package: site-wide management commands (load_demo) and checks."""

    name = "dianke"
    verbose_name = "点课"
