"""The S3 path with the real django-storages backend against moto's server over HTTP: the worker
downloads the source, publishes renditions to the bucket, members get presigned URLs (fetched with
urllib), HLS playlists are re-signed, and the browser's presigned POST upload is accepted."""

import re
import urllib.request

import boto3
import pytest
import requests
from django.core.files.storage import default_storage
from django.urls import reverse

from media_pipeline.models import LectureMedia, ProcessingState

from .conftest import ffprobe

pytestmark = pytest.mark.django_db
BUCKET = "dianke-media-test"


@pytest.fixture
def s3_settings(moto_endpoint, settings):
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET, "endpoint_url": moto_endpoint, "region_name": "us-east-1",
                "access_key": "testing", "secret_key": "testing", "addressing_style": "path",
                "querystring_auth": True, "file_overwrite": False, "signature_version": "s3v4",
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return response.read()


def keys(client, prefix):
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def test_worker_publishes_renditions_to_s3_and_members_get_presigned_urls(
        s3_settings, small_clip, create_media, admin_web, tmp_path):
    media = create_media(small_clip)
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    assert media.processing_state == ProcessingState.READY, media.processing_error
    published = keys(s3_settings, media.renditions_prefix)
    assert media.renditions_prefix + "manifest.json" in published
    assert {media.output_name(o) for o in media.manifest["outputs"]} <= set(published)

    playback = media.playback()
    for kind in ("mp4", "audio", "poster", "source"):
        assert "X-Amz-Signature=" in playback[kind], kind
    mp4 = tmp_path / "download.mp4"
    mp4.write_bytes(fetch(playback["mp4"]))
    assert {s["codec_type"] for s in ffprobe(mp4)["streams"]} == {"video", "audio"}
    assert fetch(playback["poster"])[:3] == b"\xff\xd8\xff"  # a JPEG

    # HLS: playlists come through our view with every URI signed; walk to a real segment.
    assert playback["hls"] == reverse("media_pipeline:hls", args=[media.pk, media.outputs("hls-master")[0]["path"]])
    master = admin_web.get(playback["hls"])
    assert master.status_code == 200 and master["Content-Type"] == "application/vnd.apple.mpegurl"
    variants = [line for line in master.content.decode().splitlines() if line and not line.startswith("#")]
    assert variants and all(v.startswith("/media-hls/") for v in variants)
    rung = admin_web.get(variants[0]).content.decode()
    uris = [line for line in rung.splitlines() if line and not line.startswith("#")]
    uris += re.findall(r'URI="([^"]+)"', rung)
    assert uris and all("X-Amz-Signature=" in uri for uri in uris)
    assert len(fetch(uris[0])) > 0
    # A lesson in a members-only course: anonymous visitors get no playlist.
    from django.test import Client
    from wagtail.models import Page

    from lectures.models import CoursePage, LessonPage, LibraryPage

    # Media no live lesson uses is for the admin only (editors preview drafts with it).
    assert Client().get(playback["hls"]).status_code == 404
    library = Page.get_first_root_node().add_child(instance=LibraryPage(title="点课", slug="lib"))
    course = library.add_child(instance=CoursePage(title="党课", members_only=True))
    course.add_child(instance=LessonPage(title="第一讲", media=media))
    assert Client().get(playback["hls"]).status_code == 403
    assert admin_web.get(playback["hls"]).status_code == 200
    # Only playlists of the manifest are served.
    assert admin_web.get(reverse("media_pipeline:hls", args=[media.pk, "manifest.json"])).status_code == 404

    with media.open_output("audio") as handle:
        assert len(handle.read()) == media.outputs("audio")[0]["bytes"]


def test_rerun_on_s3_removes_the_old_prefix(s3_settings, small_clip, create_media,
                                            django_capture_on_commit_callbacks):
    from media_pipeline import services

    media = create_media(small_clip)
    old_prefix = media.renditions_prefix
    with django_capture_on_commit_callbacks(execute=True):
        services.retry(media)
    media.refresh_from_db()
    assert media.processing_state == ProcessingState.READY and media.renditions_prefix != old_prefix
    assert keys(s3_settings, old_prefix) == []
    assert keys(s3_settings, f"renditions/{media.pk}/") == keys(s3_settings, media.renditions_prefix)


def test_browser_uploads_straight_to_s3_with_a_presigned_post(
        s3_settings, small_clip, admin_web, settings, django_capture_on_commit_callbacks):
    page = admin_web.get(reverse("media_pipeline_admin:upload")).content.decode()
    assert 'data-s3="1"' in page

    presign = admin_web.post(reverse("media_pipeline_admin:presign_s3"),
                             {"filename": "第二讲 党纪.mp4", "size": small_clip.stat().st_size})
    assert presign.status_code == 200, presign.content
    answer = presign.json()
    key = answer["fields"]["key"]
    assert key.startswith("media/uploads/") and key.endswith(".mp4")
    # The browser's POST, straight to the bucket (multipart form, file last).
    with small_clip.open("rb") as handle:
        upload = requests.post(answer["url"], data=answer["fields"],
                               files={"file": ("第二讲 党纪.mp4", handle, "video/mp4")}, timeout=30)
    assert upload.status_code in (200, 201, 204), upload.text
    assert keys(s3_settings, key) == [key]

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_web.post(reverse("media_pipeline_admin:complete_s3"),
                              {"title": "第二讲 党纪", "ticket": answer["ticket"]},
                              HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert done.status_code == 201, done.content
    media = LectureMedia.objects.get()
    assert media.file.name == key  # no second copy of the upload
    assert media.processing_state == ProcessingState.READY, media.processing_error

    # A forged or reused-by-another-user ticket is refused; so are bad names and sizes.
    forged = admin_web.post(reverse("media_pipeline_admin:complete_s3"),
                            {"title": "x", "ticket": answer["ticket"] + "x"},
                            HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert forged.status_code == 400 and "上传凭证无效" in forged.content.decode()
    bad = admin_web.post(reverse("media_pipeline_admin:presign_s3"), {"filename": "病毒.exe", "size": 10})
    assert bad.status_code == 400 and "不支持的文件类型" in bad.content.decode()
    settings.DIANKE_MAX_UPLOAD_BYTES = 100
    big = admin_web.post(reverse("media_pipeline_admin:presign_s3"), {"filename": "a.mp4", "size": 101})
    assert big.status_code == 400 and "文件太大" in big.content.decode()


def test_completing_without_an_uploaded_object_is_refused(s3_settings, admin_web):
    answer = admin_web.post(reverse("media_pipeline_admin:presign_s3"), {"filename": "a.mp4", "size": 5}).json()
    response = admin_web.post(reverse("media_pipeline_admin:complete_s3"),
                              {"title": "a", "ticket": answer["ticket"]},
                              HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 400 and "没有上传完成" in response.content.decode()
    assert not LectureMedia.objects.exists()
