"""The printable list of first sign-in codes (XLSX, one sheet per branch, set up for A4), handed
out at the branch's next meeting. Written with openpyxl; cells that a spreadsheet would run as a
formula are neutralised as in every export (members.export)."""

import datetime as dt
import tempfile
from itertools import groupby

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.page import PageMargins

from members import accounts
from members.export import XLSX_TYPE, safe_cell

THIN = Side(style="thin", color="888888")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# Excel's sheet titles: at most 31 characters, none of these.
FORBIDDEN_IN_TITLES = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_title(name, used):
    title = name.translate(FORBIDDEN_IN_TITLES)[:28] or "sheet"
    candidate, n = title, 1
    while candidate in used:
        n += 1
        candidate = f"{title[:25]}-{n}"
    used.add(candidate)
    return candidate


def first_codes_workbook(issued, *, login_url, today=None):
    """[(member, code)] ordered by branch -> an openpyxl Workbook, one sheet per branch."""
    today = today or timezone.localdate()
    expires = today + dt.timedelta(days=accounts.CODE_VALID_DAYS)
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    for branch, rows in groupby(issued, key=lambda pair: pair[0].branch):
        sheet = workbook.create_sheet(_sheet_title(branch.name, used))
        sheet.append([safe_cell(_("%(branch)s 党员初次登录码") % {"branch": branch.name})])
        sheet.append([safe_cell(
            _("打印于 %(today)s，%(expires)s 前有效，每个登录码只能使用一次。登录网址 %(url)s ："
              "账号填党员编号或手机号，密码填登录码，登录后请设置自己的密码。")
            % {"today": today.isoformat(), "expires": expires.isoformat(), "url": login_url}
        )])
        sheet.append([_("党员编号"), _("姓名"), _("手机号"), _("初次登录码"), _("签收")])
        for member, code in rows:
            sheet.append([safe_cell(member.number), safe_cell(member.name),
                          safe_cell(member.phone or ""), code, ""])
        _layout(sheet)
    return workbook


def _layout(sheet):
    sheet.merge_cells("A1:E1")
    sheet.merge_cells("A2:E2")
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[2].height = 48
    for column, width in zip("ABCDE", (16, 12, 16, 18, 16), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.border = BOX
            cell.font = Font(size=13, bold=cell.row == 3)
        sheet.row_dimensions[row[0].row].height = 26
    for row in sheet.iter_rows(min_row=4, min_col=4, max_col=4):
        for cell in row:
            cell.font = Font(name="Courier New", size=15, bold=True)
            cell.number_format = "@"  # the code stays text: leading zeros kept
    sheet.print_title_rows = "3:3"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)


def first_codes_response(issued, *, organisation, login_url):
    """The workbook as a download; not cached anywhere (it holds live codes)."""
    spool = tempfile.TemporaryFile()
    first_codes_workbook(issued, login_url=login_url).save(spool)
    spool.seek(0)
    response = FileResponse(
        spool, as_attachment=True, content_type=XLSX_TYPE,
        filename=f"first-sign-in-codes-{organisation.pk}-{timezone.localdate():%Y%m%d}.xlsx",
    )
    response["Cache-Control"] = "no-store"
    return response
