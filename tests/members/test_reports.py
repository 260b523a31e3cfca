"""Reports, exports and the learning_report command on a small county with known answers."""

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from lectures.models import CoursePage
from members import reports, services
from members.export import write_csv
from members.models import Completion, Reflection, StudyPlan, StudyPlanItem
from members.plans import month_start
from tests.factories import make_admin_user, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def month_data(members_county, secretary, make_lesson):
    """Branch a: 4 members and its secretary (a member too, who has not studied); b: 2; c: 2.
    The town plan requires 2 items, c's plan 1."""
    county = members_county
    month = month_start()
    lessons = [make_lesson(kind="video", duration=100, title=f"第{n}讲") for n in range(3)]
    a = [make_member(county["a"], phone=f"1380000010{n}") for n in range(3)]
    a.append(make_member(county["group"], phone="13800000199", is_migrant=True))
    b = [make_member(county["b"]) for _ in range(2)]
    c = [make_member(county["c"]) for _ in range(2)]
    town = StudyPlan.objects.create(organisation=county["town"], month=month, title="城关镇计划")
    StudyPlanItem.objects.create(plan=town, page=lessons[0], required=True)
    StudyPlanItem.objects.create(plan=town, page=lessons[1], required=True)
    StudyPlanItem.objects.create(plan=town, page=lessons[2], required=False)
    village = StudyPlan.objects.create(organisation=county["c"], month=month, title="河西村计划")
    StudyPlanItem.objects.create(plan=village, page=lessons[2], required=True)
    today = dt.date.today()
    services.record_completions(page=lessons[0], members=a, how="group", set_by=secretary, date=today)
    services.record_completions(page=lessons[1], members=a[:1], how="recorded", set_by=secretary, date=today)
    boss = make_admin_user("county-admin")
    services.record_completions(page=lessons[2], members=c[:1], how="group", set_by=boss, date=today)
    return {"month": month, "lessons": lessons, "a": a, "b": b, "c": c, "county": county}


def rows_by_name(table):
    return {row[0]: row for row in table.rows}


def test_month_rates_roll_up_the_tree(month_data):
    table = reports.month_rates(month_data["county"]["county"], month_data["month"])
    rows = rows_by_name(table)
    # [name, members, expected, done, rate]
    assert rows["城关镇第一党支部"][1:] == [5, 10, 5, 50.0]  # includes its party group and secretary
    assert rows["第一党小组"][1:] == [1, 2, 1, 50.0]
    assert rows["城关镇第二党支部"][1:] == [2, 4, 0, 0.0]
    assert rows["河西村党支部"][1:] == [2, 2, 1, 50.0]
    assert rows["示范县委"][1:] == [9, 16, 6, round(600 / 16, 1)]


def test_not_studied_lists_phones_and_missing_items(month_data):
    table = reports.not_studied(month_data["county"]["a"], month_data["month"])
    by_number = {row[0]: row for row in list(table.rows)}
    assert month_data["a"][0].number not in by_number  # did both
    migrant = month_data["a"][3]
    assert by_number[migrant.number][3] == "13800000199"
    assert by_number[migrant.number][4] == "流动党员"
    assert by_number[migrant.number][5] == "第1讲"
    assert len(by_number) == 4  # the secretary has not studied either


def test_not_studied_count_is_the_lists_length_everywhere(month_data):
    # The overview's count comes from a per-member count of completions; the list from each
    # member's missing items. A plan for chosen members (items beyond their branch's) included.
    county, month, lessons = month_data["county"], month_data["month"], month_data["lessons"]
    chosen = StudyPlan.objects.create(organisation=county["town"], month=month, title="选定党员计划")
    StudyPlanItem.objects.create(plan=chosen, page=lessons[2], required=True)
    chosen.members.set([month_data["a"][0], month_data["b"][0]])
    services.record_completions(page=lessons[2], members=[month_data["a"][0]], how="recorded",
                                set_by=make_admin_user("boss-2"), date=dt.date.today())
    for org in county.values():
        expected = len(list(reports.not_studied(org, month).rows))
        assert reports.not_studied_count(org, month) == expected, org.name
    assert reports.not_studied_count(county["county"], month) == 7


def test_reports_overview_opens_with_this_months_headline_numbers(client, secretary, month_data):
    """Branch a's secretary: 5 of 10 required studies done (50.0 %), 4 members not yet done."""
    client.force_login(secretary)
    body = client.get(reverse("members_admin:index")).content.decode()
    headline = body[body.index('class="headline"'):]
    headline = headline[: headline.index("</section>")]
    assert "城关镇第一党支部" in headline and "50.0%" in headline and "(5/10)" in headline
    assert re.search(r">4</strong></a><br>\s*名党员尚未学完", headline)
    assert body.index('class="headline"') < body.index("近期学习计划")  # first on the page


def test_rates_page_draws_svg_bars_and_exports(client, secretary, month_data):
    client.force_login(secretary)
    url = reverse("members_admin:rates") + f"?org={month_data['county']['a'].pk}"
    body = client.get(url).content.decode()
    assert "<svg" in body and 'width="50.0%"' in body
    csv_response = client.get(url + "&export=csv")
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert "城关镇第一党支部,5,10,5,50.0" in text
    xlsx = client.get(url + "&export=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    # A title row, the headings (frozen below them), widths to fit, a sheet named in Chinese.
    assert values[0][0] and sheet.title == values[0][0][:31] and sheet.title != "report"
    assert sheet.freeze_panes == "A3"
    assert values[1][:5] == ["党组织", "党员数", "应学人次", "已学人次", "完成率%"]
    assert values[2][:5] == ["城关镇第一党支部", 5, 10, 5, 50.0]
    assert sheet.column_dimensions["A"].width >= 2 * len("城关镇第一党支部")


def test_plan_matrix_and_member_history(client, secretary, month_data):
    client.force_login(secretary)
    plan = StudyPlan.objects.get(title="城关镇计划")
    body = client.get(reverse("members_admin:plan_matrix", args=[plan.pk])).content.decode()
    # The secretary of branch a sees a's four members and themselves, not branch b's two.
    assert body.count("/2</td>") + body.count("/3</td>") == 5
    assert "集中学习" in body
    first = month_data["a"][0]
    Reflection.objects.create(member=first, page=month_data["lessons"][0], text="深受教育")
    history = client.get(reverse("members_admin:member", args=[first.pk])).content.decode()
    assert "深受教育" in history and "书记补录" in history and "secretary" in history


def test_learning_report_command_writes_csv_and_xlsx(month_data, tmp_path):
    org = month_data["county"]["county"].pk
    month = f"{month_data['month']:%Y-%m}"
    out = io.StringIO()
    call_command("learning_report", "--org", org, "--month", month, stdout=out)
    assert "城关镇第二党支部,2,4,0,0.0" in out.getvalue()
    target = tmp_path / "report.xlsx"
    call_command("learning_report", "--org", org, "--month", month, "--format", "xlsx", "--output", str(target))
    sheet = load_workbook(target).active
    assert sheet.max_row == 9  # title, heading + 7 organisations
    csv_file = tmp_path / "missing.csv"
    call_command("learning_report", "--org", org, "--month", month, "--report", "not-studied", "--output", str(csv_file))
    assert "13800000199" in csv_file.read_text(encoding="utf-8-sig")
    with pytest.raises(CommandError):
        call_command("learning_report", "--org", org, "--month", "2026/03")
    with pytest.raises(CommandError):
        call_command("learning_report", "--org", 999999, "--month", month)


def test_export_escapes_formulas(secretary, members_county, make_lesson):
    out = io.StringIO()
    write_csv(reports.Table(title="t", headings=["a"], rows=[["=HYPERLINK(1)"]]), out)
    assert "'=HYPERLINK" in out.getvalue()


def test_completion_counted_only_up_to_the_month(month_data):
    last_month = (month_data["month"] - dt.timedelta(days=1)).replace(day=1)
    plan = StudyPlan.objects.get(title="城关镇计划")
    plan.pk = None
    plan.month = last_month
    plan.save()
    StudyPlanItem.objects.create(plan=plan, page=month_data["lessons"][0], required=True)
    table = reports.month_rates(month_data["county"]["a"], month_data["month"], months=2)
    # This month's completions do not count for last month.
    assert table.rows[0][5] == 0.0
    assert Completion.objects.count() == 6


def test_course_matrix_lists_the_course_lessons(client, secretary, month_data):
    course = CoursePage.objects.get(slug="members-test-course")
    client.force_login(secretary)
    assert course.title in client.get(reverse("members_admin:index")).content.decode()
    url = reverse("members_admin:course_matrix", args=[course.pk]) + "?export=csv"
    text = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    heading = text.splitlines()[0]
    assert heading.startswith("党员编号,姓名,所在支部,第0讲,第1讲,第2讲")
    assert len(text.splitlines()) == 1 + 5  # the secretary's four members and the secretary
