"""Demo study plan for this month, built from the demo lessons: lectures.demo calls it with its
lessons (members knows learning items only as pages)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from members.models import Organisation, StudyPlan, StudyPlanItem
from members.plans import month_start


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
