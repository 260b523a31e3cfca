"""In Debian's chromium at 360×740 with JavaScript switched off: a member answers 每日一练 with
the plain form, sees which answers were right with the article quoted and follows its permalink;
then enters a contest and submits it once. Requests are answered by Django's test client (no live
server, CSRF enforced), so the test sees the folder's imported texts inside its own transaction,
on SQLite and PostgreSQL."""

import datetime as dt
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.db import connections
from django.test import Client
from django.utils import timezone

from quizzes import services
from quizzes.models import Attempt, Question

from .conftest import SECRET_EXPLANATION, SECRET_FILL, right_answers

pytestmark = [pytest.mark.browser]
PHONE = {"width": 360, "height": 740}
SITE = "http://dianke.test"


@pytest.fixture
def phone(phone_with):
    return phone_with(javascript=False)


@pytest.fixture
def phone_with(chromium_browser, member, bank):
    contexts = []
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    # Playwright runs this handler in its own greenlet, where Django would open another database
    # connection outside the test's transaction: it uses the test's own.
    test_connection = connections["default"]

    def answer(route):
        connections["default"] = test_connection
        return _answer(route)

    def _answer(route):
        request = route.request
        url = urlsplit(request.url)
        if url.path.startswith("/static/"):
            found = finders.find(url.path.removeprefix("/static/"))
            if not found:
                return route.fulfill(status=404, body="")
            kind = {"css": "text/css", "js": "text/javascript"}.get(found.rsplit(".", 1)[-1],
                                                                   "application/octet-stream")
            with open(found, "rb") as handle:
                return route.fulfill(status=200, content_type=kind, body=handle.read())
        path = url.path + (f"?{url.query}" if url.query else "")
        if request.method == "POST":
            response = client.generic("POST", path, request.post_data_buffer or b"",
                                      content_type=request.headers.get("content-type", ""),
                                      headers={"referer": request.headers.get("referer", SITE)},
                                      secure=False)
        else:
            response = client.get(path)
        headers = {"content-type": response.get("Content-Type", "text/html")}
        if response.get("Location"):
            headers["location"] = urljoin(request.url, response["Location"])
        return route.fulfill(status=response.status_code, headers=headers, body=response.content)

    def open_page(*, javascript):
        context = chromium_browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN",
            java_script_enabled=javascript,
        )
        contexts.append(context)
        context.route(f"{SITE}/**", answer)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def fill_in(page, attempt, *, wrong=()):
    """Answers the plain form: the right answers, except for the questions in `wrong`."""
    for question_id, value in right_answers(attempt).items():
        name = f"q{question_id}"
        kind = Question.objects.get(pk=question_id).kind
        if int(question_id) in wrong:
            if kind == "fill":
                page.fill(f"input[name={name}]", "不知道")
            elif kind == "true_false":
                page.check(f"input[name={name}][value={'false' if value else 'true'}]")
            else:
                keys = page.eval_on_selector_all(f"input[name={name}]", "els => els.map(e => e.value)")
                page.check(f"input[name={name}][value={next(k for k in keys if k not in value)}]")
            continue
        if kind == "fill":
            page.fill(f"input[name={name}]", value)
        elif kind == "true_false":
            page.check(f"input[name={name}][value={'true' if value else 'false'}]")
        else:
            for key in value:
                page.check(f"input[name={name}][value={key}]")


def test_daily_quiz_and_a_contest_on_a_phone_without_javascript(phone, member, bank, members_county, output_dir):
    page = phone
    page.goto(f"{SITE}/quizzes/daily/")
    assert page.locator("fieldset.qz-question").count() == len(bank)
    html = page.content()
    assert SECRET_FILL not in html and SECRET_EXPLANATION not in html
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "1-daily.png"), full_page=True)
    attempt = Attempt.objects.get(member=member.member, kind="daily")
    fill_in(page, attempt, wrong={bank["single"].pk})
    page.click("button.qz-submit")
    page.wait_for_selector(".qz-score")
    assert f"答对 {len(bank) - 1} 题，共 {len(bank)} 题" in page.inner_text(".qz-score")
    assert page.locator("li.qz-wrong").count() == 1 and page.locator("li.qz-right").count() == len(bank) - 1
    assert SECRET_EXPLANATION in page.inner_text("li.qz-wrong")
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "2-results.png"), full_page=True)
    page.locator("li.qz-wrong a").first.click()
    page.wait_for_url("**/regulations/cpc-constitution-2017/1/")
    assert "年满十八岁" in page.inner_text("body")

    # The streak on /me/ after today's quiz.
    page.goto(f"{SITE}/me/")
    assert "已连续答题 1 天" in page.inner_text("main")

    # A contest of the county: start, answer, submit once.
    now = timezone.now()
    contest = services.open_contest(organisation=members_county["county"], title="学党章知识竞赛",
                                    starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1),
                                    question_count=4, time_limit_minutes=10)
    page.goto(f"{SITE}/quizzes/contests/")
    page.click("text=学党章知识竞赛")
    page.wait_for_selector("h1:has-text('学党章知识竞赛')")
    assert "共 4 题，限时 10 分钟" in page.inner_text("main")
    page.click("button.qz-submit")
    page.wait_for_selector("form.qz-form")
    entered = Attempt.objects.get(member=member.member, contest=contest)
    assert page.locator("fieldset.qz-question").count() == 4
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "3-contest.png"), full_page=True)
    fill_in(page, entered)
    page.click("button.qz-submit")
    page.wait_for_selector(".qz-score")
    assert "答对 4 题，共 4 题" in page.inner_text(".qz-score")
    page.go_back()  # the form again: a second submission is refused
    page.wait_for_selector("form.qz-form, .qz-score")
    if page.locator("button.qz-submit").count():
        page.click("button.qz-submit")
        page.wait_for_selector("[role=alert]")
        assert "已经提交过了" in page.inner_text("[role=alert]")
    entered.refresh_from_db()
    assert entered.score == 4
    page.goto(f"{SITE}/quizzes/contests/{contest.pk}/")
    assert "查看我的成绩" in page.inner_text("main")


def test_with_javascript_one_question_at_a_time_and_the_time_left(phone_with, member, bank, members_county,
                                                                 output_dir):
    now = timezone.now()
    contest = services.open_contest(organisation=members_county["county"], title="限时竞赛",
                                    starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1),
                                    question_count=3, time_limit_minutes=10)
    page = phone_with(javascript=True)
    page.goto(f"{SITE}/quizzes/contests/{contest.pk}/")
    page.click("button.qz-submit")
    page.wait_for_selector(".qz-nav")
    assert page.locator("fieldset.qz-question:visible").count() == 1
    timer = page.inner_text(".qz-timer")
    assert timer.startswith(("9:", "10:")), timer
    assert not page.locator("button.qz-submit").is_visible()
    entered = Attempt.objects.get(member=member.member, contest=contest)
    for _ in range(2):
        page.click("text=下一题")
    assert page.locator("button.qz-submit").is_visible()
    page.screenshot(path=str(output_dir / "js-last-question.png"), full_page=True)
    # every question is still in the one form: answer them (unhidden one by one) and submit
    for index in range(3):
        page.evaluate(f"document.querySelectorAll('fieldset.qz-question')[{index}].hidden = false")
    fill_in(page, entered)
    page.click("button.qz-submit")
    page.wait_for_selector(".qz-score")
    assert "答对 3 题，共 3 题" in page.inner_text(".qz-score")
