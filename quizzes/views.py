"""Member pages of quizzes, without JavaScript (plain forms, phone first): 每日一练, an attempt
and its results, contests and their league table, a lesson's quiz. Thin: the work is in
quizzes.services; scope in members.scoping."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members import export, scoping
from members import services as member_services
from quizzes import reports, services
from quizzes.forms import ContestForm
from quizzes.models import Attempt, Contest, LessonQuiz, Question


def _own_attempt(request, pk):
    """The member's own attempt; another member's is answered as absent (404)."""
    member = member_services.member_or_404(request.user)
    return get_object_or_404(Attempt.objects.select_related("contest"), pk=pk, member=member), member


def _form_answers(request, attempt):
    """The form's answers in the API's shape: {"<question id>": [keys] | "text" | bool}."""
    kinds = dict(Question.objects.filter(pk__in=attempt.question_ids()).values_list("pk", "kind"))
    answers = {}
    for question_id in attempt.question_ids():
        name = f"q{question_id}"
        kind = kinds.get(question_id)
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            values = [v for v in request.POST.getlist(name) if v]
            if values:
                answers[str(question_id)] = values[:8]
        elif kind == Question.Kind.TRUE_FALSE:
            value = request.POST.get(name, "")
            if value in ("true", "false"):
                answers[str(question_id)] = value == "true"
        elif kind == Question.Kind.FILL:
            value = request.POST.get(name, "").strip()[:200]
            if value:
                answers[str(question_id)] = value
    return answers


def _render_attempt(request, attempt, *, result=None, status=200):
    context = {"attempt": attempt, "title": _title(attempt)}
    if attempt.submitted:
        context["result"] = result or services.results(attempt)
    else:
        context["questions"] = services.questions(attempt)
        context["seconds_left"] = services.time_left(attempt)
        context["expired"] = context["seconds_left"] <= 0
    if attempt.kind == Attempt.Kind.LESSON:
        quiz = LessonQuiz.objects.filter(lesson_id=attempt.lesson_id).first()
        context["quiz"] = quiz
        if quiz is not None and attempt.submitted:
            context["passed"] = 100 * (attempt.score or 0) >= quiz.pass_mark * max(attempt.total, 1)
    return render(request, "quizzes/attempt.html", context, status=status)


def _title(attempt):
    if attempt.kind == Attempt.Kind.CONTEST:
        return attempt.contest.title
    if attempt.kind == Attempt.Kind.LESSON:
        return _("课后测试")
    return _("每日一练")


@never_cache
@login_required
def daily(request):
    attempt = services.daily_attempt(member_services.member_or_404(request.user))
    return _render_attempt(request, attempt)


@never_cache
@login_required
def attempt_page(request, pk):
    attempt, member = _own_attempt(request, pk)
    if request.method != "POST":
        return _render_attempt(request, attempt)
    try:
        result = services.submit(attempt, member.pk, _form_answers(request, attempt))
    except services.Refused as refused:
        messages.error(request, refused.detail)
        attempt.refresh_from_db()
        return _render_attempt(request, attempt, status=refused.status)
    return _render_attempt(request, attempt, result=result)


# ---- contests -------------------------------------------------------------------------------


@login_required
def contests(request):
    member = member_services.member_or_404(request.user)
    now = timezone.now()
    rows = list(services.contests_for(member, now).select_related("organisation"))
    taken = set(Attempt.objects.filter(member=member, contest__in=rows).values_list("contest_id", flat=True))
    managed = scoping.can_see_reports(request.user)
    return render(request, "quizzes/contests.html", {
        "rows": [{"contest": c, "open": c.is_open(now), "taken": c.pk in taken,
                  "upcoming": c.starts_at > now} for c in rows],
        "can_report": managed,
    })


@never_cache
@login_required
def contest_page(request, pk):
    member = member_services.member_or_404(request.user)
    contest = get_object_or_404(Contest.objects.select_related("organisation"), pk=pk)
    if not services.may_enter(contest, member):
        raise Http404("not this member's contest")
    attempt = Attempt.objects.filter(member=member, contest=contest).first()
    if request.method == "POST":
        try:
            attempt = services.contest_attempt(contest, member)
        except services.Refused as refused:
            messages.error(request, refused.detail)
            return redirect("quizzes:contest", contest.pk)
        return redirect("quizzes:attempt", attempt.pk)
    return render(request, "quizzes/contest.html", {
        "contest": contest, "attempt": attempt, "open": contest.is_open(),
    })


def _role_holder(request):
    if not scoping.can_see_reports(request.user):
        raise Http404("for role holders")


def _contest_in_scope(request, pk):
    """A contest the viewer may report on: held by an organisation they see, or above one."""
    _role_holder(request)
    contest = get_object_or_404(Contest.objects.select_related("organisation"), pk=pk)
    visible = scoping.visible_organisations(request.user)
    if not (visible.filter(path__startswith=contest.organisation.path).exists()):
        raise Http404("contest outside the viewer's scope")
    return contest, visible


def _table_response(request, table, template, context):
    wanted = request.GET.get("format")
    if wanted == "xlsx":
        return export.xlsx_response(table)
    if wanted == "csv":
        return export.csv_response(table)
    return render(request, template, {**context, "table": table})


@login_required
def new_contest(request):
    """A role holder opens a contest for an organisation they manage (and its subtree)."""
    _role_holder(request)
    organisations = scoping.managed_organisations(request.user).order_by("path")
    form = ContestForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contest = services.open_contest(
                organisation=data["organisation"], title=data["title"], starts_at=data["starts_at"],
                ends_at=data["ends_at"], question_count=data["question_count"],
                time_limit_minutes=data["time_limit_minutes"], topic=data["topic"], by=request.user,
            )
        except services.Refused as refused:
            form.add_error(None, refused.detail)
        else:
            messages.success(request, _("已发布知识竞赛“%(title)s”。") % {"title": contest.title})
            return redirect("quizzes:league", contest.pk)
    return render(request, "quizzes/contest_form.html", {"form": form})


@login_required
def results(request, pk):
    """Each member's result in the contest (the viewer's scope); ?format=xlsx or csv."""
    contest, _visible = _contest_in_scope(request, pk)
    table = reports.contest_results(contest, scoping.visible_members(request.user))
    return _table_response(request, table, "quizzes/table.html", {"contest": contest})


@login_required
def report(request):
    """Who took part in quizzes and their average score, per organisation of the viewer's scope,
    for a month (?month=YYYY-MM; this month by default)."""
    _role_holder(request)
    visible = scoping.visible_organisations(request.user)
    org_id = request.GET.get("org")
    root = None
    if org_id and org_id.isdigit():
        root = visible.filter(pk=int(org_id)).first()
    if root is None:
        root = scoping.top_organisations(request.user).order_by("path").first()
    if root is None:
        raise Http404("no organisation in scope")
    start, end = services.month_bounds(request.GET.get("month"))
    table = reports.participation_report(root, visible, start, end)
    return _table_response(request, table, "quizzes/table.html", {
        "month": timezone.localtime(start).date(), "root": root,
    })


@login_required
def league(request, pk):
    """The league table per branch for a role holder (their scope) or an administrator;
    ?format=xlsx or csv exports it."""
    contest, visible = _contest_in_scope(request, pk)
    table = reports.league_table(contest, visible)
    return _table_response(request, table, "quizzes/table.html", {"contest": contest})


# ---- a lesson's quiz ------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def lesson_quiz(request, page_id):
    member = member_services.member_or_404(request.user)
    quiz = get_object_or_404(LessonQuiz.objects.select_related("lesson"), lesson_id=page_id)
    refused = scoping.refusal(request, scoping.page_access(request, quiz.lesson), sign_in_page=False)
    if refused is not None:
        return refused
    try:
        attempt = services.lesson_attempt(quiz, member)
    except services.Refused as refusal:
        messages.error(request, refusal.detail)
        return redirect(quiz.lesson.url or "/")
    return redirect("quizzes:attempt", attempt.pk)
