"""CSV and XLSX export of report tables, streamed so memory stays flat as rows grow.

One writer for every export: the admin's report pages (members.admin_views plugs it into Wagtail's
SpreadsheetExportMixin), `manage.py learning_report` and bench/reports.py.

CSV: a generator of lines (StreamingHttpResponse), opened by a UTF-8 BOM. XLSX: openpyxl's
write-only workbook spills rows to a temporary file; the finished file is sent from disk in chunks
(FileResponse). In both, text cells that a spreadsheet would run as a formula are neutralised.
"""

import csv
import itertools
import re
import tempfile
import unicodedata

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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


# Characters a sheet name may not hold, and its length limit (Excel's rules).
_SHEET_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
SHEET_NAME_MAX = 31
WIDTH_SAMPLE_ROWS = 200  # column widths from the headings and the first rows
MAX_WIDTH = 60


def sheet_name(title):
    """The table's title as the sheet's name (Chinese, as the secretary reads it), cut to Excel's
    31 characters without the characters it refuses."""
    return _SHEET_FORBIDDEN.sub(" ", title or "").strip()[:SHEET_NAME_MAX] or "报表"


def text_width(value):
    """Width in Excel's character units: a Chinese character takes two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_xlsx(table, stream):
    """The table as a sheet a secretary can print (write_workbook's sheet, named after the
    title); returns the number of rows."""
    return write_workbook([(sheet_name(table.title), table)], stream)


def write_workbook(sheets, stream):
    """Tables as the sheets of one workbook, [(sheet name, table)] in order (the monthly bulletin
    has five). Each sheet: the title in the first row, the headings in the second (bold, frozen
    while scrolling), columns as wide as their content. Rows are streamed (write-only); widths
    come from the first rows. Returns the number of rows written (titles and headings not
    counted)."""
    workbook = Workbook(write_only=True)
    count = sum(_add_sheet(workbook, name, table) for name, table in sheets)
    workbook.save(stream)
    return count


def _add_sheet(workbook, name, table):
    sheet = workbook.create_sheet(title=sheet_name(name))
    rows = iter(table.rows)
    sample = [[_safe(v) for v in row] for row in itertools.islice(rows, WIDTH_SAMPLE_ROWS)]
    headings = [_safe(h) for h in table.headings]
    for index, heading in enumerate(headings, start=1):
        width = max([text_width(heading)] + [text_width(row[index - 1]) for row in sample if len(row) >= index])
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 2)
    sheet.freeze_panes = "A3"
    title = WriteOnlyCell(sheet, value=_safe(table.title))
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    bold = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    count = 0
    for row in itertools.chain(sample, ([_safe(v) for v in row] for row in rows)):
        sheet.append(row)
        count += 1
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
