"""The county's rule over month ends, weekends and the official calendar's adjusted holidays
(chinese-calendar's real 2026 data; 2027 is not published in it yet), and planning a month:
idempotent, the same ids on a re-run, the command's JSON."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from branch_life import rules, services, workdays
from branch_life.models import ActivityRule, AgendaItem, Attendance, CalendarDay, Event
from tests.factories import make_organisation

D = dt.date
NEXT = ActivityRule.NonWorking.NEXT_WORKING_DAY
KEEP = ActivityRule.NonWorking.KEEP


def rule(day, policy=NEXT):
    return ActivityRule(day_of_month=day, non_working=policy, start_time=dt.time(9))


def day_of(day, month, policy=NEXT, overrides=None):
    return rules.activity_date(rule(day, policy), month, workdays.WorkingDays(overrides or {}))


@pytest.mark.parametrize(("day", "month", "expected", "why"), [
    (8, D(2026, 12, 1), D(2026, 12, 8), "a Tuesday: kept"),
    (8, D(2026, 11, 1), D(2026, 11, 9), "a Sunday: the Monday after"),
    (8, D(2026, 8, 1), D(2026, 8, 10), "a Saturday: the Monday after"),
    (8, D(2026, 3, 1), D(2026, 3, 9), "a Sunday"),
    (1, D(2026, 10, 1), D(2026, 10, 8), "National Day holiday 1-7 Oct: Thursday the 8th"),
    (15, D(2026, 2, 1), D(2026, 2, 24), "Spring Festival 15-23 Feb: the 24th"),
    (14, D(2026, 2, 1), D(2026, 2, 14), "a Saturday made a working day (调休): kept"),
    (9, D(2026, 5, 1), D(2026, 5, 9), "Saturday 9 May 2026 is a working day"),
    (1, D(2026, 5, 1), D(2026, 5, 6), "Labour Day 1-5 May: the 6th"),
    (31, D(2026, 4, 1), D(2026, 4, 30), "30 days: the last day, a working Thursday"),
    (31, D(2026, 2, 1), D(2026, 2, 28), "28 days: the 28th, a working Saturday (调休)"),
    (31, D(2026, 1, 1), D(2026, 1, 30), "Sat 31 Jan: no working day left, the Friday before"),
    (30, D(2026, 5, 1), D(2026, 5, 29), "Sat 30 May, Sun 31: the Friday before"),
])
def test_the_rule_by_the_official_calendar(day, month, expected, why):
    assert day_of(day, month) == expected, why


def test_keep_holds_the_day_whatever_it_is():
    assert day_of(8, D(2026, 11, 1), KEEP) == D(2026, 11, 8)
    assert day_of(1, D(2026, 10, 1), KEEP) == D(2026, 10, 1)
    assert day_of(31, D(2026, 2, 1), KEEP) == D(2026, 2, 28)


def test_a_year_the_calendar_does_not_know_falls_back_to_weekends_and_overrides():
    assert workdays.official(D(2026, 6, 1))
    assert not workdays.official(D(2027, 1, 8))
    assert day_of(8, D(2027, 5, 1)) == D(2027, 5, 10)  # Saturday 8 May 2027: the Monday
    assert day_of(8, D(2027, 1, 1)) == D(2027, 1, 8)  # a Friday
    # The county enters the holidays once published: CalendarDay rows override.
    assert day_of(8, D(2027, 1, 1), overrides={D(2027, 1, 8): False}) == D(2027, 1, 11)
    assert day_of(8, D(2027, 5, 1), overrides={D(2027, 5, 8): True}) == D(2027, 5, 8)


@pytest.mark.django_db
def test_calendar_days_in_the_database_override_the_package():
    CalendarDay.objects.create(date=D(2026, 12, 8), working=False, note="县里的节日")
    assert rules.activity_date(rule(8), D(2026, 12, 1), workdays.WorkingDays()) == D(2026, 12, 9)


def test_parse_month():
    assert rules.parse_month("2026-03") == D(2026, 3, 1)
    for bad in ("2026", "26-03", "2026-13", "x", "", "2026-03-01"):
        with pytest.raises(ValueError):
            rules.parse_month(bad)


@pytest.mark.django_db
def test_planning_is_idempotent_and_follows_the_nearest_rule(county, people):
    first = services.plan_month(D(2026, 11, 1))
    branches = {county["a"].pk, county["b"].pk, county["c"].pk}
    assert {row["organisation"] for row in first} == branches
    assert {row["date"] for row in first} == {"2026-11-09"}
    assert services.plan_month(D(2026, 11, 1)) == first
    assert Event.objects.count() == 3
    event_a = Event.objects.get(organisation=county["a"])
    assert timezone.localtime(event_a.starts_at).time() == dt.time(9, 0)
    # The five required actions, and an invitation for everyone in branch a and its group.
    assert list(event_a.agenda.values_list("title", flat=True))[:2] == ["现场缴纳党费", "诵读党章"]
    assert AgendaItem.objects.filter(event=event_a, required=True).count() == 5
    assert set(event_a.attendance.values_list("member_id", flat=True)) == {
        people["member"].pk, people["a2"].pk, people["grouped"].pk}
    # A rule lower down wins for its subtree; a moved event stays moved on a re-run.
    ActivityRule.objects.create(organisation=county["village"], day_of_month=20)
    services.move_event(event_a, starts_at=event_a.starts_at + dt.timedelta(days=1),
                        reason="村里收割", by=_admin())
    again = services.plan_month(D(2026, 11, 1))
    assert again == [dict(row, date="2026-11-10") if row["organisation"] == county["a"].pk else row
                     for row in first]
    december = {row["organisation"]: row["date"] for row in services.plan_month(D(2026, 12, 1))}
    assert december[county["c"].pk] == "2026-12-21"  # Sunday the 20th: Monday
    assert december[county["a"].pk] == "2026-12-08"


def _admin():
    from tests.factories import make_admin_user

    return make_admin_user()


@pytest.mark.django_db
def test_a_branch_without_a_rule_above_it_is_not_planned(members_county):
    other = make_organisation("另一个县")
    make_organisation("无规则支部", parent=other)
    ActivityRule.objects.create(organisation=members_county["town"])
    rows = services.plan_month(D(2026, 12, 1))
    assert {row["organisation"] for row in rows} == {members_county["a"].pk, members_county["b"].pk}


@pytest.mark.django_db
def test_command_prints_the_same_json_twice(county, people):
    def run():
        out = io.StringIO()
        call_command("plan_activity_days", "--month", "2026-10", "--json", stdout=out)
        return json.loads(out.getvalue())

    rows = run()
    assert rows == run()
    assert len(rows) == 3
    assert set(rows[0]) == {"event", "organisation", "date"}
    assert {row["date"] for row in rows} == {"2026-10-08"}
    assert Attendance.objects.filter(event_id=rows[0]["event"]).exists()
    text = io.StringIO()
    call_command("plan_activity_days", "--month", "2026-10", stdout=text)
    assert "3 activity days in 2026-10" in text.getvalue()


@pytest.mark.django_db
def test_command_refuses_a_bad_month(county):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("plan_activity_days", "--month", "2026/10")
