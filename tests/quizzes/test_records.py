"""Contests opened by role holders for their subtree; results per member; quiz records in the
member's history, the secretary's report and workbench; the figures supervision reads."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from quizzes import services
from quizzes.models import Contest
from tests.factories import make_member, make_secretary_user

from .conftest import right_answers

pytestmark = pytest.mark.django_db


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_secretary_opens_a_contest_for_their_subtree_only(client, bank, members_county):
    secretary = make_secretary_user(members_county["town"], "town-sec")
    client.force_login(secretary)
    now = timezone.now()
    form = {"title": "镇竞赛", "starts_at": local(now - dt.timedelta(minutes=5)),
            "ends_at": local(now + dt.timedelta(days=1)), "question_count": 3, "time_limit_minutes": 10,
            "topic": ""}
    outside = client.post("/quizzes/contests/new/", {**form, "organisation": members_county["village"].pk})
    assert outside.status_code == 200 and not Contest.objects.exists()
    too_many = client.post("/quizzes/contests/new/", {**form, "organisation": members_county["town"].pk,
                                                      "question_count": 50})
    assert "少于竞赛题数" in too_many.content.decode() and not Contest.objects.exists()
    done = client.post("/quizzes/contests/new/", {**form, "organisation": members_county["town"].pk})
    contest = Contest.objects.get()
    assert done.status_code == 302 and contest.questions.count() == 3
    assert contest.created_by == secretary
    # a plain member cannot open one
    plain = make_member(members_county["a"])
    client.force_login(plain.user)
    assert client.get("/quizzes/contests/new/").status_code == 404


def test_results_per_member_exportable_within_scope(client, bank, members_county, member):
    now = timezone.now()
    contest = services.open_contest(organisation=members_county["county"], title="县竞赛",
                                    starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1),
                                    question_count=3, time_limit_minutes=10)
    attempt = services.contest_attempt(contest, member.member)
    services.submit(attempt, member.member.pk, right_answers(attempt))
    far = make_member(members_county["c"], name="河西党员")
    secretary = make_secretary_user(members_county["a"], "a-sec")
    client.force_login(secretary)
    page = client.get(f"/quizzes/contests/{contest.pk}/results/")
    assert page.status_code == 200
    rows = page.context["table"].rows
    names = [r[1] for r in rows]
    assert "测试党员" in names and far.name not in names  # branch a's secretary sees branch a only
    mine = next(r for r in rows if r[1] == "测试党员")
    assert mine[3:6] == [3, 3, 100]
    xlsx = client.get(f"/quizzes/contests/{contest.pk}/results/?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    lines = list(sheet.iter_rows(values_only=True))
    headings = next(n for n, line in enumerate(lines) if list(line[:2]) == ["党员编号", "姓名"])
    assert any(line[1] == "测试党员" and line[5] == 100 for line in lines[headings + 1:])


def test_history_report_workbench_and_the_figures_supervision_reads(client, bank, members_county, member):
    me = member.member
    b1 = make_member(members_county["b"])
    for person, perfect in ((me, True), (b1, False)):
        attempt = services.daily_attempt(person)
        services.submit(attempt, person.pk, right_answers(attempt) if perfect else {})
    client.force_login(member)
    history = client.get("/me/history/").content.decode()
    assert "知识测试记录" in history and "每日一练" in history and "答对 5/5" in history
    start, end = services.month_bounds()
    rows = {r["name"]: r for r in services.participation(
        [members_county["county"], members_county["a"], members_county["b"], members_county["c"]], start, end)}
    assert rows["示范县委"]["takers"] == 2 and rows["示范县委"]["average"] == 50.0
    assert rows["城关镇第一党支部"]["takers"] == 1 and rows["城关镇第一党支部"]["average"] == 100.0
    assert rows["城关镇第二党支部"]["average"] == 0.0 and rows["河西村党支部"]["takers"] == 0
    assert rows["河西村党支部"]["average"] is None
    assert services.member_quiz_points(me, start, end) == 5
    assert services.member_quiz_points(b1, start, end) == 0
    assert services.member_quiz_points(me, end, end + dt.timedelta(days=30)) == 0
    secretary = make_secretary_user(members_county["town"], "town-sec2")
    client.force_login(secretary)
    report = client.get("/quizzes/report/")
    names = [r[0] for r in report.context["table"].rows]
    assert names[0] == "城关镇党总支" and "河西村党支部" not in names
    assert client.get("/quizzes/report/?format=xlsx").status_code == 200
    workbench = client.get("/branch/").content.decode()
    assert "本月知识测试" in workbench and "平均得分 50.0%" in workbench
