"""Learning reports as plain tables (headings + rows), shared by the admin pages, the exports and
`manage.py learning_report`. Each report is given the viewer's scope by members.scoping; it never
filters on its own beyond narrowing to an organisation the caller already checked."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from members import services
from members.models import (
    Completion,
    ItemProgress,
    Member,
    Organisation,
    Reflection,
    StudyPlan,
    StudyPlanItem,
)
from members.plans import month_end, plan_members


@dataclass
class Table:
    title: str
    headings: list
    rows: list = field(default_factory=list)
    filename: str = "report"
    # Extra data for the HTML page (indentation, bars); exports use headings/rows only.
    extra: dict = field(default_factory=dict)


def previous_months(month, count):
    months = [month]
    while len(months) < count:
        first = months[-1]
        months.append((first - dt.timedelta(days=1)).replace(day=1))
    return list(reversed(months))


def _table(model):
    return model._meta.db_table


def _month_plans(root, month):
    """The month's plans that apply somewhere in root's subtree (on it, above it or below it):
    [(plan id, organisation path)], {plan id: required page ids}, {plan id: chosen member ids}."""
    above = [root.path[: root.steplen * i] for i in range(1, root.depth)]
    plans = list(
        StudyPlan.objects.filter(month=month)
        .filter(Q(organisation__path__startswith=root.path) | Q(organisation__path__in=above))
        .values_list("pk", "organisation__path")
    )
    ids = [pk for pk, _path in plans]
    required = defaultdict(set)
    items = StudyPlanItem.objects.filter(plan_id__in=ids, required=True)
    for plan_id, page_id in items.values_list("plan_id", "page_id"):
        required[plan_id].add(page_id)
    chosen = defaultdict(set)
    through = StudyPlan.members.through.objects.filter(studyplan_id__in=ids)
    for plan_id, member_id in through.values_list("studyplan_id", "member_id"):
        chosen[plan_id].add(member_id)
    return plans, required, chosen


def _expected(root, month, branches):
    """What the month's plans require, per branch and per member.

    Plans for everyone: the branch's members × the union of required items of the plans on the
    branch or above it. Plans for chosen members add, per member, the items the branch set lacks.
    Returns ({branch_id: expected pairs}, {branch_id: pages}, {member_id: extra pages},
    {member_id: branch_id} for those members).
    """
    plans, required, chosen = _month_plans(root, month)
    # A branch takes the pages of each of its ancestor paths (a handful), not a scan of every plan.
    open_pages = defaultdict(set)
    for plan_id, path in plans:
        if not chosen.get(plan_id):
            open_pages[path] |= required[plan_id]
    steplen = root.steplen
    branch_pages = {}
    for branch_id, (path, _headcount) in branches.items():
        pages = set()
        for depth in range(1, len(path) // steplen + 1):
            pages |= open_pages.get(path[: steplen * depth], set())
        branch_pages[branch_id] = pages
    explicit_ids = set().union(*chosen.values()) if chosen else set()
    member_branch = dict(
        Member.objects.filter(pk__in=explicit_ids, branch__path__startswith=root.path,
                              status__in=Member.CURRENT).values_list(
            "pk", "branch_id"
        )
    )
    extra = defaultdict(set)
    for plan_id, _path in plans:
        for member_id in chosen.get(plan_id, ()):
            if member_id in member_branch:
                extra[member_id] |= required[plan_id] - branch_pages[member_branch[member_id]]
    expected = {
        branch_id: headcount * len(branch_pages[branch_id])
        for branch_id, (_path, headcount) in branches.items()
    }
    for member_id, pages in extra.items():
        expected[member_branch[member_id]] += len(pages)
    return expected, branch_pages, extra, member_branch


def _done_rows(select, group_by, branch_pages, until):
    """Completions matching the (branch, page) pairs the plans require, up to `until`.

    Raw SQL joining a VALUES list of the pairs: one pass over the completions, the reason the
    county report stays near a second. Runs on SQLite and PostgreSQL (column1/column2 names).
    """
    pairs = [(b, p) for b, pages in branch_pages.items() for p in pages]
    if not pairs:
        return []
    values = ", ".join(["(%s, %s)"] * len(pairs))
    member, completion = _table(Member), _table(Completion)
    sql = f"""
        SELECT {select}
        FROM {completion} c
        JOIN {member} m ON m.id = c.member_id
        JOIN (VALUES {values}) AS bp ON bp.column1 = m.branch_id AND bp.column2 = c.page_id
        WHERE c.completed_at <= %s AND m.status IN ({", ".join(["%s"] * len(Member.CURRENT))})
        {group_by}
    """
    # Members who left (transferred out, deceased, suspended) no longer count, done or not.
    params = [v for pair in pairs for v in pair] + [until, *Member.CURRENT]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _extra_done(extra, until):
    """(member_id, page_id) completions among the chosen members' extra items."""
    if not extra:
        return set()
    rows = Completion.objects.filter(member_id__in=list(extra), completed_at__lte=until)
    return {(m, p) for m, p in rows.values_list("member_id", "page_id") if p in extra[m]}


def _done_by_branch(month, branch_pages, extra, member_branch):
    until = month_end(month)
    done = defaultdict(int)
    for branch_id, count in _done_rows("m.branch_id, COUNT(*)", "GROUP BY m.branch_id", branch_pages, until):
        done[branch_id] += count
    for member_id, _page in _extra_done(extra, until):
        done[member_branch[member_id]] += 1
    return done


def month_rates(root, month, *, months=1):
    """Completion rate of required plan items per organisation in root's subtree, per month.

    Returns Table rows [name, members, expected, done, rate%] for the last month plus one rate
    column per earlier month; organisations are rolled up (a 党委 counts everything below it).
    """
    months_list = previous_months(month, months)
    orgs = list(
        Organisation.objects.filter(path__startswith=root.path)
        .annotate(headcount=Count("members", filter=Q(members__status__in=Member.CURRENT)))
        .order_by("path")
        .values_list("pk", "path", "name", "depth", "headcount")
    )
    branches = {pk: (path, headcount) for pk, path, _n, _d, headcount in orgs}
    path_of = {pk: path for pk, path, *_rest in orgs}
    steplen = root.steplen

    def roll_up(per_branch):
        totals = defaultdict(int)
        for branch_id, value in per_branch.items():
            path = path_of[branch_id]
            for depth in range(root.depth, len(path) // steplen + 1):
                totals[path[: steplen * depth]] += value
        return totals

    heads = roll_up({pk: headcount for pk, (_p, headcount) in branches.items()})
    per_month = {}
    for month_value in months_list:
        expected, pages, extra, member_branch = _expected(root, month_value, branches)
        done = _done_by_branch(month_value, pages, extra, member_branch)
        per_month[month_value] = (roll_up(expected), roll_up(done))

    def rate(month_value, path):
        expected, done = per_month[month_value]
        return round(100.0 * done[path] / expected[path], 1) if expected[path] else None

    headings = [_("党组织"), _("党员数"), _("应学人次"), _("已学人次"), _("完成率%")]
    headings += [f"{m:%Y-%m} %" for m in months_list[:-1]]
    last = months_list[-1]
    rows, depths, ids = [], [], []
    for pk, path, name, depth, _headcount in orgs:
        expected, done = per_month[last]
        row = [name, heads[path], expected[path], done[path], rate(last, path)]
        row += [rate(m, path) for m in months_list[:-1]]
        rows.append(row)
        depths.append(depth - root.depth)
        ids.append(pk)
    return Table(
        title=_("%(org)s %(month)s 学习完成率") % {"org": root.name, "month": f"{month:%Y-%m}"},
        headings=headings,
        rows=rows,
        filename=f"completion-{root.pk}-{month:%Y-%m}",
        extra={"depths": depths, "ids": ids, "months": months_list},
    )


def _required(root, month):
    """What the month's plans require of each member of root's subtree: ({branch id: pages},
    {member id: extra pages}, the month's end) — not_studied and its count read the same."""
    branches = {
        pk: (path, 0)
        for pk, path in Organisation.objects.filter(path__startswith=root.path).values_list("pk", "path")
    }
    _counts, branch_pages, extra, _member_branch = _expected(root, month, branches)
    return branch_pages, extra, month_end(month)


def not_studied(root, month):
    """Members with required items of the month's plans still to do, with phone numbers."""
    members = (
        Member.objects.filter(branch__path__startswith=root.path)
        .order_by("branch__path", "number")
        .filter(status__in=Member.CURRENT)
        .values_list("pk", "number", "name", "branch_id", "branch__name", "phone", "status",
                     "is_housebound")
    )
    branch_pages, extra, until = _required(root, month)
    done = set(_done_rows("c.member_id, c.page_id", "", branch_pages, until))
    done |= _extra_done(extra, until)
    rules = services.item_rules(set().union(*branch_pages.values(), *extra.values()))

    def title(page_id):
        rule = rules.get(page_id)
        return rule.title if rule else str(page_id)

    statuses, housebound = dict(Member.Status.choices), _("年老体弱")

    def rows():
        for pk, number, name, branch_id, branch_name, phone, status, is_housebound in (
            members.iterator(chunk_size=5000)
        ):
            pages = branch_pages.get(branch_id, ())
            if pk in extra:
                pages = pages | extra[pk]
            missing = [p for p in pages if (pk, p) not in done]
            if not missing:
                continue
            flags = "、".join(
                str(label) for on, label in (
                    (status != Member.Status.NORMAL, statuses[status]), (is_housebound, housebound)
                ) if on
            )
            yield [number, name, branch_name, phone or "", flags,
                   "；".join(title(p) for p in sorted(missing))]

    headings = [_("党员编号"), _("姓名"), _("所在支部"), _("手机号"), _("情况"), _("未学项目")]
    return Table(
        title=_("%(org)s %(month)s 未学习名单") % {"org": root.name, "month": f"{month:%Y-%m}"},
        headings=headings,
        rows=rows(),
        filename=f"not-studied-{root.pk}-{month:%Y-%m}",
    )


def not_studied_count(root, month):
    """How many members not_studied lists, without its rows: the overview's headline number.
    Each member's completions of what their branch's plans require are counted in the database
    (one pass, as month_rates), so only (member, branch) pairs come to Python — not the names,
    phones and lesson titles of every row."""
    branch_pages, extra, until = _required(root, month)
    done = defaultdict(int, _done_rows("c.member_id, COUNT(*)", "GROUP BY c.member_id", branch_pages, until))
    for member_id, _page in _extra_done(extra, until):
        done[member_id] += 1
    members = Member.objects.filter(branch__path__startswith=root.path, status__in=Member.CURRENT)
    return sum(
        1 for pk, branch_id in members.values_list("pk", "branch_id").iterator(chunk_size=5000)
        if done[pk] < len(branch_pages.get(branch_id, ())) + len(extra.get(pk, ()))
    )


def _cell(completion, progress, rule):
    if completion is not None:
        return f"✓ {completion.completed_at.astimezone().date():%m-%d} {completion.get_how_display()}"
    if progress is not None and rule is not None:
        coverage = services.coverage_of(progress, rule)
        return f"{round(coverage * 100)}%" if coverage else ""
    return ""


MATRIX_CHUNK = 2000


def _matrix_rows(members_qs, page_ids, rules):
    """Rows in chunks of members: only the ordered ids are held (8 bytes a member), so an
    export of any size keeps one chunk of rows in memory."""
    ids = list(members_qs.order_by("branch__path", "number").values_list("pk", flat=True))
    for start in range(0, len(ids), MATRIX_CHUNK):
        chunk_ids = ids[start : start + MATRIX_CHUNK]
        details = {
            row[0]: row
            for row in Member.objects.filter(pk__in=chunk_ids).values_list(
                "pk", "number", "name", "branch__name"
            )
        }
        completions = {
            (c.member_id, c.page_id): c
            for c in Completion.objects.filter(member_id__in=chunk_ids, page_id__in=page_ids).only(
                "member_id", "page_id", "completed_at", "how"
            )
        }
        progress = {
            (p.member_id, p.page_id): p
            for p in ItemProgress.objects.filter(member_id__in=chunk_ids, page_id__in=page_ids).only(
                "member_id", "page_id", "covered_seconds", "dwell_seconds", "reached_end"
            )
        }
        for pk in chunk_ids:
            _pk, number, name, branch_name = details[pk]
            cells = [
                _cell(completions.get((pk, p)), progress.get((pk, p)), rules[p]) for p in page_ids
            ]
            done = sum(1 for p in page_ids if (pk, p) in completions)
            yield [number, name, branch_name, *cells, f"{done}/{len(page_ids)}"]


def matrix(members_qs, page_ids, *, title, filename):
    """Member × item: completion (date, how) or the coverage so far. Rows are produced lazily."""
    rules = services.item_rules(page_ids)
    page_ids = [p for p in page_ids if p in rules]
    headings = [_("党员编号"), _("姓名"), _("所在支部")] + [rules[p].title for p in page_ids]
    headings.append(_("完成数"))
    return Table(
        title=title,
        headings=headings,
        rows=_matrix_rows(members_qs, page_ids, rules),
        filename=filename,
    )


def plan_matrix(plan, visible_members_qs):
    audience = visible_members_qs.filter(pk__in=plan_members(plan).values("pk"))
    page_ids = [item.page_id for item in plan.items.all()]
    return matrix(
        audience, page_ids, title=str(plan), filename=f"plan-{plan.pk}-{plan.month:%Y-%m}"
    )


def member_history(member):
    completions = {c.page_id: c for c in Completion.objects.filter(member=member).select_related("set_by")}
    progress = {p.page_id: p for p in ItemProgress.objects.filter(member=member)}
    reflections = dict(Reflection.objects.filter(member=member).values_list("page_id", "text"))
    page_ids = list(dict.fromkeys([*completions, *progress]))
    rules = services.item_rules(page_ids)
    headings = [_("学习内容"), _("进度"), _("完成时间"), _("方式"), _("登记人"), _("地点"), _("备注"), _("心得")]
    rows = []
    for page_id in page_ids:
        rule = rules.get(page_id)
        c, p = completions.get(page_id), progress.get(page_id)
        coverage = services.coverage_of(p, rule) if (p is not None and rule is not None) else None
        rows.append(
            [
                rule.title if rule else str(page_id),
                f"{round(coverage * 100)}%" if coverage is not None else "",
                c.completed_at.astimezone().strftime("%Y-%m-%d %H:%M") if c else "",
                c.get_how_display() if c else "",
                (c.set_by.get_full_name() or c.set_by.username) if c and c.set_by else "",
                c.place if c else "",
                c.note if c else "",
                reflections.get(page_id, ""),
            ]
        )
    rows.sort(key=lambda r: r[2] or "9999", reverse=False)
    return Table(
        title=_("%(name)s 的学习记录") % {"name": str(member)},
        headings=headings,
        rows=rows,
        filename=f"member-{member.number}",
    )
