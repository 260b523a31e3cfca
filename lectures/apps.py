from django.apps import AppConfig


class LecturesConfig(AppConfig):
    """The course library: the menu, courses, lessons, playlists."""

    name = "lectures"
    verbose_name = "课程库"

    def ready(self):
        # Models are loaded only now: these modules import them (Django's documented place).
        from lectures import access, signals  # noqa: F401
        from members import scoping

        # The one rule of who may see library content, for apps below lectures to ask.
        scoping.register_content_rule(page_access=access.page_access, media_access=access.media_access)
