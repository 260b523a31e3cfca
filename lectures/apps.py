from django.apps import AppConfig


class LecturesConfig(AppConfig):
    """The course library: the menu, courses, lessons, playlists."""

    name = "lectures"
    verbose_name = "课程库"

    def ready(self):
        # Models are loaded only now: these modules import them (Django's documented place).
        from lectures import access, signals  # noqa: F401
        from lectures.models import CoursePage, LessonPage
        from members import items, scoping

        # The contracts with the apps below lectures, which never import it (docs/architecture.md):
        # who may see library content, and which pages are learning items.
        scoping.register_content_rule(page_access=access.page_access, media_access=access.media_access)
        items.register(item=LessonPage, container=CoursePage)
