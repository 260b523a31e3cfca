"""The admin side of supervision: the county's settings (the inspection checklist, the ranking's
and the vanguard index's rules) as model viewsets for administrators, and a menu item taking
role holders to the oversight pages (/supervision/), where the office work is done at a desk or
on a phone, scoped by members.scoping: the month at a glance with its bulletin buttons,
inspections and rectification, the ranking."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from members.viewsets import RoleHolderMenuItem
from supervision.models import BranchRule, ChecklistItem, MemberRule


class ChecklistItemViewSet(ModelViewSet):
    model = ChecklistItem
    icon = "tasks"
    menu_label = _("督查清单")
    list_display = ["organisation", "sort_order", "text", "active"]
    form_fields = ["organisation", "sort_order", "text", "active"]


class BranchRuleViewSet(ModelViewSet):
    model = BranchRule
    icon = "list-ol"
    menu_label = _("支部排位规则")
    list_display = ["organisation", "kind", "points", "threshold"]
    form_fields = ["organisation", "kind", "points", "threshold"]


class MemberRuleViewSet(ModelViewSet):
    model = MemberRule
    icon = "user"
    menu_label = _("先锋指数规则")
    list_display = ["organisation", "kind", "points", "cap"]
    form_fields = ["organisation", "kind", "points", "cap"]


class SupervisionSettings(ModelViewSetGroup):
    menu_label = _("督查考核设置")
    menu_icon = "cogs"
    menu_order = 320
    items = (ChecklistItemViewSet("supervision_checklist"), BranchRuleViewSet("supervision_branch_rules"),
             MemberRuleViewSet("supervision_member_rules"))


@hooks.register("register_admin_viewset")
def register_settings():
    return SupervisionSettings()


@hooks.register("register_admin_menu_item")
def register_menu_item():
    return RoleHolderMenuItem(_("督查考核"), reverse("supervision:month"), icon_name="view",
                              order=315)
