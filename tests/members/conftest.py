import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings):
    """Tests send many heartbeats quickly; the rate-limit test sets its own limit."""
    settings.DIANKE_HEARTBEATS_PER_MINUTE = 10_000


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_lesson(db):
    """Real lectures.LessonPage items: make_lesson(kind="video", duration=600, threshold=0.9)."""
    from tests.factories import make_lesson

    return make_lesson


@pytest.fixture
def video(make_lesson):
    return make_lesson(kind="video", duration=600, title="党章学习")


@pytest.fixture
def api(client, member):
    client.force_login(member)
    return client


def age_progress(user, page, seconds):
    """Move a progress row's clock back, and the member's (members.services: credit needs both),
    as if `seconds` had passed since the last heartbeat."""
    import datetime as dt

    from members.models import ItemProgress

    row = ItemProgress.objects.get(member=user.member, page_id=page.pk)
    delta = dt.timedelta(seconds=seconds)
    ItemProgress.objects.filter(pk=row.pk).update(
        started_at=row.started_at - delta,
        last_heartbeat_at=(row.last_heartbeat_at - delta) if row.last_heartbeat_at else None,
    )
    age_member_clock(user.member, seconds)


def start_clocks(user, page, seconds=60):
    """What the player does when play starts (a heartbeat with nothing played yet), then
    `seconds` of wall clock: credit needs the item's and the member's clock to have run."""
    from members import services

    services.record_heartbeat(
        user.member, page.pk, session="start", ranges=[], position=0, client_time=0
    )
    age_progress(user, page, seconds)


def age_member_clock(member, seconds):
    """Move the member's clock (their heartbeat counter row) back by `seconds`."""
    from django.db.models import F

    from members.models import HeartbeatCount

    HeartbeatCount.objects.filter(member=member).update(
        clock_start=F("clock_start") - seconds, clock_seen=F("clock_seen") - seconds
    )


@pytest.fixture(autouse=True)
def _fresh_session_checks():
    """The sessions a process has checked (members.auth) belong to one test's database."""
    from members import api, auth

    auth._checked_sessions.clear()
    api.forget_item_access()
    yield
    auth._checked_sessions.clear()
    api.forget_item_access()
