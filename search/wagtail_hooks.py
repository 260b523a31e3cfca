"""Wagtail admin: the regulation upload for editors."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


class UploadMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_import(request.user)


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = ([path("", admin_views.upload, name="upload")], "regulations_admin")
    return [path("regulations/", include(urls))]


@hooks.register("register_admin_menu_item")
def register_menu_item():
    return UploadMenuItem(_("党章党规"), reverse("regulations_admin:upload"), icon_name="doc-full", order=260)
