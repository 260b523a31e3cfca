"""The county's rule, applied: which rule a branch follows and on which day its activity day
falls in a month.

A rule set on an organisation holds for its whole subtree; the nearest one above a branch (or on
it) wins. When the rule's day is not a working day and the rule says so, the event moves to the
next working day of the same month; when the month has none left after that day (the 31st on a
Saturday), to the last working day before it: the month's activity day stays in its month.
"""

import calendar
import datetime as dt

from django.utils import timezone

from branch_life.models import ActivityRule, RequiredAction


def month_start(day):
    return day.replace(day=1)


def next_month(month):
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def parse_month(text):
    """'2026-03' -> date(2026, 3, 1); ValueError otherwise."""
    year, _sep, month = (text or "").strip().partition("-")
    if len(year) != 4 or not month or len(month) > 2:
        raise ValueError(f"not a month: {text!r}")
    return dt.date(int(year), int(month), 1)


def ancestor_paths(organisation):
    """Paths of the organisation and every organisation above it, nearest last."""
    steplen = organisation.steplen
    return [organisation.path[: steplen * i] for i in range(1, len(organisation.path) // steplen + 1)]


def nearest(path, by_path, steplen):
    """The value of the nearest path (on or above `path`) present in `by_path`, or None."""
    for depth in range(len(path) // steplen, 0, -1):
        found = by_path.get(path[: steplen * depth])
        if found is not None:
            return found
    return None


def rules_by_path():
    return {rule.organisation.path: rule for rule in ActivityRule.objects.select_related("organisation")}


def rule_for(organisation, rules=None):
    """The ActivityRule a branch follows, or None when no organisation above it set one."""
    rules = rules_by_path() if rules is None else rules
    return nearest(organisation.path, rules, organisation.steplen)


def required_actions_for(organisation):
    """The 规定动作 a branch's activity day carries: the list of the nearest organisation above it
    (or itself) that sets any."""
    rows = list(RequiredAction.objects.filter(
        organisation__path__in=ancestor_paths(organisation)
    ).select_related("organisation"))
    if not rows:
        return []
    nearest_path = max(row.organisation.path for row in rows)
    return [row for row in rows if row.organisation.path == nearest_path]


def activity_date(rule, month, working_days):
    """The day of `month` the rule gives."""
    last = calendar.monthrange(month.year, month.month)[1]
    day = month.replace(day=min(rule.day_of_month, last))
    if rule.non_working == ActivityRule.NonWorking.KEEP or working_days.is_working(day):
        return day
    month_end = month.replace(day=last)
    return (working_days.next_working(day, until=month_end)
            or working_days.previous_working(day, since=month) or day)


def event_times(rule, day):
    """(starts_at, ends_at), aware, in the site's time zone."""
    starts = timezone.make_aware(dt.datetime.combine(day, rule.start_time))
    return starts, starts + dt.timedelta(minutes=rule.duration_minutes)
