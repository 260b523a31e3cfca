"""The organisation tree and the roles held in it, in the Wagtail admin (RegisterAdminMixin's
scope): list, add, edit, move and close organisations; appoint, end a term, hand over roles.
The work is done by members.organisations and members.roles, which log it."""

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.models import CreateView, EditView, IndexView
from wagtail.admin.widgets.button import Button

from members import organisations, roles, scoping
from members.admin_register import PAGE_SIZE, NoCopyOrDeleteMixin, RegisterAdminMixin
from members.models import Member, Organisation, Role
from members.register_forms import (
    AppointForm,
    CloseForm,
    EndTermForm,
    HandOverForm,
    MoveForm,
)

# ---- organisations --------------------------------------------------------------------------


class OrganisationFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"), method="filter_state", empty_label=None,
        choices=[("open", gettext_lazy("现有")), ("closed", gettext_lazy("已撤销")),
                 ("all", gettext_lazy("全部"))],
    )
    kind = django_filters.ChoiceFilter(label=gettext_lazy("类型"), choices=Organisation.Kind.choices)

    class Meta:
        model = Organisation
        fields = ["state", "kind"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else None
        if data is not None and not data.get("state"):
            data["state"] = "open"
        super().__init__(data, *args, **kwargs)

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(closed_on=None)
        if value == "closed":
            return queryset.exclude(closed_on=None)
        return queryset


def _indented(org):
    return "　" * max(org.depth - 1, 0) + org.name


class OrganisationIndexView(NoCopyOrDeleteMixin, RegisterAdminMixin, IndexView):
    """The tree as far as the viewer sees it, in tree order, indented."""

    filterset_class = OrganisationFilterSet
    search_fields = ["name", "code"]
    paginate_by = 300
    page_title = gettext_lazy("党组织")
    default_ordering = "path"

    def get_base_queryset(self):
        return self.visible_organisations.annotate(
            headcount=Count("members", filter=Q(members__status__in=Member.CURRENT)),
        ).order_by("path")

    def get_valid_orderings(self):
        return ["path"]

    @cached_property
    def columns(self):
        return [
            self._get_title_column_class(TitleColumn)("name", label=_("名称"), accessor=_indented,
                                                      get_url=self.get_edit_url),
            Column("kind", label=_("类型"), accessor="get_kind_display"),
            Column("code", label=_("编号")),
            Column("headcount", label=_("党员数")),
            Column("contact_phone", label=_("联系电话")),
            Column("closed_on", label=_("撤销日期")),
        ]

    @cached_property
    def administered_ids(self):
        return set(self.administered_organisations.values_list("pk", flat=True))

    @cached_property
    def managed_ids(self):
        return set(self.managed_organisations.values_list("pk", flat=True))

    def get_add_url(self):
        if self.managed_ids:
            return reverse("members_organisations:add")

    def get_edit_url(self, instance):
        if instance.pk in self.administered_ids and instance.is_open:
            return reverse("members_organisations:edit", args=[instance.pk])

    def get_inspect_url(self, instance):
        return None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        extra = []
        if instance.is_open and instance.pk in self.managed_ids:
            extra.append((_("添加下级组织"), reverse("members_organisations:add") + f"?parent={instance.pk}", "plus"))
        if instance.is_open and instance.pk in self.administered_ids:
            extra += [
                (_("移动"), reverse("members_organisations:move", args=[instance.pk]), "arrow-right"),
                (_("撤销"), reverse("members_organisations:close", args=[instance.pk]), "bin"),
            ]
        extra += [
            (_("党员"), reverse("members_register:index") + f"?organisation={instance.pk}", "group"),
            (_("职务"), reverse("members_roles:index") + f"?organisation={instance.pk}", "user"),
            (_("操作历史"), reverse("members_organisations:history", args=[instance.pk]), "history"),
        ]
        buttons += [Button(label, url=url, icon_name=icon, priority=40) for label, url, icon in extra]
        return buttons


class OrganisationCreateView(RegisterAdminMixin, CreateView):
    page_title = gettext_lazy("新增党组织")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not self.managed_organisations.exists() and not self.top_allowed:
            raise PermissionDenied("keeps no organisation")

    @cached_property
    def top_allowed(self):
        return organisations.may_add_under(self.request.user, None)

    def get_initial(self):
        parent = self.request.GET.get("parent")
        return {"parent": parent} if parent and parent.isdigit() else {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "parents": self.managed_organisations,
                "top_allowed": self.top_allowed}

    def save_instance(self):
        data = self.form.cleaned_data
        return organisations.add(
            data.get("parent"), by=self.request.user,
            **{k: data[k] for k in organisations.FIELDS},
        )

    def get_success_url(self):
        return reverse("members_organisations:index")


class OrganisationEditView(RegisterAdminMixin, EditView):
    def get_object(self, queryset=None):
        org = get_object_or_404(self.visible_organisations, pk=self.kwargs["pk"])
        if not (org.is_open and self.administered_organisations.filter(pk=org.pk).exists()):
            raise PermissionDenied("may not change this organisation")
        return org

    def save_instance(self):
        data = self.form.cleaned_data
        return organisations.update(self.object, by=self.request.user,
                                    **{k: data[k] for k in organisations.FIELDS})

    def get_success_url(self):
        return reverse("members_organisations:index")


class OrganisationHistoryView(RegisterAdminMixin, HistoryView):
    def get_base_object_queryset(self):
        return self.visible_organisations


class OrganisationOperationView(RegisterAdminMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "members/admin/operation.html"
    header_icon = "folder-open-inverse"
    submit_button_label = gettext_lazy("保存")
    intro = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.org = get_object_or_404(self.visible_organisations, pk=kwargs["pk"])
        if not (self.org.is_open and self.administered_organisations.filter(pk=self.org.pk).exists()):
            raise PermissionDenied("may not change this organisation")

    def get_page_subtitle(self):
        return self.org.name

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("members_organisations:index"), "label": _("党组织")},
            {"url": "", "label": self.get_page_title(), "sublabel": self.org.name},
        ]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "organisation": self.org,
                "action_url": self.request.get_full_path(), "intro": self.get_intro(),
                "submit_button_label": self.submit_button_label}

    def get_intro(self):
        return self.intro

    def form_valid(self, form):
        try:
            self.act(form.cleaned_data)
        except ValidationError as error:
            for text in error.messages:
                form.add_error(None, text)
            return self.form_invalid(form)
        return redirect("members_organisations:index")


class OrganisationMoveView(OrganisationOperationView):
    form_class = MoveForm
    page_title = gettext_lazy("移动党组织")
    submit_button_label = gettext_lazy("移动")
    intro = gettext_lazy("连同全部下级组织和党员一起移到新的上级组织之下。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organisation": self.org,
                "parents": self.managed_organisations,
                "top_allowed": organisations.may_add_under(self.request.user, None)}

    def act(self, data):
        organisations.move(self.org, data["parent"], by=self.request.user)
        messages.success(self.request, _("已移动 %(name)s。") % {"name": self.org.name})


class OrganisationCloseView(OrganisationOperationView):
    form_class = CloseForm
    page_title = gettext_lazy("撤销党组织")
    submit_button_label = gettext_lazy("撤销")

    def get_intro(self):
        reasons = organisations.closing_blockers(self.org)
        if reasons:
            return _("暂不能撤销：") + " ".join(reasons)
        return _("撤销后该组织保留在历史记录中，不再接收党员和职务；在该组织的职务随之结束。")

    def act(self, data):
        organisations.close(self.org, on=data["on"], by=self.request.user)
        messages.success(self.request, _("已撤销 %(name)s。") % {"name": self.org.name})


# ---- roles -----------------------------------------------------------------------------------


class RoleFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("任期"), method="filter_state", empty_label=None,
        choices=[("current", gettext_lazy("在任")), ("ended", gettext_lazy("已离任")),
                 ("all", gettext_lazy("全部"))],
    )
    kind = django_filters.ChoiceFilter(label=gettext_lazy("职务"), choices=Role.Kind.choices)
    organisation = django_filters.ModelChoiceFilter(
        label=gettext_lazy("党组织（含下级）"), queryset=Organisation.objects.none(),
        method="filter_organisation",
    )

    class Meta:
        model = Role
        fields = ["state", "kind", "organisation"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        data = data.copy() if data is not None else None
        if data is not None and not data.get("state"):
            data["state"] = "current"
        super().__init__(data, *args, request=request, **kwargs)
        self.form.fields["organisation"].queryset = scoping.visible_organisations(
            request.user).order_by("path")

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        if value == "current":
            return queryset.filter(Q(ended_on=None) | Q(ended_on__gte=today))
        if value == "ended":
            return queryset.filter(ended_on__lt=today)
        return queryset

    def filter_organisation(self, queryset, name, value):
        return queryset.filter(organisation__path__startswith=value.path) if value else queryset


class RoleIndexView(NoCopyOrDeleteMixin, RegisterAdminMixin, IndexView):
    filterset_class = RoleFilterSet
    search_fields = ["member__name", "member__number", "organisation__name"]
    paginate_by = PAGE_SIZE
    page_title = gettext_lazy("职务")
    default_ordering = "organisation__path"

    def get_base_queryset(self):
        return scoping.visible_roles(self.request.user).select_related("member", "organisation")

    def get_valid_orderings(self):
        return ["organisation__path", "-started_on", "started_on"]

    @cached_property
    def columns(self):
        return [
            self._get_title_column_class(TitleColumn)(
                "member", label=_("党员"), accessor="member.name",
                get_url=lambda role: reverse("members_register:inspect", args=[role.member_id])),
            Column("organisation", label=_("党组织"), accessor="organisation.name"),
            Column("kind", label=_("职务"), accessor="get_kind_display"),
            DateColumn("started_on", label=_("任职日期"), sort_key="started_on"),
            Column("ended_on", label=_("离任日期")),
        ]

    @cached_property
    def administered_ids(self):
        return set(self.administered_organisations.values_list("pk", flat=True))

    def get_add_url(self):
        if self.administered_ids:
            return reverse("members_roles:add")

    def get_edit_url(self, instance):
        return None

    def get_inspect_url(self, instance):
        return None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.ended_on is None and instance.organisation_id in self.administered_ids:
            buttons += [
                Button(_("离任"), url=reverse("members_roles:end", args=[instance.pk]),
                       icon_name="logout", priority=40),
                Button(_("交接"), url=reverse("members_roles:hand_over", args=[instance.pk]),
                       icon_name="arrow-right", priority=40),
            ]
        buttons.append(Button(_("操作历史"), url=reverse("members_roles:history", args=[instance.pk]),
                              icon_name="history", priority=50))
        return buttons


class RoleOperationView(RegisterAdminMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "members/admin/operation.html"
    header_icon = "user"
    submit_button_label = gettext_lazy("保存")
    intro = ""

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("members_roles:index"), "label": _("职务")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action_url": self.request.get_full_path(),
                "intro": self.intro, "submit_button_label": self.submit_button_label}

    def form_valid(self, form):
        try:
            message = self.act(form.cleaned_data)
        except ValidationError as error:
            for text in error.messages:
                form.add_error(None, text)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect("members_roles:index")


class AppointView(RoleOperationView):
    form_class = AppointForm
    page_title = gettext_lazy("任职")
    submit_button_label = gettext_lazy("任职")
    intro = gettext_lazy("书记、副书记和组织委员管理本组织及下级组织的党员名册；其他职务可查看。"
                         "县委组织部干部管理全县。")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not self.administered_organisations.exists():
            raise PermissionDenied("administers no organisation")

    def get_initial(self):
        org = self.request.GET.get("organisation")
        return {"organisation": org} if org and org.isdigit() else {}

    def get_form_kwargs(self):
        user = self.request.user
        return {**super().get_form_kwargs(), "members": self.visible_members,
                "organisations": self.administered_organisations,
                "county_roles": scoping.is_administrator(user) or scoping.is_county_officer(user)}

    def act(self, data):
        role = roles.appoint(member=data["member"], organisation=data["organisation"],
                             kind=data["kind"], started_on=data["started_on"], note=data["note"],
                             by=self.request.user)
        return _("%(name)s 已任 %(org)s %(kind)s。") % {
            "name": role.member.name, "org": role.organisation.name, "kind": role.get_kind_display()}


class RoleMixin:
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.role = get_object_or_404(
            scoping.visible_roles(request.user).select_related("member", "organisation"),
            pk=kwargs["pk"],
        )
        if not self.administered_organisations.filter(pk=self.role.organisation_id).exists():
            raise PermissionDenied("may not change roles in this organisation")
        if self.role.ended_on is not None:
            raise PermissionDenied("this term has ended")

    def get_page_subtitle(self):
        return str(self.role)


class EndTermView(RoleMixin, RoleOperationView):
    form_class = EndTermForm
    page_title = gettext_lazy("离任")
    submit_button_label = gettext_lazy("确认离任")

    def act(self, data):
        roles.end_term(self.role, ended_on=data["ended_on"], note=data["note"], by=self.request.user)
        return _("%(role)s 任期已结束。") % {"role": self.role}


class HandOverView(RoleMixin, RoleOperationView):
    form_class = HandOverForm
    page_title = gettext_lazy("职务交接")
    submit_button_label = gettext_lazy("交接")
    intro = gettext_lazy("现任者的任期在交接日期前一天结束，接任者从交接日期起任同一职务。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "members": self.visible_members}

    def act(self, data):
        new = roles.hand_over(self.role, successor=data["successor"], on=data["on"],
                              note=data["note"], by=self.request.user)
        return _("%(org)s %(kind)s 已交接给 %(name)s。") % {
            "org": new.organisation.name, "kind": new.get_kind_display(), "name": new.member.name}


class RoleHistoryView(RegisterAdminMixin, HistoryView):
    def get_base_object_queryset(self):
        return scoping.visible_roles(self.request.user)
