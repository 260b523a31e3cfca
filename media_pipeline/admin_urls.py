"""Admin URLs of the media side, registered under /admin/media-upload/ by wagtail_hooks.py (so
Wagtail's admin access check wraps them like every other admin page): the upload page and its S3
helpers, the processing status the editors' pages poll, and the editor's retry."""

from django.urls import path

from . import views

app_name = "media_pipeline_admin"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("s3/presign/", views.presign_s3_upload, name="presign_s3"),
    path("s3/complete/", views.complete_s3_upload, name="complete_s3"),
    path("<int:media_id>/status/", views.status, name="status"),
    path("<int:media_id>/retry/", views.retry, name="retry"),
]
