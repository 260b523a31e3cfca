from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from lectures.access import document_access
from lectures.models import Series, Topic
from members import scoping


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "list-ul"
    menu_label = _("课程专题")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "sort_order", "description"]
    ordering = ["sort_order", "name"]


class SeriesViewSet(SnippetViewSet):
    model = Series
    icon = "folder-open-inverse"
    menu_label = _("课程系列")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["title", "description"]


register_snippet(TopicViewSet)
register_snippet(SeriesViewSet)


@hooks.register("before_serve_document")
def serve_lesson_documents_by_the_lessons_rule(document, request):
    """/documents/<id>/<name> of a lesson's attachment or subtitles answers only to those who
    may see the lesson (a plain Wagtail document would be public)."""
    access = document_access(request, document)
    if access is None:
        return None
    return scoping.refusal(request, access)
