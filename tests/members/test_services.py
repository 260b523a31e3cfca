"""C4 services used by lectures and offline: item_states, rule lock, recorded completions."""

import contextlib
import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from members import services
from members.models import Completion, ItemProgress, StudyPlan, StudyPlanItem
from tests.factories import make_member

from .conftest import age_member_clock, start_clocks

pytestmark = pytest.mark.django_db


def test_item_states_for_many_pages_in_a_fixed_number_of_queries(
    member, make_lesson, django_assert_max_num_queries
):
    lessons = [make_lesson(kind="video", duration=100, title=f"第{n}课") for n in range(6)]
    m = member.member
    start_clocks(member, lessons[0], 30)  # credit needs the clocks to have run
    services.record_heartbeat(m, lessons[0].pk, session="s", ranges=[[0, 40]], position=40, client_time=1)
    Completion.objects.create(member=m, page_id=lessons[1].pk, completed_at=dt.datetime.now(dt.UTC))
    ids = [p.pk for p in lessons]
    services.item_states(member, ids)  # warm the rule cache like a running site
    with django_assert_max_num_queries(3):
        states = services.item_states(member, ids)
    assert states[lessons[0].pk] == {"state": "in_progress", "coverage": 0.4, "position": 40.0}
    assert states[lessons[1].pk]["state"] == "completed"
    assert states[lessons[2].pk] == {"state": "not_started", "coverage": 0.0, "position": 0.0}


def test_item_states_for_anonymous_is_all_not_started(video):
    from django.contrib.auth.models import AnonymousUser

    assert services.item_states(AnonymousUser(), [video.pk])[video.pk]["state"] == "not_started"


def test_rule_is_locked_once_anyone_completed(member, video):
    assert services.completion_rule_locked(video) is False
    services.record_completions(
        page=video, members=[member.member], how="reported", set_by=member, date=dt.date.today()
    )
    assert services.completion_rule_locked(video) is True


def test_secretary_records_a_group_viewing_for_ten_members_in_one_step(
    secretary, members_county, video
):
    branch = members_county["a"]
    people = [make_member(branch) for _ in range(10)]
    day = dt.date.today() - dt.timedelta(days=2)
    made = services.record_completions(
        page=video, members=people, how="group", set_by=secretary, date=day,
        place="村委会议室", note="支部活动日集中观看",
    )
    assert made == 10
    rows = Completion.objects.filter(page_id=video.pk)
    assert rows.count() == 10
    assert {(r.how, r.set_by_id, r.place) for r in rows} == {("group", secretary.pk, "村委会议室")}
    assert {r.completed_at.astimezone().date() for r in rows} == {day}
    # Again: nobody is recorded twice, the first record stays.
    assert services.record_completions(
        page=video, members=people, how="recorded", set_by=secretary, date=dt.date.today()
    ) == 0
    assert set(rows.values_list("how", flat=True)) == {"group"}


def test_secretary_cannot_record_outside_their_subtree(secretary, members_county, video):
    outsider = make_member(members_county["c"])
    with pytest.raises(PermissionDenied):
        services.record_completions(
            page=video, members=[outsider], how="group", set_by=secretary, date=dt.date.today()
        )
    assert not Completion.objects.exists()


def test_members_report_only_themselves(member, members_county, video):
    other = make_member(members_county["a"])
    with pytest.raises(PermissionDenied):
        services.record_completions(
            page=video, members=[other], how="reported", set_by=member, date=dt.date.today()
        )


def test_my_items_lists_plan_items_with_state(client, member, members_county, make_lesson):
    lessons = [make_lesson(kind="video", duration=100, title=f"课{n}") for n in range(3)]
    plan = StudyPlan.objects.create(
        organisation=members_county["town"], month=dt.date.today().replace(day=1), title="三月计划"
    )
    for n, lesson in enumerate(lessons[:2]):
        StudyPlanItem.objects.create(plan=plan, page=lesson, required=n == 0, sort_order=n)
    start_clocks(member, lessons[2], 15)
    services.record_heartbeat(
        member.member, lessons[2].pk, session="s", ranges=[[0, 10]], position=10, client_time=1
    )
    client.force_login(member)
    items = client.get("/api/v1/me/items").json()
    assert [i["id"] for i in items] == [lessons[0].pk, lessons[1].pk, lessons[2].pk]
    first = items[0]
    assert (first["title"], first["kind"], first["duration"], first["state"], first["required"]) == (
        "课0", "video", 100.0, "not_started", True,
    )
    assert items[2]["state"] == "in_progress"


@contextlib.contextmanager
def tabs(work, args):
    """Runs work(arg) for each arg in a thread of its own (its own database connection), as the
    member's tabs; the block runs while they do, and yields the list of errors they raised, full
    once the block ends (every thread joined)."""
    errors = []

    def tab(arg):
        from django.db import connection as thread_connection

        try:
            work(arg)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=tab, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    try:
        yield errors
    finally:
        for thread in threads:
            thread.join()


@pytest.mark.django_db(transaction=True)
def test_two_tabs_at_once_lose_no_interval_and_complete_once(member, make_lesson):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL; SQLite serialises writers")
    lesson = make_lesson(kind="video", duration=100)
    m = member.member
    services.record_heartbeat(m, lesson.pk, session="a", ranges=[], position=0, client_time=0)
    ItemProgress.objects.update(
        started_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
        last_heartbeat_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
    )
    age_member_clock(m, 300)
    rounds = 20
    barrier = threading.Barrier(2)

    def tab(offset):
        for n in range(rounds):
            barrier.wait()
            start = offset + n * 2.5  # tab A covers 0-50, tab B 50-100, in 2.5 s steps
            services.record_heartbeat(
                m, lesson.pk, session=f"tab{offset}", ranges=[[start, start + 2.5]],
                position=start + 2.5, client_time=n + 1,
            )

    with tabs(tab, (0, 50)) as errors:
        pass
    assert not errors, errors
    row = ItemProgress.objects.get()
    assert row.ranges == [[0, 100]] and row.covered_seconds == 100
    assert Completion.objects.filter(member=m, page_id=lesson.pk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_first_heartbeats_of_two_tabs_at_once_make_one_row(member, make_lesson):
    """Both tabs' statements start while a third session holds the member's counter row, so the
    second to get it cannot see the row the first inserted (store.count_and_lock): it must merge
    into that row, not fail on the unique constraint or lose what it brought. (An article, whose
    first heartbeats bring their reading sessions: a first heartbeat on a video credits no range
    since credit needs the item's clock to have run, see test_completion_honesty.py.)"""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers")
    import time

    import psycopg

    from members.models import HeartbeatCount

    lesson = make_lesson(kind="article", min_read_seconds=60)
    m = member.member
    HeartbeatCount.objects.create(member=m, minute=0, count=0)
    holder = psycopg.connect(**connection.get_connection_params())
    holder.execute("SELECT 1 FROM members_heartbeatcount WHERE member_id = %s FOR UPDATE", [m.pk])

    def tab(start):
        services.record_heartbeat(m, lesson.pk, session=f"tab{start}", ranges=[],
                                  position=0.1, client_time=1)

    with tabs(tab, (0, 50)) as errors:
        time.sleep(0.5)  # both tabs are now waiting for the counter row
        holder.commit()
        holder.close()
    assert not errors, errors
    row = ItemProgress.objects.get()
    assert row.sessions == {"tab0": 1, "tab50": 1}
    assert HeartbeatCount.objects.get(member=m).count == 2


def test_heartbeat_after_a_recorded_completion_keeps_the_record(member, secretary, video):
    m = member.member
    start_clocks(member, video, 15)
    services.record_heartbeat(m, video.pk, session="s", ranges=[[0, 10]], position=10, client_time=1)
    services.record_completions(page=video, members=[m], how="group", set_by=secretary, date=dt.date.today())
    state = services.record_heartbeat(m, video.pk, session="s", ranges=[[10, 20]], position=20, client_time=2)
    assert state["completed"] is True and state["state"] == "completed"
    assert Completion.objects.get().how == "group"
