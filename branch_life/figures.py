"""The numbers of branch life, in one place: each branch's month (held or not, when, attendance,
actions done), 三会一课 met / due / missed, absences and the members over the limits. The month
report pages, their exports, the workbench panels and the supervision work that follows read
them here (re-exported by branch_life.services); nothing else counts on its own.

Every function takes an organisation the caller has already checked against members.scoping
(and, where people are listed, the viewer's visible members).
"""

import calendar
import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branch_life import rules
from branch_life.models import (
    ActionKind,
    ActivityRule,
    AgendaItem,
    Attendance,
    Decision,
    Event,
    EventMove,
    EventPhoto,
    LeaveRequest,
)
from members.models import Member, Organisation

DEFAULT_LIMITS = (3, 6)  # in a row, in a year: when no rule above the branch sets them
LECTURES_A_YEAR = 4
S = Attendance.Status


def _aware(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _month_end(month):
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _quarter(month):
    first = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    return first, _month_end(first.replace(month=first.month + 2))


def _status(held, period_end, today):
    if held:
        return "met"
    return "missed" if period_end < today else "due"


STATUS_LABELS = {"met": gettext_lazy("已完成"), "due": gettext_lazy("待完成"),
                 "missed": gettext_lazy("未完成"), "none": gettext_lazy("不适用")}


# ---- attendance as members' activity (members.activity's contract) -----------------------


def attendance_activity(members):
    """(member id, latest event they took part in) for members.activity.last_activity."""
    return (Attendance.objects.filter(member__in=members, status__in=Attendance.PRESENT)
            .values("member_id").annotate(last=Max("event__starts_at"))
            .values_list("member_id", "last"))


def attendance_since(start):
    """members.activity's `since`: attendance at events from `start` on."""
    return Attendance.objects.filter(status__in=Attendance.PRESENT, event__starts_at__gte=start)


# ---- absences -----------------------------------------------------------------------------


def absence_counts(members, *, until=None, at_least=(1, 1)):
    """{member id: (absences in a row, absences this year)} for the members with any absence
    without leave, counting held events before `until` (now). In a row: the absences after the
    member's last event attended (checked in or remotely); an approved leave neither counts nor
    breaks the run. This year: the calendar year of `until`. `at_least` (in a row, this year)
    keeps only members reaching either (the limits' lowest, for over_limits)."""
    until = until or timezone.now()
    year_start = _aware(timezone.localtime(until).date().replace(month=1, day=1))
    absences = Attendance.objects.filter(
        member__in=members, status=S.ABSENT, event__status=Event.Status.HELD,
        event__starts_at__lt=until,
    )
    attended_later = Attendance.objects.filter(
        member=OuterRef("member"), status__in=Attendance.PRESENT, event__status=Event.Status.HELD,
        event__starts_at__lt=until, event__starts_at__gt=OuterRef("event__starts_at"),
    )
    in_a_row = dict(absences.filter(~Exists(attended_later)).order_by().values("member_id")
                    .annotate(n=Count("pk")).filter(n__gte=at_least[0])
                    .values_list("member_id", "n"))
    this_year = dict(absences.filter(event__starts_at__gte=year_start).order_by()
                     .values("member_id").annotate(n=Count("pk")).filter(n__gte=at_least[1])
                     .values_list("member_id", "n"))
    return {pk: (in_a_row.get(pk, 0), this_year.get(pk, 0)) for pk in set(in_a_row) | set(this_year)}


def over_limits(organisation, members=None, *, until=None):
    """Members of the organisation's subtree (narrowed to `members`, the viewer's scope) whose
    absences reach their branch's limits: [{"member", "name", "number", "branch", "phone",
    "in_a_row", "this_year", "limits"}], the most absences first."""
    people = (members if members is not None else Member.objects.all()).filter(
        branch__path__startswith=organisation.path, status__in=Member.CURRENT)
    limits = _limits_by_rule(organisation)
    lowest = (min(r for r, _y in limits.values()), min(y for _r, y in limits.values()))
    counts = absence_counts(people, until=until, at_least=lowest)
    if not counts:
        return []
    by_path = rules.rules_by_path()
    out = []
    for pk, name, number, branch, path, phone in people.filter(pk__in=list(counts)).values_list(
        "pk", "name", "number", "branch__name", "branch__path", "phone"
    ):
        in_a_row, this_year = counts[pk]
        rule = rules.nearest(path, by_path, Organisation.steplen)
        limit_row, limit_year = ((rule.absence_limit_consecutive, rule.absence_limit_year)
                                 if rule else DEFAULT_LIMITS)
        if in_a_row >= limit_row or this_year >= limit_year:
            out.append({"member": pk, "name": name, "number": number, "branch": branch,
                        "branch_path": path, "phone": phone, "in_a_row": in_a_row,
                        "this_year": this_year, "limits": (limit_row, limit_year)})
    out.sort(key=lambda r: (-r["in_a_row"], -r["this_year"], r["number"]))
    return out


def _limits_by_rule(organisation):
    """{rule id or None: (in a row, a year)} of the rules that may apply in the subtree (the
    nearest above it and those inside it), None for the defaults."""
    limits = {None: DEFAULT_LIMITS}
    above = rules.rule_for(organisation)
    inside = ActivityRule.objects.filter(organisation__path__startswith=organisation.path)
    for rule in ([above] if above else []) + list(inside):
        limits[rule.pk] = (rule.absence_limit_consecutive, rule.absence_limit_year)
    if above is not None and organisation.path.startswith(above.organisation.path):
        limits.pop(None)  # every branch below has a rule: the defaults never apply
    return limits


# ---- 三会一课 -----------------------------------------------------------------------------


def _lecture_events(start, end):
    """Held events that count as a 党课: a 党课, or an activity day whose lesson was studied."""
    lesson_done = AgendaItem.objects.filter(event=OuterRef("pk"), kind=ActionKind.LESSON, done=True)
    return Event.objects.filter(status=Event.Status.HELD, starts_at__gte=start, starts_at__lt=end).filter(
        Q(kind=Event.Kind.LECTURE) | Q(Exists(lesson_done), kind=Event.Kind.THEME_DAY))


def three_meetings_many(root, branch_rows, month, *, today=None):
    """{branch id: {"general": …, "committee": …, "group": …, "lecture": …}} for the month (its
    quarter for the 党员大会, its year for the 党课), each {"status": met/due/missed/none,
    "held": n, "needed": n}. branch_rows: [(id, path)] in root's subtree. A handful of queries
    for any number of branches."""
    today = today or timezone.localdate()
    if not branch_rows:
        return {}
    ids = [pk for pk, _path in branch_rows]
    month_end = _month_end(month)
    q_start, q_end = _quarter(month)
    y_start, y_end = month.replace(month=1), month.replace(month=12, day=31)
    held = Event.objects.filter(status=Event.Status.HELD)
    general = dict(held.filter(organisation_id__in=ids, kind=Event.Kind.GENERAL_MEETING,
                               starts_at__gte=_aware(q_start),
                               starts_at__lt=_aware(q_end + dt.timedelta(days=1)))
                   .order_by().values("organisation_id").annotate(n=Count("pk"))
                   .values_list("organisation_id", "n"))
    in_month = held.filter(starts_at__gte=_aware(month),
                           starts_at__lt=_aware(month_end + dt.timedelta(days=1)))
    committee = dict(in_month.filter(organisation_id__in=ids, kind=Event.Kind.COMMITTEE).order_by()
                     .values("organisation_id").annotate(n=Count("pk"))
                     .values_list("organisation_id", "n"))
    groups = list(Organisation.objects.filter(path__startswith=root.path, kind=Organisation.Kind.GROUP,
                                              closed_on=None).values_list("pk", "path"))
    groups_met = set(in_month.filter(organisation__path__startswith=root.path,
                                     kind=Event.Kind.GROUP_MEETING)
                     .values_list("organisation_id", flat=True))
    by_path = {path: pk for pk, path in branch_rows}
    steplen = Organisation.steplen

    def owner(path):
        for depth in range(len(path) // steplen, 0, -1):
            pk = by_path.get(path[: steplen * depth])
            if pk is not None:
                return pk
        return None

    group_totals = defaultdict(lambda: [0, 0])
    for pk, path in groups:
        branch = owner(path)
        if branch is not None:
            group_totals[branch][1] += 1
            group_totals[branch][0] += pk in groups_met
    # Members attend their own subtree's events: filtering the events by path spares a join of
    # every attendance row to its member's branch.
    lectures = _lecture_events(_aware(y_start), _aware(y_end + dt.timedelta(days=1))).filter(
        organisation__path__startswith=root.path)
    attended = dict(Attendance.objects.filter(
        status__in=Attendance.PRESENT, event__in=lectures,
    ).order_by().values("member_id").annotate(n=Count("pk")).values_list("member_id", "n"))
    short = defaultdict(int)
    headcount = defaultdict(int)
    for pk, path in Member.objects.filter(
        branch__path__startswith=root.path, status__in=Member.CURRENT
    ).values_list("pk", "branch__path"):
        branch = owner(path)
        if branch is None:
            continue
        headcount[branch] += 1
        if attended.get(pk, 0) < LECTURES_A_YEAR:
            short[branch] += 1
    out = {}
    for pk, _path in branch_rows:
        g_held, g_total = group_totals.get(pk, (0, 0))
        out[pk] = {
            "general": {"held": general.get(pk, 0), "needed": 1,
                        "status": _status(general.get(pk, 0), q_end, today)},
            "committee": {"held": committee.get(pk, 0), "needed": 1,
                          "status": _status(committee.get(pk, 0), month_end, today)},
            "group": ({"held": g_held, "needed": g_total,
                       "status": _status(g_held >= g_total, month_end, today)} if g_total
                      else {"held": 0, "needed": 0, "status": "none"}),
            "lecture": {"held": headcount[pk] - short[pk], "needed": headcount[pk],
                        "short": short[pk],
                        "status": _status(short[pk] == 0 and headcount[pk] > 0, y_end, today)},
        }
    return out


def three_meetings(branch, month=None, *, today=None):
    """三会一课 of one branch for the month (this month): see three_meetings_many."""
    today = today or timezone.localdate()
    month = rules.month_start(month or today)
    return three_meetings_many(branch, [(branch.pk, branch.path)], month, today=today)[branch.pk]


THREE_MEETINGS = (
    ("general", gettext_lazy("党员大会（每季度）")),
    ("committee", gettext_lazy("支委会（每月）")),
    ("group", gettext_lazy("党小组会（每月）")),
    ("lecture", gettext_lazy("党课（每人每年4次）")),
)


# ---- each branch's month ------------------------------------------------------------------


def month_figures(root, month, *, today=None):
    """Every 党支部 in root's subtree (root itself when it is one), in the tree's order, with its
    month: [{"organisation", "name", "path", "depth", "event", "date", "held", "status",
    "invited", "present", "checked_in", "remote", "excused", "absent", "rate",
    "required_done", "required_total", "own_done", "own_total", "over_limits",
    "three_meetings"}]. "held" is the activity day's status "held"; until then nobody is counted
    absent (the invited who have not checked in are "invited")."""
    today = today or timezone.localdate()
    month = rules.month_start(month)
    branch_rows = list(Organisation.objects.filter(
        path__startswith=root.path, kind=Organisation.Kind.BRANCH
    ).filter(Q(closed_on=None) | Q(closed_on__gte=month)).order_by("path").values_list(
        "pk", "name", "path", "depth"))
    ids = [row[0] for row in branch_rows]
    chosen = {}
    for pk, org_id, status, starts_at, _from_rule in Event.objects.filter(
        kind=Event.Kind.THEME_DAY, month=month, organisation_id__in=ids,
    ).exclude(status=Event.Status.CANCELLED).order_by("-from_rule", "starts_at", "pk").values_list(
        "pk", "organisation_id", "status", "starts_at", "from_rule"
    ):
        chosen.setdefault(org_id, (pk, status, starts_at))
    event_ids = [pk for pk, _s, _t in chosen.values()]
    counts = defaultdict(lambda: defaultdict(int))
    for event_id, status, n in Attendance.objects.filter(event_id__in=event_ids).order_by().values(
        "event_id", "status"
    ).annotate(n=Count("pk")).values_list("event_id", "status", "n"):
        counts[event_id][status] = n
    actions = defaultdict(lambda: [0, 0, 0, 0])  # required done/total, own done/total
    for event_id, required, total, done in AgendaItem.objects.filter(event_id__in=event_ids).order_by(
    ).values("event_id", "required").annotate(
        total=Count("pk"), done=Count("pk", filter=Q(done=True))
    ).values_list("event_id", "required", "total", "done"):
        offset = 0 if required else 2
        actions[event_id][offset] += done
        actions[event_id][offset + 1] += total
    until = _aware(_month_end(month) + dt.timedelta(days=1))
    over = defaultdict(int)
    for row in over_limits(root, until=min(until, timezone.now())):
        over[row["branch_path"]] += 1
    by_path = {path: pk for pk, _name, path, _depth in branch_rows}
    over_by_branch = defaultdict(int)
    for path, n in over.items():
        branch = rules.nearest(path, by_path, Organisation.steplen)
        if branch is not None:
            over_by_branch[branch] += n
    three = three_meetings_many(root, [(r[0], r[2]) for r in branch_rows], month, today=today)
    out = []
    for pk, name, path, depth in branch_rows:
        event = chosen.get(pk)
        c = counts[event[0]] if event else {}
        held = bool(event) and event[1] == Event.Status.HELD
        invited = sum(c.values())
        checked_in, remote = c.get(S.CHECKED_IN, 0), c.get(S.REMOTE_DONE, 0)
        a = actions[event[0]] if event else [0, 0, 0, 0]
        out.append({
            "organisation": pk, "name": name, "path": path, "depth": depth,
            "event": event[0] if event else None,
            "date": timezone.localtime(event[2]).date() if event else None,
            "held": held, "status": event[1] if event else None,
            "invited": invited, "checked_in": checked_in, "remote": remote,
            "present": checked_in + remote, "excused": c.get(S.EXCUSED, 0),
            "absent": c.get(S.ABSENT, 0) + (c.get(S.INVITED, 0) if held else 0),
            "rate": round(100 * (checked_in + remote) / invited) if held and invited else None,
            "required_done": a[0], "required_total": a[1], "own_done": a[2], "own_total": a[3],
            "over_limits": over_by_branch.get(pk, 0),
            "three_meetings": three.get(pk),
        })
    return out


# ---- the branch workbench's panels (members.workbench's contract) -------------------------


def next_events(organisation, *, now=None, limit=5):
    """The next planned events of the organisation's subtree, soonest first."""
    now = now or timezone.now()
    return list(Event.objects.filter(
        organisation__path__startswith=organisation.path, status=Event.Status.PLANNED,
        ends_at__gte=now,
    ).select_related("organisation").order_by("starts_at", "pk")[:limit])


def _when(event):
    return f"{timezone.localtime(event.starts_at):%m-%d %H:%M}"


def _manage_url(organisation, name="branch_life:manage"):
    return f"{reverse(name)}?org={organisation.pk}"


def next_activity_panel(organisation, members):
    events = next_events(organisation)
    return {
        "title": _("组织生活安排"), "count": None,
        "items": [f"{_when(e)} {e.title} · {e.organisation.name}" for e in events]
        or [_("还没有安排。")],
        "url": _manage_url(organisation),
    }


def pending_leave_panel(organisation, members):
    requests = list(LeaveRequest.objects.filter(
        status=Decision.PENDING, event__status=Event.Status.PLANNED,
        event__organisation__path__startswith=organisation.path, member__in=members,
    ).select_related("member", "event").order_by("event__starts_at", "asked_at")[:50])
    if not requests:
        return None
    return {
        "title": _("待批请假"), "count": len(requests),
        "items": [f"{r.member.name} {_when(r.event)} {r.reason}" for r in requests[:10]],
        "url": _manage_url(organisation),
    }


def over_limit_panel(organisation, members):
    rows = over_limits(organisation, members)
    if not rows:
        return None
    return {
        "title": _("缺席超过规定次数"), "count": len(rows),
        "items": [_("%(name)s（%(branch)s）连续缺席%(row)s次，今年缺席%(year)s次") % {
            "name": r["name"], "branch": r["branch"], "row": r["in_a_row"], "year": r["this_year"]}
            for r in rows[:10]],
        "url": _manage_url(organisation, "branch_life:absences"),
    }


# ---- activity days over several months (the supervision app's month table, charts, ranking) --


def activity_days(branch_ids, months):
    """{(branch id, month): {...}} of each branch's activity day (主题党日) in each of `months`
    (first days), for the branches given (ids the caller took from its scope): "event",
    "status", "date", "planned" (the date the rule first set, when it was moved), "late" (held
    after that date), "held", "invited", "present", "rate", "required_done", "required_total",
    "minutes" (the minutes written), "photos". A month without an activity day is absent. Five
    queries for any number of branches and months."""
    months = [rules.month_start(m) for m in months]
    chosen = {}
    for pk, org_id, month, status, starts_at, minutes in Event.objects.filter(
        kind=Event.Kind.THEME_DAY, month__in=months, organisation_id__in=list(branch_ids),
    ).exclude(status=Event.Status.CANCELLED).order_by("-from_rule", "starts_at", "pk").values_list(
        "pk", "organisation_id", "month", "status", "starts_at", "minutes"
    ):
        chosen.setdefault((org_id, month), (pk, status, starts_at, bool(minutes.strip())))
    event_ids = [value[0] for value in chosen.values()]
    counts = defaultdict(lambda: defaultdict(int))
    for event_id, status, n in Attendance.objects.filter(event_id__in=event_ids).order_by().values(
        "event_id", "status"
    ).annotate(n=Count("pk")).values_list("event_id", "status", "n"):
        counts[event_id][status] = n
    required = dict(
        (event_id, (done, total)) for event_id, total, done in AgendaItem.objects.filter(
            event_id__in=event_ids, required=True).order_by().values("event_id").annotate(
            total=Count("pk"), done=Count("pk", filter=Q(done=True))
        ).values_list("event_id", "total", "done"))
    photos = dict(EventPhoto.objects.filter(event_id__in=event_ids).order_by().values("event_id")
                  .annotate(n=Count("pk")).values_list("event_id", "n"))
    # The first time the event was set, where it was moved since.
    planned = {}
    for event_id, from_starts_at in EventMove.objects.filter(event_id__in=event_ids).order_by(
        "moved_at", "pk"
    ).values_list("event_id", "from_starts_at"):
        planned.setdefault(event_id, from_starts_at)
    out = {}
    for (org_id, month), (pk, status, starts_at, minutes) in chosen.items():
        c = counts[pk]
        held = status == Event.Status.HELD
        invited = sum(c.values())
        present = c.get(S.CHECKED_IN, 0) + c.get(S.REMOTE_DONE, 0)
        date = timezone.localtime(starts_at).date()
        first = timezone.localtime(planned[pk]).date() if pk in planned else None
        done, total = required.get(pk, (0, 0))
        out[(org_id, month)] = {
            "event": pk, "status": status, "date": date, "planned": first,
            "late": bool(held and first and date > first), "held": held,
            "invited": invited, "present": present,
            "rate": round(100 * present / invited) if held and invited else None,
            "required_done": done, "required_total": total,
            "minutes": minutes, "photos": photos.get(pk, 0),
        }
    return out
