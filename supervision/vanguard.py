"""The vanguard index (先锋指数) of members for a year: points per unit from the rules the county
sets (supervision.models.MemberRule; the nearest organisation above the member's branch that
sets any gives the set), each rule's yearly cap applied.

What each rule counts in the calendar year:
  completion   learning items completed (members' Completion);
  hour         hours studied: media covered plus reading time of the member's learning progress,
               counted in the year of its latest heartbeat (members' ItemProgress), whole hours;
  attendance   held meetings attended in person or remotely (branch_life's Attendance);
  absence      held meetings missed without leave;
  reflection   reflections written on lessons (members' Reflection, by their last change);
  quiz         quiz questions answered right (quizzes, via supervision.quizfeed);
  deed         the points of the deeds the secretary recorded (Deed), times the rule's points;
  excellent / qualified / basic / unqualified
               the branch's conclusion of that year's democratic appraisal (AppraisalResult).
A fixed number of queries for any number of members, plus one per member for the quiz rule.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from branch_life import rules as bl_rules
from branch_life.models import Attendance, Event
from members.models import Completion, ItemProgress, Member, Organisation, Reflection
from supervision import quizfeed
from supervision.models import AppraisalResult, Deed, MemberRule, breakdown

K = MemberRule.Kind


def _year_bounds(year):
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    return start, timezone.make_aware(dt.datetime(year + 1, 1, 1))


def rules_by_path():
    """{organisation path: {kind: MemberRule}} of every organisation setting any rule."""
    out = defaultdict(dict)
    for rule in MemberRule.objects.select_related("organisation"):
        out[rule.organisation.path][rule.kind] = rule
    return out


def rules_for(path, by_path=None):
    """The rule set for a member of the branch at `path` (the nearest organisation that sets)."""
    by_path = rules_by_path() if by_path is None else by_path
    return bl_rules.nearest(path, by_path, Organisation.steplen) or {}


def _grouped(queryset, field="member_id", value=None):
    value = value or Count("pk")
    return dict(queryset.order_by().values(field).annotate(n=value).values_list(field, "n"))


def counts(members, year, *, with_quiz=True):
    """{member id: {kind: count}} of what each rule counts in the year (see the docstring)."""
    start, end = _year_bounds(year)
    ids = list(members.values_list("pk", flat=True))
    out = {pk: defaultdict(int) for pk in ids}
    if not ids:
        return out
    held = dict(status=Event.Status.HELD, starts_at__gte=start, starts_at__lt=end)
    sources = {
        K.COMPLETION: _grouped(Completion.objects.filter(
            member_id__in=ids, completed_at__gte=start, completed_at__lt=end)),
        K.ATTENDANCE: _grouped(Attendance.objects.filter(
            member_id__in=ids, status__in=Attendance.PRESENT,
            **{f"event__{k}": v for k, v in held.items()})),
        K.ABSENCE: _grouped(Attendance.objects.filter(
            member_id__in=ids, status=Attendance.Status.ABSENT,
            **{f"event__{k}": v for k, v in held.items()})),
        K.REFLECTION: _grouped(Reflection.objects.filter(
            member_id__in=ids, updated_at__gte=start, updated_at__lt=end)),
        K.DEED: _grouped(Deed.objects.filter(member_id__in=ids, date__year=year),
                         value=Sum("points")),
    }
    seconds = _grouped(ItemProgress.objects.annotate(
        at=Coalesce("last_heartbeat_at", "started_at")).filter(
        member_id__in=ids, at__gte=start, at__lt=end),
        value=Sum("covered_seconds") + Sum("dwell_seconds"))
    sources[K.HOUR] = {pk: int((s or 0) // 3600) for pk, s in seconds.items()}
    for kind, values in sources.items():
        for pk, n in values.items():
            out[pk][kind] = n or 0
    for pk, grade in AppraisalResult.objects.filter(
        member_id__in=ids, appraisal__year=year).values_list("member_id", "grade"):
        out[pk][grade] = 1
    if with_quiz:
        now = timezone.now()
        for pk in ids:
            if start < now:
                out[pk][K.QUIZ] = quizfeed.quiz_points(pk, start, min(end, now))
    return out


def index(members, year, *, with_quiz=True):
    """[{"member", "name", "number", "total", "parts": [{"kind", "label", "count", "points"}]}]
    for the members (a queryset the caller scoped), the highest total first."""
    by_path = rules_by_path()
    per_member = counts(members, year, with_quiz=with_quiz)
    rows = []
    for pk, name, number, path in members.values_list("pk", "name", "number", "branch__path"):
        parts, total = breakdown(K, rules_for(path, by_path), per_member[pk])
        rows.append({"member": pk, "name": name, "number": number, "total": total, "parts": parts})
    rows.sort(key=lambda r: (-r["total"], r["number"]))
    return rows


def member_index(member, year):
    rows = index(Member.objects.filter(pk=member.pk), year)
    return rows[0] if rows else None
