"""Monthly study plans and a member's own list of items (plain services)."""

import calendar
import datetime as dt

from django.db.models import Q, Sum
from django.utils import timezone
from wagtail.models import Page

from members import items, services
from members.models import Completion, ItemProgress, Member, StudyPlan, StudyPlanItem


def month_start(value=None):
    value = value or timezone.localdate()
    return value.replace(day=1)


def parse_month(text):
    """'2026-03' -> date(2026, 3, 1); ValueError otherwise."""
    year, month = text.strip().split("-")
    return dt.date(int(year), int(month), 1)


def month_end(month):
    """The first moment after the month (aware, local time)."""
    last = calendar.monthrange(month.year, month.month)[1]
    return timezone.make_aware(dt.datetime.combine(month.replace(day=last), dt.time.max))


def ancestor_paths(organisation):
    steplen = organisation.steplen
    return [organisation.path[: steplen * i] for i in range(1, organisation.depth + 1)]


def plans_for_member(member, month=None):
    """Plans of the member's branch or any organisation above it, for everyone or for them."""
    plans = StudyPlan.objects.filter(organisation__path__in=ancestor_paths(member.branch)).filter(
        Q(members=None) | Q(members=member)
    )
    if month is not None:
        plans = plans.filter(month=month)
    return plans.distinct().order_by("-month", "meeting_date", "pk")


def learning_items():
    """Live lessons: the pages a plan or a secretary's group record can name (contract C3)."""
    return items.item_pages()


def plan_members(plan):
    """The members a plan is for: the chosen ones, or everyone in the organisation's subtree."""
    chosen = plan.members.all()
    if chosen.exists():
        return chosen
    return Member.objects.filter(branch__path__startswith=plan.organisation.path)


def _item_rows(page_ids, states, required):
    rules = services.item_rules(page_ids)
    rows = []
    for pk in page_ids:
        rule = rules.get(pk)
        if rule is None:
            continue
        state = states.get(pk, {"state": "not_started", "coverage": 0.0})
        rows.append(
            {
                "id": pk,
                "title": rule.title,
                "kind": rule.kind,
                "duration": rule.duration,
                "state": state["state"],
                "coverage": state["coverage"],
                "url": _page_url(pk),
                "required": required.get(pk),
            }
        )
    return rows


def _page_url(pk):
    page = Page.objects.filter(pk=pk).only("url_path", "path", "depth").first()
    return (page.get_url() or "") if page is not None else ""


def member_items(member, *, months=12):
    """The member's items: those of their plans over the last months, then any they started."""
    since = month_start() - dt.timedelta(days=31 * (months - 1))
    plan_items = (
        StudyPlanItem.objects.filter(plan__in=plans_for_member(member).filter(month__gte=since))
        .order_by("-plan__month", "sort_order")
        .values_list("page_id", "required")
    )
    ordered, required = [], {}
    for page_id, is_required in plan_items:
        if page_id not in required:
            ordered.append(page_id)
        required[page_id] = required.get(page_id, False) or is_required
    started = ItemProgress.objects.filter(member=member).values_list("page_id", flat=True)
    done = Completion.objects.filter(member=member).values_list("page_id", flat=True)
    for page_id in list(started) + list(done):
        if page_id not in required and page_id not in ordered:
            ordered.append(page_id)
    states = services.item_states(member.user, ordered)
    return _item_rows(ordered, states, required)


def my_learning(member, month=None):
    """What /me/ shows: this month's plans with items done and left, and hours studied."""
    month = month or month_start()
    plans = list(plans_for_member(member, month).prefetch_related("items"))
    page_ids = [item.page_id for plan in plans for item in plan.items.all()]
    states = services.item_states(member.user, page_ids)
    rules = services.item_rules(page_ids)
    plan_rows = []
    for plan in plans:
        items = []
        for item in plan.items.all():
            rule = rules.get(item.page_id)
            if rule is None:
                continue
            items.append(
                {
                    "id": item.page_id,
                    "title": rule.title,
                    "kind": rule.kind,
                    "duration": rule.duration,
                    "required": item.required,
                    "url": _page_url(item.page_id),
                    **states[item.page_id],
                }
            )
        plan_rows.append(
            {
                "plan": plan,
                "items": items,
                "done": [i for i in items if i["state"] == "completed"],
                "left": [i for i in items if i["state"] != "completed"],
            }
        )
    totals = ItemProgress.objects.filter(member=member).aggregate(
        media=Sum("covered_seconds"), reading=Sum("dwell_seconds")
    )
    seconds = (totals["media"] or 0) + (totals["reading"] or 0)
    return {
        "month": month,
        "plans": plan_rows,
        # Minutes under an hour: "0.0 小时" after ten minutes of study tells a member nothing.
        "minutes": round(seconds / 60),
        "hours": round(seconds / 3600, 1),
        "completed_count": Completion.objects.filter(member=member).count(),
    }
