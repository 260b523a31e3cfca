"""Demo study plan for this month, built from the demo lessons (run after lectures.demo)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from members.models import Organisation, StudyPlan, StudyPlanItem
from members.plans import month_start


def load_demo(*, stdout):
    if not getattr(settings, "DIANKE_DEMO", False):
        raise ImproperlyConfigured("members demo data needs settings.DIANKE_DEMO")
    try:
        from lectures.models import LessonPage
    except ImportError:
        stdout.write("  no lessons yet: no demo plan\n")
        return
    branch = Organisation.objects.filter(name="河西村第一党支部").first()
    lessons = list(LessonPage.objects.live().order_by("path")[:4])
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
