"""The admin side of branch life: the county's settings (the activity-day rule, the 规定动作
template, holiday adjustments) as model viewsets for administrators, and a menu item that takes
role holders to their organisation's events (/activity/manage/), where the work is done on a
phone as well as at a desk."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from branch_life.models import ActivityRule, CalendarDay, RequiredAction
from members.viewsets import RoleHolderMenuItem


class ActivityRuleViewSet(ModelViewSet):
    model = ActivityRule
    icon = "date"
    menu_label = _("活动日规则")
    add_to_admin_menu = False
    list_display = ["organisation", "title", "day_of_month", "start_time", "non_working"]
    form_fields = ["organisation", "title", "day_of_month", "start_time", "duration_minutes",
                   "non_working", "place", "remote_days", "absence_limit_consecutive",
                   "absence_limit_year"]


class RequiredActionViewSet(ModelViewSet):
    model = RequiredAction
    icon = "list-ol"
    menu_label = _("规定动作")
    list_display = ["organisation", "sort_order", "title", "kind"]
    form_fields = ["organisation", "sort_order", "kind", "title"]


class CalendarDayViewSet(ModelViewSet):
    model = CalendarDay
    icon = "calendar-alt"
    menu_label = _("节假日调整")
    list_display = ["date", "working", "note"]
    form_fields = ["date", "working", "note"]


class BranchLifeSettings(ModelViewSetGroup):
    menu_label = _("组织生活设置")
    menu_icon = "date"
    menu_order = 310
    items = (ActivityRuleViewSet("activity_rules"), RequiredActionViewSet("required_actions"),
             CalendarDayViewSet("calendar_days"))


@hooks.register("register_admin_viewset")
def register_settings():
    return BranchLifeSettings()


@hooks.register("register_admin_menu_item")
def register_events_menu_item():
    return RoleHolderMenuItem(_("组织生活"), reverse("branch_life:manage"), icon_name="group",
                              order=305)
