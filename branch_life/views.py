"""Branch life's pages, phone-first and working without JavaScript (the check-in code can always
be typed). Thin: the work is in branch_life.services; who may see what in members.scoping
(through services.can_run for a role holder's actions on an event)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.models import Page

from branch_life import codes, figures, forms, handbook, record, reports, rules, services
from branch_life.models import (
    ActionKind,
    AgendaItem,
    Attendance,
    Decision,
    Event,
    LeaveRequest,
    RemoteReport,
)
from members import export, plans, scoping
from members import services as member_services
from members.models import Organisation, StudyPlanItem


def _month(request):
    try:
        return rules.parse_month(request.GET["month"])
    except (KeyError, ValueError):
        return timezone.localdate().replace(day=1)


def _organisation(request):
    """?org= within the viewer's scope (404 outside it), else their highest organisation."""
    if not scoping.can_see_reports(request.user):
        raise PermissionDenied("for role holders")
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


def _event(pk):
    return get_object_or_404(Event.objects.select_related("organisation", "lesson"), pk=pk)


def _run_event(request, pk):
    event = _event(pk)
    if not services.can_run(request.user, event.organisation):
        raise PermissionDenied("not a role holder over this organisation")
    return event


def _messages_from(request, error):
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


def _month_links(month):
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    return {"month": month, "previous_month": previous, "next_month": rules.next_month(month)}


def _three_rows(event):
    """三会一课 of the event's organisation for the event's month, as rows for the page."""
    cells = figures.three_meetings(event.organisation, event.month)
    return [{"title": title, "label": figures.STATUS_LABELS[cells[key]["status"]], **cells[key]}
            for key, title in figures.THREE_MEETINGS]


# ---- a member's pages ---------------------------------------------------------------------


@login_required
def my_events(request):
    member = member_services.member_or_404(request.user)
    month = _month(request)
    labels = dict(Attendance.Status.choices)
    return render(request, "branch_life/my_events.html", {
        "rows": [dict(row, label=labels[row["status"]]) for row in services.member_events(member, month)],
        **_month_links(month),
        "can_run": scoping.can_see_reports(request.user),
    })


@login_required
def event_page(request, pk):
    event = _event(pk)
    runs = services.can_run(request.user, event.organisation)
    member = member_services.member_of(request.user)
    mine = None
    if member is not None:
        mine = Attendance.objects.filter(event=event, member=member).first()
        if mine is None and not runs and not services.invitees(event).filter(pk=member.pk).exists():
            raise Http404("not invited")
    elif not runs:
        raise Http404("not invited")
    if runs and event.status == Event.Status.PLANNED:
        services.invite(event)
    context = record.event_record(event)
    now = timezone.now()
    context.update({
        "runs": runs, "mine": mine, "member": member, "now": now,
        "check_in_open": codes.is_open(event, now),
        "can_ask_leave": bool(mine) and event.status == Event.Status.PLANNED and now < event.starts_at,
        "my_leave": LeaveRequest.objects.filter(event=event, member=member).first() if member else None,
        "can_report": bool(mine) and services.can_report_remotely(event, member.pk, now=now),
        "my_report": RemoteReport.objects.filter(event=event, member=member).first() if member else None,
        "check_in_form": forms.CheckInForm(), "leave_form": forms.LeaveForm(),
        "new_action_form": forms.NewActionForm(), "photo_form": forms.PhotoForm(),
        "three": _three_rows(event) if runs and event.organisation.kind != Organisation.Kind.GROUP
        else None,
        "Decision": Decision, "ActionKind": ActionKind,
    })
    return render(request, "branch_life/event.html", context)


@never_cache
@login_required
def check_in_page(request, pk):
    """The page the QR code opens (the code in ?code=) and where a member types the code."""
    event = _event(pk)
    member = member_services.member_or_404(request.user)
    if request.method == "POST":
        form = forms.CheckInForm(request.POST)
        if form.is_valid():
            try:
                services.check_in(event, member.pk, form.cleaned_data["code"])
            except services.CheckInRefused as refused:
                if refused.status == 403:
                    raise PermissionDenied(refused.detail) from None
                form.add_error("code", refused.detail)
            else:
                messages.success(request, _("签到成功。"))
                return redirect("branch_life:event", event.pk)
    else:
        form = forms.CheckInForm(initial={"code": request.GET.get("code", "")[:12]})
    return render(request, "branch_life/check_in.html", {"event": event, "form": form})


@login_required
@require_POST
def ask_leave(request, pk):
    event = _event(pk)
    form = forms.LeaveForm(request.POST)
    if form.is_valid():
        try:
            services.ask_leave(event, member_services.member_or_404(request.user), reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _messages_from(request, error)
        except PermissionDenied:
            raise Http404("not invited") from None
        else:
            messages.success(request, _("请假申请已提交，等待书记审批。"))
    else:
        messages.error(request, _("请填写请假原因。"))
    return redirect("branch_life:event", event.pk)


@login_required
def remote(request, pk):
    event = _event(pk)
    member = member_services.member_or_404(request.user)
    if not Attendance.objects.filter(event=event, member=member).exists():
        raise Http404("not invited")
    form = forms.RemoteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_remote(event, member, text=form.cleaned_data["text"],
                                   photo=form.cleaned_data.get("photo"))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("汇报已提交，等待书记确认。"))
            return redirect("branch_life:event", event.pk)
    return render(request, "branch_life/remote.html", {
        "event": event, "form": form, "deadline": services.remote_deadline(event),
        "can_report": services.can_report_remotely(event, member.pk),
    })


# ---- a role holder's pages ----------------------------------------------------------------


@login_required
def manage(request):
    org = _organisation(request)
    month = _month(request)
    events = (Event.objects.filter(organisation__path__startswith=org.path, month=month)
              .select_related("organisation").order_by("starts_at", "organisation__path")[:500])
    return render(request, "branch_life/manage.html", {
        "org": org, "events": events, **_month_links(month),
        "organisations": scoping.visible_organisations(request.user).order_by("path")[:300],
        "pending": services.pending_leave(org).filter(member__in=scoping.visible_members(request.user))[:50],
        "over": figures.over_limits(org, scoping.visible_members(request.user))[:10],
    })


@login_required
def new_event(request):
    org = _organisation(request)
    choices = scoping.visible_organisations(request.user).filter(
        path__startswith=org.path, closed_on=None).order_by("path")[:300]
    form = forms.EventForm(request.POST or None, organisations=choices,
                           initial={"organisation": org.pk, "date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        starts, ends = form.times()
        target = get_object_or_404(choices.model.objects, pk=form.cleaned_data["organisation"])
        try:
            event = services.create_event(
                organisation=target, kind=form.cleaned_data["kind"], title=form.cleaned_data["title"],
                starts_at=starts, ends_at=ends, place=form.cleaned_data["place"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            raise Http404("organisation not in scope") from None
        else:
            messages.success(request, _("已添加。"))
            return redirect("branch_life:event", event.pk)
    return render(request, "branch_life/form.html", {
        "title": _("添加会议"), "form": form, "org": org, "back": reverse("branch_life:manage"),
    })


@never_cache
@login_required
def code_screen(request, pk):
    """The secretary's screen: the QR code and the six digits, reloaded every 20 s (no
    JavaScript: a meta refresh)."""
    event = _run_event(request, pk)
    context = {"event": event, "open": codes.is_open(event)}
    if context["open"]:
        code, expires_at = codes.current_code(event)
        url = request.build_absolute_uri(reverse("branch_life:check_in", args=[event.pk])) + f"?code={code}"
        context.update(code=code, expires_at=expires_at, qr=codes.qr_svg(url))
    opens, closes = codes.window(event)
    context.update(opens=opens, closes=closes)
    return render(request, "branch_life/code.html", context)


@login_required
def roll_call(request, pk):
    event = _run_event(request, pk)
    if request.method == "POST":
        try:
            present = [int(v) for v in request.POST.getlist("present")]
            services.roll_call(event, present=present, by=request.user)
        except ValueError:
            messages.error(request, _("名单有误，请重试。"))
        except ValidationError as error:
            _messages_from(request, error)
        else:
            messages.success(request, _("点名已保存，活动记为已召开。"))
            return redirect("branch_life:event", event.pk)
    elif event.status == Event.Status.PLANNED:
        services.invite(event)
    rows = list(event.attendance.select_related("member").order_by("member__branch__path", "member__number"))
    return render(request, "branch_life/roll_call.html", {"event": event, "rows": rows})


def _lesson_choices(event):
    plan_pages = list(StudyPlanItem.objects.filter(
        plan__month=event.month, plan__organisation__path__in=rules.ancestor_paths(event.organisation)
    ).values_list("page_id", "page__title"))
    seen = {pk for pk, _t in plan_pages}
    others = [(p.pk, p.title) for p in plans.learning_items()[:200] if p.pk not in seen]
    return plan_pages + others


@login_required
def action(request, pk, item_pk):
    event = _run_event(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, event=event)
    payers = [(m.pk, m.name) for m in services.invitees(event).order_by("number")] \
        if item.kind == ActionKind.DUES else []
    lessons = _lesson_choices(event) if item.kind == ActionKind.LESSON else []
    if request.method == "POST":
        form = forms.ActionForm(request.POST, payers=payers, lessons=lessons)
        if form.is_valid():
            data = form.cleaned_data
            one_tap = "evidence" not in request.POST
            try:
                services.tick_action(
                    item, by=request.user, done=data["done"],
                    note=None if one_tap else data["note"],
                    amount=None if one_tap else data["amount"],
                    payers=None if one_tap else data["payers"],
                    lesson=Page.objects.filter(pk=data["lesson"]).first()
                    if data.get("lesson") else None,
                )
            except ValidationError as error:
                _messages_from(request, error)
            return redirect(reverse("branch_life:event", args=[event.pk]) + f"#action-{item.pk}")
    else:
        form = forms.ActionForm(payers=payers, lessons=lessons, initial={
            "done": True, "note": item.note, "amount": item.amount,
            "payers": list(item.payers.values_list("pk", flat=True)), "lesson": event.lesson_id,
        })
    return render(request, "branch_life/action.html", {"event": event, "item": item, "form": form})


@login_required
@require_POST
def add_action(request, pk):
    event = _run_event(request, pk)
    form = forms.NewActionForm(request.POST)
    if form.is_valid():
        services.add_action(event, title=form.cleaned_data["title"], by=request.user)
    return redirect(reverse("branch_life:event", args=[event.pk]) + "#agenda")


@login_required
def move(request, pk):
    event = _run_event(request, pk)
    local = timezone.localtime(event.starts_at)
    form = forms.MoveForm(request.POST or None, initial={"date": local.date(), "time": local.time()})
    cancel = forms.CancelForm(request.POST or None, prefix="cancel")
    if request.method == "POST":
        try:
            if "cancel-reason" in request.POST:
                if cancel.is_valid():
                    services.cancel_event(event, reason=cancel.cleaned_data["reason"], by=request.user)
                    messages.success(request, _("活动已取消。"))
                    return redirect("branch_life:event", event.pk)
            elif form.is_valid():
                services.move_event(event, starts_at=form.starts_at(),
                                    reason=form.cleaned_data["reason"], by=request.user)
                messages.success(request, _("时间已调整。"))
                return redirect("branch_life:event", event.pk)
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "branch_life/move.html", {"event": event, "form": form, "cancel": cancel})


@login_required
def minutes(request, pk):
    event = _run_event(request, pk)
    form = forms.MinutesForm(request.POST or None, initial={
        "host": event.host, "recorder": event.recorder, "place": event.place, "minutes": event.minutes})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.save_minutes(event, host=data["host"], recorder=data["recorder"],
                              place=data["place"], minutes=data["minutes"], by=request.user)
        messages.success(request, _("会议记录已保存。"))
        return redirect("branch_life:event", event.pk)
    return render(request, "branch_life/form.html", {
        "title": _("会议记录"), "form": form, "event": event,
        "back": reverse("branch_life:event", args=[event.pk]),
    })


@login_required
@require_POST
def photo(request, pk):
    event = _run_event(request, pk)
    form = forms.PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_photo(event, form.cleaned_data["photo"], caption=form.cleaned_data["caption"],
                               by=request.user)
        except ValidationError as error:
            _messages_from(request, error)
        else:
            messages.success(request, _("照片已上传。"))
    else:
        messages.error(request, _("请选择一张照片。"))
    return redirect(reverse("branch_life:event", args=[event.pk]) + "#photos")


@login_required
@require_POST
def decide_leave(request, pk):
    leave = get_object_or_404(LeaveRequest.objects.select_related("event__organisation"), pk=pk)
    if not services.can_run(request.user, leave.event.organisation):
        raise PermissionDenied("not a role holder over this organisation")
    services.decide_leave(leave, approve=request.POST.get("approve") == "1", by=request.user)
    return redirect(request.POST.get("next") if request.POST.get("next") == reverse(
        "branch_life:manage") else reverse("branch_life:event", args=[leave.event_id]))


@login_required
@require_POST
def decide_remote(request, pk):
    report = get_object_or_404(RemoteReport.objects.select_related("event__organisation"), pk=pk)
    if not services.can_run(request.user, report.event.organisation):
        raise PermissionDenied("not a role holder over this organisation")
    services.decide_remote(report, accept=request.POST.get("accept") == "1", by=request.user)
    return redirect(reverse("branch_life:event", args=[report.event_id]) + "#remote")


@login_required
def handbook_pdf(request, pk):
    event = _run_event(request, pk)
    response = HttpResponse(handbook.handbook_pdf(event), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="handbook-{event.pk}.pdf"'
    return response


def _export_or_page(request, table, template, context):
    kind = request.GET.get("export")
    if kind == "csv":
        return export.csv_response(table)
    if kind == "xlsx":
        return export.xlsx_response(table)
    return render(request, template, {"table": table, **context})


@login_required
def month_report(request):
    org = _organisation(request)
    month = _month(request)
    table = reports.month_report(org, month)
    return _export_or_page(request, table, "branch_life/report.html", {
        "org": org, **_month_links(month),
        "organisations": scoping.visible_organisations(request.user).exclude(
            kind=Organisation.Kind.GROUP).order_by("path")[:300],
    })


@login_required
def absences(request):
    org = _organisation(request)
    table = reports.absences_report(org, scoping.visible_members(request.user))
    return _export_or_page(request, table, "branch_life/absences.html", {"org": org})
