"""Offline copies: what an editor asked for (a disc image or a USB package of some pages), the
files the task made, and the secretaries' records of who received which disc."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OfflineCopy(models.Model):
    """A disc image set or a USB package made from course, lesson or playlist pages."""

    class Kind(models.TextChoices):
        DISC = "disc", _("光盘镜像")
        USB = "usb", _("U盘包")
        MP3 = "mp3", _("MP3音频包")

    class State(models.TextChoices):
        PENDING = "pending", _("等待制作")
        BUILDING = "building", _("制作中")
        READY = "ready", _("可以下载")
        FAILED = "failed", _("制作失败")

    class Standard(models.TextChoices):
        PAL = "pal", _("PAL（中国电视制式）")
        NTSC = "ntsc", _("NTSC（北美、日本等地电视制式）")

    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    county = models.CharField(_("单位名称"), max_length=100, blank=True,
                              help_text=_("印在光盘封面和U盘首页上，例如“某某县委组织部”。"))
    # The pages as chosen (courses, lessons, playlists), in order; resolved to lessons when built.
    page_ids = models.JSONField(_("所选页面"), default=list)
    standard = models.CharField(_("电视制式"), max_length=8, choices=Standard.choices,
                                default=Standard.PAL)
    menu = models.BooleanField(_("光盘菜单"), default=False,
                               help_text=_("不选：放入光盘后自动按顺序播放全部课程（适合老年人）。"))
    state = models.CharField(_("状态"), max_length=12, choices=State.choices,
                             default=State.PENDING, db_index=True)
    percent = models.PositiveSmallIntegerField(_("进度"), default=0)
    error = models.TextField(_("失败原因"), blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    # What was put where, written when built: [{"disc": 1, "lessons": [{"id", "title", "duration"}]}]
    contents = models.JSONField(_("内容"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Touched by every progress report: a build silent for long belongs to a killed worker.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("离线拷贝")
        verbose_name_plural = pgettext_lazy("plural", "离线拷贝")
        permissions = [
            ("make_offlinecopy", _("可以制作光盘镜像和U盘包")),
            ("download_offlinecopy", _("可以下载光盘镜像和U盘包")),
            ("record_discdelivery", _("可以登记光盘发放")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"

    @property
    def is_ready(self):
        return self.state == self.State.READY

    STALE_AFTER = timedelta(minutes=30)

    @property
    def can_retry(self):
        """Failed, or pending/building without a progress report for STALE_AFTER."""
        if self.state == self.State.FAILED:
            return True
        return (self.state in (self.State.PENDING, self.State.BUILDING)
                and self.updated_at is not None and timezone.now() - self.updated_at > self.STALE_AFTER)

    def lessons_on_disc(self, number):
        """[{"id", "title", "duration"}] of disc `number` (1-based) as built."""
        for disc in self.contents or []:
            if disc.get("disc") == number:
                return disc.get("lessons", [])
        return []

    @property
    def disc_numbers(self):
        return [disc["disc"] for disc in self.contents or [] if "disc" in disc]


class OfflineFile(models.Model):
    """One stored file of a copy: an ISO, its label (PDF/PNG), or the USB ZIP."""

    class Role(models.TextChoices):
        ISO = "iso", _("光盘镜像 ISO")
        LABEL_PDF = "label_pdf", _("光盘封面 PDF")
        LABEL_PNG = "label_png", _("光盘封面 PNG")
        ZIP = "zip", _("U盘包 ZIP")
        MP3_ZIP = "mp3_zip", _("MP3音频包 ZIP")

    copy = models.ForeignKey(OfflineCopy, on_delete=models.CASCADE, related_name="files")
    role = models.CharField(max_length=12, choices=Role.choices)
    disc_number = models.PositiveSmallIntegerField(default=1)
    file = models.FileField(upload_to="offline/%Y/%m/", max_length=255)
    download_name = models.CharField(max_length=200)
    bytes = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["disc_number", "role"]
        verbose_name = _("离线拷贝文件")
        verbose_name_plural = pgettext_lazy("plural", "离线拷贝文件")

    def __str__(self):
        return self.download_name


class DiscDelivery(models.Model):
    """A secretary's record that a member received a disc (and so watched its lessons)."""

    copy = models.ForeignKey(OfflineCopy, on_delete=models.PROTECT, related_name="deliveries",
                             limit_choices_to={"kind": OfflineCopy.Kind.DISC})
    disc_number = models.PositiveSmallIntegerField(_("光盘序号"), default=1)
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE,
                               related_name="disc_deliveries", verbose_name=_("党员"))
    delivered_on = models.DateField(_("发放日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("登记人"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    # How many learning records record_completions created for this delivery.
    completions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-delivered_on", "-pk"]
        verbose_name = _("光盘发放记录")
        verbose_name_plural = pgettext_lazy("plural", "光盘发放记录")
        constraints = [
            models.UniqueConstraint(fields=["copy", "disc_number", "member"],
                                    name="offline_delivery_once_per_member"),
        ]

    def __str__(self):
        return f"{self.member} · {self.copy.title} 第{self.disc_number}张 · {self.delivered_on}"
