"""The lecture media model: wagtailmedia's media plus the processing state of its renditions."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtailmedia.models import AbstractMedia


class ProcessingState(models.TextChoices):
    PENDING = "pending", _("等待处理")
    PROCESSING = "processing", _("处理中")
    READY = "ready", _("可以播放")
    FAILED = "failed", _("处理失败")


class LectureMedia(AbstractMedia):
    """An uploaded lecture recording (video or audio) and where its phone renditions stand."""

    processing_state = models.CharField(
        _("processing state"),
        max_length=16,
        choices=ProcessingState.choices,
        default=ProcessingState.PENDING,
        db_index=True,
    )
    processing_percent = models.PositiveSmallIntegerField(_("percent done"), default=0)
    processing_error = models.TextField(_("reason it failed"), blank=True)
    # The manifest that `media_pipeline` wrote for the published renditions (see manifest.py).
    manifest = models.JSONField(_("renditions manifest"), null=True, blank=True)
    # Storage prefix of the published renditions, e.g. "renditions/42/3f2a.../".
    renditions_prefix = models.CharField(max_length=255, blank=True)

    admin_form_fields = (
        "title",
        "file",
        "collection",
        "thumbnail",
        "tags",
    )

    class Meta(AbstractMedia.Meta):
        verbose_name = _("lecture media")
        verbose_name_plural = _("lecture media")

    @property
    def is_ready(self):
        return self.processing_state == ProcessingState.READY
