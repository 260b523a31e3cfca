"""Fixtures of supervision: the members county (tests.factories.make_county) with the county's
activity-day rule and five required actions, people in branches a and b, and a month two
months back in which branch a held its activity day and branch b did not."""

import datetime as dt

import pytest
from django.utils import timezone

from branch_life import services
from branch_life.models import ActionKind, ActivityRule, AgendaItem, Event, RequiredAction
from tests.factories import make_member, make_officer_user, make_secretary_user

FIVE = (
    (ActionKind.DUES, "现场缴纳党费"),
    (ActionKind.CONSTITUTION, "诵读党章"),
    (ActionKind.LESSON, "学习一堂党课"),
    (ActionKind.OATH, "重温入党誓词"),
    (ActionKind.SHARING, "党员谈体会"),
)


def months_back(n, today=None):
    month = (today or timezone.localdate()).replace(day=1)
    for _i in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def at(day, hour=9):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def theme_day(org, day, **fields):
    event = Event.objects.create(organisation=org, title="主题党日", starts_at=at(day),
                                 ends_at=at(day, 11), month=day.replace(day=1), **fields)
    services.invite(event)
    return event


@pytest.fixture
def county(members_county):
    root = members_county["county"]
    ActivityRule.objects.create(organisation=root, day_of_month=8, start_time=dt.time(9, 0))
    for order, (kind, title) in enumerate(FIVE):
        RequiredAction.objects.create(organisation=root, kind=kind, title=title, sort_order=order)
    return members_county


@pytest.fixture
def officer(county):
    return make_officer_user("officer", organisation=county["county"])


@pytest.fixture
def town_secretary(county):
    return make_secretary_user(county["town"], "town-sec")


@pytest.fixture
def people(county):
    """Branch a: 张三, 李四, 王五 (+ the town secretary when made: not in a); b: 赵六, 钱七 (lost contact)."""
    from members.models import Member

    return {
        "zhang": make_member(county["a"], name="张三"),
        "li": make_member(county["a"], name="李四"),
        "wang": make_member(county["a"], name="王五"),
        "zhao": make_member(county["b"], name="赵六"),
        "qian": make_member(county["b"], name="钱七", status=Member.Status.LOST),
    }


@pytest.fixture
def held_month(county, people, officer):
    """Two months back: branch a held its day on the 10th, 2 of 3 present, five actions done,
    minutes written, no photo; branch b's day was planned on the 9th and never held."""
    month = months_back(2)
    event = theme_day(county["a"], month.replace(day=10), from_rule=True)
    for order, (kind, title) in enumerate(FIVE):
        item = AgendaItem.objects.create(event=event, kind=kind, title=title, required=True,
                                         sort_order=order)
        services.tick_action(item, by=officer)
    services.roll_call(event, present=[people["zhang"].pk, people["li"].pk], by=officer,
                       now=event.ends_at)
    services.save_minutes(event, host="张三", recorder="李四", minutes="学习讨论", by=officer)
    missed = theme_day(county["b"], month.replace(day=9), from_rule=True)
    return {"month": month, "event": event, "missed": missed}
