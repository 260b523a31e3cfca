"""Supervision's pages: the month at a glance, a branch's month in detail, the trends, and (for
the office and the branch) inspections, rectification, the ranking and the vanguard index.
Thin: the numbers are in glance / ranking / vanguard, who may see what in members.scoping."""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branch_life import rules
from branch_life.models import Attendance, Event
from members import export, scoping
from members import services as member_services
from members.activity import quiet_members
from members.models import Member, Organisation
from supervision import bulletin, charts, forms, glance, ranking, services, vanguard
from supervision.models import (
    Appraisal,
    AppraisalRating,
    Deed,
    Grade,
    Inspection,
    Rectification,
)


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


# ---- inspections and rectification ------------------------------------------------------------


def _errors(request, error):
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


@login_required
def inspections_view(request):
    org = organisation_in_scope(request)
    inspections = Inspection.objects.filter(
        organisation__path__startswith=org.path).select_related("organisation")[:200]
    branches = list(scoping.administered_organisations(request.user).filter(
        path__startswith=org.path, kind=Organisation.Kind.BRANCH).order_by("path")[:300])
    return render(request, "supervision/inspections.html", {
        "org": org, "inspections": inspections, "organisations": _choices(request),
        "branches": branches, "can_inspect": bool(branches),
    })


@login_required
def new_inspection(request):
    org = organisation_in_scope(request)
    if not services.can_inspect(request.user, org):
        raise PermissionDenied("not an inspector above this organisation")
    checklist = services.checklist_for(org)
    form = forms.InspectionForm(request.POST or None, request.FILES or None, checklist=checklist)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.record_inspection(
                org, date=data["date"], kind=data["kind"], inspectors=data["inspectors"],
                answers=form.answers(), findings=data["findings"], owner=data["owner"],
                deadline=data["deadline"], uploads=[data["photo"]] if data["photo"] else [],
                by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("督查已记录。"))
            return redirect("supervision:inspection", inspection.pk)
    return render(request, "supervision/inspection_form.html", {"org": org, "form": form})


@login_required
def inspection_view(request, pk):
    inspection = get_object_or_404(Inspection.objects.select_related("organisation"), pk=pk)
    organisation_in_scope(request, inspection.organisation_id)
    return render(request, "supervision/inspection.html", {
        "inspection": inspection,
        "answers": inspection.answers.select_related("item").order_by("item__sort_order", "pk"),
        "photos": inspection.photos.select_related("image"),
        "items": inspection.rectifications.order_by("deadline", "pk"),
        "today": timezone.localdate(),
    })


@login_required
def rectifications_view(request):
    """The items of ?org='s subtree: open ones (overdue first) or ?status=closed / all; ?overdue=1
    the overdue only. A branch sees its own; a township and the county all below them."""
    org = organisation_in_scope(request)
    today = timezone.localdate()
    items = services.visible_rectifications(request.user).filter(organisation__path__startswith=org.path)
    status = request.GET.get("status", "open")
    if status in (Rectification.Status.OPEN, Rectification.Status.CLOSED):
        items = items.filter(status=status)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        items = items.filter(status=Rectification.Status.OPEN, deadline__lt=today)
    items = list(items.order_by("deadline", "pk")[:500])
    return render(request, "supervision/rectifications.html", {
        "org": org, "items": items, "today": today, "status": status, "overdue": overdue,
        "organisations": _choices(request),
    })


@login_required
def rectification_view(request, pk):
    item = get_object_or_404(services.visible_rectifications(request.user), pk=pk)
    form = forms.CloseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("action") == "reopen":
        services.reopen_rectification(item, by=request.user)
        messages.success(request, _("已退回重新整改。"))
        return redirect("supervision:rectification", item.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_rectification(item, evidence=form.cleaned_data["evidence"],
                                         upload=form.cleaned_data["photo"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已销号。"))
            return redirect("supervision:rectification", item.pk)
    return render(request, "supervision/rectification.html", {
        "item": item, "form": form, "today": timezone.localdate(),
        "can_reopen": item.status == Rectification.Status.CLOSED
        and services.can_inspect(request.user, item.organisation),
    })


# ---- the vanguard index, deeds, the democratic appraisal --------------------------------------

MAX_LISTED = 500  # members on one vanguard page; a larger organisation asks for a branch


def _year(request):
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year


@login_required
def my_index(request):
    member = member_services.member_or_404(request.user)
    year = _year(request)
    return render(request, "supervision/my_index.html", {
        "member": member, "year": year, "row": vanguard.member_index(member, year),
        "deeds": Deed.objects.filter(member=member, date__year=year),
        "appraisal": services.open_appraisal_for(member),
    })


@login_required
def branch_index(request):
    org = organisation_in_scope(request)
    year = _year(request)
    members = scoping.visible_members(request.user).filter(
        branch__path__startswith=org.path, status__in=Member.CURRENT)
    too_many = members.count() > MAX_LISTED
    rows = [] if too_many else vanguard.index(members, year)
    return render(request, "supervision/branch_index.html", {
        "org": org, "year": year, "rows": rows, "too_many": too_many, "max": MAX_LISTED,
        "organisations": _choices(request), "can_record": scoping.can_manage(request.user),
    })


@login_required
def new_deed(request, member_pk):
    member = get_object_or_404(scoping.managed_members(request.user), pk=member_pk)
    form = forms.DeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_deed(member, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已登记。"))
            return redirect(f"{reverse('supervision:vanguard')}?org={member.branch_id}")
    return render(request, "supervision/deed_form.html", {
        "member": member, "form": form,
        "deeds": Deed.objects.filter(member=member)[:50],
    })


def _branch_to_run(request):
    org = organisation_in_scope(request)
    if org.kind != Organisation.Kind.BRANCH or not services.can_run_appraisal(request.user, org):
        raise PermissionDenied("the branch's managing role holders run its appraisal")
    return org


@login_required
def appraisal_manage(request):
    """The branch's appraisal of a year: open the window, the tally, the conclusions; the
    individual ratings only for the branch's own secretary."""
    org = _branch_to_run(request)
    year = _year(request)
    appraisal = Appraisal.objects.filter(organisation=org, year=year).first()
    form = forms.AppraisalForm(request.POST if request.POST.get("action") == "open" else None,
                               initial={"year": year})
    if request.method == "POST" and request.POST.get("action") == "open" and form.is_valid():
        try:
            appraisal = services.open_appraisal(org, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("民主评议已开启。"))
            return redirect(f"{reverse('supervision:appraisal')}?org={org.pk}&year={appraisal.year}")
    if request.method == "POST" and request.POST.get("action") == "results" and appraisal:
        results = {}
        for key, value in request.POST.items():
            if key.startswith("result_"):
                try:
                    results[int(key[7:])] = value
                except ValueError:
                    continue
        try:
            services.record_results(appraisal, results, by=request.user)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("评定结果已保存。"))
        return redirect(f"{reverse('supervision:appraisal')}?org={org.pk}&year={appraisal.year}")
    secretary = bool(appraisal) and services.is_branch_secretary(request.user, org)
    return render(request, "supervision/appraisal.html", {
        "org": org, "year": year, "appraisal": appraisal, "form": form,
        "tally": services.tally(appraisal) if appraisal else [],
        "grades": Grade.choices, "secretary": secretary,
        "ratings": AppraisalRating.objects.filter(appraisal=appraisal).select_related(
            "rater", "ratee").order_by("ratee__number", "rater__number") if secretary else [],
    })


@login_required
def appraisal_rate(request):
    member = member_services.member_or_404(request.user)
    appraisal = services.open_appraisal_for(member)
    if appraisal is None:
        return render(request, "supervision/appraisal_rate.html", {"appraisal": None})
    people = list(services.appraisal_members(appraisal))
    mine = dict(AppraisalRating.objects.filter(appraisal=appraisal, rater=member)
                .values_list("ratee_id", "grade"))
    if request.method == "POST":
        grades = {p.pk: request.POST.get(f"grade_{p.pk}", "") for p in people}
        grades = {pk: g for pk, g in grades.items() if g}
        try:
            services.rate(appraisal, member, grades)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("评议已提交，截止前可以修改。"))
            return redirect("supervision:appraisal_rate")
        mine.update(grades)
    return render(request, "supervision/appraisal_rate.html", {
        "appraisal": appraisal, "rows": [(p, mine.get(p.pk, "")) for p in people],
        "grades": Grade.choices, "member": member,
    })
