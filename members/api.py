"""Learning-progress API (mounted at /api/v1/): session authentication with CSRF.

The player sends heartbeats as JSON with the X-CSRFToken header. On pause/pagehide it uses
navigator.sendBeacon, which cannot set headers: the beacon endpoint takes a form body with
`csrfmiddlewaretoken` and `payload` (the same JSON), and Django's CSRF check reads the token
from the form field, so the protection is the same.

Every answer is the member's own: `Cache-Control: private, no-store` (no proxy or browser cache
keeps it). Every refused heartbeat counts towards the member's rate limit, as every accepted one.
"""

import json
import logging
import time
from datetime import datetime
from functools import wraps
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Form, P, PathEx, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import SessionAuth, django_auth
from pydantic import Field, ValidationError
from wagtail.models import Page, PageViewRestriction

from members import plans, scoping, services
from members.auth import session_member

logger = logging.getLogger(__name__)


def private_no_store(run):
    """Wraps an operation (ninja's `run`: its answers, refusals and errors included)."""

    @wraps(run)
    def answer(request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return answer


router = Router(auth=django_auth, tags=["learning progress"])
router.add_decorator(private_no_store, mode="view")


class MemberSession(SessionAuth):
    """Django's session authentication with ninja's CSRF check, as django_auth; a member's
    session is checked in one or two statements (members.auth.session_member) and request.auth is
    then the member's id. Anything else goes through request.user (Django's get_user): no member,
    an unusual session, and a session made under one of SECRET_KEY_FALLBACKS, which get_user
    moves to the current key (a new session key and hash) as it does on every page."""

    def authenticate(self, request, key):
        signed_in = session_member(key)
        if signed_in is None or signed_in.old_key:
            return super().authenticate(request, key)
        return signed_in.member_id


member_session = MemberSession()

# ---- what the API takes and answers -------------------------------------------------------

MAX_ITEM_ID = 2**31 - 1  # page ids are PostgreSQL integers
MAX_MEDIA_SECONDS = 100_000.0  # about 28 hours: longer than any lesson
MAX_CLIENT_TIME = 1e11  # Unix seconds (the player sends Date.now() / 1000)
ItemId = PathEx[int, P(ge=1, le=MAX_ITEM_ID, description="the lesson's page id")]
Seconds = Annotated[float, Field(ge=0, le=MAX_MEDIA_SECONDS)]


class HeartbeatIn(Schema):
    session: str = Field(
        min_length=1, max_length=64, description="the player's id for this viewing (one per page load)"
    )
    ranges: list[Annotated[list[Seconds], Field(min_length=2, max_length=2)]] = Field(
        default=[],
        max_length=services.MAX_RANGES,
        description="seconds really played since the last heartbeat, as [start, end] pairs",
    )
    position: float = Field(
        default=0, ge=0, le=MAX_MEDIA_SECONDS,
        description="the playback position in seconds (articles: how far down, 0 to 1)",
    )
    client_time: float = Field(
        default=0, ge=0, le=MAX_CLIENT_TIME, description="the player's clock, Unix seconds"
    )


class BeaconIn(Schema):
    # A heartbeat of 500 ranges is about 10 KiB; well inside the API's 64 KiB body limit, so a
    # payload too long is this schema's 422, not the body limit's 413.
    payload: str = Field(min_length=1, max_length=32 * 1024, description="a HeartbeatIn as JSON")


class ProgressOut(Schema):
    position: float
    coverage: float
    completed: bool
    completed_at: datetime | None
    state: str


class ErrorOut(Schema):
    """A refused heartbeat: what is wrong, and a code the player can act on."""

    detail: str
    code: str


class MessageOut(Schema):
    """Refused before the endpoint's own work: no session (401), a failed CSRF check, a user who
    is not a member or a lesson they may not see (403), no such item (404), a body too large
    (413), too many heartbeats (429, with Retry-After)."""

    detail: str


class ValidationErrorOut(Schema):
    """The request does not match this schema (django-ninja's answer: one entry per problem)."""

    detail: list[dict[str, Any]]


class ItemOut(Schema):
    id: int
    title: str
    kind: str
    duration: float | None
    state: str
    coverage: float
    url: str
    required: bool | None = None


RETRY_AFTER = {
    "description": "Too many heartbeats in the last minute",
    "headers": {
        "Retry-After": {
            "description": "seconds until the next heartbeat would be accepted",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}
SIGNED_IN = {401: MessageOut, 403: MessageOut}
HEARTBEAT_ANSWERS = {
    200: ProgressOut,
    400: ErrorOut | MessageOut,
    **SIGNED_IN,
    404: MessageOut,
    409: ErrorOut,
    413: MessageOut,
    422: ErrorOut | ValidationErrorOut,
    429: MessageOut,
}


# ---- who may send a heartbeat on which item -----------------------------------------------

# Who may see the lesson, without reading it on every heartbeat. scoping.page_access (lectures'
# one rule) decides, with the request, once per (item, member, session) in each process; its
# answer is kept while what it was decided from is unchanged. That is read per item at most
# every ITEM_RULE_TTL seconds (the item's rule's time): the item and its ancestors (live,
# last published: a course's members-only flag too) and their view restrictions (type,
# password, groups). A restriction added or changed, an unpublished or republished page, takes
# effect within that time. What belongs to the member (their groups, a password they entered)
# is asked again after ACCESS_MAX_AGE for an allowed answer (about a lesson's length: asking costs
# a handful of queries, so each web process asks once per lesson a member watches), after
# ITEM_RULE_TTL for a refusal.
_pages = {}  # item id -> (expires, what the rule reads of the page, or None)
_access = {}  # (item id, member id, session key) -> (page facts, expires, scoping.Access)
MAX_ACCESS_KEPT = 20_000
ACCESS_MAX_AGE = 1800
_clock = time.monotonic


def _page_facts(item_id):
    """What scoping.page_access reads of an item's page that is the same for everyone."""
    found = Page.objects.filter(pk=item_id).values_list("path", flat=True).first()
    if found is None:
        return None
    paths = [found[:end] for end in range(Page.steplen, len(found) + 1, Page.steplen)]
    pages = sorted(Page.objects.filter(path__in=paths).values_list("id", "live", "last_published_at"))
    restrictions = sorted(
        PageViewRestriction.objects.filter(page__path__in=paths).values_list(
            "id", "page_id", "restriction_type", "password", "groups"
        ),
        key=repr,
    )
    return tuple(pages), tuple(restrictions)


def item_access(request, item_id, member_id):
    now = _clock()
    page = _pages.get(item_id)
    if page is None or page[0] < now:
        if len(_pages) >= MAX_ACCESS_KEPT:
            _pages.clear()
        page = _pages[item_id] = (now + services.ITEM_RULE_TTL, _page_facts(item_id))
    key = (item_id, member_id, request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    cached = _access.get(key)
    if cached is None or cached[0] != page[1] or cached[1] < now:
        access = scoping.page_access(request, Page.objects.filter(pk=item_id).first())
        keep = ACCESS_MAX_AGE if access is scoping.Access.ALLOW else services.ITEM_RULE_TTL
        if len(_access) >= MAX_ACCESS_KEPT:
            _access.clear()
        cached = _access[key] = (page[1], now + keep, access)
    return cached[2]


def forget_item_access():
    _pages.clear()
    _access.clear()


def _member(request):
    member = services.member_of(request.user)
    if member is None:
        raise HttpError(403, _("只有党员账号可以记录学习进度。"))
    return member


def _too_many(limited):
    logger.warning("rate limit: member %s", limited.member_id)
    return JsonResponse(
        {"detail": _("提交太频繁，请稍后再试。")},
        status=429,
        headers={"Retry-After": str(limited.retry_after)},
        json_dumps_params={"ensure_ascii": False},
    )


def _refused(member_id, status, detail):
    """A heartbeat refused before the service saw it, counted like every other."""
    try:
        services.count_rejected(member_id, limit=services.heartbeats_per_minute())
    except services.RateLimited as limited:
        return _too_many(limited)
    if isinstance(detail, dict):
        return Status(status, detail)
    raise HttpError(status, detail)


HEARTBEAT_URL_NAMES = ("heartbeat", "beacon")


def refused_heartbeat(request):
    """Counts a heartbeat whose body django-ninja refused (422) before the endpoint ran; the 429
    to answer instead, or None. Called by the API's validation-error handler (dianke.api)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in HEARTBEAT_URL_NAMES:
        return None
    auth = getattr(request, "auth", None)
    member_id = auth if isinstance(auth, int) else getattr(services.member_of(request.user), "pk", None)
    if member_id is None:
        return None
    try:
        services.count_rejected(member_id, limit=services.heartbeats_per_minute())
    except services.RateLimited as limited:
        return _too_many(limited)
    return None


def _heartbeat(request, item_id, data: HeartbeatIn):
    """The answer to a heartbeat of the signed-in member (the JSON and the beacon endpoints)."""
    member_id = request.auth if isinstance(request.auth, int) else _member(request).pk
    access = item_access(request, item_id, member_id)
    if access is scoping.Access.ABSENT:
        return _refused(member_id, 404, _("没有这个学习内容。"))
    if access is not scoping.Access.ALLOW:
        return _refused(member_id, 403, _("您没有查看这个学习内容的权限。"))
    try:
        state = services.record_heartbeat(
            member_id,
            item_id,
            session=data.session,
            ranges=data.ranges,
            position=data.position,
            client_time=data.client_time,
            limit=services.heartbeats_per_minute(),
        )
    except services.ItemNotFound:
        raise HttpError(404, _("没有这个学习内容。")) from None
    except services.RateLimited as limited:
        return _too_many(limited)
    except services.HeartbeatRejected as rejected:
        logger.warning(
            "heartbeat rejected: member %s item %s: %s", member_id, item_id, rejected.message_en
        )
        return Status(rejected.status, {"detail": rejected.message_zh, "code": rejected.code})
    return Status(200, state)


@router.post(
    "/progress/{item_id}/heartbeat",
    response=HEARTBEAT_ANSWERS,
    summary="Record watched ranges of an item",
    auth=member_session,
    openapi_extra={"responses": {429: RETRY_AFTER}},
)
def heartbeat(request: HttpRequest, item_id: ItemId, data: HeartbeatIn):
    return _heartbeat(request, item_id, data)


@router.post(
    "/progress/{item_id}/beacon",
    response=HEARTBEAT_ANSWERS,
    summary="The same heartbeat sent by navigator.sendBeacon (form body with the CSRF token)",
    auth=member_session,
    openapi_extra={"responses": {429: RETRY_AFTER}},
)
def beacon(request: HttpRequest, item_id: ItemId, form: Form[BeaconIn]):
    try:
        data = HeartbeatIn.model_validate(json.loads(form.payload))
    except (ValueError, ValidationError):
        member_id = request.auth if isinstance(request.auth, int) else _member(request).pk
        return _refused(member_id, 400, {"detail": _("进度数据格式无效。"), "code": "bad_payload"})
    return _heartbeat(request, item_id, data)


@router.get(
    "/progress/{item_id}",
    response={200: ProgressOut, **SIGNED_IN, 404: MessageOut, 422: ValidationErrorOut},
    summary="A member's progress on an item",
)
def progress(request: HttpRequest, item_id: ItemId):
    member = _member(request)
    access = item_access(request, item_id, member.pk)
    if access is scoping.Access.ABSENT:
        raise HttpError(404, _("没有这个学习内容。"))
    if access is not scoping.Access.ALLOW:
        raise HttpError(403, _("您没有查看这个学习内容的权限。"))
    try:
        return services.progress_state(member, item_id)
    except services.ItemNotFound:
        raise HttpError(404, _("没有这个学习内容。")) from None


@router.get(
    "/me/items",
    response={200: list[ItemOut], **SIGNED_IN},
    summary="The signed-in member's items",
)
def my_items(request: HttpRequest):
    member = _member(request)
    rows = plans.member_items(member)
    # Items behind Wagtail's page privacy that this member does not pass are not listed (a plan
    # may name one); public pages need no asking.
    restricted = Page.objects.filter(pk__in=[row["id"] for row in rows]).not_public()
    hidden = {page.pk for page in restricted
              if scoping.page_access(request, page) is not scoping.Access.ALLOW}
    return [row for row in rows if row["id"] not in hidden]
