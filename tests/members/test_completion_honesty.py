"""Completion that cannot be claimed without watching or reading (issue 16): only lessons the
member may see take heartbeats, reflections and reports; credit needs wall-clock time, on each
item and across all of the member's items together; reading time is spent, not claimed; every
refused heartbeat counts towards the rate limit, whose window slides; member JSON is private."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from members import api as members_api
from members import services
from members.models import (
    Completion,
    HeartbeatCount,
    ItemProgress,
    Reflection,
    StudyPlan,
    StudyPlanItem,
)
from members.plans import month_start

from .test_progress import beat

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 0, 0))


def heartbeat(member, page, ranges, at, *, session="s", position=None, client_time=None, limit=None):
    """A heartbeat `at` seconds after T0 (the server's clock), through the service."""
    return services.record_heartbeat(
        member, page.pk, session=session, ranges=ranges,
        position=position if position is not None else (ranges[-1][1] if ranges else 0),
        client_time=client_time if client_time is not None else at, limit=limit,
        now=T0 + dt.timedelta(seconds=at),
    )


def credited(member, *pages):
    return sum(ItemProgress.objects.get(member=member, page_id=p.pk).covered_seconds for p in pages)


# ---- 1. a lesson the member may not see takes nothing ------------------------------------


def restrict(page, how):
    if how == "group":
        restriction = PageViewRestriction.objects.create(
            page=page, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.add(Group.objects.create(name="支部委员会"))
    elif how == "password":
        PageViewRestriction.objects.create(
            page=page, restriction_type=PageViewRestriction.PASSWORD, password="qiyi-2026"
        )
    else:
        page.unpublish()


@pytest.mark.parametrize("how, status", [("group", 403), ("password", 403), ("unpublished", 404)])
def test_a_lesson_the_member_may_not_see_takes_no_heartbeat(api, member, video, how, status):
    restrict(video, how)
    for url in (f"/api/v1/progress/{video.pk}/heartbeat", f"/api/v1/progress/{video.pk}/beacon"):
        body = {"session": "s", "ranges": [], "position": 0, "client_time": 1}
        if url.endswith("beacon"):
            answer = api.post(url, {"payload": json.dumps(body)})
        else:
            answer = api.post(url, body, content_type="application/json")
        assert answer.status_code == status, (url, answer.content)
        assert answer.json()["detail"]
    assert api.get(f"/api/v1/progress/{video.pk}").status_code == status
    assert not ItemProgress.objects.exists() and not Completion.objects.exists()
    # Refused, but counted like every heartbeat (the rate limit).
    assert HeartbeatCount.objects.get(member=member.member).count == 2


def test_the_group_that_may_see_it_may_send_heartbeats(api, member, video):
    restrict(video, "group")
    member.groups.add(Group.objects.get(name="支部委员会"))
    assert beat(api, video, []).status_code == 200


def test_a_restriction_added_later_holds_within_the_rule_cache_time(api, member, video, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(members_api, "_clock", lambda: clock[0])
    assert beat(api, video, []).status_code == 200
    restrict(video, "group")
    # Remembered for a while, as the item's rule (no page read per heartbeat) ...
    clock[0] += services.ITEM_RULE_TTL - 1
    assert beat(api, video, [], client_time=2).status_code == 200
    # ... and no longer than that.
    clock[0] += 2
    assert beat(api, video, [], client_time=3).status_code == 403


def test_the_members_own_answer_is_kept_while_the_page_is_unchanged(api, member, video, monkeypatch):
    """A heartbeat asks the rule once per process, not every minute: the page's facts are read
    again after ITEM_RULE_TTL, the member's answer only when they changed (or after
    ACCESS_MAX_AGE)."""
    clock = [1000.0]
    monkeypatch.setattr(members_api, "_clock", lambda: clock[0])
    asked = []
    rule = members_api.scoping.page_access
    monkeypatch.setattr(members_api.scoping, "page_access", lambda *a: asked.append(1) or rule(*a))
    assert beat(api, video, []).status_code == 200
    clock[0] += services.ITEM_RULE_TTL + 1
    assert beat(api, video, [], client_time=2).status_code == 200
    assert len(asked) == 1
    video.save_revision().publish()  # republished: asked again once its facts are read again
    clock[0] += services.ITEM_RULE_TTL + 1
    assert beat(api, video, [], client_time=3).status_code == 200
    assert len(asked) == 2


def test_a_member_removed_from_the_group_is_refused_within_the_access_max_age(
    api, member, video, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr(members_api, "_clock", lambda: clock[0])
    restrict(video, "group")
    group = Group.objects.get(name="支部委员会")
    member.groups.add(group)
    assert beat(api, video, []).status_code == 200
    member.groups.remove(group)
    clock[0] += members_api.ACCESS_MAX_AGE - 1
    assert beat(api, video, [], client_time=2).status_code == 200
    clock[0] += 2
    assert beat(api, video, [], client_time=3).status_code == 403


@pytest.fixture
def planned_video(member, members_county, video):
    plan = StudyPlan.objects.create(organisation=members_county["a"], month=month_start(), title="主题党日")
    StudyPlanItem.objects.create(plan=plan, page=video, required=True)
    profile = member.member
    profile.is_migrant = True
    profile.save()
    return video


@pytest.mark.parametrize("how", ["group", "password"])
def test_no_reflection_or_reported_completion_on_a_lesson_the_member_may_not_see(
    client, member, planned_video, how
):
    client.force_login(member)
    restrict(planned_video, how)
    reflection = client.post(reverse("members:reflection", args=[planned_video.pk]), {"text": "很受教育"})
    report = client.post(
        reverse("members:self_report", args=[planned_video.pk]),
        {"date": dt.date.today().isoformat(), "place": "深圳", "note": ""},
    )
    assert (reflection.status_code, report.status_code) == (403, 403)
    assert not Reflection.objects.exists() and not Completion.objects.exists()


def test_reflection_and_report_on_a_lesson_the_member_sees_still_work(client, member, planned_video):
    client.force_login(member)
    url = reverse("members:reflection", args=[planned_video.pk])
    assert client.post(url, {"text": "很受教育"}).status_code == 302
    report = client.post(
        reverse("members:self_report", args=[planned_video.pk]),
        {"date": dt.date.today().isoformat(), "place": "深圳", "note": ""},
    )
    assert report.status_code == 302
    assert Reflection.objects.count() == 1 and Completion.objects.get().how == "reported"


# ---- 2. one clock per member, across all items -------------------------------------------


def test_two_items_played_at_once_earn_no_more_than_the_members_wall_clock(member, make_lesson):
    """The issue's case: two 120 s videos "played" at once each completed in 38 s."""
    m = member.member
    first, second = (make_lesson(kind="video", duration=120) for _ in range(2))
    heartbeat(m, first, [], 0)
    heartbeat(m, second, [], 0)
    assert heartbeat(m, first, [[0, 108]], 38)["completed"] is True  # 108 of 2 x 38 + 38
    with pytest.raises(services.HeartbeatRejected) as refused:
        heartbeat(m, second, [[0, 108]], 38)
    assert refused.value.code == "too_fast" and refused.value.status == 422
    assert credited(m, first, second) == 108
    # Once the member's clock allows it (2 x 88 + 45 = 221 >= 216), the second is credited too.
    assert heartbeat(m, second, [[0, 108]], 88)["completed"] is True


def test_many_items_at_once_never_outrun_the_members_clock(member, make_lesson):
    m = member.member
    items = [make_lesson(kind="video", duration=600) for _ in range(3)]
    for item in items:
        heartbeat(m, item, [], 0)
    played, refused = [0.0] * 3, 0
    for step in range(1, 41):  # every 5 s each item claims 10 s more (2x speed on each)
        at = 5 * step
        for n, item in enumerate(items):
            try:
                heartbeat(m, item, [[played[n], played[n] + 10]], at, client_time=at)
                played[n] += 10
            except services.HeartbeatRejected as error:
                assert error.code == "too_fast"
                refused += 1
        assert credited(m, *items) <= services.clock_allowance(at)
    assert refused > 0
    assert credited(m, *items) >= services.MAX_SPEED * 200 - 30  # the clock itself is all used


def test_a_long_silence_starts_the_members_clock_afresh(member, make_lesson):
    """Time away is not banked: after CLOCK_GAP without a heartbeat the clock starts again."""
    m = member.member
    first, second = (make_lesson(kind="video", duration=600) for _ in range(2))
    heartbeat(m, first, [], 0)
    heartbeat(m, second, [], 0)
    back = services.CLOCK_GAP + 3600  # an hour after the gap: both items' own clocks allow a lot
    heartbeat(m, first, [], back)  # play pressed again
    heartbeat(m, first, [[0, 30]], back + 15)
    with pytest.raises(services.HeartbeatRejected):
        heartbeat(m, second, [[0, 30]], back + 15)
    assert credited(m, first, second) == 30


def test_reading_counts_on_the_members_clock(member, make_lesson):
    """Reading is not sped up: two articles read at once earn no more than the time spent."""
    m = member.member
    articles = [make_lesson(kind="article", min_read_seconds=300) for _ in range(2)]
    for item in articles:
        heartbeat(m, item, [], 0, session=f"r{item.pk}", client_time=0)
    for step in range(1, 21):  # 5 minutes, both "read" at once
        for item in articles:
            heartbeat(m, item, [], 15 * step, session=f"r{item.pk}", client_time=15 * step)
    dwell = sum(ItemProgress.objects.get(member=m, page_id=a.pk).dwell_seconds for a in articles)
    # 300 s of wall clock (plus the slack, at MAX_SPEED a reading second) for both together.
    assert dwell <= 300 + services.SLACK_SECONDS / services.MAX_SPEED + 0.1
    assert Completion.objects.filter(member=m).count() <= 1


# ---- 3. short items need the clock too ---------------------------------------------------


@pytest.mark.parametrize("duration", [5, 20, 44])
def test_an_item_shorter_than_the_slack_does_not_complete_from_a_single_heartbeat(
    api, member, make_lesson, duration
):
    short = make_lesson(kind="video", duration=duration)
    answer = beat(api, short, [[0, duration]])
    assert answer.status_code == 422 and answer.json()["code"] == "too_fast"
    assert not Completion.objects.exists()


def test_a_short_item_completes_once_the_clock_allows_it(member, make_lesson):
    m = member.member
    short = make_lesson(kind="video", duration=30)
    heartbeat(m, short, [], 0)  # play pressed
    with pytest.raises(services.HeartbeatRejected):
        heartbeat(m, short, [[0, 30]], 1)  # 30 s claimed one second later
    assert heartbeat(m, short, [[0, 30]], 10)["completed"] is True  # 2 x 10 + 10 >= 30


def test_a_refused_first_heartbeat_starts_the_items_clock(member, make_lesson):
    """The player's first heartbeat was lost, so the first one heard brings 15 s: refused, but
    the clock starts there, and the same ranges sent again at the next heartbeat count."""
    m = member.member
    lesson = make_lesson(kind="video", duration=600)
    with pytest.raises(services.HeartbeatRejected):
        heartbeat(m, lesson, [[0, 15]], 0)
    assert ItemProgress.objects.get().started_at == T0
    assert heartbeat(m, lesson, [[0, 30]], 15)["coverage"] == pytest.approx(30 / 600, abs=1e-4)


# ---- 4. articles: the reading minimum is spent -------------------------------------------


def test_rapid_article_heartbeats_credit_only_the_time_that_passed(member, make_lesson):
    m = member.member
    article = make_lesson(kind="article", min_read_seconds=60)
    heartbeat(m, article, [], 0, client_time=0)
    for n in range(1, 21):  # one a second, each claiming 15 s of reading
        heartbeat(m, article, [], n, client_time=15 * n)
    row = ItemProgress.objects.get()
    assert row.dwell_seconds == pytest.approx(20, abs=0.2)
    assert not Completion.objects.exists()


def test_reaching_the_end_does_not_halve_the_reading_minimum(member, make_lesson):
    m = member.member
    article = make_lesson(kind="article", min_read_seconds=60)
    heartbeat(m, article, [], 0, client_time=0, position=0)
    heartbeat(m, article, [], 15, client_time=15, position=0.5)
    state = heartbeat(m, article, [], 30, client_time=30, position=1.0)
    assert state["completed"] is False and state["coverage"] == pytest.approx(0.5)
    heartbeat(m, article, [], 45, client_time=45, position=1.0)
    assert heartbeat(m, article, [], 60, client_time=60, position=1.0)["completed"] is True


# ---- 5. the rate limit ---------------------------------------------------------------------


def test_every_refused_heartbeat_counts_towards_the_limit(api, member, video, make_lesson, settings):
    settings.DIANKE_HEARTBEATS_PER_MINUTE = 8
    hidden = make_lesson(kind="video", duration=600)
    restrict(hidden, "group")
    url = f"/api/v1/progress/{video.pk}/heartbeat"
    answers = [
        beat(api, video, [[0, 700]]).status_code,  # past the duration: 400
        beat(api, video, [[0, 300]]).status_code,  # too fast: 422
        api.post("/api/v1/progress/999999/heartbeat", {"session": "s"},
                 content_type="application/json").status_code,  # no such item: 404
        beat(api, hidden, []).status_code,  # may not see it: 403
        api.post(url, {"session": ""}, content_type="application/json").status_code,  # schema: 422
        api.post(url, "{not json", content_type="application/json").status_code,  # unreadable: 400
        api.post(f"/api/v1/progress/{video.pk}/beacon", {"payload": "{"}).status_code,  # 400
        beat(api, video, []).status_code,  # the 8th: still fine
        beat(api, video, []).status_code,  # the 9th: over the limit
    ]
    assert answers == [400, 422, 404, 403, 422, 400, 400, 200, 429]
    assert json.loads(api.post(url, {"session": ""}, content_type="application/json").content)[
        "detail"
    ] == "提交太频繁，请稍后再试。"


def test_a_429_says_when_to_retry(api, video, settings):
    settings.DIANKE_HEARTBEATS_PER_MINUTE = 2
    for n in range(2):
        assert beat(api, video, [], client_time=n).status_code == 200
    answer = beat(api, video, [], client_time=3)
    assert answer.status_code == 429
    assert 1 <= int(answer["Retry-After"]) <= 120


def test_no_double_burst_across_a_minute_boundary(member, make_lesson):
    m = member.member
    article = make_lesson(kind="article", min_read_seconds=60)
    for n in range(30):  # the whole limit in the minute's last second
        heartbeat(m, article, [], 59 + n / 100, limit=30)
    with pytest.raises(services.RateLimited) as limited:
        heartbeat(m, article, [], 61, limit=30)  # two seconds later, in the next minute
    assert limited.value.retry_after >= 1
    # Once enough of the previous minute has slid out of the window, heartbeats pass again.
    heartbeat(m, article, [], 61 + limited.value.retry_after, limit=30)


def test_retry_after_is_when_the_window_allows_one_more():
    # 30 in the previous minute, 1 now at 0:02 (and refused): the window has 1 + 30 x (58/60).
    wait = services.retry_after(count=1, previous=30, now=120 + 2, limit=30)
    assert wait == 2  # at 0:04 the next makes 2 + 30 x 56/60 = 30
    assert services.rate_estimate(2, 30, 120 + 2 + wait) <= 30
    assert services.rate_estimate(2, 30, 120 + 2 + wait - 1) > 30
    # 31 this minute at 0:10: in the next minute, once 29/31 of this one has slid out.
    wait = services.retry_after(count=31, previous=0, now=10, limit=30)
    assert services.rate_estimate(1, 31, 10 + wait) <= 30
    assert services.rate_estimate(1, 31, 10 + wait - 1) > 30


# ---- 6. member JSON is private, and speaks the member's language ------------------------


def test_member_json_is_never_cached(client, member, video, settings):
    assert beat(client, video, [])["Cache-Control"] == "private, no-store"  # 401
    client.force_login(member)
    for answer in (
        beat(client, video, []),
        beat(client, video, [[0, 700]]),
        client.get(f"/api/v1/progress/{video.pk}"),
        client.get("/api/v1/progress/999999"),
        client.get("/api/v1/me/items"),
    ):
        assert answer["Cache-Control"] == "private, no-store", answer
    settings.DIANKE_HEARTBEATS_PER_MINUTE = 1
    assert beat(client, video, [])["Cache-Control"] == "private, no-store"  # 429


def test_refusals_speak_the_members_language(member, video, make_lesson, settings):
    from django.test import Client

    client = Client(headers={"Accept-Language": "en"})
    client.force_login(member)
    hidden = make_lesson(kind="video", duration=600)
    restrict(hidden, "group")
    assert beat(client, hidden, []).json()["detail"] == "You may not see this learning item."
    assert client.get("/api/v1/progress/999999").json()["detail"] == "There is no such learning item."
    settings.DIANKE_HEARTBEATS_PER_MINUTE = 1
    answer = beat(client, video, [])
    assert answer.status_code == 429
    assert answer.json()["detail"] == "Too many submissions; please try again shortly."


def test_non_members_are_told_in_their_language(editor, video):
    from django.test import Client

    client = Client(headers={"Accept-Language": "en"})
    client.force_login(editor)
    assert beat(client, video, []).json()["detail"] == "Only members' accounts record learning progress."



def test_a_process_still_running_the_previous_code_can_count_heartbeats(member):
    """During a deploy, web processes of the previous release insert counter rows without the
    clock's columns: the database fills them in (db_default), so their heartbeats do not fail."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO members_heartbeatcount ("member_id", "minute", "count") VALUES (%s, 1, 1)',
            [member.member.pk],
        )
    row = HeartbeatCount.objects.get(member=member.member)
    assert (row.previous, row.clock_start, row.clock_seen, row.credited) == (0, 0, 0, 0)


@pytest.mark.parametrize("how", ["group", "password", "unpublished"])
def test_my_items_leave_out_a_planned_lesson_the_member_may_not_see(client, member, planned_video, how):
    client.force_login(member)
    assert [item["id"] for item in client.get("/api/v1/me/items").json()] == [planned_video.pk]
    restrict(planned_video, how)
    assert client.get("/api/v1/me/items").json() == []
