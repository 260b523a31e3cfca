"""What one processing job does, in the worker, and the job's state in the database.

A job is identified by a UUID stored on the media (`processing_job`). A new job replaces that id,
so an older task still running notices it was superseded and publishes nothing. A job:

1. claims the media (pending -> processing, attempt + 1) in one conditional UPDATE;
2. transcodes into a temporary folder (the source copied to a local temp file when the storage
   is remote), reporting percent + heartbeat;
3. uploads the folder under the fresh prefix `renditions/<media id>/<job id>/`, manifest last;
4. switches `renditions_prefix` + `manifest` + state in one conditional UPDATE;
5. removes the previous prefix.

Anything that stops it before step 4 leaves the previous renditions current; its own partial
prefix is removed (by itself, or by `reap_stale_jobs` when the worker was killed).

Nothing here puts a task on a queue: tasks.py does (queueing and recovery, which re-queues), and
services.py is what the rest of the site calls.
"""

import logging
import shutil
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .core import pipeline
from .models import LectureMedia, ProcessingState, allowed_extensions
from .storage import local_source, publish_folder, remove_prefix, rendition_prefix

logger = logging.getLogger(__name__)

ACTIVE_STATES = (ProcessingState.PENDING, ProcessingState.PROCESSING)
JOB_DIR_PREFIX = "dianke-job-"
# A running job writes its heartbeat at least this often (from ffmpeg's progress reports, the
# source copy and the upload), so DIANKE_MEDIA_STALE_MINUTES can be a few minutes.
HEARTBEAT_SECONDS = 15


def max_attempts():
    return int(getattr(settings, "DIANKE_MEDIA_MAX_ATTEMPTS", 3))


def stale_after():
    return timedelta(minutes=float(getattr(settings, "DIANKE_MEDIA_STALE_MINUTES", 5)))


def profile():
    return getattr(settings, "DIANKE_MEDIA_PROFILE", "phone")


class JobSuperseded(Exception):
    """The media got a newer job (re-upload, retry, recovery): this one must stop quietly."""


# ---- new jobs ----


def new_job(media, *, force=False, reset_attempts=False):
    """Make a new pending job the media's current one and return its id (the caller queues it).

    Without `force`, a media that is already queued, processing or ready is left alone (None is
    returned). `force` always makes a new job, which supersedes a running one."""
    if not force:
        current = (
            LectureMedia.objects.filter(pk=media.pk)
            .values("processing_state", "processing_job")
            .first()
        )
        if current and (
            current["processing_state"] == ProcessingState.READY
            or (current["processing_state"] in ACTIVE_STATES and current["processing_job"])
        ):
            return None
    job_id = uuid.uuid4()
    changes = _pending(job_id)
    if reset_attempts:
        changes["processing_attempts"] = 0
    LectureMedia.objects.filter(pk=media.pk).update(**changes)
    for field, value in changes.items():
        setattr(media, field, value)
    return job_id


def _pending(job_id):
    return {
        "processing_job": job_id,
        "processing_state": ProcessingState.PENDING,
        "processing_percent": 0,
        "processing_error": "",
        "processing_heartbeat": timezone.now(),
    }


def replace_job(media_id, dead_job, *, from_state):
    """A new pending job in place of `dead_job` (whose worker died) if that is still the media's
    job in `from_state`; conditional, so two recoverers cannot both replace it. The new id or None."""
    job_id = uuid.uuid4()
    replaced = LectureMedia.objects.filter(
        pk=media_id, processing_job=dead_job, processing_state=from_state
    ).update(**_pending(job_id))
    return job_id if replaced else None


# ---- dead jobs ----


def reap_stale_jobs(*, now=None, media_ids=None, older_than=None):
    """Replace jobs whose worker stopped reporting (killed) by new pending ones, a bounded number
    of times, and return [(media id, new job id)] for the caller to queue.

    A "processing" media whose heartbeat is older than `older_than` (DIANKE_MEDIA_STALE_MINUTES)
    gets a new job while it has attempts left, otherwise it fails with a reason for the editor.
    The dead job's partial upload (never published) and its temporary folder here are removed.
    """
    now = now or timezone.now()
    older_than = stale_after() if older_than is None else older_than
    stale = LectureMedia.objects.filter(
        processing_state=ProcessingState.PROCESSING, processing_heartbeat__lt=now - older_than
    )
    if media_ids is not None:
        stale = stale.filter(pk__in=media_ids)
    replaced = []
    for media in stale.only("pk", "processing_job", "processing_attempts", "renditions_prefix"):
        dead_job = media.processing_job
        if media.processing_attempts >= max_attempts():
            reason = _("处理多次中断（已尝试 %(n)d 次），请检查文件后点击“重新处理”。") % {
                "n": media.processing_attempts
            }
            if finish_failed(media.pk, dead_job, reason, from_state=ProcessingState.PROCESSING):
                logger.warning("Media %s: job %s stale after %s attempts, failed",
                               media.pk, dead_job, media.processing_attempts)
        else:
            job_id = replace_job(media.pk, dead_job, from_state=ProcessingState.PROCESSING)
            if job_id is None:
                continue
            replaced.append((media.pk, job_id))
            logger.warning("Media %s: job %s stale (no heartbeat since %s), replaced by %s",
                           media.pk, dead_job, older_than, job_id)
        if dead_job:
            dead_prefix = rendition_prefix(media.pk, dead_job)
            if dead_prefix != media.renditions_prefix:
                remove_prefix(dead_prefix)
            remove_job_folders(dead_job)
    sweep_job_folders(idle=older_than * 2)
    return replaced


def remove_job_folders(job_id, directory=None):
    """Remove the temporary folder(s) of a job known to be dead (its worker was killed)."""
    directory = Path(directory or tempfile.gettempdir())
    removed = [folder for folder in directory.glob(f"{JOB_DIR_PREFIX}{job_id}-*") if folder.is_dir()]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    if removed:
        logger.warning("Removed the temporary folder of dead media job %s in %s", job_id, directory)
    return removed


def sweep_job_folders(directory=None, *, idle=None):
    """Remove temporary folders of dead jobs (a killed worker leaves its folder, possibly
    gigabytes, behind): folders whose job is not current here and where nothing was written for
    `idle` (default twice DIANKE_MEDIA_STALE_MINUTES). The idle check matters: another site or
    test run sharing this temporary directory has jobs this database does not know."""
    idle = stale_after() * 2 if idle is None else idle
    directory = Path(directory or tempfile.gettempdir())
    current = {
        str(job) for job in LectureMedia.objects.filter(processing_state__in=ACTIVE_STATES)
        .exclude(processing_job=None).values_list("processing_job", flat=True)
    }
    cutoff = time.time() - idle.total_seconds()
    removed = []
    for folder in directory.glob(f"{JOB_DIR_PREFIX}*"):
        job = folder.name[len(JOB_DIR_PREFIX):][:36]
        try:
            uuid.UUID(job)
        except ValueError:
            continue
        if not folder.is_dir() or job in current or _last_write(folder) > cutoff:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    if removed:
        logger.warning("Removed %d folder(s) of dead media jobs in %s", len(removed), directory)
    return removed


def _last_write(folder):
    latest = folder.stat().st_mtime
    for path in folder.rglob("*"):
        try:
            latest = max(latest, path.stat().st_mtime)
        except FileNotFoundError:
            continue
    return latest


# ---- running a job (the task calls this) ----


class ProgressReporter:
    """on_progress callback: writes a higher percent at most every `interval` seconds, the
    heartbeat at least every `heartbeat` seconds while it is called, and raises JobSuperseded as
    soon as the media has another job. The percent written never goes down."""

    def __init__(self, media_id, job_id, *, interval=1.0, heartbeat=HEARTBEAT_SECONDS):
        self.media_id, self.job_id = media_id, job_id
        self.interval, self.heartbeat = interval, heartbeat
        self.last_write = time.monotonic()
        self.last_percent = 0

    def __call__(self, percent):
        percent = max(0, min(99, int(percent)))  # 100 only once published
        since = time.monotonic() - self.last_write
        moved = percent > self.last_percent and (since >= self.interval or percent == 99)
        if moved or since >= self.heartbeat:
            self.touch(percent=max(percent, self.last_percent))

    def beat(self, *args):
        """A sign of life between progress reports (the source copy, the upload)."""
        if time.monotonic() - self.last_write >= self.heartbeat:
            self.touch()

    def touch(self, **changes):
        if "percent" in changes:
            self.last_percent = changes["percent"]
        changes = {f"processing_{name}": value for name, value in changes.items()}
        updated = LectureMedia.objects.filter(
            pk=self.media_id, processing_job=self.job_id, processing_state=ProcessingState.PROCESSING
        ).update(processing_heartbeat=timezone.now(), **changes)
        self.last_write = time.monotonic()
        if not updated:
            raise JobSuperseded(f"media {self.media_id}: job {self.job_id} superseded")


def claim_job(media_id, job_id):
    return bool(
        LectureMedia.objects.filter(
            pk=media_id, processing_job=job_id, processing_state=ProcessingState.PENDING
        ).update(
            processing_state=ProcessingState.PROCESSING,
            processing_percent=0,
            processing_error="",
            processing_heartbeat=timezone.now(),
            processing_attempts=F("processing_attempts") + 1,
        )
    )


def finish_failed(media_id, job_id, reason_zh, *, from_state=None):
    states = [from_state] if from_state else list(ACTIVE_STATES)
    return bool(
        LectureMedia.objects.filter(
            pk=media_id, processing_job=job_id, processing_state__in=states
        ).update(
            processing_state=ProcessingState.FAILED,
            processing_error=reason_zh,
            processing_heartbeat=timezone.now(),
        )
    )


def _switch_published(media_id, job_id, prefix, manifest):
    """The atomic publish: one UPDATE of prefix + manifest + state, only for the current job."""
    probe = manifest.get("probe") or {}
    changes = {
        "renditions_prefix": prefix,
        "manifest": manifest,
        "processing_state": ProcessingState.READY,
        "processing_percent": 100,
        "processing_error": "",
        "processing_heartbeat": timezone.now(),
    }
    # wagtailmedia's thumbnail (listing, chooser) follows the poster unless an editor set one.
    current_thumbnail = (
        LectureMedia.objects.filter(pk=media_id).values_list("thumbnail", flat=True).first() or ""
    )
    posters = [o for o in manifest["outputs"] if o.get("kind") == "poster" and o.get("role") != "sprite"]
    if posters and (not current_thumbnail or current_thumbnail.startswith("renditions/")):
        changes["thumbnail"] = prefix + posters[0]["path"]
    has_video = _has_video(manifest)
    changes["type"] = "video" if has_video else "audio"
    if probe.get("duration"):
        changes["duration"] = float(probe["duration"])
    if has_video:
        width, height = _display_size(manifest)
        if width and height:
            changes["width"], changes["height"] = width, height
    return bool(
        LectureMedia.objects.filter(
            pk=media_id, processing_job=job_id, processing_state=ProcessingState.PROCESSING
        ).update(**changes)
    )


def _has_video(manifest):
    return any(o.get("kind") in ("mp4", "hls-rung") and o.get("height") for o in manifest["outputs"])


def _display_size(manifest):
    """The source's upright display size from the probe, else the largest rung's."""
    probe = manifest.get("probe") or {}
    video = probe.get("video") if isinstance(probe.get("video"), dict) else {}
    for source in (video, probe):
        width = source.get("display_width") or source.get("width")
        height = source.get("display_height") or source.get("height")
        if isinstance(width, int) and isinstance(height, int):
            return width, height
    rungs = [o for o in manifest["outputs"] if o.get("kind") in ("hls-rung", "mp4") and o.get("height")]
    if rungs:
        best = max(rungs, key=lambda o: o["height"])
        return best.get("width"), best.get("height")
    return None, None


def _record_probe(media_id, job_id, probe):
    duration = probe.get("duration") if isinstance(probe, dict) else None
    if isinstance(duration, (int, float)) and duration > 0:
        LectureMedia.objects.filter(pk=media_id, processing_job=job_id).update(duration=float(duration))


class _Rejected(Exception):
    def __init__(self, reason_zh, reason_en):
        super().__init__(reason_en)
        self.reason_zh, self.reason_en = reason_zh, reason_en


def run_job(media_id, job_id, *, transcode=None):
    """Run one processing job to the end; returns "ready", "failed" or "superseded".

    `transcode` defaults to media_pipeline.core.pipeline.transcode (C1); it is a parameter so the
    tests can interrupt a job at a precise point with a wrapper around the real one.
    """
    transcode = transcode or pipeline.transcode
    job_id = uuid.UUID(str(job_id))
    if not claim_job(media_id, job_id):
        logger.info("Media %s: job %s is not the pending job any more, skipped", media_id, job_id)
        return "superseded"
    media = LectureMedia.objects.get(pk=media_id)
    old_prefix = media.renditions_prefix
    prefix = rendition_prefix(media_id, job_id)
    reporter = ProgressReporter(media_id, job_id)
    published = False
    started = time.monotonic()
    try:
        extension = Path(media.file.name).suffix.lower().lstrip(".")
        if extension not in allowed_extensions():
            raise _Rejected(
                _("不支持的文件类型“%(ext)s”。") % {"ext": extension or "无扩展名"},
                f"extension {extension!r} is not allowed",
            )
        with tempfile.TemporaryDirectory(prefix=f"{JOB_DIR_PREFIX}{job_id}-") as work:
            out_dir = Path(work) / "out"
            try:
                with local_source(media.file.name, directory=work, on_chunk=reporter.beat) as source:
                    reporter.touch()
                    # Validate first (cheap, clear reasons); the duration is known from here on.
                    probe = pipeline.probe_media(source)
                    _record_probe(media_id, job_id, probe)
                    manifest = transcode(source, out_dir, profile=profile(), on_progress=reporter,
                                         title=media.title, probe=probe)
            except FileNotFoundError as error:
                raise _Rejected(_("找不到上传的文件，请重新上传。"), f"source missing: {error}") from error
            reporter.touch(percent=99)
            publish_folder(out_dir, prefix, on_file=reporter.beat)
            if not _switch_published(media_id, job_id, prefix, manifest):
                raise JobSuperseded(f"media {media_id}: job {job_id} superseded before publishing")
            published = True
        logger.info("Media %s: job %s published %s in %.1f s",
                    media_id, job_id, prefix, time.monotonic() - started)
        if old_prefix and old_prefix != prefix:
            remove_prefix(old_prefix)
        return "ready"
    except JobSuperseded as error:
        logger.info("%s", error)
        return "superseded"
    except (pipeline.RejectedInput, _Rejected) as error:
        logger.warning("Media %s rejected: %s", media_id, error.reason_en)
        finish_failed(media_id, job_id, str(error.reason_zh))
        return "failed"
    except Exception as error:
        logger.exception("Media %s: job %s failed", media_id, job_id)
        finish_failed(
            media_id, job_id,
            _("转码出错（%(kind)s），请点击“重新处理”；如仍失败请联系管理员。") % {"kind": type(error).__name__},
        )
        return "failed"
    finally:
        if not published:
            remove_prefix(prefix)
