"""Branch life's reports as members.reports.Table (headings + rows): the one table for the
pages, the CSV/XLSX exports (members.export) and the commands. The numbers come from
branch_life.figures; this module only lays them out."""

from django.utils.translation import gettext as _

from branch_life import figures
from branch_life.models import Event
from members.reports import Table


def _mark(cell):
    if cell is None:
        return ""
    label = str(figures.STATUS_LABELS[cell["status"]])
    if cell["status"] == "none":
        return label
    return f"{label} {cell['held']}/{cell['needed']}"


def month_report(root, month, *, today=None):
    """Every branch of root's subtree side by side for the month (a branch alone when root is
    one): the activity day, attendance, actions, absences over the limits and 三会一课."""
    rows = figures.month_figures(root, month, today=today)
    statuses = dict(Event.Status.choices)
    table = Table(
        title=_("%(month)s 组织生活情况：%(org)s") % {"month": f"{month:%Y-%m}", "org": root.name},
        headings=[
            _("党组织"), _("活动日期"), _("状态"), _("应到"), _("现场签到"), _("远程参加"),
            _("请假"), _("缺席"), _("参加率%"), _("规定动作"), _("自选动作"), _("缺席超限人数"),
            _("党员大会（本季度）"), _("支委会"), _("党小组会"), _("党课（本年每人4次）"),
        ],
        filename=f"branch-life-{month:%Y-%m}",
    )
    for row in rows:
        three = row["three_meetings"] or {}
        table.rows.append([
            row["name"],
            row["date"].isoformat() if row["date"] else "",
            str(statuses[row["status"]]) if row["status"] else _("未安排"),
            row["invited"], row["checked_in"], row["remote"], row["excused"], row["absent"],
            "" if row["rate"] is None else row["rate"],
            f"{row['required_done']}/{row['required_total']}",
            f"{row['own_done']}/{row['own_total']}",
            row["over_limits"],
            _mark(three.get("general")), _mark(three.get("committee")), _mark(three.get("group")),
            _mark(three.get("lecture")),
        ])
    table.extra = {"rows": rows, "depth0": root.depth}
    return table


def absences_report(organisation, members, *, until=None):
    """Members over the absence limits (the viewer's scope in `members`)."""
    rows = figures.over_limits(organisation, members, until=until)
    table = Table(
        title=_("缺席超过规定次数的党员：%(org)s") % {"org": organisation.name},
        headings=[_("党员编号"), _("姓名"), _("所在支部"), _("手机号"), _("连续缺席"),
                  _("今年缺席"), _("上限（连续/年度）")],
        filename="branch-life-absences",
    )
    for row in rows:
        table.rows.append([row["number"], row["name"], row["branch"], row["phone"] or "",
                           row["in_a_row"], row["this_year"], f"{row['limits'][0]}/{row['limits'][1]}"])
    table.extra = {"rows": rows}
    return table
