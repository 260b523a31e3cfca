from django.apps import AppConfig


class MembersConfig(AppConfig):
    """Organisations, members, roles and learning records."""

    name = "members"
    verbose_name = "党员与学习记录"
