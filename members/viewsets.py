"""The members areas of the Wagtail admin: 学习记录 at /admin/learning/ (URL namespace
`members_admin`) and 组织管理 (RegisterGroup: /admin/organisations/, /admin/members/,
/admin/roles/, namespaces `members_organisations`, `members_register`, `members_roles`).

LearningViewSet is registered with `register_admin_viewset` (members/wagtail_hooks.py): the
secretaries' report pages, the group record, the import, and StudyPlanViewSet mounted inside it
at plans/. The plan viewset shares the learning namespace instead of being registered on its own
so that its pages keep the paths and URL names they have always had (members_admin:plans,
plan_new, plan_edit) beside the plan's report (members_admin:plan_matrix).
"""

from django.urls import include, path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from members import admin_organisations as organisation_views
from members import admin_register as register_views
from members import admin_views as views
from members import scoping
from members.forms import StudyPlanForm
from members.models import Member, Organisation, Role, StudyPlan
from members.register_forms import MemberForm, OrganisationForm


class RoleHolderMenuItem(MenuItem):
    """A menu item for those who may see reports (role holders in their scope, administrators):
    the learning records, branch life and supervision all use it."""

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
    menu_item_class = RoleHolderMenuItem

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
            path("quiet/", register_views.QuietView.as_view(), name="quiet"),
        ]


# ---- the register: organisations, members, roles (组织管理) --------------------------------


class RegisterModelViewSet(ModelViewSet):
    """A model viewset whose views decide by scope (RegisterAdminMixin), not by Django's model
    permissions; only the views it mounts get URL names (so no link leads to a missing view)."""

    add_to_reference_index = False
    menu_item_class = RoleHolderMenuItem
    mounted = ("index", "index_results", "add", "edit", "history", "history_results")

    def get_url_name(self, view_name):
        if view_name in self.mounted:
            return super().get_url_name(view_name)
        return None

    def register_permissions(self):
        # Scope decides (members.scoping); offering these models' permissions in the group
        # editor would suggest otherwise.
        pass

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", self.add_view, name="add"),
            path("<int:pk>/edit/", self.edit_view, name="edit"),
            path("<int:pk>/history/", self.history_view, name="history"),
            path("<int:pk>/history/results/", self.history_results_view, name="history_results"),
            *self.get_extra_urlpatterns(),
        ]

    def get_extra_urlpatterns(self):
        return []


class OrganisationViewSet(RegisterModelViewSet):
    model = Organisation
    name = "members_organisations"
    url_prefix = "organisations"
    icon = "folder-open-inverse"
    menu_label = _("党组织")
    index_view_class = organisation_views.OrganisationIndexView
    add_view_class = organisation_views.OrganisationCreateView
    edit_view_class = organisation_views.OrganisationEditView
    history_view_class = organisation_views.OrganisationHistoryView
    search_fields = ["name", "code"]

    def get_form_class(self, for_update=False):
        return OrganisationForm

    def get_extra_urlpatterns(self):
        return [
            path("<int:pk>/move/", organisation_views.OrganisationMoveView.as_view(), name="move"),
            path("<int:pk>/close/", organisation_views.OrganisationCloseView.as_view(), name="close"),
        ]


class MemberRegisterViewSet(RegisterModelViewSet):
    model = Member
    name = "members_register"
    url_prefix = "members"
    icon = "group"
    menu_label = _("党员名册")
    index_view_class = register_views.MemberIndexView
    add_view_class = register_views.MemberCreateView
    edit_view_class = register_views.MemberEditView
    history_view_class = register_views.MemberHistoryView
    inspect_view_class = register_views.MemberInspectView
    inspect_view_enabled = True
    mounted = (*RegisterModelViewSet.mounted, "inspect")
    search_fields = ["name", "number", "phone"]

    def get_form_class(self, for_update=False):
        return MemberForm

    def get_extra_urlpatterns(self):
        views = register_views
        return [
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/status/", views.StatusView.as_view(), name="status"),
            path("<int:pk>/transfer/", views.TransferView.as_view(), name="transfer"),
            path("<int:pk>/transfer-out/", views.TransferOutView.as_view(), name="transfer_out"),
            path("<int:pk>/reset-password/", views.ResetPasswordView.as_view(), name="reset_password"),
            path("<int:pk>/lost/", views.LostCaseView.as_view(), name="lost_case"),
            path("lost/", views.LostRegisterView.as_view(), name="lost"),
            path("first-codes/", views.FirstCodesView.as_view(), name="first_codes"),
            path("log/", views.AuditLogView.as_view(), name="log"),
        ]


class RoleViewSet(RegisterModelViewSet):
    model = Role
    name = "members_roles"
    url_prefix = "roles"
    icon = "user"
    menu_label = _("职务")
    index_view_class = organisation_views.RoleIndexView
    history_view_class = organisation_views.RoleHistoryView
    mounted = ("index", "index_results", "history", "history_results")
    search_fields = ["member__name", "member__number", "organisation__name"]

    def get_form_class(self, for_update=False):
        return None

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", organisation_views.AppointView.as_view(), name="add"),
            path("<int:pk>/end/", organisation_views.EndTermView.as_view(), name="end"),
            path("<int:pk>/hand-over/", organisation_views.HandOverView.as_view(), name="hand_over"),
            path("<int:pk>/history/", self.history_view, name="history"),
            path("<int:pk>/history/results/", self.history_results_view, name="history_results"),
        ]


class LinkViewSet(ViewSet):
    """A menu entry for one page of another viewset (the lost-contact register, the codes, the
    audit log), so that they appear in the 组织管理 menu."""

    menu_item_class = RoleHolderMenuItem

    def __init__(self, name, *, url_name, label, icon, order):
        super().__init__(name)
        self.url_name, self.menu_label, self.icon, self.menu_order = url_name, label, icon, order

    @property
    def menu_url(self):
        return reverse(self.url_name)

    def get_urlpatterns(self):
        return []


class RegisterGroup(ViewSetGroup):
    menu_label = _("组织管理")
    menu_icon = "group"
    menu_order = 240
    items = (
        OrganisationViewSet,
        MemberRegisterViewSet,
        RoleViewSet,
        LinkViewSet("members_lost_link", url_name="members_register:lost", label=_("失联党员"),
                    icon="warning", order=4),
        LinkViewSet("members_codes_link", url_name="members_register:first_codes",
                    label=_("初次登录码"), icon="key", order=5),
        LinkViewSet("members_log_link", url_name="members_register:log", label=_("操作记录"),
                    icon="history", order=6),
    )
