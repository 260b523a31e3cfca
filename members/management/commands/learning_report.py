"""`manage.py learning_report --org ORG_ID --month YYYY-MM [--format csv|xlsx] [--output FILE]`"""

import sys

from django.core.management.base import BaseCommand, CommandError

from members import export, plans, reports
from members.models import Organisation


class Command(BaseCommand):
    help = (
        "Write a learning report for an organisation and its subtree: completion rates of the "
        "month's required plan items (default) or the list of members who have not studied."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", type=int, required=True, help="organisation id")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--format", choices=export.FORMATS, default="csv")
        parser.add_argument("--output", help="file to write (default: standard output, CSV only)")
        parser.add_argument("--report", choices=("rates", "not-studied"), default="rates")
        parser.add_argument("--months", type=int, default=1, help="rates: months of history")

    def handle(self, *args, **options):
        try:
            month = plans.parse_month(options["month"])
        except ValueError:
            raise CommandError("--month must look like 2026-03") from None
        org = Organisation.objects.filter(pk=options["org"]).first()
        if org is None:
            raise CommandError(f"no organisation with id {options['org']}")
        if options["report"] == "rates":
            table = reports.month_rates(org, month, months=max(1, options["months"]))
        else:
            table = reports.not_studied(org, month)
        output, fmt = options["output"], options["format"]
        if fmt == "xlsx" and not output:
            raise CommandError("--format xlsx needs --output FILE")
        if output:
            mode = "wb" if fmt == "xlsx" else "w"
            encoding = None if fmt == "xlsx" else "utf-8"
            with open(output, mode, encoding=encoding, newline=None if fmt == "xlsx" else "") as stream:
                rows = (export.write_xlsx if fmt == "xlsx" else export.write_csv)(table, stream)
            self.stderr.write(f"wrote {rows} rows to {output}")
        else:
            export.write_csv(table, sys.stdout if self.stdout is None else self.stdout)
