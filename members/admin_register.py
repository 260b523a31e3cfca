"""The register in the Wagtail admin: members (profile, status, transfers, password resets, the
lost-contact register, first sign-in codes) and the audit log of everything in scope.

Every view is a Wagtail generic view (or WagtailAdminTemplateMixin over a Django one) with
RegisterAdminMixin in front: LearningAdminMixin's scope (members.scoping), plus what the viewer
may change. Seeing is `visible_*`; changing a member is `managed_members`; anything outside the
viewer's scope is a 404, anything they see but may not change is refused (PermissionDenied,
which Wagtail answers with a redirect to the dashboard and a message).
"""

import django_filters
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, Count, Max, Q
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn, UserColumn
from wagtail.admin.views.generic import BaseListingView, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.models import CreateView, EditView, IndexView, InspectView
from wagtail.admin.widgets.button import Button
from wagtail.models import ModelLogEntry

from members import accounts, activity, printing, register, scoping
from members.admin_views import LearningAdminMixin, TableReportView
from members.models import LostContact, Member, Organisation, Role
from members.register_forms import (
    AttemptForm,
    StatusForm,
    TransferForm,
    TransferOutForm,
)
from members.reports import Table

Status = Member.Status
PAGE_SIZE = 50


class NoCopyOrDeleteMixin:
    """Register listings offer no copy and no delete: a register keeps its rows (a member leaves
    by transfer, an organisation by closing, a role by ending its term)."""

    def get_copy_url(self, instance):
        return None

    def get_delete_url(self, instance):
        return None


class RegisterAdminMixin(LearningAdminMixin):
    """LearningAdminMixin's scope and what the viewer may change in it."""

    @cached_property
    def managed_members(self):
        return scoping.managed_members(self.request.user)

    @cached_property
    def managed_organisations(self):
        return scoping.managed_organisations(self.request.user)

    @cached_property
    def administered_organisations(self):
        return scoping.administered_organisations(self.request.user)

    def member_in_scope(self, pk, *, manage=False):
        """The member `pk` if the viewer sees them (404 otherwise); with `manage`, the viewer must
        also keep their register (refused otherwise) and they must not be read-only."""
        member = get_object_or_404(self.visible_members.select_related("branch", "user"), pk=pk)
        if manage:
            if not self.managed_members.filter(pk=member.pk).exists():
                raise PermissionDenied("sees this member but does not keep their register")
            if member.is_read_only:
                raise PermissionDenied("transferred out: read-only")
        return member


class PageTitleMixin:
    """A page of its own under the admin's home breadcrumb, titled by page_title."""

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]


class OperationMixin(RegisterAdminMixin, WagtailAdminTemplateMixin):
    """A form on one member (status, transfer, lost-contact attempt …), on Wagtail's form page."""

    template_name = "members/admin/operation.html"
    header_icon = "user"
    submit_button_label = gettext_lazy("保存")
    manage = True
    intro = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.member = self.member_in_scope(kwargs["pk"], manage=self.manage)

    def get_page_subtitle(self):
        return str(self.member)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("members_register:index"), "label": _("党员")},
            {"url": reverse("members_register:inspect", args=[self.member.pk]),
             "label": str(self.member)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "member": self.member, "action_url": self.request.get_full_path(),
            "submit_button_label": self.submit_button_label, "intro": self.intro,
        }

    def done(self, message):
        messages.success(self.request, message)
        return redirect("members_register:inspect", self.member.pk)

    def form_valid(self, form):
        try:
            return self.act(form.cleaned_data)
        except ValidationError as error:
            for text in error.messages:
                form.add_error(None, text)
            return self.form_invalid(form)


# ---- the member listing, add, edit, inspect, history ---------------------------------------


class MemberFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"), method="filter_status",
        choices=[("current", gettext_lazy("在册（正常、流动、失联、出国境）")), *Status.choices,
                 ("all", gettext_lazy("全部"))],
        empty_label=None,
    )
    organisation = django_filters.ModelChoiceFilter(
        label=gettext_lazy("党组织（含下级）"), queryset=Organisation.objects.none(),
        method="filter_organisation",
    )
    is_housebound = django_filters.BooleanFilter(label=gettext_lazy("年老体弱"))
    is_probationary = django_filters.BooleanFilter(label=gettext_lazy("预备党员"))

    class Meta:
        model = Member
        fields = ["status", "organisation", "is_housebound", "is_probationary"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        data = data.copy() if data is not None else None
        if data is not None and not data.get("status"):
            data["status"] = "current"
        super().__init__(data, *args, request=request, **kwargs)
        self.form.fields["organisation"].queryset = scoping.visible_organisations(
            request.user
        ).order_by("path")

    def filter_status(self, queryset, name, value):
        if value == "current":
            return queryset.filter(status__in=Member.CURRENT)
        if value == "all":
            return queryset
        return queryset.filter(status=value)

    def filter_organisation(self, queryset, name, value):
        return queryset.filter(branch__path__startswith=value.path) if value else queryset


class MemberIndexView(NoCopyOrDeleteMixin, RegisterAdminMixin, IndexView):
    filterset_class = MemberFilterSet
    search_fields = ["name", "number", "phone"]
    default_ordering = "branch__path"
    paginate_by = PAGE_SIZE
    page_title = gettext_lazy("党员")

    def get_base_queryset(self):
        return self.visible_members.select_related("branch").order_by("branch__path", "number")

    def get_valid_orderings(self):
        return ["branch__path", "number", "-number", "name", "-name"]

    @cached_property
    def columns(self):
        return [
            self._get_title_column_class(TitleColumn)(
                "name", label=_("姓名"), get_url=self.get_inspect_url, sort_key="name"),
            Column("number", label=_("党员编号"), sort_key="number"),
            Column("branch", label=_("所在支部"), accessor="branch.name"),
            Column("phone", label=_("手机号")),
            Column("status", label=_("状态"), accessor="get_status_display"),
            Column("flags", label=_("情况"), accessor=_flags),
        ]

    def get_add_url(self):
        if scoping.can_manage(self.request.user):
            return reverse("members_register:add")

    def get_edit_url(self, instance):
        if not instance.is_read_only and self.managed_members.filter(pk=instance.pk).exists():
            return reverse("members_register:edit", args=[instance.pk])

    def get_inspect_url(self, instance):
        return reverse("members_register:inspect", args=[instance.pk])

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        for label, url, icon in member_actions(self, instance):
            buttons.append(Button(label, url=url, icon_name=icon, priority=40))
        return buttons


def _flags(member):
    return "、".join(
        str(label) for on, label in (
            (member.is_probationary, _("预备党员")), (member.is_housebound, _("年老体弱")),
        ) if on
    )


def member_actions(view, member):
    """(label, url, icon) of what the viewer may do with a member."""
    actions = [(_("学习记录"), reverse("members_admin:member", args=[member.pk]), "table")]
    manages = not member.is_read_only and view.managed_members.filter(pk=member.pk).exists()
    if manages:
        actions += [
            (_("变更状态"), reverse("members_register:status", args=[member.pk]), "tag"),
            (_("组织关系转接"), reverse("members_register:transfer", args=[member.pk]), "arrow-right"),
            (_("转出本县"), reverse("members_register:transfer_out", args=[member.pk]), "logout"),
            (_("重置密码"), reverse("members_register:reset_password", args=[member.pk]), "key"),
        ]
        if member.status == Status.LOST:
            actions.append((_("失联记录"), reverse("members_register:lost_case", args=[member.pk]),
                            "warning"))
    actions.append((_("操作历史"), reverse("members_register:history", args=[member.pk]), "history"))
    return actions


class MemberFormMixin:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "branches": self.managed_organisations}


class MemberCreateView(RegisterAdminMixin, MemberFormMixin, CreateView):
    page_title = gettext_lazy("新增党员")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not scoping.can_manage(request.user):
            raise PermissionDenied("keeps no register")

    def get_success_url(self):
        return reverse("members_register:inspect", args=[self.object.pk])


class MemberEditView(RegisterAdminMixin, MemberFormMixin, EditView):
    def get_queryset(self):
        return self.managed_members.exclude(status=Status.TRANSFERRED_OUT)

    def get_object(self, queryset=None):
        pk = self.kwargs["pk"]
        if not self.visible_members.filter(pk=pk).exists():
            raise Http404("member not in scope")
        member = self.get_queryset().filter(pk=pk).first()
        if member is None:
            raise PermissionDenied("may not change this member")
        return member

    def get_success_url(self):
        return reverse("members_register:inspect", args=[self.object.pk])


class MemberInspectView(RegisterAdminMixin, InspectView):
    """The member's register entry, with transfers, roles and the actions the viewer may take;
    also the read-only page of a member transferred out."""

    template_name = "members/admin/member_inspect.html"
    FIELDS = ["number", "name", "gender", "birth_date", "phone", "branch", "joined_on",
              "full_member_on", "is_probationary", "is_housebound", "status", "status_since",
              "status_note", "migrant_workplace", "migrant_contact"]

    def get_fields(self):
        return self.FIELDS

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return "—" if value is None or value == "" else value

    def get_object(self, queryset=None):
        return get_object_or_404(self.visible_members.select_related("branch"), pk=self.pk)

    def get_edit_url(self):
        if not self.object.is_read_only and self.managed_members.filter(pk=self.object.pk).exists():
            return reverse("members_register:edit", args=[self.object.pk])

    def get_delete_url(self):
        return None

    def get_context_data(self, **kwargs):
        member = self.object
        return {
            **super().get_context_data(**kwargs),
            "member": member,
            "actions": member_actions(self, member),
            "transfers": member.transfers.select_related("from_organisation", "to_organisation"),
            "roles": member.roles.select_related("organisation").order_by("-started_on"),
            "last_activity": _last_activity(member),
            "case": register.open_case(member),
        }


def _last_activity(member):
    return activity.last_activity(Member.objects.filter(pk=member.pk)).get(member.pk)


class MemberHistoryView(RegisterAdminMixin, HistoryView):
    def get_base_object_queryset(self):
        return self.visible_members


# ---- status, transfers, password reset, the lost-contact register --------------------------


class StatusView(OperationMixin, FormView):
    form_class = StatusForm
    page_title = gettext_lazy("变更状态")
    intro = gettext_lazy("失联：登记失联日期和最后联系方式，进入失联党员名单；由失联改为其他状态即为恢复联系。"
                         "停止党籍、已去世：账号停用，职务终止。转出请用“转出本县”。")

    def get_initial(self):
        m = self.member
        return {"status": m.status, "workplace": m.migrant_workplace, "contact": m.migrant_contact,
                "since": timezone.localdate()}

    def act(self, data):
        register.change_status(
            self.member, status=data["status"], since=data["since"], note=data["note"],
            workplace=data["workplace"], contact=data["contact"],
            last_known_contact=data["last_known_contact"], by=self.request.user,
        )
        return self.done(_("已将 %(name)s 的状态改为“%(status)s”。")
                         % {"name": self.member.name, "status": self.member.get_status_display()})


class TransferView(OperationMixin, FormView):
    form_class = TransferForm
    page_title = gettext_lazy("组织关系转接")
    intro = gettext_lazy("在本县党组织之间转接：党员的学习记录随本人转入新组织，转接记录保留。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "member": self.member}

    def act(self, data):
        origin = self.member.branch.name
        register.transfer(self.member, data["to"], date=data["date"], note=data["note"],
                          by=self.request.user)
        return self.done(_("%(name)s 已从 %(from)s 转接到 %(to)s。")
                         % {"name": self.member.name, "from": origin, "to": data["to"].name})


class TransferOutView(OperationMixin, FormView):
    form_class = TransferOutForm
    page_title = gettext_lazy("转出本县")
    intro = gettext_lazy("转出后，该党员的档案和学习记录保留为只读，账号停用，所任职务终止。")

    def act(self, data):
        register.transfer_out(self.member, destination=data["destination"], date=data["date"],
                              note=data["note"], by=self.request.user)
        return self.done(_("%(name)s 已转出到 %(to)s。")
                         % {"name": self.member.name, "to": data["destination"]})



@method_decorator(never_cache, name="dispatch")
class ResetPasswordView(OperationMixin, TemplateView):
    """A confirmation page; the POST resets and shows the one-time code, once (the page is not
    cached and a reload asks again)."""

    template_name = "members/admin/reset_password.html"
    page_title = gettext_lazy("重置密码")

    def post(self, request, *args, **kwargs):
        try:
            code = accounts.reset_password(self.member, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("members_register:inspect", self.member.pk)
        return self.render_to_response(self.get_context_data(
            code=code, valid_days=accounts.CODE_VALID_DAYS,
        ))


class LostCaseView(OperationMixin, FormView):
    """A lost member's case: when contact was lost, the last known contact, every attempt to
    reach them; a new attempt (reached: the member is back, status 正常)."""

    template_name = "members/admin/lost_case.html"
    form_class = AttemptForm
    page_title = gettext_lazy("失联记录")
    submit_button_label = gettext_lazy("登记联系情况")

    def get_context_data(self, **kwargs):
        cases = self.member.lost_contacts.prefetch_related("attempts").order_by("-lost_since")
        return {**super().get_context_data(**kwargs), "cases": cases,
                "open": register.open_case(self.member)}

    def act(self, data):
        register.log_attempt(
            self.member, date=data["date"], method=data["method"], by_name=data["by_name"],
            result=data["result"], reached=data["reached"], by=self.request.user,
        )
        if data["reached"]:
            register.reconnect(self.member, on=data["date"], note=data["result"],
                               by=self.request.user)
            return self.done(_("已恢复与 %(name)s 的联系。") % {"name": self.member.name})
        messages.success(self.request, _("已登记联系情况。"))
        return redirect("members_register:lost_case", self.member.pk)


class LostRegisterView(PageTitleMixin, RegisterAdminMixin, WagtailAdminTemplateMixin, TemplateView):
    """失联党员: who is lost in the chosen organisation's subtree, since when, what was tried; the
    counts per branch and in all: lost now, reconnected this year."""

    template_name = "members/admin/lost_register.html"
    page_title = gettext_lazy("失联党员")
    header_icon = "warning"

    def get_context_data(self, **kwargs):
        org = self.organisation
        rows, totals = register.lost_counts(org, self.visible_members)
        lost = (
            self.organisation_members.filter(status=Status.LOST).select_related("branch")
            .order_by("branch__path", "number")
        )
        cases = {
            case.member_id: case
            for case in register_cases(lost)
        }
        return {
            **super().get_context_data(**kwargs),
            "org": org, "organisations": self.organisation_choices(),
            "rows": rows, "totals": totals, "year": timezone.localdate().year,
            "lost": [(m, cases.get(m.pk)) for m in lost],
        }


def register_cases(members):
    """The open lost-contact cases of `members`, with the number and date of attempts."""
    return LostContact.objects.filter(member__in=members, reconnected_on=None).annotate(
        tries=Count("attempts"), last_try=Max("attempts__date"),
    )


class FirstCodesView(PageTitleMixin, RegisterAdminMixin, WagtailAdminTemplateMixin, TemplateView):
    """初次登录码: members who have never signed in (imported or added without a password), per
    branch; printing a branch's list (XLSX, one sheet per branch) issues new codes for them,
    replacing any printed before."""

    template_name = "members/admin/first_codes.html"
    page_title = gettext_lazy("初次登录码")
    header_icon = "key"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not scoping.can_manage(request.user):
            raise PermissionDenied("keeps no register")

    @cached_property
    def organisation(self):
        org = super().organisation
        if not self.managed_organisations.filter(pk=org.pk).exists():
            raise PermissionDenied("does not keep this organisation's register")
        return org

    def get_context_data(self, **kwargs):
        org = self.organisation
        waiting = accounts.awaiting_first_sign_in(
            self.managed_members.filter(branch__path__startswith=org.path)
        )
        counts = dict(waiting.values("branch_id").annotate(n=Count("pk")).values_list("branch_id", "n"))
        branches = Organisation.objects.filter(pk__in=counts).order_by("path")
        return {
            **super().get_context_data(**kwargs),
            "org": org, "organisations": self.managed_organisations.order_by("path"),
            "rows": [(b, counts[b.pk]) for b in branches], "total": sum(counts.values()),
            "valid_days": accounts.CODE_VALID_DAYS,
        }

    def post(self, request, *args, **kwargs):
        org = self.organisation
        issued = accounts.issue_first_codes(org, by=request.user)
        if not issued:
            messages.info(request, _("%(org)s 没有等待初次登录的党员。") % {"org": org.name})
            return redirect(f"{reverse('members_register:first_codes')}?org={org.pk}")
        login_url = request.build_absolute_uri(reverse("members:login"))
        return printing.first_codes_response(issued, organisation=org, login_url=login_url)


class AuditLogView(PageTitleMixin, RegisterAdminMixin, BaseListingView):
    """操作记录: Wagtail's audit log of the organisations, members and roles the viewer sees —
    who did what, when."""

    page_title = gettext_lazy("操作记录")
    header_icon = "history"
    paginate_by = PAGE_SIZE

    @cached_property
    def columns(self):
        return [
            DateColumn("timestamp", label=_("时间")),
            UserColumn("user", label=_("操作人")),
            Column("object", label=_("对象"), accessor="label"),
            Column("action", label=_("操作"), accessor=_action_label),
            Column("message", label=_("内容"), accessor="message"),
        ]

    def get_base_queryset(self):
        def ids(queryset):
            return queryset.annotate(text_pk=Cast("pk", CharField())).values("text_pk")

        types = ContentType.objects.get_for_models(Member, Organisation, Role)
        return (
            ModelLogEntry.objects.filter(
                Q(content_type=types[Member], object_id__in=ids(self.visible_members))
                | Q(content_type=types[Organisation], object_id__in=ids(self.visible_organisations))
                | Q(content_type=types[Role], object_id__in=ids(scoping.visible_roles(self.request.user)))
            )
            .select_related("user", "content_type")
            .order_by("-timestamp", "-pk")
        )


def _action_label(entry):
    formatter = entry.formatter
    return formatter.label if formatter is not None else entry.action


class QuietView(TableReportView):
    """长期未学习: members of the chosen organisation with no activity for N months (3 by
    default), with phone and status; exports like every report."""

    template_name = "members/admin/quiet.html"

    @cached_property
    def months(self):
        try:
            return min(max(int(self.request.GET.get("months", 3)), 1), 24)
        except ValueError:
            return 3

    def get_report(self):
        return quiet_table(self.organisation, self.months, self.visible_members)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "months": self.months,
                "month_choices": (1, 2, 3, 6, 12)}


def quiet_table(organisation, months, members):
    statuses = dict(Status.choices)
    rows = [
        [r["number"], r["name"], r["branch"], r["phone"] or "", str(statuses[r["status"]]),
         r["last_activity"].isoformat() if r["last_activity"] else _("从未")]
        for r in activity.quiet_members(organisation, months=months, members=members)
    ]
    return Table(
        title=_("%(org)s %(n)d 个月以上未学习的党员") % {"org": organisation.name, "n": months},
        headings=[_("党员编号"), _("姓名"), _("所在支部"), _("手机号"), _("状态"), _("最后学习日期")],
        rows=rows,
        filename=f"quiet-{organisation.pk}-{months}m",
    )
