"""The editor's side: the upload page (local, size limit, allow-list), status shown in
wagtailmedia's listing and edit page, the status JSON, the one-click retry (POST + CSRF), and the
MediaStatusPanel for page editors."""

import re
import types

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from media_pipeline.models import LectureMedia, ProcessingState
from media_pipeline.panels import MediaStatusPanel

pytestmark = pytest.mark.django_db


def post_upload(client, path, *, xhr=False, title="第一讲 党章"):
    with path.open("rb") as handle:
        headers = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"} if xhr else {}
        return client.post(reverse("media_pipeline_admin:upload"), {"title": title, "file": handle}, **headers)


def test_upload_page_renders_for_editors_only(admin_web, client):
    response = admin_web.get(reverse("media_pipeline_admin:upload"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html
    assert 'data-s3=""' in html  # local storage: the file goes through our view
    assert "media_pipeline/upload.js" in html
    anonymous = Client().get(reverse("media_pipeline_admin:upload"))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_the_media_admin_pages_are_under_admin_and_the_old_upload_path_redirects(admin_web):
    assert reverse("media_pipeline_admin:upload") == "/admin/media-upload/"
    assert reverse("media_pipeline_admin:status", args=[7]) == "/admin/media-upload/7/status/"
    assert reverse("media_pipeline_admin:retry", args=[7]) == "/admin/media-upload/7/retry/"
    assert reverse("media_pipeline_admin:presign_s3") == "/admin/media-upload/s3/presign/"
    assert reverse("media_pipeline_admin:complete_s3") == "/admin/media-upload/s3/complete/"
    moved = Client().get("/media-upload/?next=x")
    assert moved.status_code == 301 and moved["Location"] == "/admin/media-upload/?next=x"
    assert admin_web.get("/media-upload/", follow=True).redirect_chain == [("/admin/media-upload/", 301)]
    assert Client().post("/media-upload/").status_code == 405  # a form post is not redirected
    # The players' playlists stay public, outside the admin.
    assert reverse("media_pipeline:hls", args=[7, "master.m3u8"]) == "/media-hls/7/master.m3u8"


def test_local_upload_creates_media_and_processes_it(admin_web, small_clip,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(admin_web, small_clip)
    media = LectureMedia.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailmedia:edit", args=[media.pk])
    assert media.title == "第一讲 党章" and media.type == "video"
    assert media.processing_state == ProcessingState.READY
    assert media.uploaded_by_user.username == "media-admin"


def test_xhr_upload_answers_json(admin_web, small_clip, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the job itself is tested elsewhere
        response = post_upload(admin_web, small_clip, xhr=True)
    assert response.status_code == 201
    media = LectureMedia.objects.get()
    assert response.json()["edit_url"] == reverse("wagtailmedia:edit", args=[media.pk])
    assert response.json()["status_url"] == reverse("media_pipeline_admin:status", args=[media.pk])


def test_upload_over_the_size_limit_is_refused_unread(admin_web, small_clip, settings, tmp_path):
    settings.DIANKE_MAX_UPLOAD_BYTES = 1000
    big = tmp_path / "大文件.mp4"
    big.write_bytes(small_clip.read_bytes() + b"\0" * (1024 * 1024 + 2000))
    response = post_upload(admin_web, big, xhr=True)
    assert response.status_code == 413
    assert "文件太大" in response.json()["errors"]["file"][0]
    assert not LectureMedia.objects.exists()
    # Just under the transport slack, the form still checks the file's own size.
    settings.DIANKE_MAX_UPLOAD_BYTES = small_clip.stat().st_size - 1
    response = post_upload(admin_web, small_clip, xhr=True)
    assert response.status_code == 400 and "文件太大" in response.json()["errors"]["file"][0]
    assert not LectureMedia.objects.exists()


@pytest.mark.parametrize("name", ["讲话.exe", "-rf ..", "slides.mp4.sh"])
def test_upload_with_a_disallowed_extension_is_refused(admin_web, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\x00" * 100)
    response = post_upload(admin_web, path)
    assert response.status_code == 200
    assert "不支持的文件类型" in response.content.decode()
    assert not LectureMedia.objects.exists()


def test_listing_and_edit_page_show_state_reason_and_retry(admin_web, create_media, tmp_path):
    path = tmp_path / "空的.mp4"
    path.write_bytes(b"")
    media = create_media(path, title="空文件")
    assert media.processing_state == ProcessingState.FAILED

    listing = admin_web.get(reverse("wagtailmedia:index")).content.decode()
    assert "转码状态" in listing and "处理失败" in listing
    assert media.processing_error[:20] in listing

    edit = admin_web.get(reverse("wagtailmedia:edit", args=[media.pk])).content.decode()
    assert "处理失败" in edit and media.processing_error in edit
    retry_url = reverse("media_pipeline_admin:retry", args=[media.pk])
    assert re.search(rf'<form action="{retry_url}" method="post"', edit)
    assert "重新处理" in edit


def test_status_json(admin_web, small_clip, create_media):
    media = create_media(small_clip)
    status = admin_web.get(reverse("media_pipeline_admin:status", args=[media.pk])).json()
    assert status == {
        "id": media.pk, "state": "ready", "state_label": "可以播放", "percent": 100,
        "error": "", "ready": True, "attempts": 1,
    }
    assert Client().get(reverse("media_pipeline_admin:status", args=[media.pk])).status_code == 302


def test_retry_needs_post_and_csrf(media_admin, small_clip, create_media,
                                   django_capture_on_commit_callbacks):
    media = create_media(small_clip)
    first_prefix = media.renditions_prefix
    client = Client(enforce_csrf_checks=True)
    client.force_login(media_admin)
    url = reverse("media_pipeline_admin:retry", args=[media.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403  # no CSRF token
    edit_url = reverse("wagtailmedia:edit", args=[media.pk])
    page = client.get(edit_url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"csrfmiddlewaretoken": token, "next": edit_url})
    assert response.status_code == 302 and response["Location"] == edit_url
    media.refresh_from_db()
    assert media.processing_state == ProcessingState.READY
    assert media.renditions_prefix != first_prefix and media.processing_attempts == 1
    # An open redirect is not followed.
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, {"csrfmiddlewaretoken": token, "next": "https://evil.example/"})
    assert response["Location"] == edit_url


def test_media_status_panel_renders_inside_a_page_form(rf, media_admin, small_clip, create_media):
    media = create_media(small_clip)
    request = rf.get("/admin/pages/3/edit/")
    request.user = media_admin
    panel = MediaStatusPanel("media").bind_to_model(LectureMedia)
    bound = panel.get_bound_panel(instance=types.SimpleNamespace(media=media), request=request,
                                  form=None)
    html = bound.render_html()
    assert "可以播放" in html
    retry_url = reverse("media_pipeline_admin:retry", args=[media.pk])
    # No nested <form>: the button submits the page's own form (with its CSRF token) to retry.
    assert "<form" not in html and f'formaction="{retry_url}?next=' in html
    empty = panel.get_bound_panel(instance=types.SimpleNamespace(media=None), request=request,
                                  form=None)
    assert "选择媒体文件并保存后，这里显示它的转码状态" in empty.render_html()


def test_a_failed_upload_is_not_offered_in_the_lesson_media_chooser(admin_web, small_clip, create_media,
                                                                     tmp_path):
    broken = tmp_path / "坏文件.mp4"
    broken.write_bytes(b"")
    failed = create_media(broken, title="坏文件")
    good = create_media(small_clip, title="好文件")
    assert failed.processing_state == ProcessingState.FAILED
    assert good.processing_state == ProcessingState.READY
    chooser = admin_web.get(reverse("wagtailmedia:chooser")).json()["html"]
    assert "好文件" in chooser and "坏文件" not in chooser
    # Still listed where the editor can retry or replace it.
    assert "坏文件" in admin_web.get(reverse("wagtailmedia:index")).content.decode()


def test_hostile_upload_names_stay_data(admin_web, small_clip, tmp_path,
                                        django_capture_on_commit_callbacks):
    path = tmp_path / "-i ..'党课\" 第一讲.mp4"
    path.write_bytes(small_clip.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(admin_web, path)
    media = LectureMedia.objects.get()
    assert media.processing_state == ProcessingState.READY
    # One cleaned file name right inside the upload folder: no path, no leading dash.
    assert media.file.name.startswith("media/") and "/" not in media.file.name[len("media/"):]
    assert not media.file.name[len("media/"):].startswith("-")
    assert default_storage.exists(media.file.name)


def test_wagtailmedia_add_form_applies_the_same_limits(admin_web, small_clip, settings,
                                                      django_capture_on_commit_callbacks):
    from wagtail.models import Collection

    url = reverse("wagtailmedia:add", args=["video"])
    form = {"title": "第一讲", "collection": Collection.get_first_root_node().pk}
    settings.DIANKE_MAX_UPLOAD_BYTES = 100
    with small_clip.open("rb") as handle:
        response = admin_web.post(url, {**form, "file": handle})
    assert response.status_code == 200 and "文件太大" in response.content.decode()
    assert not LectureMedia.objects.exists()
    settings.DIANKE_MAX_UPLOAD_BYTES = 10**9
    with django_capture_on_commit_callbacks(execute=True), small_clip.open("rb") as handle:
        response = admin_web.post(url, {**form, "file": handle})
    assert response.status_code == 302
    assert LectureMedia.objects.get().processing_state == ProcessingState.READY


def test_site_editors_may_upload_members_may_not(client, editor, member):
    client.force_login(editor)
    assert client.get(reverse("media_pipeline_admin:upload")).status_code == 200
    client.force_login(member)
    assert client.get(reverse("media_pipeline_admin:upload")).status_code in (302, 403)


def test_lesson_page_editor_shows_the_media_status(admin_web, small_clip, create_media):
    from wagtail.models import Page

    from lectures.models import CoursePage, LessonPage, LibraryPage

    media = create_media(small_clip)
    library = Page.get_first_root_node().add_child(instance=LibraryPage(title="点课", slug="lib"))
    course = library.add_child(instance=CoursePage(title="学习新党章"))
    lesson = course.add_child(instance=LessonPage(title="第一讲", media=media))
    html = admin_web.get(reverse("wagtailadmin_pages:edit", args=[lesson.pk])).content.decode()
    assert "可以播放" in html
    assert f'formaction="{reverse("media_pipeline_admin:retry", args=[media.pk])}?next=' in html
