"""Quizzes' fixtures: the shipped regulation texts imported once for this folder, a small bank
with marked answers (so that a leak is findable in any response) and the demo bank."""

import pytest

from search.demo import DATA_DIR

SECRET_FILL = "甲乙秘密答案"
SECRET_EXPLANATION = "解析只在交卷后出现"


@pytest.fixture(scope="package")
def regulations(django_db_setup, django_db_blocker):
    from search.importer import import_file
    from search.models import Regulation

    with django_db_blocker.unblock():
        imported = {}
        for path in sorted(DATA_DIR.glob("*.zh.txt")):
            regulation, _ = import_file(path, skip_existing=True)
            imported[regulation.family] = regulation
        yield imported
        Regulation.objects.filter(pk__in=[r.pk for r in imported.values()]).delete()
        from search.backends import embedded

        embedded.rebuild()


def article(regulations, family, number):
    return regulations[family].articles.get(number=number)


@pytest.fixture
def bank(regulations, db):
    """Five questions, one of each kind (two single), citing the Constitution; every answer is
    marked so that a leak shows in any response."""
    from quizzes.models import Option, Question

    first = article(regulations, "cpc-constitution", 1)
    seventh = article(regulations, "cpc-constitution", 7)
    questions = {}
    single = Question.objects.create(kind="single", stem="申请入党须年满多少岁？", article=first,
                                     explanation=SECRET_EXPLANATION + "一", topic="党员")
    for i, (text, right) in enumerate([("十六岁", False), ("十八岁", True), ("二十岁", False), ("二十二岁", False)]):
        Option.objects.create(question=single, text=text, is_correct=right, position=i)
    questions["single"] = single
    multiple = Question.objects.create(kind="multiple", stem="申请入党要承认什么？", article=first,
                                       explanation=SECRET_EXPLANATION + "二", topic="党员")
    for i, (text, right) in enumerate([("党的纲领", True), ("党的章程", True), ("个人主张", False)]):
        Option.objects.create(question=multiple, text=text, is_correct=right, position=i)
    questions["multiple"] = multiple
    questions["true_false"] = Question.objects.create(
        kind="true_false", stem="预备党员的预备期为一年。", is_true=True, article=seventh,
        explanation=SECRET_EXPLANATION + "三", topic="发展党员")
    questions["fill"] = Question.objects.create(
        kind="fill", stem="请填写暗号＿＿", accepted=f"{SECRET_FILL}\n甲乙秘答", article=seventh,
        explanation=SECRET_EXPLANATION + "四", topic="发展党员")
    other = Question.objects.create(kind="single", stem="预备期为多长？", article=seventh,
                                    explanation=SECRET_EXPLANATION + "五", topic="发展党员")
    for i, (text, right) in enumerate([("半年", False), ("一年", True)]):
        Option.objects.create(question=other, text=text, is_correct=right, position=i)
    questions["other"] = other
    return questions


def right_answers(attempt):
    """The correct answers of an attempt in its own keys (what a perfect member sends)."""
    from quizzes import services
    from quizzes.models import Option, Question

    answers = {}
    for question_id, option_ids in attempt.layout:
        question = Question.objects.get(pk=question_id)
        shown = [Option.objects.get(pk=o) for o in option_ids]
        _correct, right, _given = services.grade(question, shown, None)
        answers[str(question_id)] = right
    return answers
