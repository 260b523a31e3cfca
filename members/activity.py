"""A member's last activity (any study, attendance or quiz) and the quiet members of a branch.

Apps above members (activity-day attendance, quizzes) register a source in their
AppConfig.ready():

    from members import activity
    activity.register_source("attendance", lambda members: Attendance.objects.filter(
        member__in=members).values_list("member_id").annotate(Max("day")))

A source takes a queryset of members and returns (member id, date or datetime) pairs, the
latest per member (several per member are fine: the latest wins). members registers its own
two: learning progress and completions.

A source may also give `since`: a function of an aware datetime returning a queryset of its rows
on or after it, with a `member_id` column. Who is quiet is then asked of the database (members
without any such row: an anti-join), instead of bringing every member's latest date of every
source into Python — for a county's 30,000 members that was most of the quarter's ranking
(bench/supervision.py). Sources without it are still asked for their dates.
"""

import calendar
import datetime as dt

from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.models import Completion, ItemProgress, Member

_sources = {}  # name: (source, since or None)


def register_source(name, source, *, since=None):
    """Add (or replace, by name) a source of activity dates (and its `since`, if it has one)."""
    _sources[name] = (source, since)


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


def _progress_since(start):
    return ItemProgress.objects.filter(
        Q(last_heartbeat_at__gte=start) | Q(last_heartbeat_at__isnull=True, started_at__gte=start))


def _completions_since(start):
    return Completion.objects.filter(completed_at__gte=start)


def register_own_sources():
    """Called by MembersConfig.ready()."""
    register_source("progress", _progress, since=_progress_since)
    register_source("completions", _completions, since=_completions_since)


def _as_date(value):
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def last_activity(members):
    """{member id: date of the latest activity} for a queryset of members (members without any
    activity are absent)."""
    return _latest(members, [source for source, _since in _sources.values()])


def _latest(members, sources):
    latest = {}
    for source in sources:
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


def _unasked(members, since):
    """`members` without any row on or after `since` in the sources that give `since` (every
    member, if none does): the quiet ones, once the other sources' dates are looked at."""
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    asked = [since_of(start).filter(member_id=OuterRef("pk"))
             for _source, since_of in _sources.values() if since_of is not None]
    return members.filter(*[~Exists(rows) for rows in asked]).order_by()


def quiet_ids(members, since):
    """The ids of `members` (a queryset) without any activity on or after the date `since`."""
    candidates = _unasked(members, since)
    by_date = [source for source, since_of in _sources.values() if since_of is None]
    if not by_date:
        return set(candidates.values_list("pk", flat=True))
    # A source without `since` (another app's, or a test's) is asked for its dates, of only the
    # members the others left quiet.
    latest = _latest(candidates, by_date)
    return {pk for pk in candidates.values_list("pk", flat=True)
            if latest.get(pk) is None or latest[pk] < since}


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
    # The candidates are few where most members are active; only their latest dates are read.
    candidates = _unasked(people, since)
    latest = last_activity(candidates)
    rows = [
        {"number": number, "name": name, "branch": branch, "phone": phone, "status": status,
         "last_activity": latest.get(member_id)}
        for member_id, number, name, branch, phone, status in candidates.order_by(
            "branch__path", "number"
        ).values_list("pk", "number", "name", "branch__name", "phone", "status")
        if latest.get(member_id) is None or latest[member_id] < since
    ]
    rows.sort(key=lambda r: r["last_activity"] or dt.date.min)
    return rows
