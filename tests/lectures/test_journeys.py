"""Journeys of the users issue 21 names, in chromium at their own screen size, with screenshots
kept in the test output folder: a member without JavaScript, a branch secretary recording a
group study and reading a member's card on a phone, an editor's dashboard on a desktop."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from members.models import Completion
from quizzes.models import Attempt
from tests.factories import PASSWORD, make_editor_user, make_secretary_user

from . import test_browser

# The member's journey's fixtures: a lesson with a playable clip, a county, a member.
clip = test_browser.clip
library_site = test_browser.library_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, username, next_url):
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.members-form button[type=submit]")


def test_without_javascript_a_lesson_shows_only_what_works(live_server, chromium_browser, output_dir,
                                                          library_site):
    context = chromium_browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False,
                                           locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + library_site["lesson"].url)
    assert page.locator("video source").count() == 1  # the MP4 plays with the browser's controls
    # The speed and quality pickers need JavaScript: hidden, not shown doing nothing.
    assert not page.locator("#controls").is_visible()
    assert "倍速" not in page.inner_text("body")
    page.screenshot(path=str(output_dir / "no-js-lesson.png"), full_page=True)
    context.close()


def test_a_secretary_records_a_group_study_on_a_phone(live_server, browser_page, output_dir, library_site):
    page = browser_page
    member = library_site["member"]
    make_secretary_user(member.branch, "journey-secretary")
    sign_in(page, live_server.url, "journey-secretary", f"/admin/learning/record/?org={member.branch.pk}")
    page.wait_for_selector("text=登记集中学习 / 补录完成")
    # The date's default is one the browser's date input accepts: the first submit is not blocked.
    assert page.eval_on_selector("input[name=date]", "el => el.checkValidity() && el.value.length === 10")
    page.check("input[name=item]")
    page.check("input[name=everyone]")
    page.screenshot(path=str(output_dir / "secretary-record.png"), full_page=True)
    page.click("form button[type=submit]:has-text('登记完成')")
    page.wait_for_selector("text=名党员登记完成")
    assert Completion.objects.filter(member=member, page=library_site["lesson"]).exists()


def test_a_secretary_reads_a_members_card_with_quiz_results_on_a_phone(live_server, browser_page, output_dir,
                                                                       library_site):
    page = browser_page
    member = library_site["member"]
    for days_ago in (1, 2):
        Attempt.objects.create(member=member, kind="daily", day=timezone.localdate() - dt.timedelta(days=days_ago),
                               deadline=timezone.now(), total=5, score=4,
                               submitted_at=timezone.now() - dt.timedelta(days=days_ago))
    make_secretary_user(member.branch, "card-secretary")
    sign_in(page, live_server.url, "card-secretary", f"/branch/members/{member.pk}/")
    page.wait_for_selector("text=知识测试记录")
    assert page.locator("section.branch-section li:has-text('每日一练 答对 4/5')").count() == 2
    # The card fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(output_dir / "secretary-member-card.png"), full_page=True)


def test_an_editor_dashboard_speaks_chinese(live_server, browser_page, output_dir, library_site):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    editor = make_editor_user("journey-editor")
    # A transactional test flushes Wagtail's groups' permissions that migrations made: the
    # admin's door permission is given to this editor directly.
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    sign_in(page, live_server.url, "journey-editor", "/admin/")
    # The dashboard's first render in a fresh server (its panels, the admin's assets) is slow on
    # a busy 2-core host: more than the default 15 s once.
    try:
        page.wait_for_url(live_server.url + "/admin/", timeout=60_000)
    except Exception:
        page.screenshot(path=str(output_dir / "editor-login-failed.png"), full_page=True)
        raise AssertionError(page.url + "\n" + page.inner_text("body")[:500]) from None
    text = page.inner_text("body")
    assert "Search all pages" not in text and "Pages" not in text
    assert page.locator("input[placeholder='搜索全部页面…']").count() == 1
    page.screenshot(path=str(output_dir / "editor-dashboard.png"), full_page=True)
