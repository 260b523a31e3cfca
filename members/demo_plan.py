"""Demo study plan for this month, built from the demo lessons: lectures.demo calls it with its
lessons (members knows learning items only as pages)."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from members.models import Completion, Member, Organisation, StudyPlan, StudyPlanItem
from members.plans import month_start
from members.services import record_completions


def load_demo_plan(lessons, *, stdout):
    """This month's plan for the demo branch: the first four of `lessons` (live pages)."""
    if not getattr(settings, "DIANKE_DEMO", False):
        raise ImproperlyConfigured("members demo data needs settings.DIANKE_DEMO")
    branch = Organisation.objects.filter(name="河西村第一党支部").first()
    lessons = list(lessons)[:4]
    if branch is None or not lessons:
        stdout.write("  no demo branch or lessons: no demo plan\n")
        return
    month = month_start()
    plan, created = StudyPlan.objects.get_or_create(
        organisation=branch,
        month=month,
        title="学习党章 主题党日",
        defaults={"meeting_date": timezone.localdate().replace(day=15), "place": "村委会议室"},
    )
    if created:
        for order, lesson in enumerate(lessons):
            StudyPlanItem.objects.create(plan=plan, page=lesson, required=order < 3, sort_order=order)
    stdout.write(f"  study plan {plan} with {plan.items.count()} items\n")
    _activity(lessons)


def _activity(lessons):
    """Some learning on record, so that the quiet list has dates: one member studied in a group
    this week, another last did five months ago (quiet for 3 months), the rest never."""
    admin = get_user_model().objects.filter(username="admin").first()
    today = timezone.localdate()
    for number, lesson, days, how in (
        ("D0001", lessons[0], 2, Completion.How.GROUP),
        ("D0900", lessons[0], 2, Completion.How.GROUP),
        ("D0015", lessons[-1], 150, Completion.How.RECORDED),
    ):
        member = Member.objects.filter(number=number).first()
        if member is None or admin is None:
            continue
        record_completions(page=lesson, members=[member], how=how, set_by=admin,
                           date=today - dt.timedelta(days=days), place="村活动室")
