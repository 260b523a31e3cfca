"""Branch life's JSON API (mounted at /api/v1/ by dianke.api): a member's events of a month,
checking in with the code on the secretary's screen, and that code for the role holder's own
screen or app. Session authentication with CSRF, as members' API; every answer is private."""

from datetime import datetime
from functools import wraps

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth
from pydantic import Field

from branch_life import codes, rules, services
from branch_life.models import Event
from members import services as member_services
from members.api import member_session


def private_no_store(run):
    """Every answer is the member's own: no proxy or browser cache keeps it."""

    @wraps(run)
    def answer(request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return answer


router = Router(auth=django_auth, tags=["branch life"])
router.add_decorator(private_no_store, mode="view")

STATUSES = "invited, checked_in, excused, absent or remote_done"


class MessageOut(Schema):
    """A refusal, in Chinese."""

    detail: str


class EventOut(Schema):
    id: int
    title: str
    kind: str = Field(description="theme_day, general_meeting, committee, group_meeting or lecture")
    organisation: str = Field(description="the organisation holding it")
    starts_at: datetime
    ends_at: datetime
    place: str
    status: str = Field(description=f"the member's own status: {STATUSES}")


class MonthQuery(Schema):
    month: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$",
                              description="YYYY-MM (this month when left out)")


class CheckInIn(Schema):
    code: str = Field(min_length=1, max_length=12, description="the code on the secretary's screen")


class CheckInOut(Schema):
    status: str = Field(description='"checked_in"')


class CodeOut(Schema):
    code: str = Field(description="six digits, the same the QR code carries")
    expires_at: datetime


def _member(request):
    if isinstance(request.auth, int):
        return request.auth
    member = member_services.member_of(request.user)
    if member is None:
        raise HttpError(403, _("只有党员账号可以参加组织生活。"))
    return member.pk


@router.get(
    "/me/events",
    response={200: list[EventOut], 401: MessageOut, 403: MessageOut},
    summary="The signed-in member's events of a month",
    auth=member_session,
)
def my_events(request: HttpRequest, query: Query[MonthQuery]):
    member = member_services.member_of(request.user)
    if member is None:
        raise HttpError(403, _("只有党员账号可以参加组织生活。"))
    try:
        month = rules.parse_month(query.month) if query.month else timezone.localdate().replace(day=1)
    except ValueError:
        raise HttpError(422, _("月份格式应为 YYYY-MM。")) from None
    return [{k: v for k, v in row.items() if k != "event"}
            for row in services.member_events(member, month)]


@router.post(
    "/events/{event_id}/check-in",
    response={200: CheckInOut, 400: MessageOut, 401: MessageOut, 403: MessageOut,
              404: MessageOut, 429: MessageOut},
    summary="Check in to an event with the code on the secretary's screen",
    auth=member_session,
)
def check_in(request: HttpRequest, event_id: int, data: CheckInIn):
    member_id = _member(request)
    event = get_object_or_404(Event.objects.select_related("organisation"), pk=event_id)
    try:
        return {"status": services.check_in(event, member_id, data.code)}
    except services.CheckInRefused as refused:
        raise HttpError(refused.status, refused.detail) from None


@router.get(
    "/events/{event_id}/check-in-code",
    response={200: CodeOut, 401: MessageOut, 403: MessageOut, 404: MessageOut, 409: MessageOut},
    summary="The event's current check-in code (role holders over its organisation)",
)
def check_in_code(request: HttpRequest, event_id: int):
    event = get_object_or_404(Event.objects.select_related("organisation"), pk=event_id)
    if not services.can_run(request.user, event.organisation):
        raise HttpError(403, _("只有该党组织的书记、委员可以查看签到码。"))
    if not codes.is_open(event):
        raise HttpError(409, _("现在不是本次活动的签到时间。"))
    code, expires_at = codes.current_code(event)
    return {"code": code, "expires_at": expires_at}
