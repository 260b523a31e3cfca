"""branch_life.figures.activity_days: each branch's activity day over several months, in a fixed
number of queries (the supervision app's month table, charts and ranking read it)."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branch_life import figures, services
from branch_life.models import Event
from tests.factories import make_secretary_user


def _event(org, day, **fields):
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    event = Event.objects.create(organisation=org, title="主题党日", starts_at=starts,
                                 ends_at=starts + dt.timedelta(hours=2), month=day.replace(day=1),
                                 **fields)
    services.invite(event)
    return event


def test_held_late_rate_actions_minutes_and_the_months_without(county, people):
    secretary = make_secretary_user(county["county"], "sec-days")
    october, november = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
    services.plan_month(october, root=county["county"])
    moved = Event.objects.get(organisation=county["a"], month=october, from_rule=True)
    planned_day = timezone.localtime(moved.starts_at).date()
    services.move_event(moved, starts_at=moved.starts_at + dt.timedelta(days=3), reason="农忙",
                        by=secretary)
    moved.refresh_from_db()
    for item in list(moved.agenda.filter(required=True))[:3]:
        services.tick_action(item, by=secretary)
    services.roll_call(moved, present=[people["member"].pk, people["a2"].pk], by=secretary,
                       now=moved.ends_at)
    services.save_minutes(moved, host="书记", recorder="委员", minutes="学习讨论", by=secretary)
    on_time = _event(county["b"], dt.date(2026, 11, 9))
    services.roll_call(on_time, present=[people["b1"].pk], by=secretary, now=on_time.ends_at)
    cancelled = _event(county["c"], dt.date(2026, 11, 9))
    cancelled.status = Event.Status.CANCELLED
    cancelled.save()
    ids = [county["a"].pk, county["b"].pk, county["c"].pk]
    with CaptureQueriesContext(connection) as few:
        days = figures.activity_days(ids, [october, november])
    assert len(few.captured_queries) == 5
    a = days[(county["a"].pk, october)]
    invited = a["invited"]
    assert invited == moved.attendance.count() and invited >= 3
    assert a["held"] and a["late"] and a["planned"] == planned_day
    assert a["date"] == planned_day + dt.timedelta(days=3) and a["present"] == 2
    assert a["rate"] == round(200 / invited)
    assert (a["required_done"], a["required_total"]) == (3, 5)
    assert a["minutes"] and a["photos"] == 0
    b = days[(county["b"].pk, november)]
    assert b["held"] and not b["late"] and b["rate"] == 100 and not b["minutes"]
    assert (county["c"].pk, november) not in days  # cancelled: no activity day
    assert (county["a"].pk, november) not in days
