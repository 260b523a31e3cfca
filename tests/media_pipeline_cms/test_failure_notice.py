"""A media whose processing failed is said so: to members on the lesson page (not "being prepared"
for ever), to editors on the lesson's edit page, on the media's status and on their dashboard."""

import pytest
from django.core.files import File
from django.urls import reverse
from wagtail.models import Page, Site

from lectures.models import CoursePage, LessonPage, LibraryPage
from media_pipeline import services
from media_pipeline.models import ProcessingState

pytestmark = pytest.mark.django_db

FAILED_FOR_MEMBERS = "这一讲的音视频未能处理成功"
PREPARING = "这一讲正在准备中"


@pytest.fixture
def course():
    library = Page.get_first_root_node().add_child(instance=LibraryPage(title="点课", slug="lib"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": library}
    )
    return library.add_child(instance=CoursePage(title="学习新党章", members_only=False))


@pytest.fixture
def failed_media(create_media, tmp_path, media_admin):
    empty = tmp_path / "空的讲座.mp4"
    empty.write_bytes(b"")
    media = create_media(empty, title="空的讲座", user=media_admin)
    assert media.processing_state == ProcessingState.FAILED
    return media


def lesson_with(course, media, title="第一讲"):
    return CoursePage.objects.get(pk=course.pk).add_child(instance=LessonPage(title=title, media=media))


def test_members_are_told_the_media_could_not_be_processed(client, course, failed_media):
    lesson = lesson_with(course, failed_media)
    page = client.get(lesson.url).content.decode()
    assert FAILED_FOR_MEMBERS in page and PREPARING not in page
    english = client.get(lesson.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "could not be processed" in english


def test_a_media_still_in_the_queue_is_being_prepared(client, course, small_clip,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False), small_clip.open("rb") as handle:
        pending = services.create_media(title="第二讲", upload=File(handle, name=small_clip.name))
    lesson = lesson_with(course, pending, "第二讲")
    page = client.get(lesson.url).content.decode()
    assert PREPARING in page and FAILED_FOR_MEMBERS not in page


def test_the_lessons_edit_page_shows_the_failure(admin_web, course, failed_media):
    lesson = lesson_with(course, failed_media)
    html = admin_web.get(reverse("wagtailadmin_pages:edit", args=[lesson.pk])).content.decode()
    assert "处理失败" in html and failed_media.processing_error in html
    assert "学员现在无法播放" in html


def test_the_dashboard_lists_failed_media_with_the_pages_using_them(admin_web, course, failed_media):
    lesson = lesson_with(course, failed_media)
    home = admin_web.get(reverse("wagtailadmin_home")).content.decode()
    assert "1 个音视频处理失败" in home
    assert reverse("wagtailmedia:edit", args=[failed_media.pk]) in home
    assert failed_media.processing_error in home
    assert "你上传的" in home  # the uploader's own
    assert reverse("wagtailadmin_pages:edit", args=[lesson.pk]) in home  # where members see it


def test_no_failures_no_panel(admin_web, small_clip, create_media):
    create_media(small_clip)
    assert "个音视频处理失败" not in admin_web.get(reverse("wagtailadmin_home")).content.decode()


def test_other_editors_see_it_too_not_as_their_own(client, editor, failed_media):
    client.force_login(editor)  # a site editor may change every media
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "1 个音视频处理失败" in home and "你上传的" not in home
