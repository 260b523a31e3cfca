"""Middleware of the whole site (each app's own request handling lives in its views)."""

from django.conf import settings
from django.db import DataError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

KIB = 1024
MIB = 1024 * KIB


def body_limit(request):
    """The largest request body this request may send, decided before anything reads it.

    Anonymous visitors only post small forms (sign-in, language, elderly mode); the JSON API
    takes small bodies (a heartbeat is a few hundred bytes); members post forms and phone photos;
    people who work in the admin upload lecture recordings (their own limit,
    DIANKE_MAX_UPLOAD_BYTES, which the upload view checks again per file)."""
    if request.path.startswith("/api/"):
        return settings.DIANKE_MAX_API_BODY_BYTES
    user = request.user
    if not user.is_authenticated:
        return settings.DIANKE_MAX_ANONYMOUS_BODY_BYTES
    if user.has_perm("wagtailadmin.access_admin"):
        return settings.DIANKE_MAX_UPLOAD_BYTES + MIB  # multipart overhead
    return settings.DIANKE_MAX_MEMBER_BODY_BYTES


class RequestBodyLimitMiddleware:
    """Refuses a request whose declared body is too large before it is read.

    Django's CSRF check reads (and spools to disk) the whole body of a POST before any view
    runs, so a size check in the view comes too late: an anonymous POST with a huge
    Content-Length would fill the temporary folder. This sits after the authentication
    middleware (it needs the user, which reads no body) and before any view processing.
    In production the reverse proxy in front holds the same outer limit (docker/nginx)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > body_limit(request):
            limit = body_limit(request)
            message = _("文件太大，上限为 %(size)s。") % {"size": _human(limit)}
            if request.path.startswith("/api/"):
                response = JsonResponse({"detail": message}, status=413,
                                        json_dumps_params={"ensure_ascii": False})
            elif _wants_json(request):
                # Upload pages' scripts read form errors by field: the body is the file's.
                response = JsonResponse({"detail": message, "errors": {"file": [message]}}, status=413,
                                        json_dumps_params={"ensure_ascii": False})
            else:
                response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
            return response
        return self.get_response(request)


def _wants_json(request):
    return (request.headers.get("x-requested-with") == "XMLHttpRequest"
            or "json" in request.headers.get("accept", ""))


def _human(size):
    if size >= MIB:
        return f"{size // MIB} MB"
    return f"{size // KIB} KB"


class OutOfRangeIdMiddleware:
    """An id in the address larger than the database's integers (/lessons/99999999999999999999/)
    is an address that does not exist: 404, not a server error. Django's `int` converter takes
    any length of digits and the database refuses the number (SQLite: OverflowError; PostgreSQL:
    "out of range"); this holds for every route, Wagtail's own included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        out_of_range = isinstance(exception, OverflowError) or (
            isinstance(exception, DataError) and "out of range" in str(exception)
        )
        if out_of_range:
            return page_not_found(request, Http404())
        return None
