"""`manage.py plan_activity_days --month YYYY-MM [--json]`: each branch's activity day of the
month by its rule (branch_life.services.plan_month). Idempotent: a re-run changes nothing and
prints the same ids. Also queues the daily planning of next month if none is waiting."""

import json

from django.core.management.base import BaseCommand, CommandError

from branch_life import rules, services, tasks


class Command(BaseCommand):
    help = "Plan each branch's activity day of a month by the county's rule (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--json", action="store_true",
                            help='print [{"event": id, "organisation": id, "date": "YYYY-MM-DD"}]')

    def handle(self, *args, **options):
        try:
            first = rules.parse_month(options["month"])
        except ValueError:
            raise CommandError(f"--month must be YYYY-MM, not {options['month']!r}") from None
        rows = services.plan_month(first)
        tasks.ensure_scheduled()
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
        else:
            self.stdout.write(f"{len(rows)} activity days in {first:%Y-%m}")
            for row in rows:
                self.stdout.write(f"  event {row['event']}: organisation {row['organisation']} on {row['date']}")

