"""URLs of the media side: the upload page and its S3 helpers, status, retry, signed playlists."""

from django.urls import path

from . import views

app_name = "media_pipeline"

urlpatterns = [
    path("media-upload/", views.upload, name="upload"),
    path("media-upload/s3/presign/", views.presign_s3_upload, name="presign_s3"),
    path("media-upload/s3/complete/", views.complete_s3_upload, name="complete_s3"),
    path("media-upload/<int:media_id>/status/", views.status, name="status"),
    path("media-upload/<int:media_id>/retry/", views.retry, name="retry"),
    path("media-hls/<int:media_id>/<path:path>", views.hls_playlist, name="hls"),
]
