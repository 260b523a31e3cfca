"""`manage.py load_demo`: builds the demo library on a fresh site; safe to run again.

Each app owns its part in `<app>/demo.py` (`load_demo(*, stdout)`); this command only calls them in
dependency order: people first, then the regulations, then the courses and their media.
"""

import importlib
import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEMO_MODULES = (
    "members.demo",
    "search.demo",
    "lectures.demo",  # with this month's study plan from the demo lessons (members.demo_plan)
    "branch_life.demo",  # activity days of last month and this month, held with the demo lessons
    "quizzes.demo",  # the question bank from the regulations above, and a contest of the county
    "supervision.demo",  # the county's rules and checklist, an inspection with rectification items
    "lectures.offline.demo",
)


def demo_modules():
    for name in DEMO_MODULES:
        parent = name.rpartition(".")[0]
        if importlib.util.find_spec(parent) is None or importlib.util.find_spec(name) is None:
            continue
        yield importlib.import_module(name)


class Command(BaseCommand):
    help = (
        "Load the demo library: a small county with branches and the demo accounts, the Party "
        "Constitution and rules, topics, courses and lessons with generated video clips. "
        "Idempotent: running it again changes nothing that is already there."
    )

    def handle(self, *args, **options):
        if not getattr(settings, "DIANKE_DEMO", False):
            raise CommandError(
                "Demo content is only for development settings (DIANKE_DEMO is off here)."
            )
        for module in demo_modules():
            self.stdout.write(f"· {module.__name__}")
            module.load_demo(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo library ready."))
