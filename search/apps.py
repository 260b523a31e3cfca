from django.apps import AppConfig


class RegulationSearchConfig(AppConfig):
    """The Party Constitution and rules, article by article, and their search."""

    name = "search"
    label = "regulations"
    verbose_name = "党章党规"
