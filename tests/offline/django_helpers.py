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
