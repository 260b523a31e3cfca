"""Quizzes' reports as members.reports.Table: one table for the pages, the XLSX/CSV exports
(members.export) and the commands. Figures from quizzes.services."""

from django.utils.translation import gettext as _

from members.models import Member, Organisation
from members.reports import Table
from quizzes import services
from quizzes.models import Attempt


def _cell(value):
    return "" if value is None else value


def league_table(contest, visible):
    """A contest's league table per branch (党支部) of its subtree that the viewer sees
    (`visible`: members.scoping.visible_organisations): members, participants, participation
    rate and average score, the best average first."""
    branches = visible.filter(path__startswith=contest.organisation.path, kind=Organisation.Kind.BRANCH)
    if not branches.exists():
        branches = visible.filter(pk=contest.organisation_id)
    rows = services.participation(list(branches), None, None, contest=contest)
    rows.sort(key=lambda r: (-(r["average"] or -1), -(r["rate"] or -1), r["path"]))
    table = Table(
        title=_("%(title)s 各支部排名") % {"title": contest.title},
        headings=[_("名次"), _("党组织"), _("党员数"), _("参赛人数"), _("参与率%"), _("平均得分%")],
        filename=f"contest-{contest.pk}-league",
    )
    for place, row in enumerate(rows, start=1):
        table.rows.append([place, row["name"], row["members"], row["takers"], _cell(row["rate"]),
                           _cell(row["average"])])
    table.extra = {"rows": rows}
    return table


def contest_results(contest, members):
    """Every member of the contest's subtree the viewer sees (`members`) and their result."""
    people = members.filter(branch__path__startswith=contest.organisation.path, status__in=Member.CURRENT)
    attempts = {a.member_id: a for a in Attempt.objects.filter(contest=contest, member__in=people)}
    table = Table(
        title=_("%(title)s 个人成绩") % {"title": contest.title},
        headings=[_("党员编号"), _("姓名"), _("所在支部"), _("得分"), _("题数"), _("得分率%"), _("交卷时间")],
        filename=f"contest-{contest.pk}-results",
    )
    for member_id, number, name, branch in people.order_by("branch__path", "number").values_list(
        "pk", "number", "name", "branch__name"
    ):
        attempt = attempts.get(member_id)
        if attempt is None:
            table.rows.append([number, name, branch, "", "", "", _("未参加")])
            continue
        when = attempt.submitted_at.astimezone().strftime("%Y-%m-%d %H:%M") if attempt.submitted_at else _("未交卷")
        table.rows.append([number, name, branch, attempt.score or 0, attempt.total,
                           _cell(attempt.percent) if attempt.submitted_at else 0, when])
    return table


def participation_report(root, visible, start, end):
    """Who took part in quizzes in [start, end), per organisation of root's subtree the viewer
    sees: members, participants, rate, attempts and the average score."""
    orgs = list(visible.filter(path__startswith=root.path).order_by("path")[:2000])
    rows = services.participation(orgs, start, end)
    table = Table(
        title=_("%(org)s 知识测试参与情况") % {"org": root.name},
        headings=[_("党组织"), _("党员数"), _("参与人数"), _("参与率%"), _("答卷数"), _("平均得分%")],
        filename=f"quizzes-{start:%Y-%m-%d}",
    )
    for row in rows:
        table.rows.append([row["name"], row["members"], row["takers"], _cell(row["rate"]),
                           row["attempts"], _cell(row["average"])])
    table.extra = {"rows": rows, "depth0": root.depth}
    return table


def member_history(member):
    """A member's submitted attempts, newest first (the member's history and the secretary's
    member card)."""
    table = Table(title=_("知识测试记录"),
                  headings=[_("日期"), _("类别"), _("名称"), _("得分"), _("题数")],
                  filename=f"quizzes-{member.number}")
    for attempt in Attempt.objects.filter(member=member, submitted_at__isnull=False).select_related(
        "contest", "lesson"
    ).order_by("-submitted_at")[:200]:
        name = attempt.contest.title if attempt.contest_id else (attempt.lesson.title if attempt.lesson_id else "")
        table.rows.append([attempt.submitted_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                           attempt.get_kind_display(), name, attempt.score or 0, attempt.total])
    return table
