"""Wagtail admin: "制作光盘镜像" / "制作U盘包" on course, lesson and playlist pages (page header and
the listing's "more" menu), the offline-copies pages, and their menu entry."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from . import admin_urls, permissions
from .services import OFFLINE_PAGE_TYPES
from .views import page_action_url


@hooks.register("register_admin_urls")
def register_offline_urls():
    return [path("offline/", include(admin_urls, namespace="offline_admin"))]


class OfflineMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_see_admin_pages(request.user)


@hooks.register("register_admin_menu_item")
def register_offline_menu_item():
    return OfflineMenuItem(_("光盘与U盘"), reverse("offline_admin:index"), icon_name="download",
                           order=310)


def _buttons(page, user, priority):
    if page.specific_class is None or page.specific_class._meta.model_name not in OFFLINE_PAGE_TYPES:
        return []
    # Cached on the user: a page listing asks once per row.
    allowed = getattr(user, "_offline_can_make", None)
    if allowed is None:
        allowed = user._offline_can_make = permissions.can_make(user)
    if not allowed:
        return []
    return [
        Button(_("制作光盘镜像"), page_action_url("disc", page),
               icon_name="media", priority=priority),
        Button(_("制作U盘包"), page_action_url("usb", page), icon_name="download", priority=priority + 1),
        Button(_("制作MP3音频包"), page_action_url("mp3", page), icon_name="download", priority=priority + 2),
    ]


@hooks.register("register_page_listing_more_buttons")
def offline_listing_buttons(page, user, next_url=None):
    yield from _buttons(page, user, 80)


@hooks.register("register_page_header_buttons")
def offline_header_buttons(page, user, view_name=None, next_url=None):
    yield from _buttons(page, user, 80)
