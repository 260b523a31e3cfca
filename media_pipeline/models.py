"""The lecture media model: wagtailmedia's media plus the processing state of its renditions.

Processing moves pending -> processing (percent from ffmpeg's progress) -> ready | failed. The
published renditions live under `renditions_prefix` in the default storage; `manifest` is the
pipeline's manifest for them. Both are switched together in one UPDATE by the task (see tasks.py),
so a reader sees either the old renditions or the new ones, never a half-published set.
Saving a media with a new file queues its processing (signals.py).
"""

import posixpath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtailmedia.models import AbstractMedia

from .storage import hls_url, rendition_url


class ProcessingState(models.TextChoices):
    PENDING = "pending", _("等待处理")
    PROCESSING = "processing", _("处理中")
    READY = "ready", _("可以播放")
    FAILED = "failed", _("处理失败")


def allowed_extensions():
    """Extensions an upload may have (lower case, no dot): wagtailmedia's audio + video lists."""
    conf = getattr(settings, "WAGTAILMEDIA", {})
    return sorted({*conf.get("AUDIO_EXTENSIONS", []), *conf.get("VIDEO_EXTENSIONS", [])})


def media_type_for_name(name):
    """"audio" or "video" from the file extension (the probe corrects it later)."""
    extension = posixpath.splitext(name)[1].lower().lstrip(".")
    audio = getattr(settings, "WAGTAILMEDIA", {}).get("AUDIO_EXTENSIONS", [])
    return "audio" if extension in audio else "video"


def max_upload_bytes():
    return int(getattr(settings, "DIANKE_MAX_UPLOAD_BYTES", 8 * 1024**3))


def validate_upload_name_and_size(name, size):
    """Raise ValidationError (Chinese message) for a disallowed extension or a too-large file."""
    extension = posixpath.splitext(name or "")[1].lower().lstrip(".")
    if extension not in allowed_extensions():
        raise ValidationError(
            _("不支持的文件类型“%(ext)s”。可以上传：%(allowed)s。"),
            code="extension",
            params={"ext": extension or "无扩展名", "allowed": "、".join(allowed_extensions())},
        )
    if size is not None and size > max_upload_bytes():
        raise ValidationError(
            _("文件太大（%(size)d MB），上限为 %(limit)d MB。"),
            code="too_large",
            params={"size": size // 1024**2, "limit": max_upload_bytes() // 1024**2},
        )


class LectureMedia(AbstractMedia):
    """An uploaded lecture recording (video or audio) and where its phone renditions stand."""

    processing_state = models.CharField(
        _("转码状态"),
        max_length=16,
        choices=ProcessingState.choices,
        default=ProcessingState.PENDING,
        db_index=True,
    )
    processing_percent = models.PositiveSmallIntegerField(_("完成百分比"), default=0)
    processing_error = models.TextField(_("失败原因"), blank=True)
    # The manifest that `media_pipeline` wrote for the published renditions.
    manifest = models.JSONField(_("转码文件清单"), null=True, blank=True)
    # Storage prefix of the published renditions, e.g. "renditions/42/3f2a.../".
    renditions_prefix = models.CharField(max_length=255, blank=True)

    # The job that may run now: a task whose job id differs was superseded and publishes nothing.
    processing_job = models.UUIDField(null=True, blank=True, editable=False)
    # Runs of the current source since the last upload or editor retry (bounds automatic retries).
    processing_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    # Set when queued and on each progress report: a "processing" job whose heartbeat is
    # too old belongs to a killed worker (see services.recover_stale_jobs).
    processing_heartbeat = models.DateTimeField(null=True, blank=True, editable=False)
    # Bulk import: a stable key of the source file (relative path + size), unique when set.
    source_key = models.CharField(max_length=512, blank=True, default="", editable=False)

    admin_form_fields = (
        "title",
        "file",
        "collection",
        "thumbnail",
        "tags",
    )

    class Meta(AbstractMedia.Meta):
        verbose_name = _("课程媒体")
        verbose_name_plural = pgettext_lazy("plural", "课程媒体")
        constraints = [
            models.UniqueConstraint(
                fields=["source_key"], condition=~Q(source_key=""), name="lecturemedia_unique_source_key"
            )
        ]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_file_name = instance.__dict__.get("file") and instance.file.name
        return instance

    def clean(self, *args, **kwargs):
        super().clean(*args, **kwargs)
        if self.file and self.file.name != getattr(self, "_loaded_file_name", None):
            size = getattr(self.file, "size", None) if not self.file._committed else None
            validate_upload_name_and_size(self.file.name, size)
            self.type = media_type_for_name(self.file.name)

    def has_new_source(self):
        """The file is not the one loaded from the database (a new upload or a replaced file);
        during post_save still true for the save that stores it (signals.py queues its processing)."""
        return bool(self.file) and self.file.name != getattr(self, "_loaded_file_name", None)

    def save(self, *args, **kwargs):
        new_file = self.has_new_source()
        if new_file and not self._state.adding:
            # A replaced source: the old renditions stay published until the new ones are ready.
            self.processing_attempts = 0
        super().save(*args, **kwargs)
        if new_file:
            self._loaded_file_name = self.file.name

    @property
    def is_ready(self):
        """Members can play it: renditions are published. A later job (a replaced file, a retry)
        that is pending or failed leaves the previous renditions playable."""
        return bool(self.renditions_prefix and self.manifest)

    @property
    def has_failed(self):
        """Nothing members can play, and the latest job failed: members are told the media could
        not be processed (rather than "being prepared"), editors see it on their dashboard."""
        return self.processing_state == ProcessingState.FAILED and not self.is_ready

    # ---- published renditions ----

    def outputs(self, kind):
        if not self.manifest or not self.renditions_prefix:
            return []
        return [output for output in self.manifest.get("outputs", []) if output.get("kind") == kind]

    def video_heights(self):
        """The heights of the published HLS ladder's video rungs, lowest first."""
        return sorted({o["height"] for o in self.outputs("hls-rung") if o.get("height")})

    def output_name(self, output):
        """Storage name of one manifest output of the published renditions."""
        return posixpath.join(self.renditions_prefix, output["path"])

    def open_output(self, kind, mode="rb"):
        """A file object of the published rendition of `kind` (the first one when several)."""
        outputs = self.outputs(kind)
        if not outputs:
            raise LookupError(f"media {self.pk} has no published {kind!r} rendition")
        return default_storage.open(self.output_name(outputs[0]), mode)

    def playback(self):
        """URLs for players and downloads; before the renditions are ready only `source`."""
        try:
            source = self.file.url if self.file else None
        except Exception:  # a storage that cannot make a URL (e.g. misconfigured S3)
            source = None
        # hls_opus / audio_opus: the same with the Opus speech track (a third of the AAC track's bytes)
        # for players that play Opus; hls and audio (AAC) play everywhere.
        result = {
            "hls": None, "hls_opus": None, "mp4": None, "audio": None, "audio_opus": None, "poster": None,
            "poster_small": None,
            "source": source,
            "duration": self.duration or None, "width": self.width, "height": self.height,
            "ready": False, "downloads": [],
        }
        if not self.is_ready:
            return result
        probe = self.manifest.get("probe") or {}
        result["ready"] = True
        result["duration"] = probe.get("duration") or self.duration or None
        for kind in ("mp4", "audio", "poster"):
            outputs = self.outputs(kind)
            if kind == "poster":
                # The first poster that is not the sprite sheet or the small one; the small one
                # (640 wide, what a phone's lesson page shows before the tap) on its own.
                small = [o for o in outputs if o.get("role") == "small"]
                if small:
                    result["poster_small"] = rendition_url(self.output_name(small[0]))
                outputs = [o for o in outputs if o.get("role") not in ("sprite", "small")] or outputs
            if outputs:
                result[kind] = rendition_url(self.output_name(outputs[0]))
        masters = self.outputs("hls-master")
        if masters:
            result["hls"] = hls_url(self, masters[0])
        for output in masters[1:]:
            if output.get("codecs") == "opus":
                result["hls_opus"] = hls_url(self, output)
        for output in self.outputs("audio")[1:]:
            if output.get("codecs") == "opus":
                result["audio_opus"] = rendition_url(self.output_name(output))
        for kind in ("mp4", "audio"):
            for output in self.outputs(kind)[:1]:
                result["downloads"].append(
                    {"kind": kind, "url": result[kind], "bytes": output.get("bytes")}
                )
        mp4 = self.outputs("mp4")
        if mp4:
            result["width"], result["height"] = mp4[0].get("width"), mp4[0].get("height")
        return result

