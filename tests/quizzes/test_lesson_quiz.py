"""A quiz after a lesson: with `required`, the lesson is completed once read (watched) AND the
quiz passed at the lesson's pass mark; the rule is locked once anyone completed the lesson."""

import pytest
from django.core.exceptions import ValidationError

from lectures.models import LibraryPage
from members import services as member_services
from members.models import Completion
from quizzes.models import Attempt, LessonQuiz, Option, Question
from tests.factories import make_lesson, make_member

from .conftest import right_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson_quiz(regulations):
    lesson = make_lesson(kind="article", min_read_seconds=0, title="学党章第一课")
    for n in range(2):
        question = Question.objects.create(kind="single", stem=f"课后第{n}题", lesson=lesson,
                                           explanation="见课程")
        Option.objects.create(question=question, text="对", is_correct=True, position=0)
        Option.objects.create(question=question, text="错", is_correct=False, position=1)
    return LessonQuiz.objects.create(lesson=lesson, pass_mark=100, required=True, question_count=2)


def read(member, lesson):
    return member_services.record_heartbeat(member, lesson.pk, session="s1", ranges=[], position=1,
                                            client_time=1)


def test_reading_alone_does_not_complete_a_lesson_whose_quiz_is_required(client, member, lesson_quiz):
    me = member.member
    lesson = lesson_quiz.lesson
    state = read(me, lesson)
    assert state["completed"] is False
    assert not Completion.objects.filter(member=me, page_id=lesson.pk).exists()
    client.force_login(member)
    start = client.post(f"/quizzes/lessons/{lesson.pk}/")
    attempt = Attempt.objects.get(member=me, kind="lesson")
    assert start["Location"] == f"/quizzes/attempts/{attempt.pk}/"
    # failing the quiz (one of two right, pass mark 100) completes nothing
    answers = right_answers(attempt)
    first = next(iter(answers))
    answers[first] = ["B" if answers[first] == ["A"] else "A"]
    page = client.post(f"/quizzes/attempts/{attempt.pk}/", {f"q{k}": v for k, v in answers.items()})
    assert "未达到及格分 100" in page.content.decode()
    assert not Completion.objects.filter(member=me, page_id=lesson.pk).exists()
    # a new attempt, passed: the lesson read before is now completed, by watching/reading
    client.post(f"/quizzes/lessons/{lesson.pk}/")
    second = Attempt.objects.filter(member=me, kind="lesson", submitted_at=None).get()
    client.post(f"/quizzes/attempts/{second.pk}/", {f"q{k}": v for k, v in right_answers(second).items()})
    completion = Completion.objects.get(member=me, page_id=lesson.pk)
    assert completion.how == Completion.How.WATCHED


def test_passing_first_then_reading_completes(member, lesson_quiz):
    from quizzes import services

    me = member.member
    attempt = services.lesson_attempt(lesson_quiz, me)
    services.submit(attempt, me.pk, right_answers(attempt))
    assert not Completion.objects.filter(member=me).exists()  # not read yet
    assert read(me, lesson_quiz.lesson)["completed"] is True


def test_a_lesson_without_required_quiz_completes_by_reading(member, lesson_quiz):
    LessonQuiz.objects.filter(pk=lesson_quiz.pk).update(required=False)
    assert read(member.member, lesson_quiz.lesson)["completed"] is True


def test_the_rule_is_locked_once_anyone_completed(members_county, lesson_quiz):
    lesson_quiz.pass_mark = 80
    lesson_quiz.full_clean()  # nobody completed yet: may change
    lesson_quiz.save()
    someone = make_member(members_county["b"])
    Completion.objects.create(member=someone, page_id=lesson_quiz.lesson.pk,
                              completed_at="2026-01-01T00:00:00Z", how=Completion.How.RECORDED)
    lesson_quiz.pass_mark = 60
    with pytest.raises(ValidationError, match="不能再修改"):
        lesson_quiz.full_clean()
    lesson_quiz.pass_mark = 80
    lesson_quiz.full_clean()  # unchanged is fine
    other = make_lesson(kind="article", min_read_seconds=0)
    Completion.objects.create(member=someone, page_id=other.pk, completed_at="2026-01-01T00:00:00Z",
                              how=Completion.How.RECORDED)
    with pytest.raises(ValidationError):
        LessonQuiz(lesson=other, required=True).full_clean()


def test_the_lesson_page_offers_its_quiz(client, member, lesson_quiz):
    from wagtail.models import Site

    library = lesson_quiz.lesson.get_ancestors().type(LibraryPage).first()
    Site.objects.update_or_create(is_default_site=True, defaults={
        "hostname": "localhost", "root_page": library, "site_name": "点课"})
    client.force_login(member)
    html = client.get(lesson_quiz.lesson.url).content.decode()
    assert "课后测试" in html and f'action="/quizzes/lessons/{lesson_quiz.lesson.pk}/"' in html
    assert "看完并通过测试" in html
    client.logout()
    assert "课后测试" not in client.get(lesson_quiz.lesson.url).content.decode()
