"""The heartbeat's own door: a WSGI layer in front of Django for the one request members send all
the time (`POST /api/v1/progress/<id>/heartbeat`, every 15 s while a lesson plays).

Django's full request cycle (ten middleware, URL resolving, ninja's parameter and response
handling) costs a heartbeat about as much CPU as the heartbeat's own work. This door does only
what such a request needs, with Django's own pieces where they decide something:

* the request is Django's `WSGIRequest`; `SecurityMiddleware` decides the HTTPS redirect,
  `CsrfViewMiddleware` the CSRF check (the same objects the stack uses), `get_host()` the
  ALLOWED_HOSTS check;
* the member comes from the session cookie (`members.auth.member_id_for_session_key`: what
  Django's `get_user` accepts, usually one statement);
* the body is validated by the endpoint's own schema, the heartbeat goes through the endpoint's
  own `heartbeat_outcome`, and the answer is rendered by the API's renderer and given the
  security headers by SecurityMiddleware and XFrameOptionsMiddleware (Content-Length as
  CommonMiddleware sets it): the same status and JSON as
  through Django (the session and locale middleware's `Vary`/`Content-Language` headers, which
  mean nothing on an API POST, are left out).

Anything else — another URL or method, no session or a session without a member, a failed check,
a body the schema refuses — goes to Django unchanged (its body put back), which answers it as
it always does (401/403/422, redirects, error pages). Both doors are tested side by side
(tests/members/conftest.py runs the progress tests through each).
"""

import io
import re

from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from ninja.errors import HttpError
from pydantic import ValidationError

from members.api import HeartbeatIn, ProgressOut, heartbeat_outcome
from members.auth import member_id_for_session_key

PATH = re.compile(r"/api/v1/progress/([0-9]{1,18})/heartbeat")
MAX_BODY = 64 * 1024  # a heartbeat is a few hundred bytes; anything bigger is Django's to refuse


def _no_response(request):  # the middleware below are only asked to check, never to respond
    raise AssertionError("not called")


def _heartbeat_view(request):  # what CsrfViewMiddleware checks; never called
    raise AssertionError("not called")


_security = SecurityMiddleware(_no_response)
_csrf = CsrfViewMiddleware(_no_response)
_frames = XFrameOptionsMiddleware(_no_response)


def heartbeat_response(environ):
    """Django's HttpResponse to a plain heartbeat, or None when `environ` is not one (its body is
    then still there to read)."""
    if environ.get("REQUEST_METHOD") != "POST":
        return None
    match = PATH.fullmatch(environ.get("PATH_INFO", ""))
    if match is None or not environ.get("CONTENT_TYPE", "").startswith("application/json"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)  # for Django, if it is Django's after all
    environ["CONTENT_LENGTH"] = str(len(body))
    signals.request_started.send(sender=__name__, environ=environ)
    try:
        response = _answer(environ, int(match[1]), body)
    except Exception:
        signals.request_finished.send(sender=__name__)
        raise
    if response is None:
        environ["wsgi.input"] = io.BytesIO(body)
        signals.request_finished.send(sender=__name__)
    return response  # request_finished is sent when the server closes the response


def _answer(environ, item_id, body):
    request = WSGIRequest(environ)
    try:
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
    except Exception:
        return None
    if _security.process_request(request) is not None:  # the HTTPS redirect
        return None
    member_id = member_id_for_session_key(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    if member_id is None:
        return None
    _csrf.process_request(request)
    if _csrf.process_view(request, _heartbeat_view, (), {}) is not None:
        return None
    try:
        data = HeartbeatIn.model_validate_json(body)
    except ValidationError:
        return None
    from dianke.api import api  # the API module imports every app's router

    try:
        status, result = heartbeat_outcome(member_id, item_id, data)
    except HttpError as error:
        response = api.on_exception(request, error)  # the API's own handler, as ninja answers it
    else:
        if status == 200:
            result = ProgressOut.model_validate(result).model_dump()
        response = api.create_response(request, result, status=status)
    response.headers["Content-Length"] = str(len(response.content))  # as CommonMiddleware does
    response = _security.process_response(request, response)
    return _frames.process_response(request, response)


class HeartbeatDoor:
    """WSGI middleware: plain heartbeats are answered here, everything else by `application`."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        response = heartbeat_response(environ)
        if response is None:
            return self.application(environ, start_response)
        status = f"{response.status_code} {response.reason_phrase}"
        start_response(status, list(response.items()))
        return response  # an HttpResponse iterates its content; close() sends request_finished
