"""Supervision's pages: the month at a glance, a branch's month in detail, the trends, and (for
the office and the branch) inspections, rectification, the ranking and the vanguard index.
Thin: the numbers are in glance / ranking / vanguard, who may see what in members.scoping."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from branch_life import rules
from branch_life.models import Attendance, Event
from members import export, scoping
from members.activity import quiet_members
from members.models import Member, Organisation
from supervision import bulletin, charts, glance, ranking


def _month(request):
    try:
        return rules.parse_month(request.GET["month"])
    except (KeyError, ValueError):
        return timezone.localdate().replace(day=1)


def organisation_in_scope(request, org_id=None):
    """?org= (or org_id) within the viewer's scope (404 outside it), else their highest
    organisation. Role holders and officers only."""
    if not scoping.can_see_reports(request.user):
        raise PermissionDenied("for role holders")
    visible = scoping.visible_organisations(request.user)
    org_id = org_id or request.GET.get("org") or request.POST.get("org")
    if org_id:
        try:
            return visible.get(pk=int(org_id))
        except (ValueError, visible.model.DoesNotExist):
            raise Http404("organisation not in scope") from None
    top = scoping.top_organisations(request.user).order_by("path").first()
    if top is None:
        raise Http404("no organisation in scope")
    return top


def _choices(request):
    return scoping.visible_organisations(request.user).exclude(
        kind=Organisation.Kind.GROUP).order_by("path")[:300]


def _month_links(month):
    previous = (month - timezone.timedelta(days=1)).replace(day=1)
    return {"month": month, "previous_month": previous, "next_month": rules.next_month(month)}


@login_required
def month_view(request):
    org = organisation_in_scope(request)
    month = _month(request)
    table = glance.month_table(org, month, members=scoping.visible_members(request.user))
    if request.GET.get("export") == "xlsx":
        return export.xlsx_response(table)
    return render(request, "supervision/month.html", {
        "table": table, "org": org, "rows": zip(table.rows, table.extra["rows"], strict=True),
        "summary": table.extra["summary"], "organisations": _choices(request),
        "attendance_min": glance.ATTENDANCE_MIN, "completion_min": glance.COMPLETION_MIN,
        **_month_links(month),
    })


@login_required
def trends_view(request):
    org = organisation_in_scope(request)
    month = _month(request)
    points = glance.history(org, month)
    return render(request, "supervision/trends.html", {
        "org": org, "points": points, "month": month, "organisations": _choices(request),
        "chart": charts.history_chart(points, title=_("%(org)s 近12个月学习完成率和参加率") % {
            "org": org.name}),
    })


@login_required
def branch_view(request, pk):
    """One branch's month: its row, its chart, the activity day's attendance by name, the quiet
    and lost-contact members (the viewer's visible members only)."""
    org = organisation_in_scope(request, pk)
    month = _month(request)
    visible = scoping.visible_members(request.user)
    rows, _summary = glance.month_rows(org, month, members=visible)
    row = next((r for r in rows if r["organisation"] == org.pk), None)
    if row is None:
        raise Http404("not a branch")
    attendance = []
    if row["event"]:
        labels = dict(Attendance.Status.choices)
        held = row["held"]
        for name, number, status in Attendance.objects.filter(
            event_id=row["event"], member__in=visible,
        ).order_by("member__number").values_list("member__name", "member__number", "status"):
            if held and status == Attendance.Status.INVITED:
                status = Attendance.Status.ABSENT
            attendance.append({"name": name, "number": number, "status": status,
                               "label": labels[status]})
    points = glance.history(org, month)
    statuses = dict(Member.Status.choices)
    return render(request, "supervision/branch.html", {
        "org": org, "row": row, "reasons": [glance.REASONS[k] for k in row["reasons"]],
        "state": glance.STATES[row["state"]], "attendance": attendance,
        "quiet": quiet_members(org, months=glance.QUIET_MONTHS, members=visible),
        "lost": list(visible.filter(branch__path__startswith=org.path,
                                    status=Member.Status.LOST).order_by("number")),
        "statuses": statuses, "event": Event.objects.filter(pk=row["event"]).first(),
        "chart": charts.history_chart(points, title=_("%(org)s 近12个月学习完成率和参加率") % {
            "org": org.name}),
        "points": points, **_month_links(month),
    })


def _quarter(request):
    try:
        return ranking.quarter_of(rules.parse_month(request.GET["quarter"]))
    except (KeyError, ValueError):
        return ranking.quarter_of(timezone.localdate())


def _quarter_links(quarter):
    previous = ranking.quarter_of(quarter - timezone.timedelta(days=1))
    following = ranking.quarter_of(quarter + timezone.timedelta(days=100))
    return {"quarter": quarter, "quarter_label": ranking.quarter_label(quarter),
            "previous_quarter": previous, "next_quarter": following}


@login_required
def ranking_view(request):
    org = organisation_in_scope(request)
    quarter = _quarter(request)
    table = ranking.league_table(org, quarter)
    if request.GET.get("export") == "xlsx":
        return export.xlsx_response(table)
    return render(request, "supervision/ranking.html", {
        "table": table, "org": org, "rows": table.extra["rows"], "rules": table.extra["rules"],
        "organisations": _choices(request), **_quarter_links(quarter),
    })


@login_required
def ranking_branch_view(request, pk):
    """One branch's points over the last four quarters within ?org= (its township or county)."""
    org = organisation_in_scope(request)
    branch = organisation_in_scope(request, pk)
    if not branch.path.startswith(org.path):
        raise Http404("branch outside the ranking")
    quarter = _quarter(request)
    return render(request, "supervision/ranking_branch.html", {
        "org": org, "branch": branch, "history": ranking.history(org, branch.pk, quarter),
        **_quarter_links(quarter),
    })


@login_required
def bulletin_view(request):
    """The month's bulletin of ?org= as a PDF (format=pdf) or an XLSX (format=xlsx)."""
    org = organisation_in_scope(request)
    month = _month(request)
    name = f"bulletin-{org.pk}-{month:%Y-%m}"
    if request.GET.get("format") == "xlsx":
        spool = tempfile.TemporaryFile()
        bulletin.write_xlsx(org, month, spool)
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename=f"{name}.xlsx",
                            content_type=export.XLSX_TYPE)
    response = HttpResponse(bulletin.pdf(org, month), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
