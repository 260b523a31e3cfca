"""The API as issue 19 spells it: GET /api/v1/quizzes/daily and POST
/api/v1/quiz-attempts/{attempt}/answers; no answer before submission, 409, 404, 400."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from quizzes import services
from quizzes.models import Attempt, Option, Question
from tests.factories import make_member

from .conftest import SECRET_EXPLANATION, SECRET_FILL, right_answers

pytestmark = pytest.mark.django_db

DAILY = "/api/v1/quizzes/daily"


def answers_url(attempt_id):
    return f"/api/v1/quiz-attempts/{attempt_id}/answers"


@pytest.fixture
def api(member):
    client = Client(enforce_csrf_checks=False)
    client.force_login(member)
    return client


def post(client, attempt_id, answers):
    return client.post(answers_url(attempt_id), json.dumps({"answers": answers}),
                       content_type="application/json")


def leaks(text):
    """What of the answers shows in a response body."""
    found = [word for word in (SECRET_FILL, "甲乙秘答", SECRET_EXPLANATION, "is_correct",
                               '"correct"', '"answer"', '"explanation"', "is_true") if word in text]
    return found


def test_daily_quiz_has_the_issue_shape_and_no_answer(api, bank):
    response = api.get(DAILY)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert set(body) == {"attempt", "questions"}
    assert len(body["questions"]) == min(services.DAILY_QUESTIONS, len(bank))
    for question in body["questions"]:
        assert set(question) == {"id", "kind", "stem", "options"}
        for option in question["options"]:
            assert set(option) == {"key", "text"}
    assert leaks(response.content.decode()) == []
    # the same attempt for the rest of the day
    assert api.get(DAILY).json() == body


def test_submitting_grades_on_the_server_and_cites_the_article(api, bank, member):
    body = api.get(DAILY).json()
    attempt = Attempt.objects.get(pk=body["attempt"])
    answers = right_answers(attempt)
    wrong_id = next(q["id"] for q in body["questions"] if q["kind"] == "single")
    answers[str(wrong_id)] = [k for k in ("A", "B", "C", "D") if k not in answers[str(wrong_id)]][:1]
    response = post(api, attempt.pk, answers)
    assert response.status_code == 200, response.content
    result = response.json()
    assert set(result) == {"score", "total", "results"}
    assert result["total"] == len(body["questions"])
    assert result["score"] == result["total"] - 1
    for row in result["results"]:
        assert set(row) == {"id", "correct", "answer", "explanation", "citation"}
        assert row["correct"] is (row["id"] != wrong_id)
        question = Question.objects.select_related("article__regulation").get(pk=row["id"])
        assert row["explanation"] == question.explanation
        assert row["citation"] == {
            "regulation": question.article.regulation.title, "article": question.article.label,
            "url": question.article.get_absolute_url(),
        }
        assert api.get(row["citation"]["url"]).status_code == 200  # the permalink is real
    # a second submission is refused, and the first result stays
    again = post(api, attempt.pk, right_answers(attempt))
    assert again.status_code == 409
    assert "已经提交" in again.json()["detail"]
    attempt.refresh_from_db()
    assert attempt.score == result["score"]
    # the next day's daily quiz is a new attempt; today's stays
    assert api.get(DAILY).json()["attempt"] == attempt.pk


def test_fill_answers_accept_variants_and_full_width(bank, member):
    question = bank["fill"]
    assert services.grade(question, [], "甲乙秘密答案")[0]
    assert services.grade(question, [], " 甲乙秘答。")[0]
    assert not services.grade(question, [], "甲乙")[0]
    assert not services.grade(question, [], ["甲", "乙"])[0]
    tf = bank["true_false"]
    assert services.grade(tf, [], True)[0] and services.grade(tf, [], "true")[0]
    assert not services.grade(tf, [], False)[0] and not services.grade(tf, [], "A")[0]


def test_another_members_attempt_is_404(api, bank, members_county):
    other = make_member(members_county["b"])
    theirs = services.daily_attempt(other)
    response = post(api, theirs.pk, right_answers(theirs))
    assert response.status_code == 404
    assert Attempt.objects.get(pk=theirs.pk).submitted_at is None
    assert post(api, 2**31 - 1, {}).status_code == 404


def test_after_the_time_limit_400_in_chinese(api, bank, member):
    attempt = Attempt.objects.get(pk=api.get(DAILY).json()["attempt"])
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    response = post(api, attempt.pk, right_answers(attempt))
    assert response.status_code == 400
    assert "答题时间已过" in response.json()["detail"]
    assert Attempt.objects.get(pk=attempt.pk).submitted_at is None


def test_answers_to_questions_not_in_the_attempt_are_refused(api, bank):
    attempt_id = api.get(DAILY).json()["attempt"]
    response = post(api, attempt_id, {"999999": "A"})
    assert response.status_code == 400
    assert "不属于本次测试" in response.json()["detail"]


def test_anonymous_and_non_members_are_refused(client, editor, bank):
    assert client.get(DAILY).status_code == 401
    client.force_login(editor)
    assert client.get(DAILY).status_code == 403


def test_option_order_is_shuffled_per_attempt(bank, members_county):
    """The correct option of the single question does not sit at the same key every time."""
    single = bank["single"]
    right = Option.objects.get(question=single, is_correct=True).pk
    positions = set()
    for _ in range(40):
        layout = dict((q, opts) for q, opts in services._layout([single.pk]))
        positions.add(layout[single.pk].index(right))
    assert len(positions) >= 3


def test_wrong_answers_weigh_more_in_the_daily_draw(bank, member):
    member = member.member
    attempt = services.daily_attempt(member)
    answers = right_answers(attempt)
    wrong = bank["other"].pk if str(bank["other"].pk) in answers else int(next(iter(answers)))
    answers[str(wrong)] = "不对"
    services.submit(attempt, member.pk, answers)
    weights = services.daily_weights(member.pk)
    assert weights[wrong] == services.WEIGHT_WRONG
    assert all(w == services.WEIGHT_RIGHT for q, w in weights.items() if str(q) in answers and q != wrong)
    picks = sum(wrong in services._weighted_pick(weights, 1) for _ in range(600))
    # weight 6 of a total 6 + 4×1 (the others answered right): about 60 %, never under a third
    assert picks > 200
