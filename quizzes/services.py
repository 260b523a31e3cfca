"""Quizzes without a request: drawing, presenting, grading and timing attempts; contests and
their league tables; the figures other apps read (participation per organisation, a member's
points, the daily streak).

Honest scoring: the correct answer is read only by `grade` and `results`, and `results` only for a
submitted attempt. Option keys (A, B, C …) are the attempt's own: each attempt shuffles its
options and keeps the order in `Attempt.layout`.
"""

import datetime as dt
import random
import string
import unicodedata
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members import services as member_services
from members.models import Member, Organisation
from quizzes.models import Answer, Attempt, Contest, LessonQuiz, Option, Question

DAILY_QUESTIONS = 5
LESSON_MINUTES = 30
GRACE = dt.timedelta(seconds=5)  # a submission sent just before the limit, still on its way
KEYS = string.ascii_uppercase
TRUE_FALSE_OPTIONS = (("true", _("正确")), ("false", _("错误")))
# Weights of the daily draw: answered wrong more often than right, never seen, answered right.
WEIGHT_WRONG, WEIGHT_NEW, WEIGHT_RIGHT = 6.0, 2.0, 1.0

_random = random.SystemRandom()


@dataclass
class Refused(Exception):
    """A refused request: the HTTP status an API gives it and the Chinese message."""

    status: int
    detail: str


# ---- drawing an attempt ----------------------------------------------------------------------


def _layout(question_ids):
    """[[question id, [option ids shuffled]], …] for the questions, in the given order."""
    options = {}
    for option_id, question_id in Option.objects.filter(question_id__in=question_ids).values_list(
        "pk", "question_id"
    ):
        options.setdefault(question_id, []).append(option_id)
    layout = []
    for question_id in question_ids:
        ids = options.get(question_id, [])
        _random.shuffle(ids)
        layout.append([question_id, ids])
    return layout


def _weighted_pick(weights, count):
    """`count` keys of {key: weight} without replacement, heavier ones likelier
    (Efraimidis–Spirakis)."""
    keyed = sorted(weights, key=lambda k: _random.random() ** (1.0 / weights[k]), reverse=True)
    return keyed[:count]


def daily_weights(member_id):
    """{question id: weight} of the daily bank for a member: more weight on what they answered
    wrong before."""
    bank = Question.objects.filter(active=True, article__isnull=False).values_list("pk", flat=True)
    weights = dict.fromkeys(bank, WEIGHT_NEW)
    history = (
        Answer.objects.filter(member_id=member_id).values("question_id")
        .annotate(wrong=Count("pk", filter=Q(correct=False)), right=Count("pk", filter=Q(correct=True)))
        .values_list("question_id", "wrong", "right")
    )
    for question_id, wrong, right in history:
        if question_id in weights:
            weights[question_id] = WEIGHT_WRONG if wrong > right else WEIGHT_RIGHT
    return weights


def _create(member_id, **fields):
    try:
        with transaction.atomic():
            return Attempt.objects.create(member_id=member_id, **fields), True
    except IntegrityError:
        return None, False


def daily_attempt(member, *, now=None, count=DAILY_QUESTIONS):
    """Today's 每日一练 of the member: the same attempt for the rest of the day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    member_id = getattr(member, "pk", member)
    attempt = Attempt.objects.filter(member_id=member_id, kind=Attempt.Kind.DAILY, day=today).first()
    if attempt is not None:
        return attempt
    picked = _weighted_pick(daily_weights(member_id), count)
    end_of_day = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
    attempt, created = _create(
        member_id, kind=Attempt.Kind.DAILY, day=today, layout=_layout(picked), started_at=now,
        deadline=end_of_day, total=len(picked),
    )
    if not created:  # another request of the same member made it first
        attempt = Attempt.objects.get(member_id=member_id, kind=Attempt.Kind.DAILY, day=today)
    return attempt


def may_enter(contest, member):
    return (member.status in Member.CURRENT
            and Organisation.objects.filter(pk=member.branch_id, path__startswith=contest.organisation.path).exists())


def contest_attempt(contest, member, *, now=None):
    """The member's one attempt at a contest, started now if it is not yet; Refused outside the
    window or the contest's subtree."""
    now = now or timezone.now()
    existing = Attempt.objects.filter(member=member, kind=Attempt.Kind.CONTEST, contest=contest).first()
    if existing is not None:
        return existing
    if not may_enter(contest, member):
        raise Refused(404, _("这项竞赛不面向您所在的党组织。"))
    if not contest.is_open(now):
        raise Refused(400, _("竞赛不在答题时间内。"))
    question_ids = list(contest.questions.order_by("pk").values_list("pk", flat=True))
    if not question_ids:  # opened in the admin without choosing: drawn now, once for everyone
        question_ids = _draw_for(contest)
    _random.shuffle(question_ids)
    deadline = min(now + dt.timedelta(minutes=contest.time_limit_minutes), contest.ends_at)
    attempt, created = _create(
        member.pk, kind=Attempt.Kind.CONTEST, contest=contest, layout=_layout(question_ids),
        started_at=now, deadline=deadline, total=len(question_ids),
    )
    if not created:
        attempt = Attempt.objects.get(member=member, kind=Attempt.Kind.CONTEST, contest=contest)
    return attempt


def lesson_attempt(quiz, member, *, now=None):
    """An open attempt at a lesson's quiz (a new one after each submitted or expired one)."""
    now = now or timezone.now()
    open_one = Attempt.objects.filter(
        member=member, kind=Attempt.Kind.LESSON, lesson_id=quiz.lesson_id, submitted_at=None,
        deadline__gt=now,
    ).first()
    if open_one is not None:
        return open_one
    ids = list(Question.objects.filter(active=True, lesson_id=quiz.lesson_id).values_list("pk", flat=True))
    picked = _random.sample(ids, min(len(ids), quiz.question_count))
    if not picked:
        raise Refused(404, _("这节课还没有测试题。"))
    return Attempt.objects.create(
        member=member, kind=Attempt.Kind.LESSON, lesson_id=quiz.lesson_id, layout=_layout(picked),
        started_at=now, deadline=now + dt.timedelta(minutes=LESSON_MINUTES), total=len(picked),
    )


# ---- presenting: never the answer -----------------------------------------------------------


def questions(attempt):
    """[{"id", "kind", "stem", "options": [{"key", "text"}]}] in the attempt's order: what a
    member sees, with the attempt's keys and nothing of the answer."""
    ids = attempt.question_ids()
    stems = {pk: (kind, stem) for pk, kind, stem in
             Question.objects.filter(pk__in=ids).values_list("pk", "kind", "stem")}
    option_ids = [o for _q, opts in attempt.layout for o in opts]
    texts = dict(Option.objects.filter(pk__in=option_ids).values_list("pk", "text"))
    shown = []
    for question_id, opts in attempt.layout:
        if question_id not in stems:
            continue  # deleted from the bank since
        kind, stem = stems[question_id]
        if kind == Question.Kind.TRUE_FALSE:
            options = [{"key": key, "text": str(text)} for key, text in TRUE_FALSE_OPTIONS]
        else:
            options = [{"key": KEYS[i], "text": texts[o]} for i, o in enumerate(opts) if o in texts]
        shown.append({"id": question_id, "kind": kind, "stem": stem, "options": options})
    return shown


# ---- grading --------------------------------------------------------------------------------

_PUNCTUATION = set("。，、；：？！“”‘’「」『』（）《》〈〉【】…—·,.;:?!\"'()[]<>-_ \t\r\n")


def normalise(text):
    """A fill-in answer as compared: full-width folded, no spaces or punctuation, lower case."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return "".join(ch for ch in text if ch not in _PUNCTUATION)


def _keys_given(value):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return sorted({v.strip().upper() for v in value if v.strip()})


def _bool_given(value):
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _text_given(value):
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value if isinstance(value, str) else None


def grade(question, options_shown, value):
    """(correct, the correct answer in the attempt's terms, the answer as kept) of one answer;
    `options_shown` are the question's Options in the attempt's order."""
    if question.kind == Question.Kind.TRUE_FALSE:
        given = _bool_given(value)
        return given is not None and given == question.is_true, question.is_true, given
    if question.kind == Question.Kind.FILL:
        given = _text_given(value)
        accepted = question.accepted_answers()
        correct = given is not None and normalise(given) in {normalise(a) for a in accepted}
        return correct, (accepted[0] if accepted else ""), (given[:200] if given else given)
    right = sorted(KEYS[i] for i, option in enumerate(options_shown) if option.is_correct)
    given = _keys_given(value)
    if question.kind == Question.Kind.SINGLE and given is not None and len(given) > 1:
        return False, right, given
    return given is not None and given == right, right, given


def _loaded(attempt):
    """The attempt's questions {id: Question} and options {id: Option} (two queries)."""
    ids = attempt.question_ids()
    bank = Question.objects.filter(pk__in=ids).select_related("article__regulation", "lesson").in_bulk()
    option_ids = [o for _q, opts in attempt.layout for o in opts]
    options = Option.objects.in_bulk(option_ids)
    return bank, options


def _citation(question):
    if question.article_id is not None:
        article = question.article
        return {"regulation": article.regulation.title, "article": article.label,
                "url": article.get_absolute_url()}
    if question.lesson_id is not None:
        return {"regulation": None, "article": question.lesson.title, "url": question.lesson.url or ""}
    return {"regulation": None, "article": None, "url": None}


def submit(attempt, member_id, answers, *, now=None):
    """Grades and closes the attempt: {"score", "total", "results"}. Refused: 404 another
    member's attempt, 409 already submitted, 400 after the limit or with answers that are not
    the attempt's questions."""
    now = now or timezone.now()
    if attempt.member_id != member_id:
        raise Refused(404, _("没有这份答卷。"))
    if attempt.submitted_at is not None:
        raise Refused(409, _("这份答卷已经提交过了，不能再次提交。"))
    if now > attempt.deadline + GRACE:
        raise Refused(400, _("答题时间已过，这份答卷不能再提交。"))
    if not isinstance(answers, dict):
        raise Refused(400, _("答案格式不正确。"))
    known = {str(pk) for pk in attempt.question_ids()}
    strange = [key for key in answers if str(key) not in known]
    if strange:
        raise Refused(400, _("答卷中有不属于本次测试的题目：%(ids)s") % {"ids": "、".join(map(str, strange[:5]))})
    bank, options = _loaded(attempt)
    rows, results, score = [], [], 0
    for question_id, opts in attempt.layout:
        question = bank.get(question_id)
        if question is None:
            continue
        shown = [options[o] for o in opts if o in options]
        correct, right, given = grade(question, shown, answers.get(str(question_id)))
        score += correct
        rows.append(Answer(attempt=attempt, question=question, given=given, correct=correct,
                           member_id=member_id, answered_at=now))
        results.append({"id": question_id, "correct": correct, "answer": right, "given": given,
                        "explanation": question.explanation, "citation": _citation(question),
                        "stem": question.stem})
    total = len(results)
    with transaction.atomic():
        closed = Attempt.objects.filter(pk=attempt.pk, submitted_at=None).update(
            submitted_at=now, score=score, total=total
        )
        if not closed:  # a second submission racing the first
            raise Refused(409, _("这份答卷已经提交过了，不能再次提交。"))
        Answer.objects.bulk_create(rows)
    attempt.submitted_at, attempt.score, attempt.total = now, score, total
    if attempt.kind == Attempt.Kind.LESSON:
        _after_lesson_quiz(attempt)
    return {"score": score, "total": total, "results": results}


def results(attempt):
    """A submitted attempt's results (as `submit` answered them), from the stored answers."""
    if attempt.submitted_at is None:
        raise Refused(409, _("答卷尚未提交。"))
    bank, options = _loaded(attempt)
    given = {a.question_id: a for a in Answer.objects.filter(attempt=attempt)}
    out = []
    for question_id, opts in attempt.layout:
        question = bank.get(question_id)
        if question is None:
            continue
        shown = [options[o] for o in opts if o in options]
        _correct, right, _given = grade(question, shown, None)
        answer = given.get(question_id)
        out.append({"id": question_id, "correct": bool(answer and answer.correct), "answer": right,
                    "given": answer.given if answer else None, "explanation": question.explanation,
                    "citation": _citation(question), "stem": question.stem})
    return {"score": attempt.score or 0, "total": attempt.total, "results": out}


def time_left(attempt, now=None):
    now = now or timezone.now()
    return max(0, int((attempt.deadline - now).total_seconds()))


# ---- lesson quizzes -------------------------------------------------------------------------


def passed(quiz, member_id):
    """Has the member passed the lesson's quiz (any submitted attempt at or above the mark)?"""
    for score, total in Attempt.objects.filter(
        member_id=member_id, kind=Attempt.Kind.LESSON, lesson_id=quiz.lesson_id,
        submitted_at__isnull=False,
    ).values_list("score", "total"):
        if total and 100 * (score or 0) >= quiz.pass_mark * total:
            return True
    return False


def lesson_requirement(member_id, page_id):
    """members.completion's requirement: a lesson whose quiz is required is completed only once
    its quiz is passed."""
    quiz = LessonQuiz.objects.filter(lesson_id=page_id, required=True).first()
    return quiz is None or passed(quiz, member_id)


def _after_lesson_quiz(attempt):
    """A passed quiz may complete a lesson already watched."""
    member_services.recheck_completion(attempt.member_id, attempt.lesson_id)


# ---- contests -------------------------------------------------------------------------------


def _bank_for(topic):
    bank = Question.objects.filter(active=True, article__isnull=False)
    if topic:
        bank = bank.filter(topic=topic)
    return list(bank.values_list("pk", flat=True))


@transaction.atomic
def _draw_for(contest):
    """Draws a contest's questions (for a contest opened without them); the contest row is
    locked so that two first entrants do not draw twice."""
    locked = Contest.objects.select_for_update().get(pk=contest.pk)
    existing = list(locked.questions.values_list("pk", flat=True))
    if existing:
        return existing
    ids = _bank_for(contest.topic)
    picked = _random.sample(ids, min(len(ids), contest.question_count))
    locked.questions.set(picked)
    return picked


def open_contest(*, organisation, title, starts_at, ends_at, question_count, time_limit_minutes,
                 topic="", by=None):
    """Opens a contest and draws its questions (the same for everyone) from the bank."""
    ids = _bank_for(topic)
    if len(ids) < question_count:
        raise Refused(400, _("题库中符合条件的题目只有 %(n)s 道，少于竞赛题数。") % {"n": len(ids)})
    contest = Contest(organisation=organisation, title=title, starts_at=starts_at, ends_at=ends_at,
                      question_count=question_count, time_limit_minutes=time_limit_minutes,
                      topic=topic, created_by=by)
    contest.full_clean()
    contest.save()
    contest.questions.set(_random.sample(ids, question_count))
    return contest


def contests_for(member, now=None):
    """Contests open to the member (their branch in the contest's subtree), newest first."""
    now = now or timezone.now()
    branch = Organisation.objects.get(pk=member.branch_id)
    above = [branch.path[: branch.steplen * i] for i in range(1, branch.depth + 1)]
    return Contest.objects.filter(organisation__path__in=above, ends_at__gt=now - dt.timedelta(days=30))


# ---- figures other apps read ----------------------------------------------------------------


def _as_paths(organisations):
    orgs = list(Organisation.objects.filter(pk__in=[getattr(o, "pk", o) for o in organisations]))
    return sorted(orgs, key=lambda o: o.path)


def participation(organisations, start, end, *, kinds=None, contest=None):
    """Per organisation (each with its subtree), quiz attempts submitted in [start, end):
    [{"id", "name", "path", "members", "takers", "rate", "attempts", "average"}], in tree order.
    `members` counts current members, `takers` the current members who submitted at least one
    attempt, `rate` takers/members in % (None without members), `average` the mean score of
    those attempts in % (None without any). `kinds` narrows to Attempt.Kind values; `contest` to
    one contest (then unsubmitted attempts past their deadline count as taken, scoring 0).
    Three queries whatever the number of organisations."""
    orgs = _as_paths(organisations)
    if not orgs:
        return []
    steplen = Organisation.steplen
    wanted = {o.path for o in orgs}
    depths = sorted({len(p) // steplen for p in wanted})

    def ancestors(path):
        for d in depths:
            if len(path) >= d * steplen and path[: d * steplen] in wanted:
                yield path[: d * steplen]

    subtree = Q()
    for o in orgs:
        subtree |= Q(branch__path__startswith=o.path)
    heads = {p: 0 for p in wanted}
    for path, n in (Member.objects.filter(subtree, status__in=Member.CURRENT)
                    .values_list("branch__path").annotate(n=Count("pk"))):
        for p in ancestors(path):
            heads[p] += n
    attempts = Attempt.objects.filter(member__status__in=Member.CURRENT)
    member_subtree = Q()
    for o in orgs:
        member_subtree |= Q(member__branch__path__startswith=o.path)
    attempts = attempts.filter(member_subtree)
    if contest is not None:
        now = timezone.now()
        attempts = attempts.filter(contest=contest).filter(Q(submitted_at__isnull=False) | Q(deadline__lt=now))
    else:
        attempts = attempts.filter(submitted_at__gte=start, submitted_at__lt=end)
    attempts = attempts.order_by()
    if kinds:
        attempts = attempts.filter(kind__in=list(kinds))
    takers = {p: set() for p in wanted}
    sums = {p: [0.0, 0] for p in wanted}
    for path, member_id, score, total in attempts.values_list("member__branch__path", "member_id", "score", "total"):
        percent = 100.0 * (score or 0) / total if total else 0.0
        for p in ancestors(path):
            takers[p].add(member_id)
            sums[p][0] += percent
            sums[p][1] += 1
    rows = []
    for o in orgs:
        members, taken = heads[o.path], len(takers[o.path])
        total, n = sums[o.path]
        rows.append({
            "id": o.pk, "name": o.name, "path": o.path, "depth": o.depth, "members": members,
            "takers": taken, "attempts": n,
            "rate": round(100 * taken / members, 1) if members else None,
            "average": round(total / n, 1) if n else None,
        })
    return rows


def member_quiz_points(member, start, end):
    """A member's quiz points in [start, end): the questions answered right in submitted
    attempts (every kind)."""
    member_id = getattr(member, "pk", member)
    return Answer.objects.filter(
        member_id=member_id, correct=True, attempt__submitted_at__gte=start,
        attempt__submitted_at__lt=end,
    ).count()


def streak(member, today=None):
    """Days in a row with a submitted 每日一练, up to today (or yesterday, while today's is
    still open)."""
    today = today or timezone.localdate()
    member_id = getattr(member, "pk", member)
    days = set(Attempt.objects.filter(
        member_id=member_id, kind=Attempt.Kind.DAILY, submitted_at__isnull=False,
        day__gte=today - dt.timedelta(days=400),
    ).values_list("day", flat=True))
    day = today if today in days else today - dt.timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= dt.timedelta(days=1)
    return count


def activity(members):
    """members.activity's source: the latest submitted attempt of each member."""
    return (Attempt.objects.filter(member__in=members, submitted_at__isnull=False)
            .values("member_id").annotate(last=Max("submitted_at")).values_list("member_id", "last"))


def activity_since(start):
    """members.activity's `since`: attempts submitted from `start` on."""
    return Attempt.objects.filter(submitted_at__gte=start)


def me_panel(member):
    """members.mepage's panel on /me/: today's 每日一练 and the streak."""
    days = streak(member)
    done = Attempt.objects.filter(member=member, kind=Attempt.Kind.DAILY,
                                  day=timezone.localdate(), submitted_at__isnull=False).exists()
    text = _("已连续答题 %(days)s 天") % {"days": days} if days else _("还没有连续答题记录")
    return {"title": _("每日一练"), "text": text, "url": reverse("quizzes:daily"),
            "link": _("查看今日结果") if done else _("开始今日练习")}


def month_bounds(month=None):
    """[start, end) of a month given as YYYY-MM (this month when missing or malformed), aware."""
    today = timezone.localdate()
    first = today.replace(day=1)
    if month:
        try:
            first = dt.datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            pass
    following = (first + dt.timedelta(days=32)).replace(day=1)
    aware = [timezone.make_aware(dt.datetime.combine(day, dt.time())) for day in (first, following)]
    return aware[0], aware[1]


def history_section(member):
    """members.mepage's section of the member's history: their submitted attempts."""
    rows = []
    for attempt in (Attempt.objects.filter(member=member, submitted_at__isnull=False)
                    .select_related("contest", "lesson").order_by("-submitted_at")[:100]):
        name = attempt.contest.title if attempt.contest_id else (attempt.lesson.title if attempt.lesson_id else "")
        when = timezone.localtime(attempt.submitted_at).strftime("%Y-%m-%d")
        rows.append(f"{when} {attempt.get_kind_display()}{' ' + name if name else ''} "
                    + _("答对 %(score)s/%(total)s") % {"score": attempt.score or 0, "total": attempt.total})
    if not rows:
        return None
    return {"title": _("知识测试记录"), "rows": rows}


def workbench_panel(organisation, members):
    """members.workbench's panel at /branch/: this month's quiz participation of the
    organisation."""
    start, end = month_bounds()
    (row,) = participation([organisation], start, end)
    if not row["members"]:
        return None
    average = "—" if row["average"] is None else f"{row['average']}%"
    return {
        "title": _("本月知识测试"), "count": row["takers"],
        "items": [_("参与 %(takers)s/%(members)s 人，平均得分 %(average)s") % {
            "takers": row["takers"], "members": row["members"], "average": average}],
        "url": reverse("quizzes:report") + f"?org={organisation.pk}",
    }


def lesson_section(request, page):
    """members.mepage's section under a lesson: its quiz, for a member (a button that starts an
    attempt), with whether they passed."""
    quiz = LessonQuiz.objects.filter(lesson_id=page.pk).first()
    if quiz is None or not request.user.is_authenticated:
        return None
    member = member_services.member_of(request.user)
    if member is None:
        return None
    done = passed(quiz, member.pk)
    text = _("及格分 %(mark)s 分。") % {"mark": quiz.pass_mark}
    if quiz.required:
        text += _("看完并通过测试，这节课才算完成。")
    if done:
        text += _("您已通过。")
    return {"title": _("课后测试"), "text": text, "url": reverse("quizzes:lesson_quiz", args=[page.pk]),
            "link": _("再测一次") if done else _("开始测试"), "post": True}
