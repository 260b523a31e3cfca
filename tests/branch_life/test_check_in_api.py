"""The API exactly as the issue spells it: /me/events, check-in (400 wrong or expired code with a
Chinese detail, 403 not invited, the same answer when repeated, nothing written twice), the code
for role holders over the branch only; codes change every minute and work only in the window."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from branch_life import codes, services
from branch_life.models import Attendance, Event
from tests.branch_life.conftest import event_now
from tests.factories import make_secretary_user

pytestmark = pytest.mark.django_db


def post_code(client, event, code):
    return client.post(f"/api/v1/events/{event.pk}/check-in", {"code": code},
                       content_type="application/json")


def test_codes_change_every_minute_and_take_the_minute_before():
    event = Event(pk=42)
    t = timezone.now().replace(second=30, microsecond=0)
    code, expires = codes.current_code(event, t)
    assert len(code) == 6 and code.isdigit()
    assert expires == t.replace(second=0) + dt.timedelta(minutes=1)
    later = t + dt.timedelta(minutes=1)
    assert codes.current_code(event, later)[0] != code or codes.current_code(event, later + dt.timedelta(minutes=1))[0] != code
    assert codes.matches(event, code, t)
    assert codes.matches(event, code, later)  # typed at the turn of the minute
    assert not codes.matches(event, code, t + dt.timedelta(minutes=2))  # expired
    assert not codes.matches(Event(pk=43), code, t) or codes.code_at(43, 0) == codes.code_at(42, 0)
    assert not codes.matches(event, "12345", t) and not codes.matches(event, "abcdef", t)


def test_the_code_is_derived_from_the_secret_key(settings):
    event = Event(pk=7)
    t = timezone.now()
    before = codes.current_code(event, t)[0]
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert codes.current_code(event, t)[0] != before


def test_check_in_with_the_code(county, people, client):
    event = event_now(county["a"])
    client.force_login(people["member"].user)
    code, _expires = codes.current_code(event)
    response = post_code(client, event, code)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "checked_in"}
    assert response["Cache-Control"] == "private, no-store"
    row = Attendance.objects.get(event=event, member=people["member"])
    assert row.status == "checked_in" and row.how == "code"
    first_time, first_update = row.checked_in_at, row.updated_at
    # Repeated, even with a code that has since expired: the same answer, nothing written.
    again = post_code(client, event, "000000")
    assert again.status_code == 200 and again.json() == {"status": "checked_in"}
    row.refresh_from_db()
    assert (row.checked_in_at, row.updated_at) == (first_time, first_update)
    assert Attendance.objects.filter(event=event, member=people["member"]).count() == 1


def test_wrong_and_expired_codes_are_400_in_chinese(county, people, client):
    event = event_now(county["a"])
    client.force_login(people["member"].user)
    code, _ = codes.current_code(event)
    wrong = str((int(code) + 1) % 10**6).zfill(6)
    response = post_code(client, event, wrong)
    assert response.status_code == 400
    assert "签到码" in response.json()["detail"]
    old = codes.current_code(event, timezone.now() - dt.timedelta(minutes=3))[0]
    if old != code:
        assert post_code(client, event, old).status_code == 400
    assert Attendance.objects.get(event=event, member=people["member"]).status == "invited"


def test_outside_the_window_the_right_code_is_refused(county, people, client):
    event = event_now(county["a"], minutes_from_start=-120)  # starts in two hours
    client.force_login(people["member"].user)
    response = post_code(client, event, codes.current_code(event)[0])
    assert response.status_code == 400
    assert response.json()["detail"] == "现在不是本次活动的签到时间。"
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - dt.timedelta(hours=3),
                                             ends_at=timezone.now() - dt.timedelta(hours=1))
    assert post_code(client, event, codes.current_code(event)[0]).status_code == 400


def test_a_member_of_another_branch_cannot_check_in(county, people, client):
    event = event_now(county["a"])
    client.force_login(people["b1"].user)
    response = post_code(client, event, codes.current_code(event)[0])
    assert response.status_code == 403
    assert "名单" in response.json()["detail"]
    assert not Attendance.objects.filter(event=event, member=people["b1"]).exists()


def test_a_member_who_joined_after_planning_is_invited_at_check_in(county, people, client):
    from tests.factories import make_member

    event = event_now(county["a"])
    newcomer = make_member(county["group"], name="新党员")
    client.force_login(newcomer.user)
    assert post_code(client, event, codes.current_code(event)[0]).json() == {"status": "checked_in"}


def test_guessing_is_bounded(county, people, client):
    event = event_now(county["a"])
    client.force_login(people["member"].user)
    code = codes.current_code(event)[0]
    wrong = str((int(code) + 1) % 10**6).zfill(6)
    with mock.patch.object(codes, "matches", return_value=False):
        for _ in range(services.MAX_WRONG_CODES):
            assert post_code(client, event, wrong).status_code == 400
    assert post_code(client, event, code).status_code == 429


def test_anonymous_and_not_members(county, people, client, editor):
    event = event_now(county["a"])
    assert post_code(client, event, "123456").status_code == 401
    client.force_login(editor)
    assert post_code(client, event, codes.current_code(event)[0]).status_code == 403
    assert client.get("/api/v1/me/events").status_code == 403
    assert client.post("/api/v1/events/999999/check-in", {"code": "1"},
                       content_type="application/json").status_code in (403, 404)


def test_check_in_code_for_role_holders_over_the_branch_only(county, people, client):
    event = event_now(county["a"])
    client.force_login(make_secretary_user(county["a"], "sec-a"))
    response = client.get(f"/api/v1/events/{event.pk}/check-in-code")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"code", "expires_at"}
    assert body["code"] == codes.current_code(event)[0] or codes.matches(event, body["code"])
    # The secretary of the town above sees it; the secretary of branch b and a member do not.
    client.force_login(make_secretary_user(county["town"], "sec-town"))
    assert client.get(f"/api/v1/events/{event.pk}/check-in-code").status_code == 200
    client.force_login(make_secretary_user(county["b"], "sec-b"))
    assert client.get(f"/api/v1/events/{event.pk}/check-in-code").status_code == 403
    client.force_login(people["member"].user)
    assert client.get(f"/api/v1/events/{event.pk}/check-in-code").status_code == 403
    # Outside the window: no code.
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() + dt.timedelta(hours=3),
                                             ends_at=timezone.now() + dt.timedelta(hours=5))
    client.force_login(make_secretary_user(county["a"], "sec-a2"))
    assert client.get(f"/api/v1/events/{event.pk}/check-in-code").status_code == 409


def test_my_events_of_a_month(county, people, client):
    today = timezone.localdate()
    rows = services.plan_month(today.replace(day=1))
    event = Event.objects.get(pk=next(r["event"] for r in rows if r["organisation"] == county["a"].pk))
    client.force_login(people["grouped"].user)
    response = client.get(f"/api/v1/me/events?month={today:%Y-%m}")
    assert response.status_code == 200
    (item,) = response.json()
    assert set(item) == {"id", "title", "kind", "organisation", "starts_at", "ends_at", "place", "status"}
    assert item["id"] == event.pk and item["kind"] == "theme_day" and item["status"] == "invited"
    assert item["organisation"] == county["a"].name
    assert client.get("/api/v1/me/events?month=1999-01").json() == []
    assert client.get("/api/v1/me/events").status_code == 200
    assert client.get("/api/v1/me/events?month=2026-13").status_code == 422
    assert client.get("/api/v1/me/events?month=bad").status_code == 422


def test_the_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/me/events"]) == {"get"}
    check_in = paths["/api/v1/events/{event_id}/check-in"]["post"]
    assert {"200", "400", "403"} <= {str(code) for code in check_in["responses"]}
    code = paths["/api/v1/events/{event_id}/check-in-code"]["get"]
    assert {"200", "403"} <= {str(c) for c in code["responses"]}
    out = schema["components"]["schemas"]["CodeOut"]
    assert set(out["properties"]) == {"code", "expires_at"}
