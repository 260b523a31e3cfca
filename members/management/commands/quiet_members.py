"""`manage.py quiet_members --org ID [--months N] [--json]`: members of the organisation and
everything below it with no activity (study, attendance, quiz: members.activity) for N months."""

import json

from django.core.management.base import BaseCommand, CommandError

from members import activity
from members.models import Organisation


class Command(BaseCommand):
    help = (
        "List the members of an organisation and its subtree (statuses still in the register) "
        "with no activity for N months (default 3): number, name, branch, phone, status, last "
        "activity. --json prints [{\"number\", \"name\", \"branch\", \"phone\", \"status\", "
        "\"last_activity\"}] with last_activity an ISO date or null."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="organisation id")
        parser.add_argument("--months", type=int, default=3, help="months without activity (3)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        org = Organisation.objects.filter(pk=options["org"]).first()
        if org is None:
            raise CommandError(f"no organisation with id {options['org']}")
        if options["months"] < 1:
            raise CommandError("--months must be 1 or more")
        rows = activity.quiet_members(org, months=options["months"])
        for row in rows:
            row["last_activity"] = row["last_activity"].isoformat() if row["last_activity"] else None
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write("\t".join([
                row["number"], row["name"], row["branch"], row["phone"] or "-", row["status"],
                row["last_activity"] or "-",
            ]))
        self.stdout.write(f"{len(rows)} member(s) without activity for {options['months']} month(s)")
