"""The admin side of quizzes: the question bank as a model viewset (filters by regulation,
chapter, topic, difficulty; a preview as a member sees it), lesson quizzes, the XLSX import and
export; contests for administrators (role holders open theirs at /quizzes/contests/new/)."""

from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from quizzes import admin_views
from quizzes.models import Contest, LessonQuiz, Question


class PreviewColumn(Column):
    def get_value(self, instance):
        return format_html('<a href="{}">{}</a>', reverse("quizzes_admin:preview", args=[instance.pk]),
                           _("预览"))


class QuestionViewSet(ModelViewSet):
    model = Question
    icon = "help"
    menu_label = _("题库")
    list_display = ["stem", "kind", "article", "topic", "difficulty", "active",
                    PreviewColumn("preview", label=_("预览"))]
    list_filter = ["kind", "article__regulation", "article__heading", "topic", "difficulty", "active"]
    search_fields = ["stem", "explanation"]
    list_per_page = 50
    panels = [
        FieldPanel("kind"), FieldPanel("stem"), InlinePanel("options", label=_("选项")),
        FieldPanel("is_true"), FieldPanel("accepted"), FieldPanel("article"), FieldPanel("lesson"),
        FieldPanel("explanation"), FieldPanel("topic"), FieldPanel("difficulty"), FieldPanel("active"),
    ]

    def get_queryset(self, request):
        return Question.objects.select_related("article__regulation")


class LessonQuizViewSet(ModelViewSet):
    model = LessonQuiz
    icon = "tasks"
    menu_label = _("课后测试")
    list_display = ["lesson", "pass_mark", "required", "question_count"]
    form_fields = ["lesson", "pass_mark", "required", "question_count"]


class ContestViewSet(ModelViewSet):
    model = Contest
    icon = "pick"
    menu_label = _("知识竞赛")
    list_display = ["title", "organisation", "starts_at", "ends_at", "question_count"]
    # The questions are drawn from the bank (by topic) when the first member enters.
    form_fields = ["organisation", "title", "starts_at", "ends_at", "question_count",
                   "time_limit_minutes", "topic"]


class QuizzesGroup(ModelViewSetGroup):
    menu_label = _("知识测试")
    menu_icon = "help"
    menu_order = 270
    items = (QuestionViewSet("questions"), LessonQuizViewSet("lesson_quizzes"), ContestViewSet("contests"))


@hooks.register("register_admin_viewset")
def register_viewsets():
    return QuizzesGroup()


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = ([
        path("import/", admin_views.import_bank, name="import"),
        path("export/", admin_views.export_bank, name="export"),
        path("questions/<int:pk>/preview/", admin_views.preview, name="preview"),
    ], "quizzes_admin")
    return [path("quiz-bank/", include(urls))]


class BankMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_manage_bank(request.user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return BankMenuItem(_("导入导出题库"), reverse("quizzes_admin:import"), icon_name="download", order=271)
