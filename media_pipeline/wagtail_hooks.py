"""Wagtail admin hooks: the media admin pages under /admin/media-upload/, a menu entry for the
upload page (large files, progress bar) and the dashboard panel of failed media."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtailmedia import get_permission_policy

from . import admin_urls
from .dashboard import FailedMediaPanel
from .models import ProcessingState


@hooks.register("register_admin_urls")
def register_media_admin_urls():
    return [path("media-upload/", include(admin_urls, namespace="media_pipeline_admin"))]


class UploadMenuItem(MenuItem):
    def is_shown(self, request):
        return get_permission_policy().user_has_permission(request.user, "add")


@hooks.register("register_admin_menu_item")
def register_upload_menu_item():
    return UploadMenuItem(
        _("上传课程媒体"), reverse("media_pipeline_admin:upload"), icon_name="upload", order=301
    )


@hooks.register("construct_homepage_panels")
def add_failed_media_panel(request, panels):
    panels.append(FailedMediaPanel())  # shows only media the user may change, nothing if none failed


@hooks.register("construct_media_chooser_queryset")
def hide_failed_media(media_files, request):
    """A failed upload never plays: offered in a lesson's chooser it only makes a lesson that tells
    members "未能处理成功". It stays in the media listing, where the editor can retry or replace it."""
    return media_files.exclude(processing_state=ProcessingState.FAILED)
