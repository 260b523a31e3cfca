"""The members area of the Wagtail admin, /admin/learning/ (URL namespace `members_admin`).

LearningViewSet is registered with `register_admin_viewset` (members/wagtail_hooks.py): the
secretaries' report pages, the group record, the import, and StudyPlanViewSet mounted inside it
at plans/. The plan viewset shares the learning namespace instead of being registered on its own
so that its pages keep the paths and URL names they have always had (members_admin:plans,
plan_new, plan_edit) beside the plan's report (members_admin:plan_matrix).
"""

from django.urls import include, path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet

from members import admin_views as views
from members import scoping
from members.forms import StudyPlanForm
from members.models import StudyPlan


class LearningMenuItem(MenuItem):
    def is_shown(self, request):
        return scoping.can_see_reports(request.user)


class StudyPlanViewSet(ModelViewSet):
    """Monthly study plans: list, create, edit, within the viewer's scope (the views'
    LearningAdminMixin). No delete, history or usage pages: plans had none."""

    model = StudyPlan
    icon = "date"
    index_view_class = views.PlanIndexView
    add_view_class = views.PlanCreateView
    edit_view_class = views.PlanEditView
    list_per_page = views.PAGE_SIZE
    ordering = ["-month", "organisation__path"]
    index_template_name = "members/admin/plans.html"
    create_template_name = edit_template_name = "members/admin/plan_form.html"
    add_to_reference_index = False
    # The generic views' names for the mounted views; the others get no URL, so no link to them.
    url_names = {"index": "plans", "add": "plan_new", "edit": "plan_edit"}

    def get_url_name(self, view_name):
        name = self.url_names.get(view_name)
        return name and f"{self.url_namespace}:{name}"

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="plans"),
            path("new/", self.add_view, name="plan_new"),
            path("<int:pk>/", self.edit_view, name="plan_edit"),
        ]

    def get_form_class(self, for_update=False):
        return StudyPlanForm

    def register_permissions(self):
        # Who may edit a plan is decided by scope, not by Django's model permissions: offering
        # StudyPlan permissions in the group editor would suggest otherwise.
        pass


class LearningViewSet(ViewSet):
    name = "members_admin"
    url_prefix = "learning"
    icon = "table"
    menu_label = _("学习记录")
    menu_order = 250
    add_to_admin_menu = True
    menu_item_class = LearningMenuItem

    @cached_property
    def plans(self):
        return StudyPlanViewSet(url_namespace=self.url_namespace)

    def on_register(self):
        super().on_register()
        self.plans.on_register()

    def get_urlpatterns(self):
        return [
            path("", views.OverviewView.as_view(), name="index"),
            path("rates/", views.RatesView.as_view(), name="rates"),
            path("not-studied/", views.NotStudiedView.as_view(), name="not_studied"),
            path("members/", views.MembersView.as_view(), name="members"),
            path("members/<int:member_id>/", views.MemberHistoryView.as_view(), name="member"),
            path("plans/", include(self.plans.get_urlpatterns())),
            path("plans/<int:plan_id>/matrix/", views.PlanMatrixView.as_view(), name="plan_matrix"),
            path("courses/<int:page_id>/matrix/", views.CourseMatrixView.as_view(), name="course_matrix"),
            path("record/", views.RecordView.as_view(), name="record"),
            path("import/", views.ImportView.as_view(), name="import"),
        ]
