import contextlib

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
    from members.testing import make_lesson

    return make_lesson


@pytest.fixture
def video(make_lesson):
    return make_lesson(kind="video", duration=600, title="党章学习")


@pytest.fixture
def api(client, member):
    client.force_login(member)
    return client


def age_progress(user, page, seconds):
    """Move a progress row's clock back, as if `seconds` had passed since the last heartbeat."""
    import datetime as dt

    from members.models import ItemProgress

    row = ItemProgress.objects.get(member=user.member, page_id=page.pk)
    delta = dt.timedelta(seconds=seconds)
    ItemProgress.objects.filter(pk=row.pk).update(
        started_at=row.started_at - delta,
        last_heartbeat_at=(row.last_heartbeat_at - delta) if row.last_heartbeat_at else None,
    )


@pytest.fixture(autouse=True)
def _fresh_session_checks():
    """The sessions a process has checked (members.auth) belong to one test's database."""
    from members import auth

    auth._checked_sessions.clear()
    yield
    auth._checked_sessions.clear()


@pytest.fixture(params=["django", "door"])
def door(request, monkeypatch):
    """Runs a test twice: heartbeats through Django's request cycle, and through the WSGI door in
    front of it (members/heartbeat_door.py) that gunicorn serves. Every test client then tries the
    door first, as the site's WSGI application does, and Django after it. `door.answered` counts
    the heartbeats the door answered itself."""
    from django.core.handlers.wsgi import WSGIRequest
    from django.test.client import ClientHandler

    from members.heartbeat_door import heartbeat_response

    class Door:
        name = request.param
        answered = 0

    if request.param == "django":
        yield Door
        return
    through_django = ClientHandler.__call__

    def call(handler, environ):
        # A test client that does not enforce CSRF (most do not) sends a valid token to the door,
        # which always checks it, so that both doors see the same requests succeed.
        seen = environ if handler.enforce_csrf_checks else with_csrf_token(environ)
        with keeping_the_test_connection():
            response = heartbeat_response(seen)
            if response is not None:
                response.wsgi_request = WSGIRequest(seen)
                response.close()
        if response is None:
            environ["wsgi.input"] = seen["wsgi.input"]  # put back by the door if it read it
            return through_django(handler, environ)
        Door.answered += 1
        return response

    monkeypatch.setattr(ClientHandler, "__call__", call)
    yield Door


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


def with_csrf_token(environ):
    """The environ with a new CSRF cookie and the matching X-CSRFToken header."""
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    cookies = [c for c in environ.get("HTTP_COOKIE", "").split("; ") if c and not c.startswith("csrftoken=")]
    return {**environ, "HTTP_COOKIE": "; ".join([*cookies, f"csrftoken={secret}"]),
            "HTTP_X_CSRFTOKEN": _mask_cipher_secret(secret)}
