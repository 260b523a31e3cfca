"""Branch life: the monthly activity day (主题党日 / 支部活动日) and the other meetings of 三会一课
as recorded events, their agenda, attendance, leave, remote participation, minutes and photos.

People and organisations are members' (members.models); a lesson is a Wagtail page (the library's
LessonPage, named here only as `wagtailcore.Page`, as members does); photos are Wagtail images.
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.models import Member, Organisation


class ActivityRule(models.Model):
    """When an organisation's branches hold their monthly activity day, for its whole subtree (the
    nearest rule above a branch applies), and the limits its members are held to."""

    class NonWorking(models.TextChoices):
        KEEP = "keep", _("照常举行")
        NEXT_WORKING_DAY = "next_working_day", _("顺延至下一个工作日")

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="activity_rule",
        verbose_name=_("党组织"),
    )
    title = models.CharField(_("活动名称"), max_length=60, default="主题党日")
    day_of_month = models.PositiveSmallIntegerField(
        _("每月几日"), default=8, validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("该月没有这一天时（如30日之于2月），取该月最后一天。"),
    )
    start_time = models.TimeField(_("开始时间"), default=dt.time(9, 0))
    duration_minutes = models.PositiveSmallIntegerField(
        _("时长（分钟）"), default=120, validators=[MinValueValidator(15), MaxValueValidator(720)]
    )
    non_working = models.CharField(
        _("遇节假日、周末"), max_length=20, choices=NonWorking.choices,
        default=NonWorking.NEXT_WORKING_DAY,
        help_text=_("按国务院公布的节假日安排（含调休）判断是否工作日。"),
    )
    place = models.CharField(_("默认地点"), max_length=120, blank=True)
    remote_days = models.PositiveSmallIntegerField(
        _("远程参加期限（天）"), default=7, validators=[MaxValueValidator(60)],
        help_text=_("活动后多少天内，流动党员、行动不便党员可以远程学习并提交汇报。"),
    )
    absence_limit_consecutive = models.PositiveSmallIntegerField(
        _("连续缺席上限"), default=3, validators=[MinValueValidator(1)]
    )
    absence_limit_year = models.PositiveSmallIntegerField(
        _("年度缺席上限"), default=6, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("活动日规则")
        verbose_name_plural = pgettext_lazy("plural", "活动日规则")

    def __str__(self):
        return f"{self.organisation} · {self.title} {self.day_of_month}日"


class ActionKind(models.TextChoices):
    DUES = "dues", _("缴纳党费")
    CONSTITUTION = "constitution", _("诵读党章")
    LESSON = "lesson", _("集中学习")
    OATH = "oath", _("重温入党誓词")
    SHARING = "sharing", _("党员谈体会")
    OTHER = "other", _("其他")


class RequiredAction(models.Model):
    """One of the 规定动作 an organisation sets for every activity day in its subtree (the nearest
    organisation above a branch that sets any gives the whole list)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="required_actions",
        verbose_name=_("党组织"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=ActionKind.choices, default=ActionKind.OTHER)
    title = models.CharField(_("名称"), max_length=80)
    sort_order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("规定动作")
        verbose_name_plural = pgettext_lazy("plural", "规定动作")
        ordering = ["organisation__path", "sort_order", "pk"]

    def __str__(self):
        return f"{self.organisation} · {self.title}"


class CalendarDay(models.Model):
    """A day whose working status the county sets by hand: a year the official calendar
    (chinese-calendar) does not know yet, or a local holiday. Overrides the calendar."""

    date = models.DateField(_("日期"), unique=True)
    working = models.BooleanField(_("工作日"), default=False)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = pgettext_lazy("plural", "节假日调整")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'上班' if self.working else '休息'}"


class Event(models.Model):
    """One meeting of an organisation: the month's activity day (planned by the rule) or another
    meeting of 三会一课 a role holder adds. The event page is the branch's record of it."""

    class Kind(models.TextChoices):
        THEME_DAY = "theme_day", _("主题党日")
        GENERAL_MEETING = "general_meeting", _("支部党员大会")
        COMMITTEE = "committee", _("支部委员会")
        GROUP_MEETING = "group_meeting", _("党小组会")
        LECTURE = "lecture", _("党课")

    class Status(models.TextChoices):
        PLANNED = "planned", _("待召开")
        HELD = "held", _("已召开")
        CANCELLED = "cancelled", _("已取消")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="events", verbose_name=_("党组织")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.THEME_DAY)
    title = models.CharField(_("主题"), max_length=120)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=120, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    # The month the event belongs to (its first day); stays when the event is moved.
    month = models.DateField(_("月份"), db_index=True)
    # Created by the rule (plan_activity_days): at most one a month per organisation.
    from_rule = models.BooleanField(default=False)
    lesson = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("学习课程"),
    )
    # Minutes (会议记录): time and place are the event's, attendance the check-ins'.
    host = models.CharField(_("主持人"), max_length=60, blank=True)
    recorder = models.CharField(_("记录人"), max_length=60, blank=True)
    minutes = models.TextField(_("会议内容"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("组织生活")
        verbose_name_plural = pgettext_lazy("plural", "组织生活")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "month"], condition=Q(from_rule=True),
                name="branch_life_one_rule_event_a_month",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="branch_life_event_ends_after_start"),
        ]
        indexes = [models.Index(fields=["organisation", "month"], name="branch_life_event_org_month")]

    def __str__(self):
        return f"{self.organisation} {self.starts_at:%Y-%m-%d} {self.title}"


class EventMove(models.Model):
    """The log of an event moved to another time, with the reason given."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="moves")
    from_starts_at = models.DateTimeField(_("原时间"))
    to_starts_at = models.DateTimeField(_("新时间"))
    reason = models.CharField(_("调整原因"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("时间调整")
        verbose_name_plural = pgettext_lazy("plural", "时间调整")
        ordering = ["moved_at", "pk"]

    def __str__(self):
        return f"{self.event_id}: {self.from_starts_at} → {self.to_starts_at}"


class AgendaItem(models.Model):
    """One action of an event's agenda: a required one (规定动作, copied from the template when the
    event is planned) or the branch's own (自选动作), ticked with its evidence."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="agenda")
    kind = models.CharField(_("类型"), max_length=20, choices=ActionKind.choices, default=ActionKind.OTHER)
    title = models.CharField(_("名称"), max_length=80)
    required = models.BooleanField(_("规定动作"), default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)
    done = models.BooleanField(_("已完成"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("记录"), max_length=300, blank=True)
    # Dues: the total collected and who paid.
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    payers = models.ManyToManyField(Member, blank=True, related_name="+", verbose_name=_("缴纳人"))

    class Meta:
        verbose_name = _("议程")
        verbose_name_plural = pgettext_lazy("plural", "议程")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "sort_order"], name="branch_life_agenda_order")
        ]

    def __str__(self):
        return f"{self.event_id}: {self.title}"


class Attendance(models.Model):
    """One invited member's part in one event."""

    class Status(models.TextChoices):
        INVITED = "invited", _("待签到")
        CHECKED_IN = "checked_in", _("已签到")
        EXCUSED = "excused", _("请假")
        ABSENT = "absent", _("缺席")
        REMOTE_DONE = "remote_done", _("远程参加")

    class How(models.TextChoices):
        CODE = "code", _("签到码")
        ROLL_CALL = "roll_call", _("书记点名")

    PRESENT = (Status.CHECKED_IN, Status.REMOTE_DONE)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="event_attendance")
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.INVITED
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    how = models.CharField(_("签到方式"), max_length=10, choices=How.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("出席")
        verbose_name_plural = pgettext_lazy("plural", "出席")
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="branch_life_attendance_once")
        ]
        indexes = [models.Index(fields=["member", "status"], name="branch_life_att_member_status")]

    def __str__(self):
        return f"{self.event_id}/{self.member_id}: {self.status}"


class Decision(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    DECLINED = "declined", _("未同意")


class LeaveRequest(models.Model):
    """A member asks for leave before the event; a role holder approves or declines."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="leave_requests")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="leave_requests")
    reason = models.CharField(_("请假原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    asked_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("请假")
        verbose_name_plural = pgettext_lazy("plural", "请假")
        ordering = ["asked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="branch_life_leave_once")
        ]

    def __str__(self):
        return f"{self.member} {self.event_id} {self.status}"


class RemoteReport(models.Model):
    """A migrant or housebound member's remote part: they watched the event's lesson and report
    back (text, optionally a photo) within the rule's days; a role holder accepts it."""

    MAX_LENGTH = 500

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="remote_reports")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="remote_reports")
    text = models.TextField(_("学习汇报"), max_length=MAX_LENGTH)
    photo = models.ForeignKey(
        "wagtailimages.Image", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("照片"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("远程参加汇报")
        verbose_name_plural = pgettext_lazy("plural", "远程参加汇报")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="branch_life_remote_once")
        ]

    def __str__(self):
        return f"{self.member} {self.event_id} {self.status}"


class EventPhoto(models.Model):
    """A photo of the event (a Wagtail image, downscaled and without its EXIF location)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+")
    caption = models.CharField(_("说明"), max_length=120, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = pgettext_lazy("plural", "活动照片")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return f"{self.event_id}: {self.caption or self.image_id}"
