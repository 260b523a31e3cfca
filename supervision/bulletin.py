"""The monthly bulletin (月度通报) of a township or the county: the headline numbers, the branches
commended and those named for follow-up, the quarter's ranking so far, and the open
rectification items. One set of data (bulletin_data) for the PDF (WeasyPrint, the CJK fonts
embedded, as branch_life.handbook does) and the XLSX (a sheet per part), written by
`manage.py activity_bulletin` and downloaded from the month's page and the admin."""

import logging

# WeasyPrint logs every step at INFO (see branch_life.handbook); quieten it before the import.
for _name in ("weasyprint", "weasyprint.progress", "fontTools"):
    logging.getLogger(_name).setLevel(logging.WARNING)

import weasyprint  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from branch_life import rules  # noqa: E402
from members.export import write_workbook  # noqa: E402
from members.reports import Table  # noqa: E402
from supervision import glance, ranking  # noqa: E402
from supervision.models import Rectification  # noqa: E402

COMMENDED = 10  # at most this many branches commended
RANKING_ROWS = 60  # a longer ranking keeps its top and bottom halves of this many


def open_rectifications(root, *, today=None):
    """Open rectification items of root's subtree, the earliest deadline first, with "overdue"."""
    today = today or timezone.localdate()
    items = list(Rectification.objects.filter(
        organisation__path__startswith=root.path, status=Rectification.Status.OPEN,
    ).select_related("organisation").order_by("deadline", "pk"))
    for item in items:
        item.overdue = item.deadline < today
    return items


def bulletin_data(root, month, *, today=None):
    today = today or timezone.localdate()
    month = rules.month_start(month)
    rows, summary = glance.month_rows(root, month, today=today)
    for row in rows:
        row["reason_labels"] = "、".join(str(glance.REASONS[k]) for k in row["reasons"])
        row["state_label"] = str(glance.STATES[row["state"]])
    good = [r for r in rows if not r["reasons"] and r["held"]]
    good.sort(key=lambda r: (-(r["completion"] or 0), -(r["rate"] or 0), r["path"]))
    quarter = ranking.quarter_of(month)
    league, rule_set = ranking.league(root, quarter, today=today)
    cut = len(league) > RANKING_ROWS
    return {
        "root": root, "month": month, "today": today, "summary": summary,
        "commended": good[:COMMENDED],
        "follow_up": [r for r in rows if r["reasons"]],
        "quarter_label": ranking.quarter_label(quarter),
        "ranking": league[: RANKING_ROWS // 2] if cut else league,
        "ranking_tail": league[-RANKING_ROWS // 2:] if cut else [],
        "ranking_count": len(league), "rules": bool(rule_set),
        "rectifications": open_rectifications(root, today=today),
        "title": _("%(org)s %(year)s年%(month)s月组织生活通报") % {
            "org": root.name, "year": month.year, "month": month.month},
    }


def pdf(root, month, *, today=None):
    html = render_to_string("supervision/bulletin.html", bulletin_data(root, month, today=today))
    return weasyprint.HTML(string=html).write_pdf()


def write_xlsx(root, month, stream, *, today=None):
    """The bulletin as a workbook, a sheet per part, each with the bulletin's title above its
    headings as every other export has (members.export.write_workbook)."""
    data = bulletin_data(root, month, today=today)
    s = data["summary"]

    def part(name, headings, rows):
        return name, Table(title=f"{data['title']}：{name}", headings=headings, rows=rows)

    write_workbook([
        part(_("概况"), [_("项目"), _("数值")], [
            [_("党组织"), root.name], [_("月份"), f"{data['month']:%Y-%m}"],
            [_("党支部"), s["branches"]], [_("已召开主题党日"), s["held"]], [_("推迟召开"), s["late"]],
            [_("未召开"), s["missed"]], [_("参加率%"), s["attendance"]],
            [_("学习完成率%"), s["completion"]], [_("需关注支部"), s["attention"]],
            [_("党员数"), s["members"]], [_("不活跃党员"), s["quiet"]], [_("失联党员"), s["lost"]],
        ]),
        part(_("表扬"), [_("党组织"), _("参加率%"), _("学习完成率%")],
             [[r["name"], r["rate"], r["completion"]] for r in data["commended"]]),
        part(_("需跟进"), [_("党组织"), _("召开情况"), _("需关注")],
             [[r["name"], r["state_label"], r["reason_labels"]] for r in data["follow_up"]]),
        part(_("排位"), [_("名次"), _("党组织"), _("总分")],
             [[r["rank"], r["name"], float(r["total"])] for r in data["ranking"] + data["ranking_tail"]]),
        part(_("整改事项"), [_("党组织"), _("整改事项"), _("责任人"), _("整改期限"), _("逾期")],
             [[i.organisation.name, i.what, i.owner, i.deadline.isoformat(), _("是") if i.overdue else ""]
              for i in data["rectifications"]]),
    ], stream)
