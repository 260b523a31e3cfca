"""Heartbeats through the real API: coverage, completion, rejections, idempotency, CSRF, limits."""

import json
import math

import pytest
from django.test import Client

from members import services
from members.models import Completion, ItemProgress

from .conftest import age_progress, start_clocks

pytestmark = pytest.mark.django_db


def beat(client, page, ranges, position=None, client_time=1.0, session="s1"):
    position = position if position is not None else (ranges[-1][1] if ranges else 0)
    return client.post(
        f"/api/v1/progress/{page.pk}/heartbeat",
        {"session": session, "ranges": ranges, "position": position, "client_time": client_time},
        content_type="application/json",
    )


def watch(client, user, page, chunks, *, wall=15):
    """As the player does: a heartbeat when play starts, then each chunk as one heartbeat,
    `wall` seconds of wall clock apart."""
    assert beat(client, page, [], client_time=0.5).status_code == 200
    answers = []
    for n, chunk in enumerate(chunks):
        age_progress(user, page, wall)
        answers.append(beat(client, page, [chunk], client_time=n + 1.0))
    return answers


def test_watching_at_normal_speed_completes_at_the_threshold(api, member, video):
    chunks = [[s, s + 15] for s in range(0, 600, 15)]
    answers = watch(api, member, video, chunks)
    assert all(a.status_code == 200 for a in answers), answers[-1].content
    states = [a.json() for a in answers]
    # 36 chunks of 15 s = 540 s = 90%: complete exactly there, not before.
    assert states[34]["completed"] is False and states[34]["coverage"] == pytest.approx(0.875)
    assert states[35]["completed"] is True and states[35]["coverage"] == pytest.approx(0.9)
    assert Completion.objects.filter(member=member.member, page_id=video.pk).count() == 1
    assert Completion.objects.get().how == "watched"


def test_seeking_to_the_end_does_not_complete(api, member, video):
    start_clocks(member, video, 15)
    assert beat(api, video, [[0, 10]]).status_code == 200
    age_progress(member, video, 15)
    answer = beat(api, video, [[590, 600]], position=600, client_time=2)
    assert answer.status_code == 200
    assert answer.json()["coverage"] == pytest.approx(20 / 600, abs=1e-4)
    assert answer.json()["completed"] is False
    assert not Completion.objects.exists()


def test_watching_at_double_speed_completes(api, member, video):
    chunks = [[s, s + 30] for s in range(0, 600, 30)]
    answers = watch(api, member, video, chunks, wall=15)
    assert all(a.status_code == 200 for a in answers)
    assert answers[-1].json()["completed"] is True


def test_faster_than_the_wall_clock_allows_is_rejected_and_nothing_written(api, member, video):
    start_clocks(member, video, 15)
    assert beat(api, video, [[0, 15]]).status_code == 200
    age_progress(member, video, 15)
    answer = beat(api, video, [[15, 200]], client_time=2)
    assert answer.status_code == 422
    assert answer.json()["code"] == "too_fast"
    assert "超过" in answer.json()["detail"]
    row = ItemProgress.objects.get()
    assert row.ranges == [[0, 15]] and row.covered_seconds == 15


def test_one_request_claiming_the_whole_video_is_rejected(api, video):
    answer = beat(api, video, [[0, 600]])
    assert answer.status_code == 422
    # Nothing of it is credited; the row it leaves only starts the item's clock (a first
    # heartbeat, even a refused one, is when the server first heard of the member on the item).
    row = ItemProgress.objects.get()
    assert (row.ranges, row.covered_seconds, row.position, row.completed) == ([], 0, 0, False)
    assert not Completion.objects.exists()


@pytest.mark.parametrize(
    "ranges, code",
    [
        ([[0, 700]], "past_duration"),
        ([[10, 5]], "impossible_range"),
    ],
)
def test_impossible_ranges_get_a_clear_400(api, video, ranges, code):
    answer = beat(api, video, ranges, position=0)
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == code
    assert answer.json()["detail"]


@pytest.mark.parametrize("ranges", [[[-5, 10]], [[1, 2, 3]], [[0]], [[0, 1e9]]])
def test_ranges_outside_the_schema_are_its_422(api, video, ranges):
    """A negative second or a range that is not a pair was a 400 of the endpoint's own; the
    OpenAPI schema now bounds them (numbers 0..100000, pairs), so django-ninja answers as for
    any request outside the schema: 422 with its list of problems."""
    answer = beat(api, video, ranges, position=0)
    assert answer.status_code == 422, answer.content
    assert isinstance(answer.json()["detail"], list) and answer.json()["detail"][0]["loc"]
    assert not ItemProgress.objects.exists()


def test_non_finite_numbers_are_rejected_by_the_service(member, video):
    with pytest.raises(services.HeartbeatRejected):
        services.record_heartbeat(
            member.member, video.pk, session="s", ranges=[[0, math.nan]], position=0, client_time=1
        )
    with pytest.raises(services.HeartbeatRejected):
        services.record_heartbeat(
            member.member, video.pk, session="s", ranges=[], position=math.inf, client_time=1
        )


def test_replayed_and_late_heartbeats_change_nothing_twice(api, member, video):
    start_clocks(member, video, 15)
    first = beat(api, video, [[0, 15]], client_time=10)
    age_progress(member, video, 15)
    second = beat(api, video, [[15, 30]], client_time=20)
    assert second.json()["position"] == 30
    before = ItemProgress.objects.values("ranges", "covered_seconds", "position").get()
    # The same two again, in the wrong order: same record, position not moved back.
    assert beat(api, video, [[15, 30]], client_time=20).status_code == 200
    late = beat(api, video, [[0, 15]], client_time=10)
    assert late.status_code == 200 and first.status_code == 200
    after = ItemProgress.objects.values("ranges", "covered_seconds", "position").get()
    assert after == before == {"ranges": [[0, 30]], "covered_seconds": 30, "position": 30}


def test_completion_is_stored_once(api, member, make_lesson):
    short = make_lesson(kind="video", duration=20)
    start_clocks(member, short, 10)
    assert beat(api, short, [[0, 19]]).json()["completed"] is True
    first = Completion.objects.get()
    age_progress(member, short, 30)
    assert beat(api, short, [[0, 20]], client_time=5).json()["completed"] is True
    assert Completion.objects.count() == 1
    assert Completion.objects.get().completed_at == first.completed_at


def test_get_progress_answers_the_contract_shape(api, member, video):
    assert api.get(f"/api/v1/progress/{video.pk}").json() == {
        "position": 0.0, "coverage": 0.0, "completed": False, "completed_at": None,
        "state": "not_started",
    }
    start_clocks(member, video, 15)
    beat(api, video, [[0, 12]])
    data = api.get(f"/api/v1/progress/{video.pk}").json()
    assert (data["position"], data["coverage"], data["state"]) == (12, 0.02, "in_progress")


def test_unknown_item_is_404(api, video):
    from wagtail.models import Page

    root = Page.objects.get(depth=1)
    assert beat(api, root, [[0, 1]]).status_code == 404
    assert api.get("/api/v1/progress/999999").status_code == 404
    # Ids beyond the database's integers are outside the schema (its maximum), not a 500.
    assert api.get("/api/v1/progress/99999999999999999999").status_code == 422


def test_audio_counts_like_video(api, member, make_lesson):
    audio = make_lesson(kind="audio", duration=30)
    start_clocks(member, audio, 15)
    assert beat(api, audio, [[0, 28]]).json()["completed"] is True


def test_article_needs_its_whole_dwell_time(api, member, make_lesson):
    article = make_lesson(kind="article", min_read_seconds=60)
    assert beat(api, article, [], position=0.1, client_time=100).status_code == 200
    for n in range(1, 4):  # 45 s of reading, not at the end
        age_progress(member, article, 15)
        state = beat(api, article, [], position=0.3, client_time=100 + 15 * n).json()
    assert state["completed"] is False and state["coverage"] == pytest.approx(0.75)
    # A replayed heartbeat adds no reading time.
    assert beat(api, article, [], position=0.3, client_time=145).json()["coverage"] == pytest.approx(0.75)
    # Reading to the end no longer halves the minimum (scrolling there proves no reading):
    # 5 s more is 50 of 60 s, not complete; the last 10 s complete it.
    age_progress(member, article, 5)
    state = beat(api, article, [], position=1.0, client_time=150).json()
    assert state["completed"] is False and state["coverage"] == pytest.approx(50 / 60, abs=1e-3)
    age_progress(member, article, 10)
    assert beat(api, article, [], position=1.0, client_time=160).json()["completed"] is True


def test_article_time_cannot_outrun_the_wall_clock(api, member, make_lesson):
    article = make_lesson(kind="article", min_read_seconds=60)
    beat(api, article, [], position=0, client_time=0)
    # The client says an hour passed; the server saw a moment: only seconds are credited.
    state = beat(api, article, [], position=1.0, client_time=3600).json()
    assert state["completed"] is False and state["coverage"] < 0.2


def test_api_needs_a_signed_in_member(client, editor, video):
    assert beat(client, video, [[0, 5]]).status_code == 401
    client.force_login(editor)
    answer = beat(client, video, [[0, 5]])
    assert answer.status_code == 403 and "党员" in answer.json()["detail"]


def test_csrf_is_checked_on_heartbeats_and_beacons(member, video):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert beat(client, video, [[0, 5]]).status_code == 403
    client.get("/me/")  # its forms set the csrftoken cookie
    token = client.cookies["csrftoken"].value
    ok = client.post(
        f"/api/v1/progress/{video.pk}/heartbeat",
        {"session": "s", "ranges": [], "position": 0, "client_time": 1},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 200
    age_progress(member, video, 15)
    payload = json.dumps({"session": "s", "ranges": [[5, 9]], "position": 9, "client_time": 2})
    url = f"/api/v1/progress/{video.pk}/beacon"
    assert client.post(url, {"payload": payload}).status_code == 403
    sent = client.post(url, {"payload": payload, "csrfmiddlewaretoken": token})
    assert sent.status_code == 200 and sent.json()["coverage"] == pytest.approx(4 / 600, abs=1e-4)


def test_beacon_with_a_broken_payload_is_a_clear_400(api, video):
    answer = api.post(f"/api/v1/progress/{video.pk}/beacon", {"payload": "{not json"})
    assert answer.status_code == 400 and answer.json()["code"] == "bad_payload"


def test_rate_limit_per_member(api, video, settings):
    settings.DIANKE_HEARTBEATS_PER_MINUTE = 3
    codes = [beat(api, video, [], client_time=n).status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_openapi_schema_lists_the_progress_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/progress/{item_id}/heartbeat" in paths
    assert "/api/v1/progress/{item_id}" in paths
    assert "/api/v1/me/items" in paths
