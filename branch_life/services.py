"""What branch life does, without a request: planning the month's activity days by the rule,
other meetings, moving an event, the agenda, attendance (check-in, roll call, leave, remote
participation), minutes and photos. Views, the API, the commands and the tasks call these.

Who may do what is asked of members.scoping, never decided here on its own: `can_run` is the one
rule for a role holder's actions on an event (their scope holds its organisation). The numbers
(reports, limits, 三会一课) are in branch_life.figures, re-exported at the end of this module.
"""

import datetime as dt
import logging
import os
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branch_life import codes, photos, rules
from branch_life.figures import (  # noqa: F401  (the numbers' one place, re-exported)
    absence_counts,
    month_figures,
    over_limits,
    three_meetings,
)
from branch_life.models import (
    ActionKind,
    AgendaItem,
    Attendance,
    Decision,
    Event,
    EventMove,
    EventPhoto,
    LeaveRequest,
    RemoteReport,
)
from branch_life.workdays import WorkingDays
from members import scoping
from members import services as member_services
from members.models import Member, Organisation

logger = logging.getLogger(__name__)

# Invited to the branch's meetings: members the branch can reach (a lost member is followed up
# by the lost-contact register, not counted absent month after month).
INVITED_STATUSES = (Member.Status.NORMAL, Member.Status.MIGRANT, Member.Status.ABROAD)
# Kinds held by a branch (or any organisation above a group); 党小组会 by a group.
BRANCH_KINDS = (Organisation.Kind.BRANCH, Organisation.Kind.GENERAL_BRANCH, Organisation.Kind.COMMITTEE)
MAX_WRONG_CODES = 10  # per member and event, then the secretary's roll call
WRONG_CODES_SECONDS = 2 * 3600


# ---- who may ------------------------------------------------------------------------------


def can_run(user, organisation):
    """A role holder over the organisation (or an administrator): shows the code, calls the roll,
    ticks actions, moves the event, decides leave and remote reports."""
    return scoping.can_see_reports(user) and scoping.visible_organisations(user).filter(
        pk=getattr(organisation, "pk", organisation)
    ).exists()


def require_run(user, organisation):
    if not can_run(user, organisation):
        raise PermissionDenied("not a role holder over this organisation")


def events_in_scope(user):
    return Event.objects.filter(organisation__in=scoping.visible_organisations(user))


# ---- invitations --------------------------------------------------------------------------


def invitees(event):
    """The members an event is for: the organisation's subtree (a branch and its groups; a group),
    or for a committee meeting the organisation's current role holders."""
    if event.kind == Event.Kind.COMMITTEE:
        return Member.objects.filter(
            pk__in=scoping.current_roles().filter(organisation_id=event.organisation_id)
            .values("member_id"),
            status__in=INVITED_STATUSES,
        )
    return Member.objects.filter(
        branch__path__startswith=event.organisation.path, status__in=INVITED_STATUSES
    )


def invite(event):
    """Invitations for everyone the event is for who has none yet (while it is still planned);
    returns how many were added."""
    if event.status != Event.Status.PLANNED:
        return 0
    have = set(Attendance.objects.filter(event=event).values_list("member_id", flat=True))
    new = [Attendance(event=event, member_id=pk)
           for pk in invitees(event).values_list("pk", flat=True) if pk not in have]
    Attendance.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    return len(new)


def _copy_required_actions(events_by_org):
    """The 规定动作 of each new activity day, from the template over its branch."""
    templates = {}
    items = []
    for org, event in events_by_org:
        key = org.path
        if key not in templates:
            templates[key] = rules.required_actions_for(org)
        items += [AgendaItem(event=event, kind=action.kind, title=action.title, required=True,
                             sort_order=order) for order, action in enumerate(templates[key])]
    AgendaItem.objects.bulk_create(items, ignore_conflicts=True, batch_size=1000)


# ---- planning -----------------------------------------------------------------------------


def branches(root=None):
    """Open 党支部 (in root's subtree): the organisations that hold a monthly activity day."""
    qs = Organisation.objects.filter(kind=Organisation.Kind.BRANCH, closed_on=None)
    if root is not None:
        qs = qs.filter(path__startswith=root.path)
    return qs.order_by("path")


def plan_month(month, *, root=None, working_days=None):
    """Each branch's activity day of `month` by its rule: created once, never changed by a re-run
    (a moved event stays moved). Returns [{"event", "organisation", "date"}] for every branch
    that has a rule, in the tree's order; a re-run returns the same ids."""
    month = rules.month_start(month)
    working_days = working_days or WorkingDays()
    by_path = rules.rules_by_path()
    orgs = list(branches(root))
    wanted = {}
    for org in orgs:
        rule = rules.nearest(org.path, by_path, org.steplen)
        if rule is not None:
            wanted[org.pk] = (org, rule)
    existing = dict(Event.objects.filter(month=month, from_rule=True, organisation_id__in=wanted)
                    .values_list("organisation_id", "pk"))
    dates = {}
    new = []
    for org_id, (org, rule) in wanted.items():
        if org_id in existing:
            continue
        key = (rule.pk, month)
        if key not in dates:
            dates[key] = rules.activity_date(rule, month, working_days)
        starts, ends = rules.event_times(rule, dates[key])
        new.append(Event(organisation=org, kind=Event.Kind.THEME_DAY, title=rule.title,
                         starts_at=starts, ends_at=ends, place=rule.place, month=month,
                         from_rule=True))
    with transaction.atomic():
        # The partial unique index (organisation, month, from_rule) makes a concurrent run's rows
        # conflict and be skipped: each branch has one rule event a month, whoever made it.
        Event.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        events = {e.organisation_id: e for e in Event.objects.filter(
            month=month, from_rule=True, organisation_id__in=wanted).select_related("organisation")}
        created = [events[org_id] for org_id in wanted
                   if org_id not in existing and org_id in events]
        _copy_required_actions([(e.organisation, e) for e in created])
        _invite_many(created)
    if created:
        logger.info("planned %s activity days for %s", len(created), f"{month:%Y-%m}")
    return [
        {"event": events[org.pk].pk, "organisation": org.pk,
         "date": timezone.localtime(events[org.pk].starts_at).date().isoformat()}
        for org in orgs if org.pk in events
    ]


def _invite_many(events):
    """Invitations of many new events at once (one query of the members for all of them)."""
    if not events:
        return
    by_path = {}
    for event in events:
        by_path.setdefault(event.organisation.path, []).append(event)
    rows = []
    # One query under the paths' common prefix (the county for a county's plan), mapped in Python:
    # an OR of hundreds of path prefixes costs PostgreSQL more than the extra rows.
    prefix = os.path.commonprefix(list(by_path))
    steplen = Organisation.steplen
    prefix = prefix[: len(prefix) // steplen * steplen]
    for member_id, path in Member.objects.filter(
        branch__path__startswith=prefix, status__in=INVITED_STATUSES
    ).values_list("pk", "branch__path"):
        for depth in range(len(path) // steplen, 0, -1):
            for event in by_path.get(path[: steplen * depth], ()):
                rows.append(Attendance(event=event, member_id=member_id))
    Attendance.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


def create_event(*, organisation, kind, title, starts_at, ends_at, place="", by):
    """Another meeting (or an extra activity day) added by a role holder over the organisation."""
    require_run(by, organisation)
    if kind == Event.Kind.GROUP_MEETING and organisation.kind != Organisation.Kind.GROUP:
        raise ValidationError(_("党小组会由党小组召开，请选择党小组。"))
    if kind != Event.Kind.GROUP_MEETING and organisation.kind == Organisation.Kind.GROUP:
        raise ValidationError(_("党小组只能召开党小组会。"))
    if ends_at <= starts_at:
        raise ValidationError(_("结束时间应晚于开始时间。"))
    with transaction.atomic():
        event = Event.objects.create(
            organisation=organisation, kind=kind, title=title[:120], starts_at=starts_at,
            ends_at=ends_at, place=place[:120], created_by=by,
            month=rules.month_start(timezone.localtime(starts_at).date()),
        )
        if kind == Event.Kind.THEME_DAY:
            _copy_required_actions([(organisation, event)])
        invite(event)
    return event


def move_event(event, *, starts_at, reason, by):
    """Move the event (its length kept), with the reason logged."""
    require_run(by, event.organisation)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写调整原因。"))
    if event.status != Event.Status.PLANNED:
        raise ValidationError(_("已召开或已取消的活动不能调整时间。"))
    length = event.ends_at - event.starts_at
    with transaction.atomic():
        EventMove.objects.create(event=event, from_starts_at=event.starts_at,
                                 to_starts_at=starts_at, reason=reason[:200], by=by)
        event.starts_at, event.ends_at = starts_at, starts_at + length
        event.save(update_fields=["starts_at", "ends_at"])
    logger.info("event %s moved by user %s: %s", event.pk, by.pk, reason)
    return event


def cancel_event(event, *, reason, by):
    """A meeting that will not take place (an added one entered twice …); logged like a move."""
    require_run(by, event.organisation)
    if event.status != Event.Status.PLANNED:
        raise ValidationError(_("已召开或已取消的活动不能取消。"))
    with transaction.atomic():
        EventMove.objects.create(event=event, from_starts_at=event.starts_at,
                                 to_starts_at=event.starts_at, reason=f"取消：{reason}"[:200], by=by)
        event.status = Event.Status.CANCELLED
        event.save(update_fields=["status"])


# ---- the agenda ---------------------------------------------------------------------------


def add_action(event, *, title, by, kind=ActionKind.OTHER):
    """A 自选动作 of the branch."""
    require_run(by, event.organisation)
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("请填写自选动作的名称。"))
    with transaction.atomic():
        last = AgendaItem.objects.select_for_update().filter(event=event).order_by("-sort_order").first()
        return AgendaItem.objects.create(event=event, kind=kind, title=title[:80], required=False,
                                         sort_order=(last.sort_order + 1) if last else 0)


def tick_action(item, *, by, done=True, note=None, amount=None, payers=None, lesson=None):
    """Tick (or untick) an action with its evidence. Dues: the amount and who paid. The lesson:
    which lesson; everyone present is credited a group completion of it (and whoever checks in
    or is ticked present later, see roll_call)."""
    event = item.event
    require_run(by, event.organisation)
    with transaction.atomic():
        item.done = done
        item.done_at = timezone.now() if done else None
        item.done_by = by if done else None
        if note is not None:
            item.note = note[:300]
        if item.kind == ActionKind.DUES and amount is not None:
            item.amount = amount
        item.save()
        if item.kind == ActionKind.DUES and payers is not None:
            item.payers.set(invitees(event).filter(pk__in=[getattr(p, "pk", p) for p in payers]))
        if item.kind == ActionKind.LESSON and lesson is not None:
            event.lesson = lesson
            event.save(update_fields=["lesson"])
    if done and item.kind == ActionKind.LESSON:
        credit_lesson(event, by=by)
    return item


def credit_lesson(event, *, by):
    """A group completion of the event's lesson for everyone checked in (when the lesson action
    is done); returns how many were new."""
    if event.lesson_id is None or not AgendaItem.objects.filter(
        event=event, kind=ActionKind.LESSON, done=True
    ).exists():
        return 0
    present = list(Attendance.objects.filter(event=event, status=Attendance.Status.CHECKED_IN)
                   .values_list("member_id", flat=True))
    if not present:
        return 0
    return member_services.record_completions(
        page=event.lesson_id, members=present, how="group", set_by=by,
        date=timezone.localtime(event.starts_at).date(), place=event.place,
        note=f"{event.get_kind_display()}：{event.title}",
    )


# ---- check-in -----------------------------------------------------------------------------


@dataclass
class CheckInRefused(Exception):
    status: int
    detail: str


def _attendance(event, member_id):
    """The member's (pk, status) for the event, inviting a member who joined the branch after the
    event was planned; None when they are not invited."""
    row = Attendance.objects.filter(event=event, member_id=member_id).values_list("pk", "status").first()
    if row is None and event.status == Event.Status.PLANNED and invitees(event).filter(pk=member_id).exists():
        Attendance.objects.bulk_create([Attendance(event=event, member_id=member_id)], ignore_conflicts=True)
        row = Attendance.objects.filter(event=event, member_id=member_id).values_list("pk", "status").first()
    return row


def check_in(event, member_id, code, *, now=None):
    """The member checks in with the code on the secretary's screen. Returns "checked_in" (also
    when they had already: nothing is written twice); raises CheckInRefused: 403 not invited,
    400 a wrong or expired code or outside the window, 429 too many wrong codes."""
    now = now or timezone.now()
    row = _attendance(event, member_id)
    if row is None:
        raise CheckInRefused(403, _("您不在本次活动的参加人员名单中，不能签到。"))
    pk, status = row
    if status == Attendance.Status.CHECKED_IN:
        return status
    wrong_key = f"branch-life:wrong-code:{event.pk}:{member_id}"
    if (cache.get(wrong_key) or 0) >= MAX_WRONG_CODES:
        raise CheckInRefused(429, _("签到码输错次数过多，请找书记点名签到。"))
    if not codes.is_open(event, now):
        raise CheckInRefused(400, _("现在不是本次活动的签到时间。"))
    if not codes.matches(event, code, now):
        cache.add(wrong_key, 0, WRONG_CODES_SECONDS)
        try:
            cache.incr(wrong_key)
        except ValueError:
            cache.set(wrong_key, 1, WRONG_CODES_SECONDS)
        raise CheckInRefused(400, _("签到码不正确或已过期，请输入屏幕上的最新签到码。"))
    Attendance.objects.filter(pk=pk).exclude(status=Attendance.Status.CHECKED_IN).update(
        status=Attendance.Status.CHECKED_IN, checked_in_at=now, how=Attendance.How.CODE, updated_at=now
    )
    return Attendance.Status.CHECKED_IN


def roll_call(event, *, present, by, now=None):
    """The secretary's roll call: the members in `present` (ids) were there; every other invited
    member who has no approved leave and took no remote part was absent. The event is then held,
    and the lesson (if its action is done) is credited to everyone present."""
    require_run(by, event.organisation)
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("活动已取消。"))
    now = now or timezone.now()
    if now < codes.window(event)[0]:
        raise ValidationError(_("活动还没有开始，不能点名。"))
    present = {int(pk) for pk in present}
    with transaction.atomic():
        invite(event)
        rows = Attendance.objects.select_for_update().filter(event=event)
        for row in rows:
            if row.member_id in present:
                if row.status != Attendance.Status.CHECKED_IN:
                    row.status, row.checked_in_at, row.how = (
                        Attendance.Status.CHECKED_IN, now, Attendance.How.ROLL_CALL)
                    row.save(update_fields=["status", "checked_in_at", "how", "updated_at"])
            elif row.status in (Attendance.Status.INVITED, Attendance.Status.CHECKED_IN):
                row.status, row.checked_in_at, row.how = Attendance.Status.ABSENT, None, ""
                row.save(update_fields=["status", "checked_in_at", "how", "updated_at"])
        event.status = Event.Status.HELD
        event.save(update_fields=["status"])
    credit_lesson(event, by=by)
    return event


def close_finished(*, now=None, grace=dt.timedelta(days=1)):
    """Events that ended more than `grace` ago with check-ins but no roll call: held, and the
    invited who never checked in absent. Events without any check-in stay not held. Returns the
    ids closed (run by the daily task)."""
    now = now or timezone.now()
    ids = list(Event.objects.filter(
        status=Event.Status.PLANNED, ends_at__lt=now - grace,
        attendance__status=Attendance.Status.CHECKED_IN,
    ).values_list("pk", flat=True).distinct())
    with transaction.atomic():
        Attendance.objects.filter(event_id__in=ids, status=Attendance.Status.INVITED).update(
            status=Attendance.Status.ABSENT, updated_at=now)
        Event.objects.filter(pk__in=ids).update(status=Event.Status.HELD)
    return ids


# ---- leave --------------------------------------------------------------------------------


def ask_leave(event, member, *, reason, now=None):
    """A member asks for leave before the event starts."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写请假原因。"))
    if now >= event.starts_at or event.status != Event.Status.PLANNED:
        raise ValidationError(_("活动开始后不能再请假，请联系书记。"))
    if _attendance(event, member.pk) is None:
        raise PermissionDenied("not invited")
    request, created = LeaveRequest.objects.get_or_create(
        event=event, member=member, defaults={"reason": reason[:200]})
    if not created:
        if request.status != Decision.PENDING:
            raise ValidationError(_("您的请假已经审批过了。"))
        request.reason = reason[:200]
        request.save(update_fields=["reason"])
    return request


def decide_leave(request, *, approve, by):
    require_run(by, request.event.organisation)
    with transaction.atomic():
        request.status = Decision.APPROVED if approve else Decision.DECLINED
        request.decided_by, request.decided_at = by, timezone.now()
        request.save(update_fields=["status", "decided_by", "decided_at"])
        rows = Attendance.objects.filter(event=request.event, member=request.member)
        if approve:
            rows.exclude(status=Attendance.Status.CHECKED_IN).update(
                status=Attendance.Status.EXCUSED, updated_at=timezone.now())
        else:
            rows.filter(status=Attendance.Status.EXCUSED).update(
                status=Attendance.Status.ABSENT if request.event.status == Event.Status.HELD
                else Attendance.Status.INVITED, updated_at=timezone.now())
    return request


def pending_leave(organisation):
    return LeaveRequest.objects.filter(
        status=Decision.PENDING, event__organisation__path__startswith=organisation.path,
        event__status=Event.Status.PLANNED,
    ).select_related("member", "event")


# ---- remote participation -----------------------------------------------------------------


def remote_deadline(event, rule=None):
    """The end of the days after the event in which a member may still take part remotely."""
    rule = rule if rule is not None else rules.rule_for(event.organisation)
    days = rule.remote_days if rule is not None else 7
    return event.ends_at + dt.timedelta(days=days)


def can_report_remotely(event, member_id, *, now=None):
    now = now or timezone.now()
    status = Attendance.objects.filter(event=event, member_id=member_id).values_list(
        "status", flat=True).first()
    return (status is not None and status not in Attendance.PRESENT
            and event.status != Event.Status.CANCELLED
            and event.starts_at <= now <= remote_deadline(event))


def submit_remote(event, member, *, text, photo=None, now=None):
    """A remote report (text, optionally a photo) within the rule's days after the event."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("请填写学习汇报。"))
    if not can_report_remotely(event, member.pk, now=now):
        raise ValidationError(_("现在不能提交远程参加汇报（不在期限内，或您已参加）。"))
    image = photos.store_image(photo, title=f"{event} {member.name}") if photo else None
    report, created = RemoteReport.objects.get_or_create(
        event=event, member=member, defaults={"text": text[:RemoteReport.MAX_LENGTH], "photo": image})
    if not created:
        if report.status == Decision.APPROVED:
            raise ValidationError(_("您的汇报已被接受。"))
        report.text, report.status = text[:RemoteReport.MAX_LENGTH], Decision.PENDING
        if image is not None:
            report.photo = image
        report.save(update_fields=["text", "status", "photo"])
    return report


def decide_remote(report, *, accept, by):
    """Accepted: the member took part remotely (remote_done)."""
    require_run(by, report.event.organisation)
    with transaction.atomic():
        report.status = Decision.APPROVED if accept else Decision.DECLINED
        report.decided_by, report.decided_at = by, timezone.now()
        report.save(update_fields=["status", "decided_by", "decided_at"])
        if accept:
            Attendance.objects.filter(event=report.event, member=report.member).exclude(
                status=Attendance.Status.CHECKED_IN
            ).update(status=Attendance.Status.REMOTE_DONE, updated_at=timezone.now())
    return report


# ---- minutes and photos -------------------------------------------------------------------


def save_minutes(event, *, host, recorder, minutes, place=None, by):
    require_run(by, event.organisation)
    event.host, event.recorder, event.minutes = host[:60], recorder[:60], minutes
    fields = ["host", "recorder", "minutes"]
    if place is not None:
        event.place = place[:120]
        fields.append("place")
    event.save(update_fields=fields)
    return event


def add_photo(event, upload, *, caption="", by):
    require_run(by, event.organisation)
    image = photos.store_image(upload, title=f"{event}", user=by)
    return EventPhoto.objects.create(event=event, image=image, caption=caption[:120], uploaded_by=by)


# ---- a member's events --------------------------------------------------------------------


def member_events(member, month):
    """The member's events of the month with their own status, for /me/events and the page."""
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(rules.next_month(month), dt.time.min))
    paths = rules.ancestor_paths(member.branch)
    rows = Attendance.objects.filter(member=member, event__starts_at__gte=start,
                                     event__starts_at__lt=end).select_related(
        "event", "event__organisation")
    seen = {row.event_id: row.status for row in rows}
    events = {row.event_id: row.event for row in rows}
    # Planned events of the branch (or a group above the member) not yet inviting them.
    for event in Event.objects.filter(
        organisation__path__in=paths, status=Event.Status.PLANNED, starts_at__gte=start,
        starts_at__lt=end,
    ).exclude(kind=Event.Kind.COMMITTEE).exclude(pk__in=list(seen)).select_related("organisation"):
        if member.status in INVITED_STATUSES:
            events[event.pk], seen[event.pk] = event, Attendance.Status.INVITED
    return sorted(
        ({"id": e.pk, "title": e.title, "kind": e.kind, "organisation": e.organisation.name,
          "starts_at": e.starts_at, "ends_at": e.ends_at, "place": e.place, "status": seen[e.pk],
          "event": e} for e in events.values()),
        key=lambda row: (row["starts_at"], row["id"]),
    )
