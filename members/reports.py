"""Learning reports as plain tables (headings + rows), shared by the admin pages, the exports and
`manage.py learning_report`. Each report is given the viewer's scope by members.scoping; it never
filters on its own beyond narrowing to an organisation the caller already checked."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from members import services
from members.models import Completion, ItemProgress, Member, Organisation, Reflection, StudyPlan
from members.plans import month_end


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


def _plans_applying(root, months):
    """Plans of the months set on `root`, anything above it, or anything below it."""
    steplen = root.steplen
    above = [root.path[: steplen * i] for i in range(1, root.depth)]
    from django.db.models import Q

    return (
        StudyPlan.objects.filter(month__in=months)
        .filter(Q(organisation__path__startswith=root.path) | Q(organisation__path__in=above))
        .select_related("organisation")
        .prefetch_related("items")
    )


def _expected_pairs(root, months, members_by_id):
    """{month: set((member_id, page_id))} of required items, deduplicated across plans."""
    plans = list(_plans_applying(root, months))
    explicit = defaultdict(set)
    through = StudyPlan.members.through.objects.filter(studyplan__in=[p.pk for p in plans])
    for plan_id, member_id in through.values_list("studyplan_id", "member_id"):
        explicit[plan_id].add(member_id)
    # Members by organisation path, so that a plan's audience is a prefix match.
    paths = {}
    for member_id, path in members_by_id.items():
        paths.setdefault(path, []).append(member_id)
    expected = {month: set() for month in months}
    for plan in plans:
        required = [item.page_id for item in plan.items.all() if item.required]
        if not required:
            continue
        if explicit.get(plan.pk):
            audience = [m for m in explicit[plan.pk] if m in members_by_id]
        else:
            prefix = plan.organisation.path
            audience = [m for path, ids in paths.items() if path.startswith(prefix) for m in ids]
        bucket = expected[plan.month]
        for member_id in audience:
            for page_id in required:
                bucket.add((member_id, page_id))
    return expected


def _completions(member_ids_q, page_ids, until):
    rows = Completion.objects.filter(
        member__in=member_ids_q, page_id__in=page_ids, completed_at__lte=until
    ).values_list("member_id", "page_id", "completed_at")
    return {(m, p): at for m, p, at in rows}


def month_rates(root, month, *, months=1):
    """Completion rate of required plan items per organisation in root's subtree, per month.

    Returns Table rows [name, members, expected, done, rate%] for the last month plus one rate
    column per earlier month; organisations are rolled up (a 党委 counts everything below it).
    """
    months_list = previous_months(month, months)
    members = Member.objects.filter(branch__path__startswith=root.path)
    member_rows = list(members.values_list("pk", "branch__path"))
    members_by_id = dict(member_rows)
    expected = _expected_pairs(root, months_list, members_by_id)
    all_pages = {p for pairs in expected.values() for _m, p in pairs}
    done_at = _completions(members, all_pages, month_end(months_list[-1])) if all_pages else {}

    orgs = list(
        Organisation.objects.filter(path__startswith=root.path).order_by("path").values_list(
            "path", "name", "depth", "pk"
        )
    )
    steplen = root.steplen
    counts = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # path -> month -> [expected, done]
    headcount = defaultdict(int)
    for _member_id, path in member_rows:
        for depth in range(root.depth, len(path) // steplen + 1):
            headcount[path[: steplen * depth]] += 1
    for month_value in months_list:
        limit = month_end(month_value)
        for member_id, page_id in expected[month_value]:
            path = members_by_id[member_id]
            at = done_at.get((member_id, page_id))
            is_done = at is not None and at <= limit
            for depth in range(root.depth, len(path) // steplen + 1):
                cell = counts[path[: steplen * depth]][month_value]
                cell[0] += 1
                cell[1] += is_done

    def rate(cell):
        return round(100.0 * cell[1] / cell[0], 1) if cell[0] else None

    headings = [_("党组织"), _("党员数"), _("应学人次"), _("已学人次"), _("完成率%")]
    headings += [f"{m:%Y-%m} %" for m in months_list[:-1]]
    rows, depths, ids = [], [], []
    for path, name, depth, pk in orgs:
        last = counts[path][months_list[-1]]
        row = [name, headcount[path], last[0], last[1], rate(last)]
        row += [rate(counts[path][m]) for m in months_list[:-1]]
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


def not_studied(root, month):
    """Members with required items of the month's plans still to do, with phone numbers."""
    members = Member.objects.filter(branch__path__startswith=root.path)
    member_info = {
        m.pk: m for m in members.select_related("branch").only(
            "pk", "name", "number", "phone", "is_migrant", "is_housebound", "branch__name",
            "branch__path",
        )
    }
    members_by_id = {pk: m.branch.path for pk, m in member_info.items()}
    expected = _expected_pairs(root, [month], members_by_id)[month]
    pages = {p for _m, p in expected}
    done = _completions(members, pages, month_end(month)) if pages else {}
    rules = services.item_rules(pages)
    missing = defaultdict(list)
    for member_id, page_id in sorted(expected):
        if (member_id, page_id) not in done:
            rule = rules.get(page_id)
            missing[member_id].append(rule.title if rule else str(page_id))
    headings = [_("党员编号"), _("姓名"), _("所在支部"), _("手机号"), _("情况"), _("未学项目")]
    rows = []
    for member_id in sorted(missing, key=lambda pk: (member_info[pk].branch.path, member_info[pk].number)):
        m = member_info[member_id]
        flags = "、".join(
            label for on, label in ((m.is_migrant, _("流动党员")), (m.is_housebound, _("年老体弱"))) if on
        )
        rows.append([m.number, m.name, m.branch.name, m.phone or "", flags, "；".join(missing[member_id])])
    return Table(
        title=_("%(org)s %(month)s 未学习名单") % {"org": root.name, "month": f"{month:%Y-%m}"},
        headings=headings,
        rows=rows,
        filename=f"not-studied-{root.pk}-{month:%Y-%m}",
    )


def _cell(completion, progress, rule):
    if completion is not None:
        return f"✓ {completion.completed_at.astimezone().date():%m-%d} {completion.get_how_display()}"
    if progress is not None and rule is not None:
        coverage = services.coverage_of(progress, rule)
        return f"{round(coverage * 100)}%" if coverage else ""
    return ""


def matrix(members_qs, page_ids, *, title, filename):
    """Member × item: completion (date, how) or the coverage so far."""
    members = list(members_qs.select_related("branch").order_by("branch__path", "number"))
    rules = services.item_rules(page_ids)
    page_ids = [p for p in page_ids if p in rules]
    completions = {
        (c.member_id, c.page_id): c
        for c in Completion.objects.filter(member__in=members_qs, page_id__in=page_ids)
    }
    progress = {
        (p.member_id, p.page_id): p
        for p in ItemProgress.objects.filter(member__in=members_qs, page_id__in=page_ids).only(
            "member_id", "page_id", "covered_seconds", "dwell_seconds", "reached_end"
        )
    }
    headings = [_("党员编号"), _("姓名"), _("所在支部")] + [rules[p].title for p in page_ids]
    headings.append(_("完成数"))
    rows = []
    for m in members:
        cells = [
            _cell(completions.get((m.pk, p)), progress.get((m.pk, p)), rules[p]) for p in page_ids
        ]
        done = sum(1 for p in page_ids if (m.pk, p) in completions)
        rows.append([m.number, m.name, m.branch.name, *cells, f"{done}/{len(page_ids)}"])
    return Table(title=title, headings=headings, rows=rows, filename=filename)


def plan_matrix(plan, visible_members_qs):
    from members.plans import plan_members

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
