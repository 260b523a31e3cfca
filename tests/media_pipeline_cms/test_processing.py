"""Processing jobs with the real pipeline (real ffmpeg) on generated clips, immediate backend:
state transitions, failures, idempotent re-runs, interrupted and superseded jobs, recovery."""

import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from media_pipeline import jobs, services, tasks
from media_pipeline.core import pipeline
from media_pipeline.models import LectureMedia, ProcessingState
from media_pipeline.storage import list_files, rendition_prefix

from .conftest import ffprobe

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


def published_prefixes(media):
    directories, _files = default_storage.listdir(f"renditions/{media.pk}")
    return sorted(directories)


def test_new_upload_goes_pending_processing_ready(small_clip, monkeypatch,
                                                  django_capture_on_commit_callbacks):
    seen = {"states": [], "percents": []}
    real_transcode = pipeline.transcode

    def observed_transcode(source, out_dir, *, profile, on_progress, **kwargs):
        seen["states"].append(LectureMedia.objects.get().processing_state)

        def progress(percent):
            on_progress(percent)
            seen["percents"].append(LectureMedia.objects.get().processing_percent)

        return real_transcode(source, out_dir, profile=profile, on_progress=progress, **kwargs)

    monkeypatch.setattr(pipeline, "transcode", observed_transcode)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, small_clip.open("rb") as f:
        media = services.create_media(title="第一讲", upload=File(f, name=small_clip.name))
    media.refresh_from_db()
    assert media.processing_state == ProcessingState.PENDING
    assert media.playback() == {
        "hls": None, "hls_opus": None, "mp4": None, "audio": None, "audio_opus": None, "poster": None,
        "poster_small": None, "source": media.file.url,
        "duration": None, "width": None, "height": None, "ready": False, "downloads": [],
    }
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the immediate backend runs the task now

    media.refresh_from_db()
    assert seen["states"] == [ProcessingState.PROCESSING]
    assert seen["percents"] and max(seen["percents"]) > 0
    assert seen["percents"] == sorted(seen["percents"])  # never goes backwards
    assert media.processing_state == ProcessingState.READY
    assert media.processing_percent == 100 and media.processing_error == ""
    assert media.processing_attempts == 1
    assert media.renditions_prefix == rendition_prefix(media.pk, media.processing_job)
    kinds = {o["kind"] for o in media.manifest["outputs"]}
    assert {"hls-master", "hls-rung", "mp4", "audio", "poster"} <= kinds
    for output in media.manifest["outputs"]:
        assert default_storage.exists(media.output_name(output)), output
    assert default_storage.exists(media.renditions_prefix + "manifest.json")
    assert media.type == "video" and abs(media.duration - 3) < 0.2
    assert (media.width, media.height) == (320, 180)

    playback = media.playback()
    assert playback["ready"] is True
    assert playback["mp4"].startswith("/media/renditions/")
    # (Local URLs may carry a signature: the path is what tells the kind.)
    assert urlsplit(playback["hls"]).path.endswith("/master.m3u8")
    assert urlsplit(playback["hls_opus"]).path.endswith("/master-opus.m3u8")
    assert urlsplit(playback["audio_opus"]).path.endswith("/audio-opus.mp4")
    assert urlsplit(playback["poster"]).path.endswith(".jpg")
    # The download stays the AAC file every phone plays.
    assert [d["kind"] for d in playback["downloads"]] == ["mp4", "audio"]
    assert urlsplit(playback["downloads"][1]["url"]).path.endswith("/audio.m4a")
    assert all(d["bytes"] > 0 for d in playback["downloads"])
    with media.open_output("mp4") as handle:
        local = default_storage.path(handle.name)
    streams = {s["codec_type"] for s in ffprobe(local)["streams"]}
    assert streams == {"video", "audio"}


@pytest.mark.parametrize("kind", ["truncated", "not-media"])
def test_bad_upload_fails_with_chinese_reason_and_publishes_nothing(kind, corrupt_clip, tmp_path,
                                                                    create_media):
    if kind == "truncated":
        path = corrupt_clip
    else:
        path = tmp_path / "讲话稿.mp4"
        path.write_text("这不是视频文件，而是一篇讲话稿。" * 50)
    media = create_media(path)
    assert media.processing_state == ProcessingState.FAILED
    assert CJK.search(media.processing_error), media.processing_error
    assert "Traceback" not in media.processing_error
    assert media.renditions_prefix == "" and media.manifest is None
    assert list_files(f"renditions/{media.pk}") == []
    assert media.playback()["ready"] is False


def test_rerun_publishes_a_new_prefix_and_removes_the_old(small_clip, create_media,
                                                          django_capture_on_commit_callbacks):
    media = create_media(small_clip)
    first_prefix, first_outputs = media.renditions_prefix, media.manifest["outputs"]
    with django_capture_on_commit_callbacks(execute=True):
        services.retry(media)
    media.refresh_from_db()
    assert media.processing_state == ProcessingState.READY
    assert media.renditions_prefix != first_prefix
    assert published_prefixes(media) == [media.renditions_prefix.rstrip("/").rsplit("/", 1)[1]]
    assert list_files(first_prefix) == []
    assert [(o["kind"], o["path"]) for o in media.manifest["outputs"]] == [
        (o["kind"], o["path"]) for o in first_outputs
    ]


def test_interrupted_publish_keeps_the_previous_renditions(small_clip, create_media, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    media = create_media(small_clip)
    old_prefix, old_manifest = media.renditions_prefix, media.manifest
    old_files = list_files(old_prefix)

    real_save = type(default_storage._wrapped).save
    calls = {"n": 0}

    def save_then_die(self, name, content, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # two files of the new prefix are up: the worker "dies" now
            raise OSError("simulated: disk gone mid-upload")
        return real_save(self, name, content, *args, **kwargs)

    monkeypatch.setattr(type(default_storage._wrapped), "save", save_then_die)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.retry(media)
    media.refresh_from_db()
    assert media.processing_state == ProcessingState.FAILED
    assert CJK.search(media.processing_error)
    # Nothing switched: the old renditions are still the published ones, complete and playable.
    assert (media.renditions_prefix, media.manifest) == (old_prefix, old_manifest)
    assert list_files(old_prefix) == old_files
    assert list_files(rendition_prefix(media.pk, job)) == []
    assert media.playback()["ready"] is True

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.retry(media)
    media.refresh_from_db()
    assert media.processing_state == ProcessingState.READY
    assert media.renditions_prefix not in (old_prefix, rendition_prefix(media.pk, job))
    assert list_files(old_prefix) == []


def test_a_superseded_job_publishes_nothing(small_clip, create_media, monkeypatch):
    media = create_media(small_clip)
    old_prefix = media.renditions_prefix
    real_transcode = pipeline.transcode
    newer = {}

    def transcode_then_retry(source, out_dir, **kwargs):
        manifest = real_transcode(source, out_dir, **kwargs)
        # The editor retries while this job is still running (its on_commit never fires here).
        newer["job"] = services.queue_processing(LectureMedia.objects.get(), force=True)
        return manifest

    monkeypatch.setattr(pipeline, "transcode", transcode_then_retry)
    first = services.queue_processing(media, force=True)
    assert jobs.run_job(media.pk, first) == "superseded"
    media.refresh_from_db()
    assert media.processing_job == newer["job"] != first
    assert media.processing_state == ProcessingState.PENDING
    assert media.renditions_prefix == old_prefix
    assert list_files(rendition_prefix(media.pk, first)) == []
    # A stale task of the old job arriving late does nothing either.
    assert jobs.run_job(media.pk, first) == "superseded"

    monkeypatch.undo()
    assert jobs.run_job(media.pk, newer["job"]) == "ready"
    media.refresh_from_db()
    assert media.renditions_prefix == rendition_prefix(media.pk, newer["job"])
    assert list_files(old_prefix) == []


def test_stale_job_is_requeued_a_bounded_number_of_times(small_clip, settings,
                                                         django_capture_on_commit_callbacks):
    settings.DIANKE_MEDIA_MAX_ATTEMPTS = 2
    with small_clip.open("rb") as handle:  # queued; its on_commit never fires: no worker ran it
        media = services.create_media(title="第一讲", upload=File(handle, name=small_clip.name))
    # What a killed worker leaves: claimed, a partial upload, a heartbeat long ago.
    assert jobs.claim_job(media.pk, media.processing_job)
    dead_job = media.processing_job
    partial = default_storage.save(
        rendition_prefix(media.pk, dead_job) + "hls/360p/seg_000.m4s", ContentFile(b"partial")
    )
    long_ago = timezone.now() - timedelta(hours=1)
    LectureMedia.objects.filter(pk=media.pk).update(processing_heartbeat=long_ago)

    # A fresh heartbeat is not stale: nothing happens.
    assert tasks.recover_stale_jobs(older_than=timedelta(hours=2)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover_stale_jobs() == [media.pk]
    media.refresh_from_db()
    assert media.processing_state == ProcessingState.READY
    assert media.processing_attempts == 2
    assert not default_storage.exists(partial)

    # Killed again and again: after the last attempt it fails with a reason for the editor.
    LectureMedia.objects.filter(pk=media.pk).update(
        processing_state=ProcessingState.PROCESSING, processing_job=uuid.uuid4(),
        processing_heartbeat=long_ago,
    )
    assert tasks.recover_stale_jobs() == []
    media.refresh_from_db()
    assert media.processing_state == ProcessingState.FAILED
    assert "2" in media.processing_error and CJK.search(media.processing_error)
    # The published renditions of the earlier job are untouched.
    assert media.playback()["ready"] is True


def test_queue_processing_without_force_leaves_queued_and_ready_media_alone(
        small_clip, create_media, django_capture_on_commit_callbacks):
    media = create_media(small_clip)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.queue_processing(media) is None
    assert callbacks == []
    LectureMedia.objects.filter(pk=media.pk).update(processing_state=ProcessingState.FAILED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.queue_processing(media) is not None
        assert services.queue_processing(media) is None  # already queued
    assert len(callbacks) == 1


def test_deleting_media_removes_its_renditions(small_clip, create_media,
                                               django_capture_on_commit_callbacks):
    media = create_media(small_clip)
    assert media.thumbnail.name.startswith(media.renditions_prefix)  # the poster, for the listing
    assert list_files(f"renditions/{media.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        media.delete()
    assert list_files(f"renditions/{media.pk}") == []
