from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from dianke.api import api
from dianke.media import serve_signed

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("members.urls")),
    path("", include("branch_life.urls")),
    path("", include("quizzes.urls")),
    path("", include("supervision.urls")),
    path("", include("search.urls")),
    path("", include("media_pipeline.urls")),
    path("", include("lectures.offline.urls")),
    path("", include("lectures.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
if settings.DIANKE_SERVE_MEDIA:
    # Local media served by Django itself, only with a valid signature (dianke/media.py): the
    # embedded site and the tests. Production serves media from S3/MinIO with presigned URLs.
    urlpatterns += [re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve_signed)]

# Wagtail's page serving catches everything else, so it comes last.
urlpatterns += [path("", include(wagtail_urls))]
