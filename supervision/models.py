"""Supervision: inspections (督查) with the county's checklist, rectification items (整改), the rules
of the quarterly branch ranking and of the members' vanguard index (先锋指数), deeds the secretary
records, and the annual democratic appraisal of members (民主评议党员).

The numbers themselves come from branch_life.figures, members.reports / members.activity and the
quizzes app's services; this app only records what the office does and the county's rules."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.models import Member, Organisation


class ChecklistItem(models.Model):
    """One question of the inspection checklist an organisation (the county) sets for its
    subtree; the nearest organisation above a branch that sets any gives the whole list."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="checklist_items", verbose_name=_("党组织"))
    text = models.CharField(_("检查内容"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("督查清单项目")
        verbose_name_plural = pgettext_lazy("plural", "督查清单项目")
        ordering = ["organisation__path", "sort_order", "pk"]

    def __str__(self):
        return self.text


class Inspection(models.Model):
    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("定期督查")
        UNANNOUNCED = "unannounced", _("不定期暗访")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="inspections", verbose_name=_("被督查党组织"))
    date = models.DateField(_("督查日期"), default=timezone.localdate, db_index=True)
    kind = models.CharField(_("方式"), max_length=12, choices=Kind.choices, default=Kind.SCHEDULED)
    inspectors = models.CharField(_("督查人员"), max_length=200)
    findings = models.TextField(_("发现问题"), blank=True,
                                help_text=_("每行一条问题；保存后每条问题生成一项整改任务。"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督查")
        verbose_name_plural = pgettext_lazy("plural", "督查")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.organisation} {self.date} {self.get_kind_display()}"


class InspectionAnswer(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", _("符合")
        PARTLY = "partly", _("基本符合")
        NO = "no", _("不符合")
        NA = "na", _("不适用")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("检查内容"))
    answer = models.CharField(_("结果"), max_length=8, choices=Answer.choices, default=Answer.YES)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("督查结果")
        verbose_name_plural = pgettext_lazy("plural", "督查结果")
        constraints = [models.UniqueConstraint(fields=["inspection", "item"],
                                               name="supervision_answer_once")]

    def __str__(self):
        return f"{self.inspection_id}/{self.item_id}: {self.answer}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("照片"))
    caption = models.CharField(_("说明"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("督查照片")
        verbose_name_plural = pgettext_lazy("plural", "督查照片")

    def __str__(self):
        return self.caption or str(self.image_id)


class Rectification(models.Model):
    """A finding to put right (整改): what, who answers for it, by when; closed with evidence."""

    class Status(models.TextChoices):
        OPEN = "open", _("整改中")
        CLOSED = "closed", _("已整改")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="rectifications", verbose_name=_("党组织"))
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="rectifications", verbose_name=_("来源督查"))
    what = models.CharField(_("整改事项"), max_length=300)
    owner = models.CharField(_("责任人"), max_length=60)
    deadline = models.DateField(_("整改期限"), db_index=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices,
                              default=Status.OPEN, db_index=True)
    evidence = models.TextField(_("整改情况"), blank=True)
    evidence_photo = models.ForeignKey("wagtailimages.Image", on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="+",
                                       verbose_name=_("佐证照片"))
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = pgettext_lazy("plural", "整改事项")
        ordering = ["deadline", "pk"]
        constraints = [models.CheckConstraint(
            condition=Q(status="open") | ~Q(evidence=""), name="supervision_closed_with_evidence")]

    def __str__(self):
        return f"{self.organisation} {self.what}"

    def is_overdue(self, today=None):
        return self.status == self.Status.OPEN and self.deadline < (today or timezone.localdate())


class BranchRule(models.Model):
    """One rule of the quarterly branch ranking an organisation (the county, or a township for its
    own ranking) sets: points added (positive) or deducted (negative). The nearest organisation
    above the ranked one that sets any rule gives the whole set."""

    class Kind(models.TextChoices):
        DAY_ON_TIME = "day_on_time", _("按时召开主题党日（每月）")
        DAY_LATE = "day_late", _("主题党日推迟召开（每月）")
        DAY_MISSED = "day_missed", _("未召开主题党日（每月）")
        ATTENDANCE = "attendance", _("参加率达到门槛（每月）")
        ACTIONS = "actions", _("规定动作全部完成（每月）")
        COMPLETION = "completion", _("学习完成率达到门槛（每月）")
        QUIZ = "quiz", _("知识测试参与率达到门槛（本季度）")
        FINDING = "finding", _("督查发现问题（每条）")
        OVERDUE = "overdue", _("整改逾期未销号（每条）")
        QUIET = "quiet", _("长期不活跃党员（每人）")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="branch_rules", verbose_name=_("党组织"))
    kind = models.CharField(_("项目"), max_length=12, choices=Kind.choices)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=1,
                                 help_text=_("加分填正数，扣分填负数。"))
    threshold = models.PositiveSmallIntegerField(
        _("门槛（%）"), null=True, blank=True, validators=[MaxValueValidator(100)],
        help_text=_("参加率、完成率、参与率类项目的达标百分比。"))

    class Meta:
        verbose_name = _("支部排位规则")
        verbose_name_plural = pgettext_lazy("plural", "支部排位规则")
        ordering = ["organisation__path", "kind"]
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"],
                                               name="supervision_branch_rule_once")]

    def __str__(self):
        return f"{self.organisation} · {self.get_kind_display()} {self.points:+}"

    def points_for(self, count):
        """The rule's points for `count` times what it counts."""
        return self.points * count


class MemberRule(models.Model):
    """One rule of the vanguard index (先锋指数) the county sets: points per unit."""

    class Kind(models.TextChoices):
        COMPLETION = "completion", _("完成一项学习")
        HOUR = "hour", _("学习时长（每小时）")
        ATTENDANCE = "attendance", _("参加一次组织生活")
        ABSENCE = "absence", _("无故缺席一次组织生活")
        REFLECTION = "reflection", _("提交一篇心得")
        QUIZ = "quiz", _("知识测试答对一题")
        DEED = "deed", _("办实事、志愿服务（按登记分值的倍数）")
        EXCELLENT = "excellent", _("民主评议：优秀")
        QUALIFIED = "qualified", _("民主评议：合格")
        BASIC = "basic", _("民主评议：基本合格")
        UNQUALIFIED = "unqualified", _("民主评议：不合格")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="member_rules", verbose_name=_("党组织"))
    kind = models.CharField(_("项目"), max_length=12, choices=Kind.choices)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=1)
    cap = models.DecimalField(_("年度上限"), max_digits=7, decimal_places=1, null=True, blank=True,
                              validators=[MinValueValidator(0)],
                              help_text=_("该项一年最多计多少分（扣分项为最多扣多少分）；不填不设上限。"))

    class Meta:
        verbose_name = _("先锋指数规则")
        verbose_name_plural = pgettext_lazy("plural", "先锋指数规则")
        ordering = ["organisation__path", "kind"]
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"],
                                               name="supervision_member_rule_once")]

    def __str__(self):
        return f"{self.organisation} · {self.get_kind_display()} {self.points:+}"

    def points_for(self, count):
        """The rule's points for `count` times what it counts, within its yearly cap either way."""
        points = self.points * Decimal(count)
        if self.cap is not None:
            points = max(-self.cap, min(self.cap, points))
        return points


def breakdown(kinds, rule_set, counts):
    """(parts, total) of one branch or member: for each kind of `kinds` (a rule model's Kind)
    that `rule_set` ({kind: rule}) holds, {"kind", "label", "count", "points"} with the count
    from `counts` ({kind: n}); the ranking and the vanguard index both score this way."""
    parts, total = [], Decimal(0)
    for kind, label in kinds.choices:
        rule = rule_set.get(kind)
        if rule is None:
            continue
        n = counts.get(kind, 0)
        points = rule.points_for(n)
        total += points
        parts.append({"kind": kind, "label": label, "count": n, "points": points})
    return parts, total


class Deed(models.Model):
    """A member's deed the secretary records: 办实事, volunteer service."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("为群众办实事")
        VOLUNTEER = "volunteer", _("志愿服务")
        OTHER = "other", _("其他")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="deeds",
                               verbose_name=_("党员"))
    date = models.DateField(_("日期"), default=timezone.localdate)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.SERVICE)
    what = models.CharField(_("事项"), max_length=200)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1,
                                 validators=[MinValueValidator(0), MaxValueValidator(100)])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("实事登记")
        verbose_name_plural = pgettext_lazy("plural", "实事登记")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.member} {self.date} {self.what}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class Appraisal(models.Model):
    """A branch's annual democratic appraisal of its members (民主评议党员): the window it opens,
    members' ratings of themselves and each other, and the branch's conclusions."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="appraisals", verbose_name=_("党支部"))
    year = models.PositiveSmallIntegerField(_("年度"))
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = pgettext_lazy("plural", "民主评议")
        ordering = ["-year", "organisation__path"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="supervision_appraisal_once"),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                   name="supervision_appraisal_window"),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year}"

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class AppraisalRating(models.Model):
    """One member's rating of one member (themselves included). Only the secretary sees these."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    ratee = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(_("评议等次"), max_length=12, choices=Grade.choices)
    rated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评议票")
        verbose_name_plural = pgettext_lazy("plural", "评议票")
        constraints = [models.UniqueConstraint(fields=["appraisal", "rater", "ratee"],
                                               name="supervision_rating_once")]

    def __str__(self):
        return f"{self.appraisal_id}: {self.rater_id}→{self.ratee_id} {self.grade}"


class AppraisalResult(models.Model):
    """The branch's conclusion for one member, recorded by the secretary."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="results")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="appraisal_results")
    grade = models.CharField(_("评定等次"), max_length=12, choices=Grade.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评定结果")
        verbose_name_plural = pgettext_lazy("plural", "评定结果")
        constraints = [models.UniqueConstraint(fields=["appraisal", "member"],
                                               name="supervision_result_once")]

    def __str__(self):
        return f"{self.appraisal_id}: {self.member_id} {self.grade}"
