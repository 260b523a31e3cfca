"""The month at a glance: the numbers of each branch, the attention mark, scope, a fixed number
of queries, the export, the drill-down and the charts."""

import io

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supervision import glance
from tests.factories import make_member, make_organisation, make_secretary_user
from tests.supervision.conftest import theme_day


def _rows(root, month):
    rows, summary = glance.month_rows(root, month)
    return {r["name"]: r for r in rows}, summary


def test_each_branch_its_numbers_and_why_it_needs_attention(county, people, held_month):
    rows, summary = _rows(county["county"], held_month["month"])
    a, b, c = rows["城关镇第一党支部"], rows["城关镇第二党支部"], rows["河西村党支部"]
    assert a["state"] == "held" and a["date"] == held_month["month"].replace(day=10)
    assert (a["present"], a["invited"], a["rate"]) == (2, 3, 67)
    assert (a["required_done"], a["required_total"]) == (5, 5)
    assert a["minutes"] and a["photos"] == 0
    # 王五 has done nothing at all: quiet; 2 of 3 present is below 80 %; no photo.
    assert (a["headcount"], a["quiet"], a["lost"]) == (3, 1, 0)
    assert a["reasons"] == ["attendance", "photos", "quiet"]
    assert b["state"] == "missed" and b["rate"] is None and b["event"] == held_month["missed"].pk
    assert (b["headcount"], b["quiet"], b["lost"]) == (2, 2, 1)
    assert b["reasons"][0] == "missed"
    assert c["state"] == "missed" and c["event"] is None  # nothing planned in a past month
    assert summary["branches"] == 3 and summary["held"] == 1 and summary["missed"] == 2
    assert summary["attendance"] == 67 and summary["attention"] == 3 and summary["lost"] == 1


def test_late_day_and_the_planned_state(county, people, officer, held_month):
    from branch_life import services

    event = held_month["missed"]
    services.move_event(event, starts_at=event.starts_at.replace(day=20), reason="农忙",
                        by=officer)
    event.refresh_from_db()
    services.roll_call(event, present=[people["zhao"].pk], by=officer, now=event.ends_at)
    rows, _summary = _rows(county["county"], held_month["month"])
    b = rows["城关镇第二党支部"]
    assert b["state"] == "late" and b["late"] and b["planned"] == held_month["month"].replace(day=9)
    assert b["rate"] == 100 and "late" in b["reasons"]


def test_queries_do_not_grow_with_the_branches(county, people, held_month):
    def count():
        with CaptureQueriesContext(connection) as queries:
            glance.month_rows(county["county"], held_month["month"])
        return len(queries.captured_queries)

    before = count()
    for i in range(4):
        branch = make_organisation(f"新建第{i}支部", parent=county["village"])
        make_member(branch)
        theme_day(branch, held_month["month"].replace(day=12))
    assert count() == before


def test_a_township_sees_its_branches_a_branch_only_itself(client, county, people, held_month,
                                                             town_secretary):
    month = f"{held_month['month']:%Y-%m}"
    client.force_login(town_secretary)
    page = client.get(f"/supervision/?month={month}").content.decode()
    assert "城关镇第一党支部" in page and "城关镇第二党支部" in page and "河西村党支部" not in page
    assert client.get(f"/supervision/?org={county['c'].pk}").status_code == 404
    assert client.get(f"/supervision/branch/{county['c'].pk}/").status_code == 404
    branch_secretary = make_secretary_user(county["a"], "a-sec")
    client.force_login(branch_secretary)
    page = client.get(f"/supervision/?month={month}").content.decode()
    assert "城关镇第一党支部" in page and "城关镇第二党支部" not in page
    assert client.get(f"/supervision/?org={county['town'].pk}").status_code == 404
    client.force_login(people["zhang"].user)
    assert client.get("/supervision/").status_code == 403
    client.logout()
    assert client.get("/supervision/").status_code == 302


def test_the_page_marks_exports_and_drills_down(client, county, people, held_month, officer):
    client.force_login(officer)
    month = f"{held_month['month']:%Y-%m}"
    page = client.get(f"/supervision/?org={county['town'].pk}&month={month}").content.decode()
    assert page.count('class="sv-attention"') == 2 and "参加率偏低" in page
    assert f"/activity/events/{held_month['event'].pk}/" in page
    xlsx = client.get(f"/supervision/?org={county['town'].pk}&month={month}&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    headings = next(r for r in values if r[0] == "党组织")
    first = next(r for r in values if r[0] == "城关镇第一党支部")
    assert first[headings.index("参加率%")] in (67, "67")
    assert first[headings.index("规定动作")] == "5/5"
    assert "缺活动照片" in first[headings.index("需关注")]
    detail = client.get(f"/supervision/branch/{county['a'].pk}/?month={month}").content.decode()
    assert "王五" in detail and "缺席" in detail and "<svg" in detail
    lost = client.get(f"/supervision/branch/{county['b'].pk}/?month={month}").content.decode()
    assert "钱七" in lost


def test_trends_chart_has_the_months_numbers(client, county, people, held_month, officer):
    client.force_login(officer)
    month = f"{held_month['month']:%Y-%m}"
    points = glance.history(county["county"], held_month["month"])
    assert len(points) == 12 and points[-1]["attendance"] == 67
    assert all(p["attendance"] is None for p in points[:-1])
    page = client.get(f"/supervision/trends/?org={county['county'].pk}&month={month}").content.decode()
    assert "<svg" in page and "参加率: 67%" in page and "<script" not in page.split("<svg")[1].split("</svg>")[0]
