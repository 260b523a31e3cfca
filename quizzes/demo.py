"""Demo content: the question bank written from the shipped regulation texts (quizzes.demo_bank)
and a contest of the county open this week. Runs after search.demo (the articles must exist);
safe to run again."""

import datetime as dt

from django.utils import timezone

from members.models import Organisation
from quizzes import bank, demo_bank, services
from quizzes.models import Contest, Question


def load_demo(*, stdout):
    present = set(Question.objects.values_list("stem", flat=True))
    rows = [row for row in demo_bank.rows() if row["stem"] not in present]
    problems, created = bank.import_rows(rows)
    for number, errors in problems:
        stdout.write(f"  demo bank row {number}: {'；'.join(errors)}")
    stdout.write(f"  题库：新增 {created} 道题，共 {Question.objects.count()} 道")
    root = Organisation.get_first_root_node()
    if root is not None and not Contest.objects.exists() and not problems:
        now = timezone.now()
        services.open_contest(
            organisation=root, title="学党章知识竞赛", starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(days=7), question_count=10, time_limit_minutes=15,
        )
        stdout.write("  知识竞赛：学党章知识竞赛（本周）")
