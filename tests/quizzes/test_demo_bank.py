"""The demo bank: at least 60 questions written from the shipped regulation texts; each cited
article exists and contains the key words of the correct answer; the demo loads them once."""

import io

import pytest

from quizzes import bank, demo, demo_bank
from quizzes.models import Contest, Question
from tests.factories import make_county

pytestmark = pytest.mark.django_db


def test_at_least_sixty_questions_of_every_kind():
    rows = demo_bank.rows()
    assert len(rows) >= 60
    assert {row["kind"] for row in rows} == {"single", "multiple", "true_false", "fill"}
    assert len({row["stem"] for row in rows}) == len(rows)


@pytest.mark.parametrize("row", demo_bank.rows(), ids=lambda r: f"{r['regulation']}-{r['article']}-{r['stem'][:12]}")
def test_each_cited_article_exists_and_holds_the_answer(regulations, row):
    regulation = bank.find_regulation(row["regulation"])
    assert regulation is not None, row["regulation"]
    article = regulation.articles.get(number=row["article"])
    text = article.text()
    assert row["keywords"], "every row names the key words of its answer"
    for word in row["keywords"]:
        assert word in text, f"{article}: {word!r} is not in the article"
    # the correct answer itself is in the article (choices: each correct option; fill: an accepted
    # answer), or the key words say it (true/false)
    if row["kind"] in ("single", "multiple"):
        letters = row["correct"]
        for letter in letters:
            option = row["options"]["ABCDEFGH".index(letter)]
            assert any(option in word or word in option for word in row["keywords"]), option
            assert option in text or any(word in text and word in option for word in row["keywords"])
    elif row["kind"] == "fill":
        assert any(v in text for v in row["correct"].split("|")), row["correct"]


def test_the_demo_loads_the_bank_and_a_contest_once(regulations):
    make_county()
    out = io.StringIO()
    demo.load_demo(stdout=out)
    assert "row" not in out.getvalue(), out.getvalue()  # no row refused
    count = Question.objects.count()
    assert count == len(demo_bank.rows())
    assert all(q.explanation.startswith("《") and q.article_id for q in Question.objects.all())
    contest = Contest.objects.get()
    assert contest.questions.count() == contest.question_count
    demo.load_demo(stdout=io.StringIO())
    assert Question.objects.count() == count and Contest.objects.count() == 1
