"""The heartbeat's path: Django's own request cycle (every middleware, the site's WSGI handler)
with few statements inside it, a rate limit in the database (so every gunicorn worker counts
together), the one-query session check that accepts only what Django's get_user does, and rules
cached in process memory but dropped on publish."""

import contextlib
import json

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from members import auth, services
from members.auth import SessionMember, session_member
from members.models import HeartbeatCount, ItemProgress
from members.sessions import SessionStore
from tests.factories import PASSWORD

from .conftest import start_clocks
from .test_progress import beat

pytestmark = pytest.mark.django_db


def test_a_heartbeat_is_a_handful_of_plain_statements(api, member, video):
    start_clocks(member, video, 15)
    # The first reads the rule, checks the session and asks who may see the lesson.
    assert beat(api, video, [[0, 5]]).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        answer = beat(api, video, [[5, 10]], client_time=2)
    assert answer.status_code == 200 and answer.json()["coverage"] == pytest.approx(10 / 600, abs=1e-4)
    transaction = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")  # the test's own is outside
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(transaction)]
    # session + user + member (checked before), counter and progress row (one statement on
    # PostgreSQL), its update with the member's credited time (one statement on PostgreSQL):
    # no page, no view restriction (the lesson's access is remembered), no cache table.
    one_on_postgres = 1 if connection.vendor == "postgresql" else 2
    assert len(sql) == 1 + 2 * one_on_postgres, "\n".join(s[:70] for s in sql)
    assert "django_session" in sql[0] and "members_member" in sql[0]
    assert "members_heartbeatcount" in sql[1] and "members_itemprogress" in sql[one_on_postgres]
    assert "members_itemprogress" in sql[-one_on_postgres] and "members_heartbeatcount" in sql[-1]


def test_the_rate_limit_counts_every_session_of_the_member_together(member, video, settings):
    settings.DIANKE_HEARTBEATS_PER_MINUTE = 3
    phone, computer = Client(), Client()
    phone.force_login(member)
    computer.force_login(member)
    codes = [beat(c, video, [], client_time=n).status_code
             for n, c in enumerate([phone, computer, phone, computer])]
    assert codes == [200, 200, 200, 429]
    # The 429 counts too (every refused heartbeat does, so a client that keeps sending stays
    # refused until Retry-After); nothing else of it was written.
    assert HeartbeatCount.objects.get(member=member.member).count == 4
    assert not ItemProgress.objects.filter(member=member.member).exclude(position=0).exists()


def test_a_rejected_heartbeat_counts_towards_the_limit(api, member, video, settings):
    settings.DIANKE_HEARTBEATS_PER_MINUTE = 3
    start_clocks(member, video, 15)  # the player's first heartbeat (counted: 1)
    assert beat(api, video, [[0, 15]]).status_code == 200
    assert beat(api, video, [[15, 300]], client_time=2).status_code == 422
    assert beat(api, video, [[15, 20]], client_time=3).status_code == 429
    assert ItemProgress.objects.get().ranges == [[0, 15]]


def test_a_changed_password_signs_the_session_out_of_the_api(member, video):
    client = Client()
    assert client.login(username="T0001", password=PASSWORD)
    assert beat(client, video, []).status_code == 200
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
    from tests.factories import make_member

    other = make_member(members_county["b"]).user
    client = Client()
    client.force_login(other)
    assert beat(client, video, []).status_code == 200
    assert list(ItemProgress.objects.values_list("member__user", flat=True)) == [other.pk]


def test_publishing_the_lesson_drops_its_cached_rule(video):
    assert services.item_rule(video.pk).threshold == 0.9
    video.completion_threshold = 0.6
    video.save_revision().publish()
    assert services.item_rule(video.pk).threshold == 0.6


# ---- the site serves heartbeats through Django's whole request cycle --------------------------


def test_the_site_serves_djangos_own_wsgi_handler():
    from dianke.wsgi import application

    assert type(application) is WSGIHandler


@contextlib.contextmanager
def keeping_the_test_connection():
    """A request's start and end must not close the connection that holds the test's transaction
    (Django's test client does the same)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def heartbeat_environ(client, page, ranges, **extra):
    """A WSGI environ of a heartbeat from `client`'s session, with a CSRF cookie and the matching
    X-CSRFToken header (the site's handler checks CSRF, as the test client does not)."""
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    body = {"session": "s1", "ranges": ranges, "position": ranges[-1][1] if ranges else 0,
            "client_time": 1.0}
    secret = _get_new_csrf_string()
    return RequestFactory().post(
        f"/api/v1/progress/{page.pk}/heartbeat", json.dumps(body), content_type="application/json",
        HTTP_COOKIE=f"sessionid={client.cookies['sessionid'].value}; csrftoken={secret}",
        HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret), **extra
    ).environ


def test_a_heartbeat_through_the_sites_wsgi_application(api, member, video):
    """What gunicorn serves: the answer has the JSON and every header the middleware add."""
    from dianke.wsgi import application

    start_clocks(member, video, 15)
    started = []
    with keeping_the_test_connection():
        body = b"".join(application(heartbeat_environ(api, video, [[0, 15]]),
                                    lambda status, headers, exc_info=None: started.append((status, dict(headers)))))
    status, headers = started[0]
    assert status == "200 OK" and headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["coverage"] == pytest.approx(15 / 600)
    assert headers["Content-Length"] == str(len(body))
    assert headers["X-Frame-Options"] == "DENY"  # XFrameOptionsMiddleware
    assert headers["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware, these three
    assert headers["Referrer-Policy"] and headers["Cross-Origin-Opener-Policy"]
    assert headers["Content-Language"] == "zh-hans"  # LocaleMiddleware


class Recorder:
    """A middleware added later (say, audit logging): it must see the heartbeats too."""

    seen = []

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        Recorder.seen.append((request.path, response.status_code))
        return response


def test_a_heartbeat_passes_through_every_middleware(member, video, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.Recorder"]
    Recorder.seen.clear()
    client = Client()
    client.force_login(member)
    answer = beat(client, video, [])
    assert answer.status_code == 200
    assert Recorder.seen == [(f"/api/v1/progress/{video.pk}/heartbeat", 200)]
    assert answer["X-Frame-Options"] == "DENY" and answer["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("how", ["cookie", "browser"])
def test_an_english_member_gets_english_detail(member, video, settings, how):
    client = Client(headers={"Accept-Language": "en"} if how == "browser" else {})
    if how == "cookie":  # the footer's language button
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(member)
    answer = beat(client, video, [[0, 700]])
    assert answer.status_code == 400 and answer["Content-Language"] == "en"
    assert answer.json() == {"detail": "The watched range goes past the lesson's length.",
                             "code": "past_duration"}
    chinese = Client()
    chinese.force_login(member)
    assert beat(chinese, video, [[0, 700]]).json()["detail"] == "观看区间超出了课程时长。"


def test_an_error_is_djangos_500_with_the_security_headers(member, video, monkeypatch, caplog):
    """The database down: Django's 500 page, logged by django.request, with the headers."""

    def down(*args, **kwargs):
        raise OperationalError("the database is down")

    monkeypatch.setattr(services, "record_heartbeat", down)
    client = Client(raise_request_exception=False)
    client.force_login(member)
    answer = beat(client, video, [[0, 5]])
    assert answer.status_code == 500
    assert answer["X-Frame-Options"] == "DENY" and answer["X-Content-Type-Options"] == "nosniff"
    assert any(r.name == "django.request" and r.levelname == "ERROR" for r in caplog.records)


# ---- what every heartbeat gets from Django's cycle (these were the door's tests) --------------


def test_rejections_are_the_endpoints_own_json(api, video):
    beyond = beat(api, video, [[0, 700]])
    assert beyond.status_code == 400 and beyond.json()["code"] == "past_duration"
    unknown = api.post("/api/v1/progress/999999/heartbeat",
                       {"session": "s1", "ranges": [[0, 5]], "position": 5, "client_time": 1.0},
                       content_type="application/json")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "没有这个学习内容。"}
    assert not ItemProgress.objects.exists()


@pytest.mark.parametrize(
    "case, status",
    [("get", 405), ("not json", 400), ("broken json", 400), ("no csrf token", 403)],
)
def test_other_requests_to_the_heartbeat_get_djangos_answer(member, video, case, status):
    client = Client(enforce_csrf_checks=case == "no csrf token")
    client.force_login(member)
    url = f"/api/v1/progress/{video.pk}/heartbeat"
    if case == "get":
        answer = client.get(url)
    elif case == "not json":
        answer = client.post(url, "session=s1", content_type="text/plain")
    elif case == "broken json":
        answer = client.post(url, '{"session": 1, "ranges": "x"', content_type="application/json")
    else:
        answer = beat(client, video, [[0, 5]])
    assert answer.status_code == status, answer.content
    assert not ItemProgress.objects.exists()


def test_a_signed_out_session_is_refused_though_this_process_checked_it(api, member, video):
    start_clocks(member, video, 15)
    assert beat(api, video, [[0, 5]]).status_code == 200
    session_key = api.cookies["sessionid"].value
    assert session_key in auth._checked_sessions
    api.post("/accounts/logout/")
    api.cookies["sessionid"] = session_key  # replayed after signing out
    assert beat(api, video, [[5, 10]], client_time=2).status_code == 401
    assert ItemProgress.objects.get().ranges == [[0, 5]]


def test_a_disallowed_host_is_refused(api, member, video, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    start_clocks(member, video, 15)
    assert beat(api, video, [[0, 5]]).status_code == 200
    answer = api.post(f"/api/v1/progress/{video.pk}/heartbeat",
                      {"session": "s1", "ranges": [[5, 10]], "position": 10, "client_time": 2},
                      content_type="application/json", headers={"Host": "evil.example"})
    assert answer.status_code == 400
    assert ItemProgress.objects.get().ranges == [[0, 5]]


# ---- the session check accepts what get_user accepts, SECRET_KEY_FALLBACKS included -------------

OLD_KEY = "an-old-secret-key-" + "o" * 40
NEW_KEY = "the-new-secret-key-" + "n" * 40


def test_a_session_made_under_an_old_secret_key_still_authenticates_a_heartbeat(member, video, settings):
    start_clocks(member, video, 15)
    settings.SECRET_KEY = OLD_KEY
    client = Client()
    client.force_login(member)
    old = client.cookies["sessionid"].value
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]  # the key rotated
    assert session_member(old) == SessionMember(member.member.pk, old_key=True)
    assert beat(client, video, [[0, 5]]).status_code == 200
    # As get_user does on any page: the session moved to a new key, its hash to the current key.
    new = client.cookies["sessionid"].value
    assert new != old and session_member(old) is None
    assert session_member(new) == SessionMember(member.member.pk, old_key=False)
    assert beat(client, video, [[5, 10]], client_time=2).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []  # the old key retired: the moved session stays valid
    assert beat(client, video, [[10, 15]], client_time=3).status_code == 200
    assert ItemProgress.objects.get().ranges == [[0, 15]]


@pytest.mark.parametrize("made_with", ["a wrong hash", "an unlisted old key", "no hash"])
def test_a_session_with_a_wrong_hash_is_refused(member, video, settings, made_with):
    settings.SECRET_KEY = OLD_KEY
    session_hash = member.get_session_auth_hash()  # under OLD_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, ["another-old-key-" + "x" * 40]
    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "members.auth.MemberNumberOrPhoneBackend"
    if made_with != "no hash":
        session[HASH_SESSION_KEY] = "0" * len(session_hash) if made_with == "a wrong hash" else session_hash
    session.create()
    assert session_member(session.session_key) is None
    client = Client()
    client.cookies["sessionid"] = session.session_key
    assert beat(client, video, [[0, 5]]).status_code == 401
    assert not ItemProgress.objects.exists()
