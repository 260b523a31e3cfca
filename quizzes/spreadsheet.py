"""The bank as an XLSX sheet, both ways (openpyxl): export every question in the columns the
import reads, and read an uploaded sheet into quizzes.bank rows (checked there: a dry run lists
the errors by row; any error imports nothing)."""

import tempfile

from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from members.export import XLSX_TYPE, safe_cell
from quizzes.bank import MAX_OPTIONS
from quizzes.models import Question
from quizzes.services import KEYS

OPTION_COLUMNS = [f"选项{KEYS[i]}" for i in range(MAX_OPTIONS)]
COLUMNS = ["法规", "条款", "课程", "题型", "题干", *OPTION_COLUMNS, "正确答案", "解析", "主题", "难度"]
KIND_LABELS = {"single": "单选", "multiple": "多选", "true_false": "判断", "fill": "填空"}
MAX_ROWS = 5000


class SheetUnreadable(Exception):
    pass


def _correct(question, options):
    if question.kind == Question.Kind.TRUE_FALSE:
        return "正确" if question.is_true else "错误"
    if question.kind == Question.Kind.FILL:
        return "|".join(question.accepted_answers())
    return "".join(KEYS[i] for i, option in enumerate(options) if option.is_correct)


def export_bank(queryset=None):
    """The bank (or `queryset`) as an XLSX response in the import's columns."""
    questions = (queryset if queryset is not None else Question.objects.all()).select_related(
        "article__regulation").prefetch_related("options").order_by("pk")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="题库")
    sheet.append(COLUMNS)
    for question in questions:
        options = list(question.options.all())
        texts = [o.text for o in options][:MAX_OPTIONS]
        article = question.article
        sheet.append([safe_cell(v) for v in [
            article.regulation.short_name or article.regulation.title if article else "",
            article.number if article else "", question.lesson_id or "",
            KIND_LABELS[question.kind], question.stem, *texts, *[""] * (MAX_OPTIONS - len(texts)),
            _correct(question, options), question.explanation, question.topic, question.difficulty,
        ]])
    spool = tempfile.TemporaryFile()
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename="question-bank.xlsx", content_type=XLSX_TYPE)


def read_rows(upload):
    """quizzes.bank rows from an uploaded XLSX (the first sheet, headings in row 1)."""
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise SheetUnreadable(_("无法读取这个文件，请上传 Excel（.xlsx）文件。")) from error
    sheet = workbook.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    headings = [str(h).strip() if h is not None else "" for h in next(lines, ())]
    missing = [c for c in ("题型", "题干", "正确答案") if c not in headings]
    if missing:
        raise SheetUnreadable(_("表头缺少这些列：%(cols)s") % {"cols": "、".join(missing)})
    rows = []
    for values in lines:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        cell = dict(zip(headings, values, strict=False))
        rows.append({
            "regulation": cell.get("法规"), "article": cell.get("条款"), "lesson": cell.get("课程"),
            "kind": cell.get("题型"), "stem": cell.get("题干"),
            "options": [cell.get(c) for c in OPTION_COLUMNS if cell.get(c) not in (None, "")],
            "correct": "" if cell.get("正确答案") is None else str(cell.get("正确答案")),
            "explanation": cell.get("解析"), "topic": cell.get("主题"),
            "difficulty": "" if cell.get("难度") is None else str(cell.get("难度")),
        })
        if len(rows) > MAX_ROWS:
            raise SheetUnreadable(_("一次最多导入 %(n)s 道题。") % {"n": MAX_ROWS})
    workbook.close()
    return rows
