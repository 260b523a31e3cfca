"""Quizzes' JSON API (mounted at /api/v1/ by dianke.api): today's 每日一练 and submitting an
attempt. Session authentication with CSRF, as members' API; every answer is private. Nothing
before submission carries an answer or an explanation (quizzes.services.questions)."""

from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import P, PathEx, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from members import services as member_services
from members.api import MessageOut, member_session
from quizzes import services
from quizzes.models import Attempt

MAX_ID = 2**31 - 1
AttemptId = PathEx[int, P(ge=1, le=MAX_ID, description="the attempt's id")]


def private_no_store(run):
    """Every answer is the member's own: no proxy or browser cache keeps it."""

    @wraps(run)
    def answer(request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return answer


router = Router(auth=member_session, tags=["quizzes"])
router.add_decorator(private_no_store, mode="view")


class OptionOut(Schema):
    key: str = Field(description="the option's key in this attempt (A, B, C …; true/false)")
    text: str


class QuestionOut(Schema):
    id: int
    kind: str = Field(description="single, multiple, true_false or fill")
    stem: str
    options: list[OptionOut]


class DailyOut(Schema):
    attempt: int
    questions: list[QuestionOut]


class AnswersIn(Schema):
    answers: dict[str, list[str] | str | bool] = Field(
        max_length=100,
        description='question id → ["A", "C"] (choices), "text" (fill in) or true/false',
    )


class CitationOut(Schema):
    regulation: str | None = Field(description="the regulation's title (None for a lesson)")
    article: str | None = Field(description="the article's label, e.g. 第四条 (or the lesson's title)")
    url: str | None = Field(description="the article's (or lesson's) permalink")


class ResultOut(Schema):
    id: int
    correct: bool
    answer: list[str] | str | bool | None = Field(description="the correct answer in this attempt's keys")
    explanation: str
    citation: CitationOut


class SubmittedOut(Schema):
    score: int
    total: int
    results: list[ResultOut]


def _member_id(request):
    if isinstance(request.auth, int):
        return request.auth
    member = member_services.member_of(request.user)
    if member is None:
        raise HttpError(403, _("只有党员账号可以答题。"))
    return member.pk


@router.get(
    "/quizzes/daily",
    response={200: DailyOut, 401: MessageOut, 403: MessageOut},
    summary="Today's daily quiz of the signed-in member (the same attempt all day)",
)
def daily(request: HttpRequest):
    attempt = services.daily_attempt(_member_id(request))
    return {"attempt": attempt.pk, "questions": services.questions(attempt)}


@router.post(
    "/quiz-attempts/{attempt_id}/answers",
    response={200: SubmittedOut, 400: MessageOut, 401: MessageOut, 403: MessageOut,
              404: MessageOut, 409: MessageOut},
    summary="Submit an attempt's answers once: graded on the server",
)
def submit(request: HttpRequest, attempt_id: AttemptId, data: AnswersIn):
    member_id = _member_id(request)
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if attempt is None or attempt.member_id != member_id:
        raise HttpError(404, _("没有这份答卷。"))
    try:
        result: dict[str, Any] = services.submit(attempt, member_id, data.answers)
    except services.Refused as refused:
        raise HttpError(refused.status, refused.detail) from None
    return result
