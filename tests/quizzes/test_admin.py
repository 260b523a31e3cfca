"""The bank in the admin: the viewset with its filters, a preview as a member sees it, the XLSX
import (a dry run lists errors by row; any error imports nothing) and the export."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from quizzes import spreadsheet
from quizzes.models import Question

from .conftest import SECRET_EXPLANATION

pytestmark = pytest.mark.django_db


def sheet(rows):
    workbook = Workbook()
    ws = workbook.active
    ws.append(spreadsheet.COLUMNS)
    for row in rows:
        cells = dict.fromkeys(spreadsheet.COLUMNS, None)
        cells.update(row)
        ws.append([cells[c] for c in spreadsheet.COLUMNS])
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    data.name = "bank.xlsx"
    return data


GOOD = {"法规": "党章", "条款": "第七条", "题型": "单选", "题干": "预备期是多长时间？（导入）",
        "选项A": "一年", "选项B": "两年", "正确答案": "A", "主题": "发展党员", "难度": "容易"}


def test_editor_lists_filters_and_previews(client, editor, bank, regulations):
    client.force_login(editor)
    listing = client.get("/admin/questions/")
    assert listing.status_code == 200
    regulation = bank["single"].article.regulation
    filtered = client.get("/admin/questions/", {"article__regulation": regulation.pk, "kind": "fill"})
    assert filtered.status_code == 200
    html = filtered.content.decode()
    assert bank["fill"].stem in html and bank["single"].stem not in html
    by_topic = client.get("/admin/questions/", {"topic": "党员"}).content.decode()
    assert bank["single"].stem in by_topic and bank["fill"].stem not in by_topic
    preview = client.get(f"/admin/quiz-bank/questions/{bank['single'].pk}/preview/")
    assert preview.status_code == 200
    assert "十八岁" in preview.content.decode() and SECRET_EXPLANATION in preview.content.decode()
    assert client.get(f"/admin/questions/edit/{bank['single'].pk}/").status_code == 200


def test_members_cannot_open_the_bank(client, member, bank):
    client.force_login(member)
    assert client.get("/admin/quiz-bank/import/").status_code in (302, 403)
    assert client.get(f"/admin/quiz-bank/questions/{bank['single'].pk}/preview/").status_code in (302, 403)


def test_import_lists_errors_by_row_and_imports_nothing(client, editor, regulations, bank):
    client.force_login(editor)
    rows = [
        GOOD,
        {**GOOD, "题干": "不存在的条款？", "条款": "第九百条"},
        {**GOOD, "题干": "没有正确选项？", "正确答案": ""},
        {**GOOD},  # the same question as row 2
        {**GOOD, "题干": bank["single"].stem},  # already in the bank
        {**GOOD, "题干": "未知法规？", "法规": "不存在的条例"},
    ]
    before = Question.objects.count()
    response = client.post("/admin/quiz-bank/import/", {"file": sheet(rows), "dry_run": ""})
    assert response.status_code == 200
    problems = dict(response.context["problems"])
    assert set(problems) == {3, 4, 5, 6, 7}
    assert "没有第 900 条" in problems[3][0]
    assert "没有正确选项" in problems[4]
    assert "与第 2 行题目重复" in problems[5]
    assert "题库中已有这道题" in problems[6]
    assert "找不到法规" in problems[7][0]
    assert "没有导入任何题目" in response.content.decode()
    assert Question.objects.count() == before


def test_dry_run_then_import_then_export(client, editor, regulations):
    client.force_login(editor)
    rows = [GOOD, {**GOOD, "题干": "判断：预备期为一年。", "题型": "判断", "选项A": None, "选项B": None,
                   "正确答案": "正确"},
            {**GOOD, "题干": "预备期为＿＿。", "题型": "填空", "选项A": None, "选项B": None,
             "正确答案": "一年|1年"}]
    dry = client.post("/admin/quiz-bank/import/", {"file": sheet(rows), "dry_run": "on"})
    assert dry.context["problems"] == [] and Question.objects.count() == 0
    done = client.post("/admin/quiz-bank/import/", {"file": sheet(rows)})
    assert done.status_code == 302
    assert Question.objects.count() == 3
    single = Question.objects.get(stem=GOOD["题干"])
    assert single.article.label == "第七条" and single.explanation.startswith("《中国共产党章程》第七条")
    assert Question.objects.get(kind="fill").accepted_answers() == ["一年", "1年"]
    exported = client.get("/admin/quiz-bank/export/")
    workbook = load_workbook(io.BytesIO(b"".join(exported.streaming_content)))
    lines = list(workbook.active.iter_rows(values_only=True))
    assert list(lines[0]) == spreadsheet.COLUMNS and len(lines) == 4
    # what is exported imports again (into an empty bank)
    again = io.BytesIO(b"".join(client.get("/admin/quiz-bank/export/").streaming_content))
    again.name = "bank.xlsx"
    Question.objects.all().delete()
    assert client.post("/admin/quiz-bank/import/", {"file": again}).status_code == 302
    assert Question.objects.count() == 3


def test_an_unreadable_file_is_a_clear_error(client, editor, regulations):
    client.force_login(editor)
    junk = io.BytesIO(b"not a workbook")
    junk.name = "bank.xlsx"
    response = client.post("/admin/quiz-bank/import/", {"file": junk, "dry_run": "on"})
    assert "无法读取这个文件" in response.content.decode()
