"""The question bank, contests, lesson quizzes and members' attempts.

A question cites its source: an article of a regulation (search.Article, with its permalink) or a
lesson. The correct answer lives only here and in the grading (quizzes.grading): no page or API
answer carries it before the attempt is submitted. An attempt keeps the questions it drew and the
order of their options (shuffled per attempt) so that the keys A, B, C … a member sees are the
attempt's own.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from lectures.models import LessonPage
from members.models import Member, Organisation
from members.services import completion_rule_locked
from search.models import Article


class Question(ClusterableModel):
    class Kind(models.TextChoices):
        SINGLE = "single", _("单选题")
        MULTIPLE = "multiple", _("多选题")
        TRUE_FALSE = "true_false", _("判断题")
        FILL = "fill", _("填空题")

    class Difficulty(models.IntegerChoices):
        EASY = 1, _("容易")
        MEDIUM = 2, _("中等")
        HARD = 3, _("较难")

    kind = models.CharField(_("题型"), max_length=12, choices=Kind.choices, default=Kind.SINGLE)
    stem = models.TextField(_("题干"), help_text=_("填空题用 ＿＿ 表示空格"))
    # true/false questions: the statement's truth; fill: accepted answers, one a line.
    is_true = models.BooleanField(_("判断题答案：正确"), null=True, blank=True)
    accepted = models.TextField(_("填空题答案"), blank=True, help_text=_("每行一个可接受的答案"))
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("出处条款"),
    )
    lesson = models.ForeignKey(
        LessonPage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("所属课程"), help_text=_("填写后，本题用于这节课的课后测试"),
    )
    explanation = models.TextField(_("解析"), blank=True, help_text=_("答题后显示，宜引用条款原文"))
    topic = models.CharField(_("主题"), max_length=60, blank=True, db_index=True)
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("题目")
        verbose_name_plural = pgettext_lazy("plural", "题目")

    def __str__(self):
        return self.stem[:40]

    def clean(self):
        super().clean()
        if self.article_id is None and self.lesson_id is None:
            raise ValidationError(_("每道题都要注明出处：法规条款或课程。"))
        if self.kind == self.Kind.TRUE_FALSE and self.is_true is None:
            raise ValidationError({"is_true": _("判断题要给出答案。")})
        if self.kind == self.Kind.FILL and not self.accepted_answers():
            raise ValidationError({"accepted": _("填空题至少要有一个可接受的答案。")})

    def accepted_answers(self):
        return [line.strip() for line in self.accepted.splitlines() if line.strip()]

    @property
    def has_options(self):
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)


class Option(models.Model):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("选项"), max_length=300)
    is_correct = models.BooleanField(_("正确"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["question_id", "position", "pk"]
        verbose_name = _("选项")
        verbose_name_plural = pgettext_lazy("plural", "选项")

    def __str__(self):
        return self.text


class LessonQuiz(models.Model):
    """A lesson's quiz: its questions are those whose `lesson` is this lesson. With `required`,
    the lesson is completed only once watched AND passed (members.completion)."""

    lesson = models.OneToOneField(LessonPage, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("课程"))
    pass_mark = models.PositiveSmallIntegerField(
        _("及格分（百分制）"), default=60, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    required = models.BooleanField(_("完成课程须通过测试"), default=False)
    question_count = models.PositiveSmallIntegerField(
        _("每次题数"), default=5, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )

    class Meta:
        verbose_name = _("课后测试")
        verbose_name_plural = pgettext_lazy("plural", "课后测试")

    def __str__(self):
        return str(self.lesson)

    def clean(self):
        super().clean()
        if not self.lesson_id:
            return
        saved = LessonQuiz.objects.filter(pk=self.pk).values("pass_mark", "required").first()
        if saved is None:  # a new quiz changes the rule only when it is required
            changed = self.required
        else:
            changed = saved != {"pass_mark": self.pass_mark, "required": self.required}
        if changed and completion_rule_locked(self.lesson_id):
            raise ValidationError(
                _("已有党员完成了这节课，完成标准（及格分、是否须通过测试）不能再修改，以保证学习记录可比。")
            )


class Contest(models.Model):
    """知识竞赛 of an organisation for its subtree: a time window, the same questions for everyone
    (drawn when it is opened), a time limit per attempt and one attempt per member."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("举办组织"))
    title = models.CharField(_("竞赛名称"), max_length=120)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    question_count = models.PositiveSmallIntegerField(
        _("题数"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("每次答题限时（分钟）"), default=15, validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    topic = models.CharField(_("主题"), max_length=60, blank=True,
                             help_text=_("只从这个主题出题；留空则从整个题库出题"))
    questions = models.ManyToManyField(Question, related_name="+", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("知识竞赛")
        verbose_name_plural = pgettext_lazy("plural", "知识竞赛")

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("结束时间要晚于开始时间。")})

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.starts_at <= now < self.ends_at


class Attempt(models.Model):
    class Kind(models.TextChoices):
        DAILY = "daily", _("每日一练")
        CONTEST = "contest", _("知识竞赛")
        LESSON = "lesson", _("课后测试")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    day = models.DateField(null=True, blank=True)  # daily: the day it is for
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="attempts")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+")
    # [[question id, [option ids in the order shown]], …]: the attempt's questions and layout.
    layout = models.JSONField(default=list)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "day"], condition=Q(kind="daily"),
                                    name="quizzes_one_daily_attempt"),
            models.UniqueConstraint(fields=["member", "contest"], condition=Q(kind="contest"),
                                    name="quizzes_one_contest_attempt"),
        ]
        indexes = [
            models.Index(fields=["member", "submitted_at"], name="quizzes_attempt_member_done"),
            models.Index(fields=["contest", "submitted_at"], name="quizzes_attempt_contest_done"),
        ]
        verbose_name = _("答题记录")
        verbose_name_plural = pgettext_lazy("plural", "答题记录")

    def __str__(self):
        return f"{self.member} {self.get_kind_display()} {self.started_at:%Y-%m-%d}"

    @property
    def submitted(self):
        return self.submitted_at is not None

    @property
    def percent(self):
        if self.score is None or not self.total:
            return None
        return round(100 * self.score / self.total)

    def question_ids(self):
        return [question_id for question_id, _options in self.layout]


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    given = models.JSONField(null=True, blank=True)  # as the member sent it (the attempt's keys)
    correct = models.BooleanField(default=False)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")  # weighting
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="quizzes_one_answer"),
        ]
        indexes = [models.Index(fields=["member", "question"], name="quizzes_answer_member_q")]

    def __str__(self):
        return f"{self.attempt_id}/{self.question_id}"
