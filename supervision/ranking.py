"""The quarterly branch ranking (季度工作排位) within a township or the county: each branch's
points from the rules the county (or the township) sets (supervision.models.BranchRule), with the
breakdown per rule, and the league table.

What each rule counts, in the quarter's months that have begun:
  day_on_time / day_late / day_missed   per month: the activity day held on the date first set,
                                        held after it, or not held (glance's states);
  attendance                            per month: attendance at the held day ≥ threshold %;
  actions                               per month: every required action of the day done;
  completion                            per month: the month's required study ≥ threshold %;
  quiz                                  once: the share of members who took a quiz in the
                                        quarter ≥ threshold % (quizzes, via supervision.quizfeed);
  finding                               per rectification item raised by an inspection in the
                                        quarter;
  overdue                               per rectification item whose deadline fell in the quarter
                                        (and has passed) and that was not closed by it;
  quiet                                 per member quiet at the quarter's end (no activity in the
                                        three months before it) and not active since.
A fixed number of queries whatever the number of branches.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from branch_life import figures, rules
from members.reports import Table
from supervision import glance, quizfeed
from supervision.models import BranchRule, Rectification, breakdown

K = BranchRule.Kind
MONTHLY = (K.DAY_ON_TIME, K.DAY_LATE, K.DAY_MISSED, K.ATTENDANCE, K.ACTIONS, K.COMPLETION)


def quarter_of(day):
    """The quarter's first day for any day in it."""
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def quarter_label(first):
    return _("%(year)s年第%(q)s季度") % {"year": first.year, "q": (first.month - 1) // 3 + 1}


def previous_quarters(first, count):
    out = [first]
    while len(out) < count:
        out.append(quarter_of(out[-1] - dt.timedelta(days=1)))
    return list(reversed(out))


def rules_for(root):
    """{kind: BranchRule} of the nearest organisation at or above root that sets any."""
    found = defaultdict(dict)
    paths = rules.ancestor_paths(root)
    for rule in BranchRule.objects.filter(organisation__path__in=paths).select_related("organisation"):
        found[rule.organisation.path][rule.kind] = rule
    for path in reversed(paths):
        if found.get(path):
            return found[path]
    return {}


def _aware(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def counts(root, quarter, *, today=None):
    """({branch id: {kind: count}}, [(id, name, path)]): what each rule counts in the quarter for
    every branch of root's subtree (see the module's docstring)."""
    today = today or timezone.localdate()
    all_months = glance.quarter_months(quarter)
    months = [m for m in all_months if m <= today]
    end = glance.month_end(all_months[-1])
    branch_rows = glance.branches(root, quarter)
    ids = [pk for pk, _n, _p in branch_rows]
    out = {pk: defaultdict(int) for pk in ids}
    if not months:
        return out, branch_rows
    # Only what the rules in force count is computed (a county without a quiz rule does not
    # ask the quizzes app, one without a quiet rule does not read every member's activity).
    rule_set = rules_for(root)
    thresholds = {kind: rule.threshold if rule.threshold is not None else 100
                  for kind, rule in rule_set.items()}
    days = figures.activity_days(ids, months) if set(rule_set) & set(MONTHLY) - {K.COMPLETION} else {}
    completion = (glance.completion_by_org(root, months[-1], months=len(months))
                  if K.COMPLETION in rule_set else {})
    for pk in ids:
        cell = out[pk]
        rates = completion.get(pk) or [None] * len(months)
        for i, month in enumerate(months):
            day = days.get((pk, month))
            state = glance.state_of(day, month, today)
            if state == "held":
                cell[K.DAY_ON_TIME] += 1
            elif state == "late":
                cell[K.DAY_LATE] += 1
            elif state == "missed":
                cell[K.DAY_MISSED] += 1
            if day and day["held"]:
                if day["rate"] is not None and day["rate"] >= thresholds.get(K.ATTENDANCE, 100):
                    cell[K.ATTENDANCE] += 1
                if day["required_total"] and day["required_done"] == day["required_total"]:
                    cell[K.ACTIONS] += 1
            if rates[i] is not None and rates[i] >= thresholds.get(K.COMPLETION, 100):
                cell[K.COMPLETION] += 1
    start_at, end_at = _aware(quarter), _aware(end + dt.timedelta(days=1))
    quiz = (quizfeed.quiz_participation(ids, start_at, min(end_at, timezone.now()))
            if K.QUIZ in rule_set else {})
    for pk, rate in quiz.items():
        if pk in out and rate is not None and rate >= thresholds.get(K.QUIZ, 100):
            out[pk][K.QUIZ] = 1
    items = Rectification.objects.filter(organisation_id__in=ids).order_by()
    for pk, n in items.filter(inspection__date__gte=quarter, inspection__date__lte=end).values(
        "organisation_id").annotate(n=Count("pk")).values_list("organisation_id", "n"):
        out[pk][K.FINDING] = n
    overdue = items.filter(deadline__gte=quarter, deadline__lte=end, deadline__lt=today).filter(
        Q(status=Rectification.Status.OPEN) | Q(closed_at__date__gt=F("deadline")))
    for pk, n in overdue.values("organisation_id").annotate(n=Count("pk")).values_list(
        "organisation_id", "n"):
        out[pk][K.OVERDUE] = n
    if K.QUIET in rule_set:
        people = glance.people_by_branch(root, branch_rows, today=min(end, today))
        for pk in ids:
            out[pk][K.QUIET] = people[pk]["quiet"] if pk in people else 0
    return out, branch_rows


def league(root, quarter, *, today=None):
    """The league table: [{"organisation", "name", "total", "rank", "parts": [{"kind", "label",
    "count", "points"}]}], the most points first (equal points, equal rank), and the rules."""
    quarter = quarter_of(quarter)
    rule_set = rules_for(root)
    per_branch, branch_rows = counts(root, quarter, today=today)
    rows = []
    for pk, name, _path in branch_rows:
        parts, total = breakdown(K, rule_set, per_branch[pk])
        rows.append({"organisation": pk, "name": name, "total": total, "parts": parts})
    rows.sort(key=lambda r: -r["total"])
    rank, previous = 0, None
    for i, row in enumerate(rows, start=1):
        if row["total"] != previous:
            rank, previous = i, row["total"]
        row["rank"] = rank
    return rows, rule_set


def league_table(root, quarter, *, today=None):
    """The league as a members.reports.Table: rank, branch, total, then one column per rule."""
    quarter = quarter_of(quarter)
    rows, rule_set = league(root, quarter, today=today)
    kinds = [k for k, _l in K.choices if k in rule_set]
    labels = dict(K.choices)
    table = Table(
        title=_("%(quarter)s 支部工作排位：%(org)s") % {"quarter": quarter_label(quarter),
                                                  "org": root.name},
        headings=[_("名次"), _("党组织"), _("总分")] + [
            f"{labels[k]}（{rule_set[k].points:+}）" for k in kinds],
        filename=f"ranking-{root.pk}-{quarter:%Y-%m}",
    )
    for row in rows:
        by_kind = {p["kind"]: p for p in row["parts"]}
        table.rows.append([row["rank"], row["name"], float(row["total"])] + [
            f"{by_kind[k]['count']} → {by_kind[k]['points']:+}" for k in kinds])
    table.extra = {"rows": rows, "rules": rule_set, "quarter": quarter}
    return table


def history(root, branch_id, quarter, *, count=4, today=None):
    """The branch's total and rank within root over the last `count` quarters."""
    out = []
    for first in previous_quarters(quarter_of(quarter), count):
        rows, _rules = league(root, first, today=today)
        row = next((r for r in rows if r["organisation"] == branch_id), None)
        if row is not None:
            out.append({"quarter": first, "label": quarter_label(first), "total": row["total"],
                        "rank": row["rank"], "of": len(rows), "parts": row["parts"]})
    return out
