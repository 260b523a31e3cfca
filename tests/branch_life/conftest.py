"""Fixtures of branch life: the members county (tests.factories.make_county) with the county's
rule on its root and the five required actions of the demo."""

import datetime as dt

import pytest
from django.utils import timezone

from branch_life import services
from branch_life.models import ActionKind, ActivityRule, Event, RequiredAction
from tests.factories import make_member

FIVE = (
    (ActionKind.DUES, "现场缴纳党费"),
    (ActionKind.CONSTITUTION, "诵读党章"),
    (ActionKind.LESSON, "学习一堂党课"),
    (ActionKind.OATH, "重温入党誓词"),
    (ActionKind.SHARING, "党员谈体会"),
)


@pytest.fixture
def county(members_county):
    root = members_county["county"]
    ActivityRule.objects.create(organisation=root, day_of_month=8, start_time=dt.time(9, 0))
    for order, (kind, title) in enumerate(FIVE):
        RequiredAction.objects.create(organisation=root, kind=kind, title=title, sort_order=order)
    return members_county


@pytest.fixture
def people(county, member):
    """Branch a: the `member` fixture plus two more; branch b: one member."""
    return {
        "member": member.member,
        "a2": make_member(county["a"], name="李四"),
        "grouped": make_member(county["group"], name="王五"),
        "b1": make_member(county["b"], name="赵六"),
    }


def event_now(organisation, *, by=None, minutes_from_start=5, kind=Event.Kind.THEME_DAY):
    """A planned event that started a few minutes ago (its check-in window is open)."""
    starts = timezone.now() - dt.timedelta(minutes=minutes_from_start)
    event = Event.objects.create(
        organisation=organisation, kind=kind, title="主题党日", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2), month=timezone.localdate().replace(day=1),
    )
    services.invite(event)
    return event
