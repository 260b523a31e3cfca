"""The heartbeat door (members/heartbeat_door.py): it answers plain heartbeats itself, exactly as
Django would, and hands everything else to Django with the request untouched. The progress tests
run through both doors (conftest.door); these check the door's own edges."""

import json

import pytest
from django.test import RequestFactory

from dianke.wsgi import application
from members.heartbeat_door import HeartbeatDoor, heartbeat_response
from members.models import ItemProgress

from .conftest import keeping_the_test_connection, with_csrf_token

pytestmark = pytest.mark.django_db


def door(environ):
    with keeping_the_test_connection():
        return heartbeat_response(environ)


def heartbeat_environ(client, page, ranges, *, client_time=1.0, csrf=True, **extra):
    """A WSGI environ of a heartbeat from `client`'s session, with a CSRF cookie and (unless
    `csrf` is false) the matching header."""
    body = {"session": "s1", "ranges": ranges, "position": ranges[-1][1] if ranges else 0,
            "client_time": client_time}
    cookie = f"sessionid={client.cookies['sessionid'].value}" if "sessionid" in client.cookies else ""
    request = RequestFactory().post(
        f"/api/v1/progress/{page.pk}/heartbeat", json.dumps(body), content_type="application/json",
        HTTP_COOKIE=cookie, **extra
    )
    environ = with_csrf_token(request.environ)
    if not csrf:
        del environ["HTTP_X_CSRFTOKEN"]
    return environ


def run_wsgi(app, environ):
    status = []
    body = b"".join(app(environ, lambda s, headers, exc_info=None: status.append((s, dict(headers)))))
    return status[0][0], status[0][1], body


def test_the_site_serves_heartbeats_through_the_door():
    assert isinstance(application, HeartbeatDoor)


def test_the_door_answers_as_django_does(api, member, video):
    # The same replayed heartbeat (it changes nothing the second time) through each door.
    first = door(heartbeat_environ(api, video, [[0, 30]]))
    assert first is not None and first.status_code == 200
    through_django = api.post(
        f"/api/v1/progress/{video.pk}/heartbeat",
        {"session": "s1", "ranges": [[0, 30]], "position": 30, "client_time": 1.0},
        content_type="application/json",
    )
    again = door(heartbeat_environ(api, video, [[0, 30]]))
    assert through_django.status_code == again.status_code == 200
    assert through_django.content == again.content == first.content
    for header in ("Content-Type", "Content-Length", "X-Frame-Options", "X-Content-Type-Options",
                   "Referrer-Policy", "Cross-Origin-Opener-Policy"):
        assert again.get(header) == through_django.get(header), header


def test_rejections_are_the_endpoints_own(api, member, video):
    beyond = door(heartbeat_environ(api, video, [[0, 700]]))
    assert beyond.status_code == 400 and json.loads(beyond.content)["code"] == "past_duration"
    missing = heartbeat_environ(api, video, [[0, 5]])
    missing["PATH_INFO"] = "/api/v1/progress/999999/heartbeat"
    unknown = door(missing)
    assert unknown.status_code == 404 and json.loads(unknown.content) == {"detail": "没有这个学习内容。"}
    assert not ItemProgress.objects.exists()


def test_a_full_round_through_wsgi(api, member, video):
    with keeping_the_test_connection():
        status, headers, body = run_wsgi(application, heartbeat_environ(api, video, [[0, 15]]))
    assert status == "200 OK" and headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["coverage"] == pytest.approx(15 / 600)


@pytest.mark.parametrize(
    "case",
    ["no session", "not a member", "no csrf token", "get", "not json", "broken json", "other url"],
)
def test_everything_else_goes_to_django_with_its_body(client, member, editor, video, case):
    if case != "no session":
        client.force_login(editor if case == "not a member" else member)
    environ = heartbeat_environ(client, video, [[0, 5]], csrf=case != "no csrf token")
    if case == "get":
        environ["REQUEST_METHOD"] = "GET"
    if case == "not json":
        environ["CONTENT_TYPE"] = "text/plain"
    if case == "other url":
        environ["PATH_INFO"] = f"/api/v1/progress/{video.pk}/beacon"
    if case == "broken json":
        environ["wsgi.input"] = type(environ["wsgi.input"])(b'{"session": 1, "ranges": "x"')
        environ["CONTENT_LENGTH"] = "28"
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = type(environ["wsgi.input"])(body)
    assert door(environ) is None
    assert environ["wsgi.input"].read(length) == body  # Django reads what was sent
    assert not ItemProgress.objects.exists()


def test_a_signed_out_session_is_not_remembered(api, member, video):
    assert door(heartbeat_environ(api, video, [[0, 5]])).status_code == 200
    environ = heartbeat_environ(api, video, [[5, 10]], client_time=2)
    api.post("/accounts/logout/")
    assert door(environ) is None  # Django then answers 401
    assert ItemProgress.objects.get().ranges == [[0, 5]]


def test_a_disallowed_host_goes_to_django(api, member, video, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    assert door(heartbeat_environ(api, video, [[0, 5]])).status_code == 200
    environ = heartbeat_environ(api, video, [[0, 5]], HTTP_HOST="evil.example")
    assert door(environ) is None
