from django.apps import AppConfig


class LecturesConfig(AppConfig):
    """The course library: the menu, courses, lessons, playlists."""

    name = "lectures"
    verbose_name = "课程库"

    def ready(self):
        from lectures import signals  # noqa: F401
