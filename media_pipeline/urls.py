"""Public URLs of the media side: signed HLS playlists for the players. The admin pages (upload,
status, retry) are registered under /admin/media-upload/ by wagtail_hooks.py (admin_urls.py)."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "media_pipeline"

urlpatterns = [
    path("media-hls/<int:media_id>/<path:path>", views.hls_playlist, name="hls"),
    # The upload page lived here before it moved into the admin: bookmarks keep working.
    path("media-upload/", RedirectView.as_view(pattern_name="media_pipeline_admin:upload",
                                               permanent=True, query_string=True,
                                               http_method_names=["get", "head"])),
]
