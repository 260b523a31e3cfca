"""The monthly bulletin: `manage.py activity_bulletin` writes a PDF whose extracted text carries
the headline numbers, the commended and followed-up branches, the ranking and the open
rectification items; an XLSX with a sheet per part; clear Chinese errors, nothing half-written."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from branch_life import services
from branch_life.models import AgendaItem, EventPhoto
from supervision.models import BranchRule, Rectification
from tests.factories import make_organisation
from tests.supervision.conftest import FIVE, theme_day


@pytest.fixture
def bulletin_month(county, people, officer, held_month):
    """held_month plus: a model branch under the village (held, all present, actions, minutes,
    photo); an open overdue rectification in branch b; the county's rule for missed days."""
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    model = make_organisation("模范村党支部", parent=county["village"])
    from tests.factories import make_member

    star = make_member(model, name="周八")
    event = theme_day(model, held_month["month"].replace(day=8))
    for order, (kind, title) in enumerate(FIVE):
        AgendaItem.objects.create(event=event, kind=kind, title=title, required=True,
                                  sort_order=order, done=True)
    services.roll_call(event, present=[star.pk], by=officer, now=event.ends_at)
    services.save_minutes(event, host="周八", recorder="周八", minutes="学习", by=officer)
    image = get_image_model().objects.create(title="合影", file=get_test_image_file())
    EventPhoto.objects.create(event=event, image=image)
    Rectification.objects.create(organisation=county["b"], what="三会一课记录缺失", owner="赵六",
                                 deadline=dt.date(2025, 1, 31))
    BranchRule.objects.create(organisation=county["county"], kind=BranchRule.Kind.DAY_MISSED,
                              points=Decimal(-10))
    return held_month


def _text(path):
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_the_pdf_in_chinese_with_its_parts(tmp_path, county, bulletin_month):
    month = bulletin_month["month"]
    output = tmp_path / "通报.pdf"
    call_command("activity_bulletin", "--org", str(county["county"].pk), "--month",
                 f"{month:%Y-%m}", "--output", str(output), stdout=io.StringIO())
    reader = PdfReader(output)
    fonts = {str(font) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts  # embedded fonts (WeasyPrint subsets them into the file)
    text = _text(output).replace(" ", "")
    assert f"示范县委{month.year}年{month.month}月组织生活通报" in text
    # 4 branches: a and the model branch held, b and c not.
    assert "全4个党支部中，2个按时召开主题党日，0个推迟召开，2个未召开" in text
    commended = text.split("二、表扬的党支部")[1].split("三、")[0]
    assert "模范村党支部" in commended and "城关镇第一党支部" not in commended
    follow = text.split("三、需要跟进的党支部")[1].split("四、")[0]
    assert "城关镇第一党支部" in follow and "参加率偏低" in follow and "未召开主题党日" in follow
    assert "工作排位" in text and "-10" in text
    open_items = text.split("五、未完成的整改事项")[1]
    assert "三会一课记录缺失" in open_items and "已逾期" in open_items


def test_the_xlsx_has_a_sheet_per_part(tmp_path, county, bulletin_month):
    output = tmp_path / "bulletin.xlsx"
    call_command("activity_bulletin", "--org", str(county["town"].pk), "--month",
                 f"{bulletin_month['month']:%Y-%m}", "--output", str(output), stdout=io.StringIO())
    book = openpyxl.load_workbook(output)
    assert book.sheetnames == ["概况", "表扬", "需跟进", "排位", "整改事项"]
    # Each sheet as every export: the bulletin's title, then the headings (frozen), then rows.
    assert book["概况"]["A1"].value == f"城关镇党总支 {bulletin_month['month'].year}年{bulletin_month['month'].month}月组织生活通报：概况"
    assert [c.value for c in book["整改事项"][2]] == ["党组织", "整改事项", "责任人", "整改期限", "逾期"]
    assert book["需跟进"].freeze_panes == "A3"
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=3, values_only=True)}
    assert summary["党支部"] == 2 and summary["已召开主题党日"] == 1 and summary["参加率%"] == 67
    follow = [row[0] for row in book["需跟进"].iter_rows(min_row=3, values_only=True)]
    assert follow == ["城关镇第一党支部", "城关镇第二党支部"]
    items = list(book["整改事项"].iter_rows(min_row=3, values_only=True))
    assert items == [("城关镇第二党支部", "三会一课记录缺失", "赵六", "2025-01-31", "是")]


@pytest.mark.parametrize("args, message", [
    (["--month", "2026-13"], "月份应写成"),
    (["--month", "三月"], "月份应写成"),
    (["--org", "999999"], "没有编号为"),
    (["--output", "bulletin.docx"], "应以 .pdf 或 .xlsx 结尾"),
])
def test_bad_input_a_clear_error_and_no_file(tmp_path, county, args, message):
    defaults = {"--org": str(county["county"].pk), "--month": "2026-03",
                "--output": "bulletin.pdf"}
    defaults.update(dict(zip(args[::2], args[1::2], strict=True)))
    defaults["--output"] = str(tmp_path / defaults["--output"])
    with pytest.raises(CommandError, match=message):
        call_command("activity_bulletin", *[x for pair in defaults.items() for x in pair])
    assert list(tmp_path.iterdir()) == []


def test_the_button_downloads_within_scope(client, county, bulletin_month, town_secretary):
    client.force_login(town_secretary)
    month = f"{bulletin_month['month']:%Y-%m}"
    pdf = client.get(f"/supervision/bulletin/?month={month}&format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "城关镇党总支" in text and "模范村党支部" not in text
    assert client.get(f"/supervision/bulletin/?org={county['county'].pk}").status_code == 404
    xlsx = client.get(f"/supervision/bulletin/?month={month}&format=xlsx")
    assert openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).sheetnames[0] == "概况"
