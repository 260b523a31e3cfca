"""Organisations, members and their learning records.

Learning items are Wagtail pages (lectures.LessonPage); records point at `wagtailcore.Page` so
that this app does not depend on the lectures models. Progress rows stay small (merged ranges
as a short JSON list); a completion is stored once per member and item.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
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
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # Closed organisations stay (transfers, past roles and records name them) but take no new
    # members, roles or children; see members.organisations.close.
    closed_on = models.DateField(_("撤销日期"), null=True, blank=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = pgettext_lazy("plural", "党组织")

    def __str__(self):
        return self.name

    @property
    def is_open(self):
        return self.closed_on is None


class Member(models.Model):
    """A Party member's profile beside Django's auth user: the register a branch keeps."""

    class Gender(models.TextChoices):
        MALE = "male", _("男")
        FEMALE = "female", _("女")

    class Status(models.TextChoices):
        NORMAL = "normal", _("正常")
        MIGRANT = "migrant", _("流动党员")
        LOST = "lost", _("失联")
        ABROAD = "abroad", _("出国（境）")
        SUSPENDED = "suspended", _("停止党籍")
        TRANSFERRED_OUT = "transferred_out", _("已转出")
        DECEASED = "deceased", _("已去世")

    # Members a branch still counts and serves (plans, reports, quiet lists, sign-in).
    CURRENT = (Status.NORMAL, Status.MIGRANT, Status.LOST, Status.ABROAD)

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
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.NORMAL, db_index=True
    )
    status_since = models.DateField(_("状态起始日期"), null=True, blank=True)
    status_note = models.CharField(_("状态说明"), max_length=200, blank=True)
    # 流动党员: where they work now and how to reach them there.
    migrant_workplace = models.CharField(_("外出务工地点/单位"), max_length=200, blank=True)
    migrant_contact = models.CharField(_("外出期间联系方式"), max_length=200, blank=True)
    is_housebound = models.BooleanField(_("年老体弱/行动不便"), default=False)
    is_probationary = models.BooleanField(_("预备党员"), default=False)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = pgettext_lazy("plural", "党员")
        ordering = ["number"]

    def __str__(self):
        return f"{self.name}（{self.number}）"

    def save(self, *args, **kwargs):
        # 预备党员 until the date made full member: a date already reached ends probation.
        if self.full_member_on is not None and self.full_member_on <= timezone.localdate():
            self.is_probationary = False
        super().save(*args, **kwargs)

    # `is_migrant` was a flag before the status; callers (the import's 流动党员 column, the
    # migrant's self-report, the benchmark) still read and set it, through the status.
    @property
    def is_migrant(self):
        return self.status == self.Status.MIGRANT

    @is_migrant.setter
    def is_migrant(self, value):
        if value and self.status in (self.Status.NORMAL, ""):
            self.status = self.Status.MIGRANT
        elif not value and self.status == self.Status.MIGRANT:
            self.status = self.Status.NORMAL

    @property
    def is_current(self):
        return self.status in self.CURRENT

    @property
    def is_read_only(self):
        """Transferred out of the county: the profile and records are kept as they were."""
        return self.status == self.Status.TRANSFERRED_OUT


class Role(models.Model):
    """A role a member holds in an organisation for a term (书记, 组织委员 …): the scope of
    everything they may see and do (members.scoping); kinds and powers in members.roles."""

    class Kind(models.TextChoices):
        SECRETARY = "secretary", _("书记")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        ORGANISATION = "organisation", _("组织委员")
        PROPAGANDA = "propaganda", _("宣传委员")
        DISCIPLINE = "discipline", _("纪检委员")
        GROUP_LEADER = "group_leader", _("党小组长")
        COUNTY_OFFICER = "county_officer", _("县委组织部干部")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="roles", verbose_name=_("党员")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="roles", verbose_name=_("党组织")
    )
    kind = models.CharField(_("职务"), max_length=20, choices=Kind.choices)
    started_on = models.DateField(_("任职日期"))
    # The last day of the term; empty while it lasts.
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("职务")
        verbose_name_plural = pgettext_lazy("plural", "职务")
        ordering = ["organisation__path", "kind", "-started_on"]
        indexes = [models.Index(fields=["member", "ended_on"], name="members_role_member_end")]

    def __str__(self):
        return f"{self.organisation} {self.get_kind_display()} {self.member.name}"

    def is_current(self, day=None):
        day = day or timezone.localdate()
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)


class Transfer(models.Model):
    """A member's 组织关系转接: between organisations of the county, or out of it (转出)."""

    class Kind(models.TextChoices):
        WITHIN = "within", _("县内转接")
        OUT = "out", _("转出本县")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.WITHIN)
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("转出组织")
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("转入组织"),
    )
    destination = models.CharField(_("转往（县外）"), max_length=200, blank=True)
    date = models.DateField(_("转接日期"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("经办人"),
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = pgettext_lazy("plural", "组织关系转接")
        ordering = ["-date", "-pk"]

    def __str__(self):
        to = self.to_organisation.name if self.to_organisation_id else self.destination
        return f"{self.member.name}: {self.from_organisation.name} → {to}"


class LostContact(models.Model):
    """One stretch of time a branch lost contact with a member (失联), from the day it was noticed
    to the day they were reached again."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="lost_contacts")
    lost_since = models.DateField(_("失联日期"))
    last_known_contact = models.CharField(_("最后联系方式/去向"), max_length=200, blank=True)
    reconnected_on = models.DateField(_("恢复联系日期"), null=True, blank=True, db_index=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("失联记录")
        verbose_name_plural = pgettext_lazy("plural", "失联记录")
        ordering = ["-lost_since", "-pk"]

    def __str__(self):
        return f"{self.member.name} {self.lost_since}"


class ContactAttempt(models.Model):
    """One try to reach a lost member: when, how, by whom, with what result."""

    class Method(models.TextChoices):
        PHONE = "phone", _("电话")
        VISIT = "visit", _("上门走访")
        WECHAT = "wechat", _("微信")
        RELATIVES = "relatives", _("亲友、村邻打听")
        LETTER = "letter", _("函询")
        OTHER = "other", _("其他")

    case = models.ForeignKey(LostContact, on_delete=models.CASCADE, related_name="attempts")
    date = models.DateField(_("日期"))
    method = models.CharField(_("方式"), max_length=20, choices=Method.choices)
    by_name = models.CharField(_("联系人"), max_length=60)
    result = models.CharField(_("结果"), max_length=300)
    reached = models.BooleanField(_("已联系上"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("联系尝试")
        verbose_name_plural = pgettext_lazy("plural", "联系尝试")
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.date} {self.get_method_display()}: {self.result}"


class SignInCode(models.Model):
    """A one-time sign-in code (a secretary's password reset, or a new member's first sign-in).

    Only its hash is kept. It signs in once (members.auth), after which the member must choose a
    password (members.middleware); the row goes when they have.
    """

    class Kind(models.TextChoices):
        RESET = "reset", _("重置密码")
        FIRST = "first", _("初次登录")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_code"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    code_hash = models.CharField(max_length=128)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("一次性登录码")
        verbose_name_plural = pgettext_lazy("plural", "一次性登录码")

    def __str__(self):
        return f"{self.user_id} {self.kind} {self.issued_at:%Y-%m-%d}"


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
    # Defaults in the database too (db_default): a web process still running the code before
    # these columns (during a deploy) inserts rows without them.
    previous = models.PositiveIntegerField(default=0, db_default=0)  # heartbeats in the minute before
    clock_start = models.FloatField(default=0, db_default=0)  # Unix seconds: this run's first heartbeat
    clock_seen = models.FloatField(default=0, db_default=0)  # Unix seconds: the latest heartbeat
    # Media seconds credited since clock_start (a second of reading counts as MAX_SPEED seconds).
    credited = models.FloatField(default=0, db_default=0)

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
