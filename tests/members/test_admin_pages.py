"""The secretaries' admin pages (members.viewsets, members.admin_views): every page renders for a
secretary and an administrator, the StudyPlan viewset keeps today's scope and validation, the
exports carry the BOM and the formula guard, the paths and URL names stay those of before."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from lectures.models import CoursePage
from members.models import Completion, Member, StudyPlan, StudyPlanItem
from members.plans import month_start
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(members_county, secretary, admin_user, make_lesson):
    county = members_county
    lessons = [make_lesson(kind="video", duration=60, title=f"第{n}课") for n in range(3)]
    inside = make_member(county["a"], name="本支部党员")
    outside = make_member(county["c"], name="外支部党员", phone="13999999999")
    month = month_start()
    own = StudyPlan.objects.create(organisation=county["a"], month=month, title="本支部计划")
    StudyPlanItem.objects.create(plan=own, page=lessons[0], required=True)
    above = StudyPlan.objects.create(organisation=county["town"], month=month, title="镇计划")
    away = StudyPlan.objects.create(organisation=county["c"], month=month, title="外支部计划")
    return {
        "county": county, "lessons": lessons, "inside": inside, "outside": outside,
        "own": own, "above": above, "away": away, "month": month,
        "users": {"secretary": secretary, "admin": admin_user},
    }


def test_paths_and_names_are_those_of_before():
    assert reverse("members_admin:index") == "/admin/learning/"
    assert reverse("members_admin:rates") == "/admin/learning/rates/"
    assert reverse("members_admin:not_studied") == "/admin/learning/not-studied/"
    assert reverse("members_admin:members") == "/admin/learning/members/"
    assert reverse("members_admin:member", args=[7]) == "/admin/learning/members/7/"
    assert reverse("members_admin:plans") == "/admin/learning/plans/"
    assert reverse("members_admin:plan_new") == "/admin/learning/plans/new/"
    assert reverse("members_admin:plan_edit", args=[7]) == "/admin/learning/plans/7/"
    assert reverse("members_admin:plan_matrix", args=[7]) == "/admin/learning/plans/7/matrix/"
    assert reverse("members_admin:course_matrix", args=[7]) == "/admin/learning/courses/7/matrix/"
    assert reverse("members_admin:record") == "/admin/learning/record/"
    assert reverse("members_admin:import") == "/admin/learning/import/"


@pytest.mark.parametrize("role", ["secretary", "admin"])
def test_every_page_renders(client, world, role):
    client.force_login(world["users"][role])
    a = world["county"]["a"].pk
    course = CoursePage.objects.get(slug="members-test-course")
    pages = {
        reverse("members_admin:index"): "近期学习计划",
        reverse("members_admin:rates") + f"?org={a}": "完成率%",
        reverse("members_admin:not_studied") + f"?org={a}": "未学项目",
        reverse("members_admin:members") + f"?org={a}": "本支部党员",
        reverse("members_admin:member", args=[world["inside"].pk]): "的学习记录",
        reverse("members_admin:plans"): "本支部计划",
        reverse("members_admin:plan_new"): "新建学习计划",
        reverse("members_admin:plan_edit", args=[world["own"].pk]): "编辑学习计划",
        reverse("members_admin:plan_matrix", args=[world["own"].pk]): "第0课",
        reverse("members_admin:course_matrix", args=[course.pk]) + f"?org={a}": "第2课",
        reverse("members_admin:record") + f"?org={a}": "登记集中学习 / 补录完成",
        reverse("members_admin:import"): "从表格导入党员",
    }
    for url, text in pages.items():
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert text in body, url
        # The area's heading and tabs, as before (and no button of a generic view's header).
        assert "学习记录" in body and 'href="/admin/learning/not-studied/"' in body, url
        assert "button--icon" not in body.split('id="header-title"')[1].split("</header>")[0], url


def test_the_menu_item_is_for_secretaries_and_administrators(client, world, editor):
    for user, shown in ((world["users"]["secretary"], True), (world["users"]["admin"], True), (editor, False)):
        client.force_login(user)
        assert ("/admin/learning/" in client.get("/admin/").content.decode()) is shown


def plan_data(world, **changes):
    lessons = world["lessons"]
    data = {
        "organisation": world["county"]["a"].pk, "month": f"{world['month']:%Y-%m}", "title": "七月计划",
        "meeting_date": "", "place": "党员活动室", "note": "",
        "required_items": [lessons[2].pk, lessons[0].pk], "optional_items": [lessons[1].pk],
        "members": [],
    }
    data.update(changes)
    return data


def test_a_secretary_creates_and_edits_a_plan(client, world):
    secretary = world["users"]["secretary"]
    client.force_login(secretary)
    response = client.post(reverse("members_admin:plan_new"), plan_data(world, meeting_date="2026-07-01"))
    assert (response.status_code, response["Location"]) == (302, reverse("members_admin:plans"))
    plan = StudyPlan.objects.get(title="七月计划")
    assert plan.created_by == secretary and plan.month == world["month"] and plan.place == "党员活动室"
    lessons = world["lessons"]
    items = list(plan.items.values_list("page_id", "required", "sort_order"))
    assert items == [(lessons[0].pk, True, 0), (lessons[2].pk, True, 1), (lessons[1].pk, False, 2)]
    assert "学习计划已保存。" in client.get(response["Location"]).content.decode()

    edit = reverse("members_admin:plan_edit", args=[plan.pk])
    form = client.get(edit).content.decode()
    # The month as typed, the meeting date as a date input shows it (ISO), the items checked.
    assert f'value="{world["month"]:%Y-%m}"' in form and "七月计划" in form
    assert 'type="date" name="meeting_date" value="2026-07-01"' in form
    assert f'value="{lessons[1].pk}" id="id_optional_items_1" checked' in form
    changed = plan_data(world, title="七月计划（改）", meeting_date="2026-07-01", required_items=[lessons[1].pk], optional_items=[],
                        members=[world["inside"].pk])
    assert client.post(edit, changed).status_code == 302
    plan.refresh_from_db()
    assert plan.title == "七月计划（改）" and plan.created_by == secretary
    assert plan.meeting_date == dt.date(2026, 7, 1)
    assert list(plan.items.values_list("page_id", "required")) == [(lessons[1].pk, True)]
    assert list(plan.members.all()) == [world["inside"]]
    # Wagtail's audit log records both.
    assert ModelLogEntry.objects.filter(object_id=str(plan.pk)).count() == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"month": "2026/07"}, "月份格式应为 2026-03。"),
        ({"optional_items": "same"}, "同一内容不能既是必学又是选学。"),
        ({"organisation": "b"}, "指定的党员必须属于该党组织。"),
        ({"members": "outside"}, "选择一个有效的选项"),
        ({"organisation": "c"}, "选择一个有效的选项"),
        ({"required_items": []}, "必需字段"),
    ],
)
def test_the_plan_form_refuses_what_it_refused(client, world, change, message):
    client.force_login(world["users"]["secretary"])
    data = plan_data(world, members=[world["inside"].pk])
    key, value = next(iter(change.items()))
    if value == "same":
        value = data["required_items"][:1]
    elif value == "outside":
        value = [world["outside"].pk]
    elif value in ("b", "c"):
        # b: a visible organisation the chosen member is not in; c: outside the secretary's scope.
        value = (world["county"]["group"] if value == "b" else world["county"]["c"]).pk
    data[key] = value
    response = client.post(reverse("members_admin:plan_new"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StudyPlan.objects.filter(title="七月计划").exists()


def test_only_plans_in_scope_are_editable(client, world):
    client.force_login(world["users"]["secretary"])
    for plan in (world["above"], world["away"]):
        url = reverse("members_admin:plan_edit", args=[plan.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, plan_data(world)).status_code == 404
    listing = client.get(reverse("members_admin:plans")).content.decode()
    # The county's plan above the branch is listed (it applies to the branch) but not editable.
    edit_link = 'href="{}"'.format
    assert "镇计划" in listing
    assert edit_link(reverse("members_admin:plan_edit", args=[world["above"].pk])) not in listing
    assert edit_link(reverse("members_admin:plan_edit", args=[world["own"].pk])) in listing
    assert "外支部计划" not in listing
    # An administrator edits any plan.
    client.force_login(world["users"]["admin"])
    assert client.get(reverse("members_admin:plan_edit", args=[world["away"].pk])).status_code == 200


def test_exports_stream_with_the_bom_and_the_formula_guard(client, world):
    make_member(world["county"]["a"], name="=HYPERLINK(\"http://x\")", phone="13800000777")
    client.force_login(world["users"]["secretary"])
    url = reverse("members_admin:not_studied") + f"?org={world['county']['a'].pk}"
    csv_response = client.get(url + "&export=csv")
    assert csv_response.streaming and csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"].startswith('attachment; filename="not-studied-')
    raw = b"".join(csv_response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    xlsx = client.get(url + "&export=xlsx")
    assert xlsx.streaming and ".xlsx" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    names = [row[1].value for row in sheet.iter_rows(min_row=3)]
    assert "'=HYPERLINK(\"http://x\")" in names


def test_page_links_keep_the_filters(client, world):
    client.force_login(world["users"]["secretary"])
    a = world["county"]["a"].pk
    body = client.get(reverse("members_admin:not_studied") + f"?org={a}&month=2026-03").content.decode()
    assert f"?org={a}&amp;month=2026-03&amp;export=csv" in body
    assert 'value="2026-03"' in body


def test_record_page_records_and_redirects_to_the_organisation(client, world):
    client.force_login(world["users"]["secretary"])
    a = world["county"]["a"].pk
    page = client.get(reverse("members_admin:record") + f"?org={a}").content.decode()
    assert f'type="date" name="date" value="{dt.date.today().isoformat()}"' in page
    data = {"org": a, "item": world["lessons"][0].pk, "members": [world["inside"].pk], "how": "group",
            "date": dt.date.today().isoformat(), "place": "", "note": ""}
    response = client.post(reverse("members_admin:record"), data)
    assert (response.status_code, response["Location"]) == (302, f"/admin/learning/record/?org={a}")
    assert world["inside"].completions.get().how == "group"


def test_one_record_covers_several_lessons_and_select_all_needs_no_javascript(client, world):
    client.force_login(world["users"]["secretary"])
    org = world["county"]["a"]
    lessons = world["lessons"][:2]
    data = {"org": org.pk, "item": [lesson.pk for lesson in lessons], "everyone": "on", "how": "group",
            "date": dt.date.today().isoformat(), "place": "党员活动室", "note": ""}
    response = client.post(reverse("members_admin:record"), data, follow=True)
    current = Member.objects.filter(branch__path__startswith=org.path, status__in=Member.CURRENT)
    assert current.count() >= 2
    for lesson in lessons:
        assert Completion.objects.filter(page=lesson, member__in=current).count() == current.count()
    assert response.content.decode().count("名党员登记完成") == 2
    # Neither ticked nor "all": a clear error, nothing recorded.
    Completion.objects.all().delete()
    refused = client.post(reverse("members_admin:record"), {**data, "everyone": ""})
    assert refused.status_code == 200 and "请选择党员，或勾选“全选”" in refused.content.decode()
    assert not Completion.objects.exists()


def test_the_formula_guard_covers_headings_and_tab_or_return_starts(client, world):
    """A matrix export's headings are lesson titles editors typed; a cell starting with a tab or a
    carriage return is run as a formula too once the spreadsheet drops that character."""
    lesson = world["lessons"][0]
    lesson.title = "=HYPERLINK(\"http://x\",\"第一课\")"
    lesson.save_revision().publish()
    make_member(world["county"]["a"], name="\t=1+1", phone="13800000778")
    client.force_login(world["users"]["secretary"])
    url = reverse("members_admin:plan_matrix", args=[world["own"].pk])
    xlsx = client.get(url + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    cells = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert any(value.startswith("'=HYPERLINK") for value in cells), cells
    assert "'\t=1+1" in cells
    assert not any(value.startswith(("=", "\t")) for value in cells)
    text = b"".join(client.get(url + "?export=csv").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'\t=1+1" in text
