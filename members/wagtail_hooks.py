"""Wagtail admin: the secretaries' learning-record pages."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from members import admin_urls, scoping


class ReportsMenuItem(MenuItem):
    def is_shown(self, request):
        return scoping.can_see_reports(request.user)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("learning/", include(admin_urls, namespace="members_admin"))]


@hooks.register("register_admin_menu_item")
def register_menu_item():
    return ReportsMenuItem(_("学习记录"), reverse("members_admin:index"), icon_name="table", order=250)
