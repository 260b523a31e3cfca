import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from members.models import (
    Completion,
    ItemProgress,
    Member,
    Organisation,
    Reflection,
    StudyPlan,
    StudyPlanItem,
)
from members.plans import month_start

from .conftest import start_clocks

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(member, members_county, make_lesson):
    lessons = [make_lesson(kind="video", duration=100, title=f"必学{n}") for n in range(2)]
    plan = StudyPlan.objects.create(
        organisation=members_county["a"], month=month_start(), title="七一主题党日",
        meeting_date=dt.date.today(), place="党员活动室",
    )
    for n, lesson in enumerate(lessons):
        StudyPlanItem.objects.create(plan=plan, page=lesson, required=True, sort_order=n)
    Completion.objects.create(member=member.member, page=lessons[0], completed_at=dt.datetime.now(dt.UTC))
    return lessons


def test_my_learning_page_shows_plan_done_and_left(client, member, planned):
    client.force_login(member)
    body = client.get("/me/").content.decode()
    assert "七一主题党日" in body and "党员活动室" in body
    assert "已完成 1 项，还剩 1 项" in body
    assert "<strong>0</strong> 分钟在线学习" in body
    assert len(body) < 20_000


def test_time_studied_reads_in_minutes_under_an_hour_and_hours_above(client, member, planned):
    """Ten minutes of study is "10 分钟", not "0.2 小时" (nor "0.0 小时" after two minutes)."""
    client.force_login(member)
    progress = ItemProgress.objects.create(member=member.member, page=planned[1], covered_seconds=600)
    assert "<strong>10</strong> 分钟在线学习" in client.get("/me/").content.decode()
    progress.covered_seconds = 2 * 3600 + 180
    progress.save()
    assert "<strong>2.0</strong> 小时在线学习" in client.get("/me/").content.decode()


def test_reflection_is_saved_and_limited(client, member, planned):
    client.force_login(member)
    url = reverse("members:reflection", args=[planned[0].pk])
    client.post(url, {"text": "学习党章，牢记使命"})
    assert Reflection.objects.get().text == "学习党章，牢记使命"
    response = client.post(url, {"text": "长" * 101}, follow=True)
    assert "心得未保存" in response.content.decode()
    assert Reflection.objects.get().text == "学习党章，牢记使命"


def test_migrant_member_reports_completion_from_the_phone(client, member, planned):
    client.force_login(member)
    url = reverse("members:self_report", args=[planned[1].pk])
    data = {"date": dt.date.today().isoformat(), "place": "深圳流动党员服务站", "note": "随当地支部学习"}
    assert client.post(url, data).status_code == 404  # not a migrant member
    Member.objects.filter(pk=member.member.pk).update(status="migrant")
    assert client.post(url, data).status_code == 302
    record = Completion.objects.get(page_id=planned[1].pk)
    assert (record.how, record.set_by_id, record.place) == ("reported", member.pk, "深圳流动党员服务站")
    tomorrow = {"date": (dt.date.today() + dt.timedelta(days=1)).isoformat()}
    other = client.post(reverse("members:self_report", args=[planned[0].pk]), tomorrow, follow=True)
    assert "日期不能晚于今天" in other.content.decode()


def sheet_csv(text):
    return io.BytesIO(text.encode("utf-8"))


CSV_OK = (
    "党员编号,姓名,手机号,所在党组织,流动党员,年老体弱,预备党员,初始密码\n"
    "N001,王一,13700000001,示范县委/城关镇党总支/城关镇第一党支部,否,否,否,pw-123456\n"
    "N002,王二,,示范县委/城关镇党总支/城关镇第一党支部/新建党小组,是,,,\n"
)


def test_import_dry_run_then_commit(members_county, admin_user, tmp_path):
    from members import importer

    result = importer.import_file(sheet_csv(CSV_OK), "m.csv", user=admin_user, dry_run=True)
    assert (result.errors, result.valid_rows, result.organisations_created) == ([], 2, 1)
    assert not Member.objects.filter(number__startswith="N").exists()
    result = importer.import_file(sheet_csv(CSV_OK), "m.csv", user=admin_user, dry_run=False)
    assert result.created == 2
    assert Member.objects.get(number="N002").branch.name == "新建党小组"
    assert Organisation.objects.get(name="新建党小组").kind == "group"
    assert Member.objects.get(number="N002").is_migrant
    from django.contrib.auth import authenticate

    assert authenticate(username="13700000001", password="pw-123456") is not None


def test_import_lists_errors_by_row_and_writes_nothing(members_county, admin_user):
    from members import importer

    bad = (
        "党员编号,姓名,手机号,所在党组织,流动党员\n"
        "N010,甲,12345,示范县委/城关镇党总支/城关镇第一党支部,否\n"
        "N010,,13700000011,示范县委/城关镇党总支/城关镇第一党支部,也许\n"
        "N012,丙,13700000012,,否\n"
        "N013,丁,13700000013,示范县委/城关镇党总支/城关镇第一党支部,否\n"
    )
    result = importer.import_file(sheet_csv(bad), "m.csv", user=admin_user, dry_run=False)
    rows = sorted({row for row, _ in result.errors})
    assert rows == [2, 3, 4]
    messages = " ".join(m for _, m in result.errors)
    assert "手机号 12345 格式不正确" in messages and "与第 2 行重复" in messages
    assert "姓名为空" in messages and "应填 是 或 否" in messages and "所在党组织为空" in messages
    assert not Member.objects.filter(number__startswith="N").exists()


def test_secretary_imports_only_inside_their_subtree(secretary, members_county):
    from members import importer

    outside = "党员编号,姓名,所在党组织\nN020,戊,示范县委/河西村党总支/河西村党支部\n"
    result = importer.import_file(sheet_csv(outside), "m.csv", user=secretary, dry_run=True)
    assert result.errors and "不在您的管理范围内" in result.errors[0][1]
    inside = "党员编号,姓名,所在党组织\nN021,己,示范县委/城关镇党总支/城关镇第一党支部\n"
    result = importer.import_file(sheet_csv(inside), "m.csv", user=secretary, dry_run=False)
    assert result.errors == [] and result.created == 1


def test_import_xlsx_through_the_command(members_county, admin_user, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["number", "name", "phone", "organisation", "migrant"])
    sheet.append(["X001", "赵六", "13600000001", "示范县委/河西村党总支/河西村党支部", "是"])
    path = tmp_path / "members.xlsx"
    book.save(path)
    out = io.StringIO()
    call_command("import_members", str(path), stdout=out)
    assert "dry run: 1 rows valid" in out.getvalue()
    call_command("import_members", str(path), "--commit", stdout=out)
    assert Member.objects.get(number="X001").is_migrant
    bad = tmp_path / "bad.csv"
    bad.write_text("姓名\n张三\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_members", str(bad), stdout=io.StringIO())


def test_import_page_in_admin_shows_row_errors(client, secretary, members_county):
    client.force_login(secretary)
    upload = io.BytesIO("党员编号,姓名,所在党组织\n,无名,示范县委\n".encode())
    upload.name = "m.csv"
    response = client.post(reverse("members_admin:import"), {"file": upload, "dry_run": "on"})
    body = response.content.decode()
    assert "党员编号为空" in body and "<td>2</td>" in body


def test_my_history_lists_completions_and_progress(client, member, planned):
    from members import services

    start_clocks(member, planned[1], 15)  # credit needs the clocks to have run
    services.record_heartbeat(member.member, planned[1].pk, session="s", ranges=[[0, 30]], position=30, client_time=1)
    client.force_login(member)
    body = client.get(reverse("members:history")).content.decode()
    assert "必学0" in body and "必学1" in body and "30%" in body
