from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from lectures.models import Series, Topic


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
