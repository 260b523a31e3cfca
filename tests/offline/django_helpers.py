"""Courses and lessons with ready media for the offline-copy tests.

The media are real generated clips published the way media_pipeline publishes renditions: the
files under a renditions prefix in the default storage and a manifest in contract C1's format,
with processing_state "ready" (bulk_create skips LectureMedia.save, which would queue a transcode
the tests do not need)."""

import uuid

from django.core.files import File
from django.core.files.storage import default_storage

from media_pipeline.models import LectureMedia, ProcessingState


def ready_media(title, clip, *, duration, kind="mp4", width=480, height=270):
    token = uuid.uuid4().hex[:12]
    with open(clip, "rb") as handle:
        source = default_storage.save(f"media/test-{token}{clip.suffix}", File(handle))
    prefix = f"renditions/test/{token}/"
    rendition = "audio.m4a" if kind == "audio" else "video-360p.mp4"
    with open(clip, "rb") as handle:
        default_storage.save(prefix + rendition, File(handle))
    output = {"kind": kind, "path": rendition, "width": None if kind == "audio" else width,
              "height": None if kind == "audio" else height, "bitrate": 500_000,
              "bytes": clip.stat().st_size, "duration": duration}
    manifest = {"probe": {"duration": duration}, "outputs": [output]}
    (media,) = LectureMedia.objects.bulk_create([LectureMedia(
        title=title, file=source, type="audio" if kind == "audio" else "video", duration=duration,
        processing_state=ProcessingState.READY, processing_percent=100, manifest=manifest,
        renditions_prefix=prefix,
    )])
    return media


def pending_media(title, clip):
    with open(clip, "rb") as handle:
        source = default_storage.save(f"media/test-pending{clip.suffix}", File(handle))
    (media,) = LectureMedia.objects.bulk_create([LectureMedia(
        title=title, file=source, type="video", duration=3, processing_state=ProcessingState.PROCESSING,
    )])
    return media


def library():
    """The site's library page (made and set as the default site's root when missing)."""
    from wagtail.models import Page, Site

    from lectures.models import LibraryPage

    page = LibraryPage.objects.first()
    if page is None:
        page = Page.get_first_root_node().add_child(instance=LibraryPage(title="点课", slug="dianke"))
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", root_page=page, is_default_site=True)
    elif site.root_page_id != page.pk:
        site.root_page = page
        site.save()
    return page


def make_course(clips, *, title="学党章", slug="xuedangzhang"):
    """A live course: two video lessons, an article, and an audio lesson (in that order), with a
    WebVTT subtitles document on the first lesson."""
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    from lectures.models import CoursePage, LessonPage

    course = library().add_child(instance=CoursePage(title=title, slug=slug))
    subtitles = Document(title="第一讲字幕")
    subtitles.file.save("第一讲.vtt", ContentFile(
        "WEBVTT\n\n00:00.000 --> 00:02.000\n同志们好\n".encode()), save=False)
    subtitles.save()
    course.add_child(instance=LessonPage(
        title="第一讲 党章总纲", slug="l1", kind="video", subtitles=subtitles,
        media=ready_media("第一讲", clips["wide"], duration=3.0)))
    course.add_child(instance=LessonPage(
        title="第二讲 党的纪律", slug="l2", kind="video",
        media=ready_media("第二讲", clips["narrow"], duration=4.0, width=320, height=240)))
    course.add_child(instance=LessonPage(title="学习材料", slug="l2b", kind="article",
                                         body="<p>党员要学党章。</p>"))
    course.add_child(instance=LessonPage(
        title="第三讲 录音辅导", slug="l3", kind="audio",
        media=ready_media("第三讲", clips["audio"], duration=3.0, kind="audio")))
    return course


def add_pending_lesson(course, clips, title):
    from lectures.models import LessonPage

    return course.add_child(instance=LessonPage(title=title, slug="pending", kind="video",
                                                media=pending_media(title, clips["wide"])))
