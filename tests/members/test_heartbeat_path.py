"""The heartbeat's fast path: few statements, a rate limit in the database (so every gunicorn
worker counts together), the one-query session check that still accepts only what Django does,
and rules cached in process memory but dropped on publish."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from members import services
from members.models import HeartbeatCount, ItemProgress
from members.testing import PASSWORD

from .test_progress import beat

# Every test runs through Django and through the heartbeat door (conftest.door).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("door")]


def test_a_heartbeat_is_a_handful_of_plain_statements(api, member, video):
    assert beat(api, video, [[0, 5]]).status_code == 200  # the first reads the rule, checks the session
    with CaptureQueriesContext(connection) as queries:
        answer = beat(api, video, [[5, 10]], client_time=2)
    assert answer.status_code == 200 and answer.json()["coverage"] == pytest.approx(10 / 600, abs=1e-4)
    transaction = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")  # the test's own is outside
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(transaction)]
    # session + user + member (checked before), counter and progress row (one statement on
    # PostgreSQL), its update: no page, no cache table.
    counted_and_locked = 1 if connection.vendor == "postgresql" else 2
    assert len(sql) == 2 + counted_and_locked, "\n".join(s[:70] for s in sql)
    assert "django_session" in sql[0] and "members_member" in sql[0]
    assert "members_heartbeatcount" in sql[1] and "members_itemprogress" in sql[counted_and_locked]


def test_the_rate_limit_counts_every_session_of_the_member_together(member, video, settings):
    settings.DIANKE_HEARTBEATS_PER_MINUTE = 3
    phone, computer = Client(), Client()
    phone.force_login(member)
    computer.force_login(member)
    codes = [beat(c, video, [], client_time=n).status_code
             for n, c in enumerate([phone, computer, phone, computer])]
    assert codes == [200, 200, 200, 429]
    assert HeartbeatCount.objects.get(member=member.member).count == 3  # the 429 wrote nothing


def test_a_rejected_heartbeat_counts_towards_the_limit(api, member, video, settings):
    settings.DIANKE_HEARTBEATS_PER_MINUTE = 2
    assert beat(api, video, [[0, 15]]).status_code == 200
    assert beat(api, video, [[15, 300]], client_time=2).status_code == 422
    assert beat(api, video, [[15, 20]], client_time=3).status_code == 429
    assert ItemProgress.objects.get().ranges == [[0, 15]]


def test_a_changed_password_signs_the_session_out_of_the_api(member, video):
    client = Client()
    assert client.login(username="T0001", password=PASSWORD)
    assert beat(client, video, [[0, 5]]).status_code == 200
    member.set_password("a-new-password-2024")
    member.save()
    assert beat(client, video, [[5, 10]], client_time=2).status_code == 401


def test_an_inactive_or_signed_out_member_is_refused(member, video):
    client = Client()
    client.force_login(member)
    member.is_active = False
    member.save()
    assert beat(client, video, [[0, 5]]).status_code == 401
    member.is_active = True
    member.save()
    client.force_login(member)
    client.post("/accounts/logout/")
    assert beat(client, video, [[0, 5]]).status_code == 401
    assert not ItemProgress.objects.exists()


def test_a_session_of_another_member_writes_only_that_members_record(member, members_county, video):
    from members.testing import make_member

    other = make_member(members_county["b"]).user
    client = Client()
    client.force_login(other)
    assert beat(client, video, [[0, 5]]).status_code == 200
    assert list(ItemProgress.objects.values_list("member__user", flat=True)) == [other.pk]


def test_publishing_the_lesson_drops_its_cached_rule(video):
    assert services.item_rule(video.pk).threshold == 0.9
    video.completion_threshold = 0.6
    video.save_revision().publish()
    assert services.item_rule(video.pk).threshold == 0.6


def test_the_door_answers_plain_heartbeats_itself(api, video, door):
    assert beat(api, video, [[0, 5]]).status_code == 200
    assert door.answered == (1 if door.name == "door" else 0)
