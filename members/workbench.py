"""支部工作台 at /branch/: the phone pages of anyone holding a role (and administrators). What a
secretary needs on the move, without JavaScript: this month's completion rate, who has not
studied, quiet and lost-contact members, the next activity day, pending requests from other apps,
the member list with their phones, a password reset, a contact attempt; links to the desk pages
in the admin (reports, group recording). Scope: members.scoping, as everywhere.

Apps above members add sections (e.g. pending leave requests) in their AppConfig.ready():

    from members import workbench
    workbench.register_panel("leave", lambda organisation, members: {
        "title": "待批请假", "count": n, "items": ["张三 3月8日 务工"], "url": "/activity/leave/"})

A panel returns None to stay hidden.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from members import accounts, activity, mepage, plans, register, reports, scoping
from members.models import Member, StudyPlan
from members.register_forms import AttemptForm

QUIET_MONTHS = 3
CARD_HISTORY_ROWS = 5  # rows of each history section on the phone's member card
SHORT_LIST = 10

_panels = {}


def register_panel(name, panel):
    """Add (or replace, by name) a section of the workbench: panel(organisation, members) -> a
    dict with "title", "count", "items" (short texts) and "url", or None."""
    _panels[name] = panel


def _require_role(request):
    if not scoping.can_see_reports(request.user):
        raise PermissionDenied("the workbench is for members holding a role")


def _organisation(request):
    """?org= within the viewer's scope (404 outside it), else their highest organisation."""
    visible = scoping.visible_organisations(request.user)
    org_id = request.GET.get("org") or request.POST.get("org")
    if org_id:
        try:
            return visible.get(pk=int(org_id))
        except (ValueError, visible.model.DoesNotExist):
            raise Http404("organisation not in scope") from None
    top = scoping.top_organisations(request.user).order_by("path").first()
    if top is None:
        raise Http404("no organisation in scope")
    return top


def _next_activity_day(org):
    """The next 主题党日 of a plan on the organisation, above it or below it."""
    today = timezone.localdate()
    above = plans.ancestor_paths(org)
    return (
        StudyPlan.objects.filter(meeting_date__gte=today)
        .filter(Q(organisation__path__startswith=org.path) | Q(organisation__path__in=above))
        .select_related("organisation").order_by("meeting_date").first()
    )


@login_required
def home(request):
    _require_role(request)
    org = _organisation(request)
    members = scoping.visible_members(request.user)
    month = plans.month_start()
    rates = reports.month_rates(org, month)
    own_rate = rates.rows[0][4] if rates.rows else None
    children = [
        {"id": pk, "name": row[0], "rate": row[4], "members": row[1]}
        for row, depth, pk in zip(rates.rows, rates.extra["depths"], rates.extra["ids"], strict=True)
        if depth == 1
    ]
    not_studied = list(reports.not_studied(org, month).rows)
    quiet = activity.quiet_members(org, months=QUIET_MONTHS, members=members)
    lost = list(members.filter(branch__path__startswith=org.path, status=Member.Status.LOST)
                .select_related("branch").order_by("branch__path", "number"))
    _rows, lost_totals = register.lost_counts(org, members)
    panels = [p for p in (panel(org, members) for panel in _panels.values()) if p]
    return render(request, "members/branch/home.html", {
        "org": org, "organisations": scoping.visible_organisations(request.user).order_by("path")[:200],
        "month": month, "rate": own_rate, "headcount": rates.rows[0][1] if rates.rows else 0,
        "children": children,
        "not_studied": not_studied[:SHORT_LIST], "not_studied_count": len(not_studied),
        "quiet": quiet[:SHORT_LIST], "quiet_count": len(quiet), "quiet_months": QUIET_MONTHS,
        "lost": lost[:SHORT_LIST], "lost_count": len(lost), "lost_totals": lost_totals,
        "next_day": _next_activity_day(org), "panels": panels,
        "can_manage": scoping.can_manage(request.user),
    })


@login_required
def member_list(request):
    _require_role(request)
    org = _organisation(request)
    query = (request.GET.get("q") or "").strip()[:40]
    people = scoping.visible_members(request.user).filter(
        branch__path__startswith=org.path, status__in=Member.CURRENT
    ).select_related("branch").order_by("branch__path", "number")
    if query:
        people = people.filter(Q(name__contains=query) | Q(number=query) | Q(phone__contains=query))
    return render(request, "members/branch/members.html", {
        "org": org, "members": people[:300], "query": query,
    })


def _member(request, pk):
    return get_object_or_404(
        scoping.visible_members(request.user).select_related("branch", "user"), pk=pk
    )


def _manages(request, member):
    return (not member.is_read_only
            and scoping.managed_members(request.user).filter(pk=member.pk).exists())


@login_required
def member_card(request, pk):
    _require_role(request)
    member = _member(request, pk)
    case = register.open_case(member)
    return render(request, "members/branch/member.html", {
        "member": member, "manages": _manages(request, member),
        "last_activity": activity.last_activity(Member.objects.filter(pk=member.pk)).get(member.pk),
        "case": case, "attempts": case.attempts.all() if case else [],
        "attempt_form": AttemptForm(),
        "history_url": reverse("members_admin:member", args=[member.pk]),
        # The latest few rows of each part of the history the apps above add (quiz results);
        # the whole history is behind history_url.
        "sections": [{**section, "rows": section["rows"][:CARD_HISTORY_ROWS]}
                     for section in mepage.history_sections(member)],
    })


@never_cache
@login_required
@require_POST
def reset_password(request, pk):
    """The code is on this response only: not cached, not in a redirect, not stored."""
    _require_role(request)
    member = _member(request, pk)
    if not _manages(request, member):
        raise PermissionDenied("does not keep this member's register")
    try:
        code = accounts.reset_password(member, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("members:branch_member", member.pk)
    return render(request, "members/branch/code.html", {
        "member": member, "code": code, "valid_days": accounts.CODE_VALID_DAYS,
    })


@login_required
@require_POST
def contact_attempt(request, pk):
    _require_role(request)
    member = _member(request, pk)
    if not _manages(request, member):
        raise PermissionDenied("does not keep this member's register")
    form = AttemptForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            register.log_attempt(member, date=data["date"], method=data["method"],
                                 by_name=data["by_name"], result=data["result"],
                                 reached=data["reached"], by=request.user)
            if data["reached"]:
                register.reconnect(member, on=data["date"], note=data["result"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("已登记联系情况。"))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("members:branch_member", member.pk)


@login_required
def quiet(request):
    _require_role(request)
    org = _organisation(request)
    try:
        months = min(max(int(request.GET.get("months", QUIET_MONTHS)), 1), 24)
    except ValueError:
        months = QUIET_MONTHS
    rows = activity.quiet_members(org, months=months,
                                  members=scoping.visible_members(request.user))
    return render(request, "members/branch/quiet.html", {
        "org": org, "rows": rows, "months": months, "statuses": dict(Member.Status.choices),
    })


@login_required
def lost(request):
    _require_role(request)
    org = _organisation(request)
    members = scoping.visible_members(request.user)
    people = (members.filter(branch__path__startswith=org.path, status=Member.Status.LOST)
              .select_related("branch").order_by("branch__path", "number"))
    rows, totals = register.lost_counts(org, members)
    return render(request, "members/branch/lost.html", {
        "org": org, "people": people, "rows": rows, "totals": totals,
        "year": timezone.localdate().year,
    })
