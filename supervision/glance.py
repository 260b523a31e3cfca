"""The month at a glance: every 党支部 of a township or the county in one table for a month — the
activity day (held when, late, not), attendance, required actions, minutes and photos, study
completion, quiet and lost-contact members — with the reasons a branch needs attention.

The numbers come from branch_life.figures.activity_days, members.reports.month_rates and
members.activity.quiet_ids; this module only puts them side by side. A fixed number of
queries whatever the number of branches. The caller has checked `root` against members.scoping.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branch_life import figures, rules
from members import activity
from members.models import Member, Organisation
from members.reports import Table, month_rates, previous_months

# Below these a branch is marked for attention.
ATTENDANCE_MIN = 80  # % of the invited present at the activity day
COMPLETION_MIN = 80  # % of the month's required study done
QUIET_MONTHS = 3  # no activity for this many months: a quiet member (members.activity)

REASONS = {
    "missed": gettext_lazy("未召开主题党日"),
    "late": gettext_lazy("推迟召开"),
    "attendance": gettext_lazy("参加率偏低"),
    "actions": gettext_lazy("规定动作未做全"),
    "minutes": gettext_lazy("缺会议记录"),
    "photos": gettext_lazy("缺活动照片"),
    "completion": gettext_lazy("学习完成率偏低"),
    "quiet": gettext_lazy("有长期不活跃党员"),
}
STATES = {
    "held": gettext_lazy("已召开"),
    "late": gettext_lazy("推迟召开"),
    "planned": gettext_lazy("待召开"),
    "missed": gettext_lazy("未召开"),
    "none": gettext_lazy("未安排"),
}


def branches(root, month):
    """[(id, name, path)] of the 党支部 in root's subtree (root itself when it is one) open in
    the month, in the tree's order."""
    return list(Organisation.objects.filter(
        path__startswith=root.path, kind=Organisation.Kind.BRANCH,
    ).filter(Q(closed_on=None) | Q(closed_on__gte=month)).order_by("path").values_list(
        "pk", "name", "path"))


def owner_of(by_path):
    """A function from an organisation's path to the branch (in by_path) at or above it."""
    steplen = Organisation.steplen

    def owner(path):
        return rules.nearest(path, by_path, steplen)

    return owner


def people_by_branch(root, branch_rows, *, today=None, members=None):
    """{branch id: {"headcount", "quiet", "lost"}}: current members, those quiet for
    QUIET_MONTHS (no study, attendance or quiz since) and those lost contact (失联), as of
    today (the register's present state)."""
    today = today or timezone.localdate()
    people = (members if members is not None else Member.objects.all()).filter(
        branch__path__startswith=root.path, status__in=Member.CURRENT)
    owner = owner_of({path: pk for pk, _name, path in branch_rows})
    since = activity.months_before(today, QUIET_MONTHS)
    quiet = activity.quiet_ids(people, since)
    out = defaultdict(lambda: {"headcount": 0, "quiet": 0, "lost": 0})
    for pk, path, status in people.values_list("pk", "branch__path", "status"):
        branch = owner(path)
        if branch is None:
            continue
        cell = out[branch]
        cell["headcount"] += 1
        if pk in quiet:
            cell["quiet"] += 1
        if status == Member.Status.LOST:
            cell["lost"] += 1
    return out


def completion_by_org(root, month, months=1):
    """{organisation id: [rate % or None per month]} (members.reports.month_rates, rolled up)."""
    table = month_rates(root, month, months=months)
    out = {}
    for pk, row in zip(table.extra["ids"], table.rows, strict=True):
        # Columns: name, members, expected, done, rate (the month), then the earlier months.
        out[pk] = [*row[5:], row[4]]
    return out


def state_of(day, month, today):
    if day is None:
        return "missed" if rules.next_month(month) <= today else "none"
    if day["held"]:
        return "late" if day["late"] else "held"
    if day["date"] < today:
        return "missed"
    return "planned"


def reasons_for(row):
    """The keys of REASONS a branch's month row gives (the attention mark)."""
    out = []
    if row["state"] == "missed":
        out.append("missed")
    if row["state"] == "late":
        out.append("late")
    if row["held"]:
        if row["rate"] is not None and row["rate"] < ATTENDANCE_MIN:
            out.append("attendance")
        if row["required_done"] < row["required_total"]:
            out.append("actions")
        if not row["minutes"]:
            out.append("minutes")
        if not row["photos"]:
            out.append("photos")
    if row["completion"] is not None and row["completion"] < COMPLETION_MIN:
        out.append("completion")
    if row["quiet"]:
        out.append("quiet")
    return out


def month_rows(root, month, *, today=None, members=None):
    """[{"organisation", "name", "path", "event", "date", "state", "held", "late", "rate",
    "invited", "present", "required_done", "required_total", "minutes", "photos",
    "completion", "headcount", "quiet", "lost", "reasons"}] of every branch, and the summary."""
    today = today or timezone.localdate()
    month = rules.month_start(month)
    rows_in = branches(root, month)
    days = figures.activity_days([pk for pk, _n, _p in rows_in], [month])
    completion = completion_by_org(root, month)
    people = people_by_branch(root, rows_in, today=today, members=members)
    rows = []
    for pk, name, path in rows_in:
        day = days.get((pk, month))
        crowd = people[pk]
        row = {
            "organisation": pk, "name": name, "path": path, "depth": len(path) // Organisation.steplen,
            "event": day["event"] if day else None, "date": day["date"] if day else None,
            "planned": day["planned"] if day else None,
            "state": state_of(day, month, today), "held": bool(day and day["held"]),
            "late": bool(day and day["late"]), "rate": day["rate"] if day else None,
            "invited": day["invited"] if day else 0, "present": day["present"] if day else 0,
            "required_done": day["required_done"] if day else 0,
            "required_total": day["required_total"] if day else 0,
            "minutes": bool(day and day["minutes"]), "photos": day["photos"] if day else 0,
            "completion": (completion.get(pk) or [None])[-1],
            "headcount": crowd["headcount"], "quiet": crowd["quiet"], "lost": crowd["lost"],
        }
        row["reasons"] = reasons_for(row)
        rows.append(row)
    return rows, summary(rows, (completion.get(root.pk) or [None])[-1])


def summary(rows, completion):
    """The headline numbers of the month's rows."""
    held = [r for r in rows if r["held"]]
    invited = sum(r["invited"] for r in held)
    present = sum(r["present"] for r in held)
    return {
        "branches": len(rows), "held": len(held),
        "on_time": sum(1 for r in held if not r["late"]),
        "late": sum(1 for r in rows if r["late"]),
        "missed": sum(1 for r in rows if r["state"] == "missed"),
        "attendance": round(100 * present / invited) if invited else None,
        "completion": completion,
        "attention": sum(1 for r in rows if r["reasons"]),
        "members": sum(r["headcount"] for r in rows),
        "quiet": sum(r["quiet"] for r in rows), "lost": sum(r["lost"] for r in rows),
    }


def _cell(value, suffix=""):
    return "" if value is None else f"{value}{suffix}"


def month_table(root, month, *, today=None, members=None):
    """The month at a glance as a members.reports.Table (the page, the XLSX and the bulletin)."""
    month = rules.month_start(month)
    rows, totals = month_rows(root, month, today=today, members=members)
    table = Table(
        title=_("%(month)s 支部工作一览：%(org)s") % {"month": f"{month:%Y-%m}", "org": root.name},
        headings=[_("党组织"), _("党员数"), _("活动日期"), _("召开情况"), _("参加率%"),
                  _("规定动作"), _("会议记录"), _("活动照片"), _("学习完成率%"),
                  _("不活跃党员"), _("失联党员"), _("需关注")],
        filename=f"supervision-{root.pk}-{month:%Y-%m}",
    )
    yes, no = _("有"), _("无")
    for row in rows:
        table.rows.append([
            row["name"], row["headcount"],
            row["date"].isoformat() if row["date"] else "",
            str(STATES[row["state"]]), _cell(row["rate"]),
            f"{row['required_done']}/{row['required_total']}" if row["event"] else "",
            (yes if row["minutes"] else no) if row["event"] else "",
            row["photos"] if row["event"] else "",
            _cell(row["completion"]), row["quiet"], row["lost"],
            "、".join(str(REASONS[key]) for key in row["reasons"]),
        ])
    table.extra = {"rows": rows, "summary": totals, "month": month}
    return table


def history(root, month, *, months=12):
    """The last `months` months up to `month` for root (a branch, a township, the county):
    [{"month", "completion", "attendance"}] — the share of the required study done and of the
    invited present at held activity days (%, None where nothing was due or held)."""
    month = rules.month_start(month)
    months_list = previous_months(month, months)
    branch_ids = [pk for pk, _n, _p in branches(root, months_list[0])]
    days = figures.activity_days(branch_ids, months_list)
    invited, present = defaultdict(int), defaultdict(int)
    for (_org, m), day in days.items():
        if day["held"]:
            invited[m] += day["invited"]
            present[m] += day["present"]
    completion = completion_by_org(root, month, months=months).get(root.pk) or [None] * months
    return [{"month": m, "completion": completion[i],
             "attendance": round(100 * present[m] / invited[m]) if invited[m] else None}
            for i, m in enumerate(months_list)]


def quarter_months(day):
    first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return [first, rules.next_month(first), rules.next_month(rules.next_month(first))]


def month_end(month):
    return rules.next_month(month) - dt.timedelta(days=1)
