"""Learning-progress API (mounted at /api/v1/): session authentication with CSRF.

The player sends heartbeats as JSON with the X-CSRFToken header. On pause/pagehide it uses
navigator.sendBeacon, which cannot set headers: the beacon endpoint takes a form body with
`csrfmiddlewaretoken` and `payload` (the same JSON), and Django's CSRF check reads the token
from the form field, so the protection is the same.
"""

import json
import logging
from datetime import datetime

from django.http import HttpRequest
from ninja import Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import SessionAuth, django_auth
from pydantic import ValidationError

from members import services
from members.auth import session_member

logger = logging.getLogger(__name__)
router = Router(auth=django_auth, tags=["learning progress"])


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


class HeartbeatIn(Schema):
    session: str
    ranges: list[list[float]] = []
    position: float = 0
    client_time: float = 0


class ProgressOut(Schema):
    position: float
    coverage: float
    completed: bool
    completed_at: datetime | None
    state: str


class ErrorOut(Schema):
    detail: str
    code: str


class ItemOut(Schema):
    id: int
    title: str
    kind: str
    duration: float | None
    state: str
    coverage: float
    url: str
    required: bool | None = None


def _member(request):
    member = services.member_of(request.user)
    if member is None:
        raise HttpError(403, "只有党员账号可以记录学习进度。")
    return member


def _heartbeat(request, item_id, data: HeartbeatIn):
    """The answer to a heartbeat of the signed-in member (the JSON and the beacon endpoints)."""
    member_id = request.auth if isinstance(request.auth, int) else _member(request).pk
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
        raise HttpError(404, "没有这个学习内容。") from None
    except services.RateLimited:
        logger.warning("rate limit: member %s item %s", member_id, item_id)
        raise HttpError(429, "提交太频繁，请稍后再试。") from None
    except services.HeartbeatRejected as rejected:
        logger.warning(
            "heartbeat rejected: member %s item %s: %s", member_id, item_id, rejected.message_en
        )
        return Status(rejected.status, {"detail": rejected.message_zh, "code": rejected.code})
    return Status(200, state)


@router.post(
    "/progress/{int:item_id}/heartbeat",
    response={200: ProgressOut, 400: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Record watched ranges of an item",
    auth=member_session,
)
def heartbeat(request: HttpRequest, item_id: int, data: HeartbeatIn):
    return _heartbeat(request, item_id, data)


@router.post(
    "/progress/{int:item_id}/beacon",
    response={200: ProgressOut, 400: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="The same heartbeat sent by navigator.sendBeacon (form body with the CSRF token)",
    auth=member_session,
)
def beacon(request: HttpRequest, item_id: int, payload: Form[str]):
    try:
        data = HeartbeatIn.model_validate(json.loads(payload))
    except (ValueError, ValidationError):
        return Status(400, {"detail": "进度数据格式无效。", "code": "bad_payload"})
    return _heartbeat(request, item_id, data)


@router.get(
    "/progress/{int:item_id}", response=ProgressOut, summary="A member's progress on an item"
)
def progress(request: HttpRequest, item_id: int):
    member = _member(request)
    try:
        return services.progress_state(member, item_id)
    except services.ItemNotFound:
        raise HttpError(404, "没有这个学习内容。") from None


@router.get("/me/items", response=list[ItemOut], summary="The signed-in member's items")
def my_items(request: HttpRequest):
    from members import plans

    member = _member(request)
    return plans.member_items(member)
