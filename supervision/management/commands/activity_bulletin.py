"""`manage.py activity_bulletin --org ID --month YYYY-MM --output FILE`: the monthly bulletin
(月度通报) of an organisation's subtree, a PDF when FILE ends in .pdf, an XLSX when it ends in
.xlsx (supervision.bulletin). The file is written whole or not at all."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from branch_life import rules
from members.models import Organisation
from supervision import bulletin


class Command(BaseCommand):
    help = "Write the monthly bulletin of an organisation as a PDF (.pdf) or an XLSX (.xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organisation id")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--output", required=True, help="FILE.pdf or FILE.xlsx")

    def handle(self, *args, **options):
        try:
            month = rules.parse_month(options["month"])
        except ValueError:
            raise CommandError(_("月份应写成 YYYY-MM，例如 2026-03，而不是 %(value)s。") % {
                "value": options["month"]}) from None
        try:
            root = Organisation.objects.get(pk=int(options["org"]))
        except (ValueError, Organisation.DoesNotExist):
            raise CommandError(_("没有编号为 %(value)s 的党组织。") % {"value": options["org"]}) from None
        output = Path(options["output"])
        suffix = output.suffix.lower()
        if suffix not in (".pdf", ".xlsx"):
            raise CommandError(_("输出文件名应以 .pdf 或 .xlsx 结尾。"))
        if not output.parent.is_dir():
            raise CommandError(_("目录不存在：%(dir)s") % {"dir": output.parent})
        handle, temporary = tempfile.mkstemp(dir=output.parent, suffix=suffix)
        try:
            with os.fdopen(handle, "wb") as stream:
                if suffix == ".pdf":
                    stream.write(bulletin.pdf(root, month))
                else:
                    bulletin.write_xlsx(root, month, stream)
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(_("已写入 %(file)s") % {"file": output})
