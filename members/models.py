"""Organisations, members and their learning records.

Learning items are Wagtail pages (lectures.LessonPage); records point at `wagtailcore.Page` so
that this app does not depend on the lectures models. Progress rows stay small (merged ranges
as a short JSON list); a completion is stored once per member and item.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from treebeard.mp_tree import MP_Node


class Organisation(MP_Node):
    """A Party organisation: 党委 → 党总支 → 党支部 → 党小组, any depth."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")
        GROUP = "group", _("党小组")

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.BRANCH)
    code = models.CharField(_("编号"), max_length=40, blank=True, db_index=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = pgettext_lazy("plural", "党组织")

    def __str__(self):
        return self.name


class Member(models.Model):
    """A Party member's profile beside Django's auth user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member"
    )
    name = models.CharField(_("姓名"), max_length=60)
    number = models.CharField(_("党员编号"), max_length=40, unique=True)
    # NULL rather than "" so that the unique constraint allows members without a phone.
    phone = models.CharField(_("手机号"), max_length=20, unique=True, null=True, blank=True)
    branch = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="members", verbose_name=_("所在支部")
    )
    is_migrant = models.BooleanField(_("流动党员"), default=False)
    is_housebound = models.BooleanField(_("年老体弱/行动不便"), default=False)
    is_probationary = models.BooleanField(_("预备党员"), default=False)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = pgettext_lazy("plural", "党员")
        ordering = ["number"]

    def __str__(self):
        return f"{self.name}（{self.number}）"


class Secretary(models.Model):
    """A branch secretary (or committee officer) who sees everything under `organisation`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="secretary_roles"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="secretaries"
    )

    class Meta:
        verbose_name = _("书记/管理员")
        verbose_name_plural = pgettext_lazy("plural", "书记/管理员")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="members_secretary_once")
        ]

    def __str__(self):
        return f"{self.user} @ {self.organisation}"


class ItemProgress(models.Model):
    """What one member has watched (or read) of one item: merged [start, end] ranges in seconds."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="progress")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    ranges = models.JSONField(default=list)
    covered_seconds = models.FloatField(default=0)
    position = models.FloatField(default=0)
    # The client clock of the heartbeat that set `position`, so that late heartbeats don't move it back.
    position_client_time = models.FloatField(default=0)
    # Articles: seconds of reading, and the last client time seen per reading session.
    dwell_seconds = models.FloatField(default=0)
    reached_end = models.BooleanField(default=False)
    sessions = models.JSONField(default=dict, blank=True)
    # Mirrors "a Completion exists", so a heartbeat on an unfinished item needs no extra query.
    completed = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("学习进度")
        verbose_name_plural = pgettext_lazy("plural", "学习进度")
        constraints = [
            models.UniqueConstraint(fields=["member", "page"], name="members_progress_once")
        ]

    def __str__(self):
        return f"{self.member_id}/{self.page_id}: {self.covered_seconds:.0f}s"


class HeartbeatCount(models.Model):
    """One small row per member, rewritten in place by every heartbeat and locked while it is
    recorded (members.store.count_heartbeat), so one member's heartbeats take turns:

    * the rate limit, shared by every web worker: heartbeats in this minute and the one before
      (a sliding window: members.services.rate_estimate);
    * the member's clock: all the media time credited to the member, across every item, since
      their heartbeats began to arrive (`clock_start`) may not exceed what that wall clock allows
      at the fastest playback speed (members.services.clock_allowance). A silence longer than
      members.services.CLOCK_GAP starts the clock afresh."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, primary_key=True, related_name="+")
    minute = models.BigIntegerField(default=0)  # minutes since the Unix epoch
    count = models.PositiveIntegerField(default=0)
    previous = models.PositiveIntegerField(default=0)  # heartbeats in the minute before `minute`
    clock_start = models.FloatField(default=0)  # Unix seconds: the first heartbeat of this run
    clock_seen = models.FloatField(default=0)  # Unix seconds: the latest heartbeat
    # Media seconds credited since clock_start (a second of reading counts as MAX_SPEED seconds).
    credited = models.FloatField(default=0)

    class Meta:
        verbose_name = _("心跳计数")
        verbose_name_plural = pgettext_lazy("plural", "心跳计数")

    def __str__(self):
        return f"{self.member_id}: {self.count} in minute {self.minute}"


class Completion(models.Model):
    """The one record that a member completed an item, and how."""

    class How(models.TextChoices):
        WATCHED = "watched", _("在线学习")
        GROUP = "group", _("集中学习")
        RECORDED = "recorded", _("书记补录")
        REPORTED = "reported", _("本人报告")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="completions")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(_("完成时间"), db_index=True)
    how = models.CharField(_("方式"), max_length=10, choices=How.choices, default=How.WATCHED)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    place = models.CharField(_("地点"), max_length=120, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("完成记录")
        verbose_name_plural = pgettext_lazy("plural", "完成记录")
        constraints = [
            models.UniqueConstraint(fields=["member", "page"], name="members_completion_once")
        ]
        indexes = [models.Index(fields=["page", "completed_at"], name="members_compl_page_at")]

    def __str__(self):
        return f"{self.member_id}/{self.page_id} {self.how} {self.completed_at:%Y-%m-%d}"


class Reflection(models.Model):
    """A member's short note (心得) on an item, read by the secretary."""

    MAX_LENGTH = 100

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="reflections")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("心得"), max_length=MAX_LENGTH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("学习心得")
        verbose_name_plural = pgettext_lazy("plural", "学习心得")
        constraints = [
            models.UniqueConstraint(fields=["member", "page"], name="members_reflection_once")
        ]

    def __str__(self):
        return self.text


class StudyPlan(models.Model):
    """A branch's monthly study plan: the items for this month's 主题党日."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="plans", verbose_name=_("党组织")
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"), db_index=True)
    title = models.CharField(_("主题"), max_length=120)
    meeting_date = models.DateField(_("主题党日日期"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=120, blank=True)
    note = models.TextField(_("说明"), blank=True)
    # Empty: every member of the organisation's subtree.
    members = models.ManyToManyField(
        Member, blank=True, related_name="plans", verbose_name=_("指定党员")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("学习计划")
        verbose_name_plural = pgettext_lazy("plural", "学习计划")
        ordering = ["-month", "organisation__path"]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.organisation} · {self.title}"


class StudyPlanItem(models.Model):
    plan = models.ForeignKey(StudyPlan, on_delete=models.CASCADE, related_name="items")
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name=_("课程")
    )
    required = models.BooleanField(_("必学"), default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "page"], name="members_plan_item_once")
        ]

    def __str__(self):
        return f"{self.plan_id}: {self.page_id}"
