"""The OpenAPI schema at /api/v1/openapi.json tells the truth (issue 16): every answer an
endpoint can give is documented, with the body it has, and the inputs are bounded. Checked by
reading the schema, and by a bounded schemathesis pass through the site's own WSGI application
(every middleware), anonymously and as a signed-in member: no 5xx, no answer the schema does
not describe, and requests outside the schema refused."""

import pytest
import schemathesis
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .test_heartbeat_path import keeping_the_test_connection

pytestmark = pytest.mark.django_db

HEARTBEATS = ("/api/v1/progress/{item_id}/heartbeat", "/api/v1/progress/{item_id}/beacon")
MEMBER_ENDPOINTS = (*HEARTBEATS, "/api/v1/progress/{item_id}", "/api/v1/me/items")


@pytest.fixture
def openapi(client):
    return client.get("/api/v1/openapi.json").json()


def operations(openapi):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_the_answers_it_can_give(openapi):
    for path, _method, operation in operations(openapi):
        codes = set(operation["responses"])
        assert "413" in codes, path  # the body limit in front of every API request
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in codes, path
        if path in MEMBER_ENDPOINTS:
            assert {"401", "403"} <= codes, path
        if "{" in path:
            assert "404" in codes, path
        if path in HEARTBEATS:
            assert {"400", "409", "429"} <= codes, path
            assert operation["responses"]["429"]["headers"]["Retry-After"]["required"] is True


def test_422_is_documented_as_the_list_django_ninja_sends(openapi):
    answer = openapi["paths"][HEARTBEATS[0]]["post"]["responses"]["422"]
    shapes = answer["content"]["application/json"]["schema"]["anyOf"]
    names = {shape["$ref"].rsplit("/", 1)[-1] for shape in shapes}
    assert names == {"ErrorOut", "ValidationErrorOut"}
    detail = openapi["components"]["schemas"]["ValidationErrorOut"]["properties"]["detail"]
    assert detail["type"] == "array"


def test_inputs_are_bounded(openapi):
    heartbeat = openapi["components"]["schemas"]["HeartbeatIn"]["properties"]
    assert (heartbeat["session"]["minLength"], heartbeat["session"]["maxLength"]) == (1, 64)
    for name in ("position", "client_time"):
        assert heartbeat[name]["minimum"] == 0 and heartbeat[name]["maximum"] > 0
    assert heartbeat["ranges"]["maxItems"] == 500
    pair = heartbeat["ranges"]["items"]
    assert pair["minItems"] == pair["maxItems"] == 2
    assert pair["items"]["minimum"] == 0 and pair["items"]["maximum"] > 0
    for path in MEMBER_ENDPOINTS[:3]:
        (item_id,) = [p for p in next(iter(openapi["paths"][path].values()))["parameters"]
                      if p["name"] == "item_id"]
        assert item_id["schema"]["minimum"] == 1 and item_id["schema"]["maximum"] == 2**31 - 1


# ---- schemathesis ---------------------------------------------------------------------------

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES = 50  # per operation and identity: the whole pass takes about half a minute


@pytest.fixture(autouse=True)
def _through_the_wsgi_application(settings):
    """The site's WSGI application, as gunicorn serves it, inside the test's transaction; the
    rate limit out of the way of a few hundred requests a minute."""
    settings.DIANKE_HEARTBEATS_PER_MINUTE = 100_000
    with keeping_the_test_connection():
        yield


def _load():
    """The schema as /api/v1/openapi.json serves it (loaded when the tests are collected: the
    schemathesis fixture loader, schemathesis.pytest.from_fixture, does not run under pytest 9)."""
    from dianke.api import api
    from dianke.wsgi import application

    # A request refused for its size (413, the body limit in front of the API) is refused too.
    config = SchemathesisConfig.from_str(
        "[checks.negative_data_rejection]\n"
        'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", '
        '"422", "428", "429"]\n'
    )
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=config)
    loaded.app = application
    return loaded


@pytest.fixture
def signed_in(member, video):
    """Cookies and headers of a signed-in member, with the CSRF token the player sends, and a
    lesson they may send heartbeats on."""
    from django.test import Client

    client = Client()
    client.force_login(member)
    secret = _get_new_csrf_string()
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": secret}
    return cookies, {"X-CSRFToken": _mask_cipher_secret(secret)}, video.pk


schema = _load()
bounded = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def _negates_the_session(case):
    """A negative case whose invalid part is the session cookie (missing or malformed): the
    member's own cookie replaces it, so the request is valid after all."""
    data = getattr(case.meta.phase, "data", None) if case.meta is not None else None
    location = getattr(data, "parameter_location", None)
    return location is not None and location.value == "cookie"


def call(case, cookies, headers, lesson=None):
    generated = (case.path_parameters or {}).get("item_id")
    if lesson and isinstance(generated, int) and generated % 2 == 0 and not case.meta.generation.mode.is_negative:
        case.path_parameters["item_id"] = lesson  # half the valid ids: the lesson, not a 404
    checks = CHECKS
    if cookies and _negates_the_session(case):
        checks = [check for check in CHECKS if check is not negative_data_rejection]
    case.call_and_validate(headers=headers, cookies=cookies, checks=checks)


@schema.parametrize()
@bounded
def test_the_api_answers_an_anonymous_visitor_as_its_schema_says(case):
    call(case, {}, {})


@schema.parametrize()
@bounded
def test_the_api_answers_a_member_as_its_schema_says(case, signed_in):
    call(case, *signed_in)
