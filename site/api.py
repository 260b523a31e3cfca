"""The JSON API at /api/v1/ (django-ninja; OpenAPI schema at /api/v1/openapi.json, docs at
/api/v1/docs). Each app owns a router in its own `api.py`; they are mounted here, with what
holds for every endpoint: the answers the site gives before any endpoint runs (a body too large,
dianke.middleware.RequestBodyLimitMiddleware: 413) or that django-ninja gives for an endpoint
(a request that does not match the schema: 422; a body it cannot parse: 400; no such object:
404), documented on every operation that can give them, so that the schema tells the truth
(tests/members/test_api_schema.py checks it with schemathesis)."""

from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from branch_life.api import router as branch_life_router
from members import api as members_api
from members.api import router as members_router
from quizzes.api import router as quizzes_router
from search.api import router as search_router

METHODS = ("get", "put", "post", "delete", "patch")
MESSAGE = {
    "type": "object",
    "title": "Message",
    "properties": {"detail": {"type": "string", "title": "Detail"}},
    "required": ["detail"],
}
VALIDATION = {
    "type": "object",
    "title": "Validation errors",
    "properties": {
        "detail": {"type": "array", "items": {"type": "object"}, "title": "Detail"},
    },
    "required": ["detail"],
}


def _json(description, schema):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class DiankeAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for path in schema["paths"].values():
            for method, operation in path.items():
                if method in METHODS:
                    _complete(operation)
        return schema


def _complete(operation):
    """Adds the answers an operation can give that its router did not list (keys are strings in
    ninja's schema when they come from openapi_extra, integers otherwise: both are looked at)."""
    responses = operation.setdefault("responses", {})
    listed = {str(code) for code in responses}

    def add(code, description, schema):
        if str(code) not in listed:
            responses[code] = _json(description, schema)

    add(413, "The request body is larger than the API takes (64 KiB)", MESSAGE)
    has_parameters = bool(operation.get("parameters"))
    if has_parameters or "requestBody" in operation:
        # django-ninja's own 422 lists the problems; an endpoint's HttpError(422) says one.
        add(422, "The request does not match this schema, or its values do not fit",
            {"anyOf": [VALIDATION, MESSAGE]})
    if "requestBody" in operation:
        add(400, "The request body cannot be read", MESSAGE)
    if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
        add(404, "No such object", MESSAGE)
    if operation.get("security"):
        add(401, "Not signed in", MESSAGE)
        add(403, "Signed in but not allowed, or the CSRF check failed", MESSAGE)


api = DiankeAPI(
    title="点课 Dianke API",
    version="1",
    urls_namespace="api-v1",
    description="Learning progress, the member's items and regulation search.",
)

api.add_router("", members_router)
api.add_router("/regulations", search_router)
api.add_router("", branch_life_router)
api.add_router("", quizzes_router)


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    """django-ninja's 422 (its own shape: `detail` is a list); a refused heartbeat counts
    towards the member's rate limit like every other."""
    too_many = members_api.refused_heartbeat(request)
    if too_many is not None:
        return too_many
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(HttpError)
def http_error(request, exc):
    """django-ninja's and the endpoints' refusals. A 400 raised (not returned) on a heartbeat is
    django-ninja's unreadable body: counted like every refused heartbeat."""
    if exc.status_code == 400:
        too_many = members_api.refused_heartbeat(request)
        if too_many is not None:
            return too_many
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
