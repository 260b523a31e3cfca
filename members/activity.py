"""A member's last activity (any study, attendance or quiz) and the quiet members of a branch.

Apps above members (activity-day attendance, quizzes) register a source in their
AppConfig.ready():

    from members import activity
    activity.register_source("attendance", lambda members: Attendance.objects.filter(
        member__in=members).values_list("member_id").annotate(Max("day")))

A source takes a queryset of members and returns (member id, date or datetime) pairs, the
latest per member (several per member are fine: the latest wins). members registers its own
two: learning progress and completions.
"""

import calendar
import datetime as dt

from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.models import Completion, ItemProgress, Member

_sources = {}


def register_source(name, source):
    """Add (or replace, by name) a source of activity dates."""
    _sources[name] = source


def sources():
    return dict(_sources)


def _progress(members):
    return (
        ItemProgress.objects.filter(member__in=members)
        .values("member_id")
        .annotate(last=Max(Coalesce("last_heartbeat_at", "started_at")))
        .values_list("member_id", "last")
    )


def _completions(members):
    return (
        Completion.objects.filter(member__in=members)
        .values("member_id")
        .annotate(last=Max("completed_at"))
        .values_list("member_id", "last")
    )


def register_own_sources():
    """Called by MembersConfig.ready()."""
    register_source("progress", _progress)
    register_source("completions", _completions)


def _as_date(value):
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def last_activity(members):
    """{member id: date of the latest activity} for a queryset of members (members without any
    activity are absent)."""
    latest = {}
    for source in _sources.values():
        for member_id, when in source(members):
            if when is None:
                continue
            current = latest.get(member_id)
            if current is None or _later(when, current):
                latest[member_id] = when
    # Each member's latest converted once (a county's 30,000 members and their sources' rows:
    # converting every row to a local date cost more than the queries).
    return {member_id: _as_date(when) for member_id, when in latest.items()}


def _later(value, than):
    """Is `value` later than `than` (datetimes compared as they are — the local date keeps
    their order — a date against either by the local date)?"""
    if isinstance(value, dt.datetime) and isinstance(than, dt.datetime):
        return value > than
    return _as_date(value) > _as_date(than)


def months_before(day, months):
    """The same day `months` calendar months earlier (the month's last day where it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def quiet_members(organisation, *, months=3, today=None, members=None):
    """Members of `organisation`'s subtree (current statuses) with no activity since `months`
    months before today, or none at all: [{"number", "name", "branch", "phone", "status",
    "last_activity"}] (status the code, last_activity a date or None), the longest quiet first.
    `members` narrows them further (the viewer's scope)."""
    today = today or timezone.localdate()
    since = months_before(today, months)
    people = (members if members is not None else Member.objects.all()).filter(
        branch__path__startswith=organisation.path, status__in=Member.CURRENT
    )
    latest = last_activity(people)
    rows = []
    for member_id, number, name, branch, phone, status in people.order_by(
        "branch__path", "number"
    ).values_list("pk", "number", "name", "branch__name", "phone", "status"):
        last = latest.get(member_id)
        if last is None or last < since:
            rows.append({
                "number": number, "name": name, "branch": branch, "phone": phone,
                "status": status, "last_activity": last,
            })
    rows.sort(key=lambda r: r["last_activity"] or dt.date.min)
    return rows
