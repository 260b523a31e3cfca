"""CSV and XLSX export of report tables, streamed so memory stays flat as rows grow.

One writer for every export: the admin's report pages (members.admin_views plugs it into Wagtail's
SpreadsheetExportMixin), `manage.py learning_report` and bench/reports.py.

CSV: a generator of lines (StreamingHttpResponse), opened by a UTF-8 BOM. XLSX: openpyxl's
write-only workbook spills rows to a temporary file; the finished file is sent from disk in chunks
(FileResponse). In both, text cells that a spreadsheet would run as a formula are neutralised.
"""

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


class _Echo:
    def write(self, value):
        return value


# Spreadsheet apps run a cell starting with = + - @ as a formula (CSV injection), also after a
# leading tab or carriage return, which they drop (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell value a spreadsheet shows as text, never runs (also for members.printing)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


_safe = safe_cell


def csv_lines(table):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: Excel on Windows then reads UTF-8 Chinese correctly
    # Headings too: a matrix's headings are lesson titles that editors typed.
    yield writer.writerow([_safe(h) for h in table.headings])
    for row in table.rows:
        yield writer.writerow([_safe(v) for v in row])


def write_csv(table, stream):
    """Writes the table; returns the number of rows (headings not counted)."""
    lines = 0
    for line in csv_lines(table):
        stream.write(line)
        lines += 1
    return lines - 2  # the BOM and the headings


def write_xlsx(table, stream):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="report")
    sheet.append([_safe(h) for h in table.headings])
    count = 0
    for row in table.rows:
        sheet.append([_safe(v) for v in row])
        count += 1
    workbook.save(stream)
    return count


def csv_response(table):
    out = StreamingHttpResponse(csv_lines(table), content_type="text/csv; charset=utf-8")
    out["Content-Disposition"] = f'attachment; filename="{table.filename}.csv"'
    return out


def xlsx_response(table):
    spool = tempfile.TemporaryFile()
    write_xlsx(table, spool)
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=f"{table.filename}.xlsx", content_type=XLSX_TYPE
    )
