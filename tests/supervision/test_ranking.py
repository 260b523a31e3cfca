"""The quarterly ranking on a small case computed by hand (2025's fourth quarter)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from branch_life import services
from branch_life.models import AgendaItem
from supervision import ranking
from supervision.models import BranchRule, Inspection, Rectification
from tests.supervision.conftest import FIVE, at, theme_day

K = BranchRule.Kind
Q4 = dt.date(2025, 10, 1)


def _rules(org, **points):
    for kind, value in points.items():
        threshold = {"attendance": 80, "completion": 50, "quiz": 50}.get(kind)
        BranchRule.objects.create(organisation=org, kind=kind, points=Decimal(value),
                                  threshold=threshold)


def _held(event, officer, present, *, actions):
    for order, (kind, title) in enumerate(FIVE):
        AgendaItem.objects.create(event=event, kind=kind, title=title, required=True,
                                  sort_order=order, done=actions)
    services.roll_call(event, present=present, by=officer, now=event.ends_at)


def _quarter(county, people, officer):
    _rules(county["county"], day_on_time=10, day_late=5, day_missed=-10, attendance=5, actions=3,
           completion=4, quiz=2, finding=-2, overdue=-3, quiet=-1)
    a = county["a"]
    october = theme_day(a, dt.date(2025, 10, 9), from_rule=True)
    _held(october, officer, [people["zhang"].pk, people["li"].pk, people["wang"].pk], actions=True)
    november = theme_day(a, dt.date(2025, 11, 10), from_rule=True)
    services.move_event(november, starts_at=at(dt.date(2025, 11, 17)), reason="农忙", by=officer)
    november.refresh_from_db()
    _held(november, officer, [people["zhang"].pk, people["li"].pk], actions=False)
    inspection = Inspection.objects.create(organisation=a, date=dt.date(2025, 11, 15),
                                           inspectors="县委组织部")
    Rectification.objects.create(organisation=a, inspection=inspection, what="会议记录不全",
                                 owner="张三", deadline=dt.date(2025, 12, 1))
    Rectification.objects.create(
        organisation=a, inspection=inspection, what="党费未按时收缴", owner="李四",
        deadline=dt.date(2025, 12, 1), status=Rectification.Status.CLOSED, evidence="已补缴",
        closed_at=timezone.make_aware(dt.datetime(2025, 11, 25, 10)))


def test_points_by_hand(county, people, officer):
    _quarter(county, people, officer)
    rows, rule_set = ranking.league(county["county"], Q4)
    by_name = {r["name"]: r for r in rows}
    a = {p["kind"]: (p["count"], p["points"]) for p in by_name["城关镇第一党支部"]["parts"]}
    # October on time (+10), all present (+5), five actions (+3); November late (+5), 2 of 3
    # present, actions not done; December not held (−10); two findings (−4), one of them still
    # open after its deadline (−3); nobody quiet (王五 attended in October).
    assert a[K.DAY_ON_TIME] == (1, Decimal(10)) and a[K.DAY_LATE] == (1, Decimal(5))
    assert a[K.DAY_MISSED] == (1, Decimal(-10)) and a[K.ATTENDANCE] == (1, Decimal(5))
    assert a[K.ACTIONS] == (1, Decimal(3)) and a[K.FINDING] == (2, Decimal(-4))
    assert a[K.OVERDUE] == (1, Decimal(-3)) and a[K.QUIET] == (0, 0)
    assert a[K.COMPLETION] == (0, 0) and a[K.QUIZ] == (0, 0)
    assert by_name["城关镇第一党支部"]["total"] == Decimal(6)
    # b: three months missed (−30), 赵六 and 钱七 quiet (−2); c: three missed, nobody to be quiet.
    assert by_name["城关镇第二党支部"]["total"] == Decimal(-32)
    assert by_name["河西村党支部"]["total"] == Decimal(-30)
    assert [(r["rank"], r["name"]) for r in rows] == [
        (1, "城关镇第一党支部"), (2, "河西村党支部"), (3, "城关镇第二党支部")]


def test_a_township_ranks_its_own_branches_by_its_own_rules(county, people, officer):
    _quarter(county, people, officer)
    _rules(county["town"], day_missed=-1)
    rows, rule_set = ranking.league(county["town"], Q4)
    assert set(rule_set) == {K.DAY_MISSED}
    assert [(r["name"], r["total"]) for r in rows] == [
        ("城关镇第一党支部", Decimal(-1)), ("城关镇第二党支部", Decimal(-3))]


def test_equal_points_equal_rank_and_the_history(county, people, officer):
    _rules(county["county"], day_missed=-10)
    rows, _rules_ = ranking.league(county["county"], Q4)
    assert {r["rank"] for r in rows} == {1} and {r["total"] for r in rows} == {Decimal(-30)}
    history = ranking.history(county["county"], county["a"].pk, Q4, count=2)
    assert [h["label"] for h in history] == ["2025年第3季度", "2025年第4季度"]
    assert history[-1]["total"] == Decimal(-30) and history[-1]["of"] == 3


def test_the_league_page_its_export_and_a_branch_history(client, county, people, officer,
                                                         town_secretary):
    import io

    import openpyxl

    _quarter(county, people, officer)
    client.force_login(town_secretary)
    page = client.get("/supervision/ranking/?quarter=2025-11").content.decode()
    assert "2025年第4季度" in page and "城关镇第一党支部" in page and "河西村党支部" not in page
    xlsx = client.get(f"/supervision/ranking/?org={county['town'].pk}&quarter=2025-10&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [1, "城关镇第一党支部", 6] in [r[:3] for r in values]
    history = client.get(f"/supervision/ranking/{county['a'].pk}/?org={county['town'].pk}"
                         "&quarter=2025-10").content.decode()
    assert "第1名（共2个），6.0分" in history
    assert client.get(f"/supervision/ranking/{county['c'].pk}/").status_code == 404
