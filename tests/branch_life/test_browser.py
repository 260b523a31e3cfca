"""In Debian's chromium at 360×740: a member checks in by typing the code from the secretary's
screen (the pages carry no script of their own), the secretary calls the roll of those without a
phone; nothing scrolls sideways, and elderly mode stays readable."""

import datetime as dt

import pytest
from django.utils import timezone

from branch_life import codes, services
from branch_life.models import Attendance, Event
from tests.factories import PASSWORD, make_county, make_member, make_secretary_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, username):
    page.goto(base + "/accounts/login/?next=/activity/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.members-form button[type=submit]")
    page.wait_for_url(base + "/activity/")


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_check_in_by_typing_the_code_and_roll_call(live_server, browser_page, output_dir):
    county = make_county()
    member = make_member(county["a"], number="B3001", name="张建国")
    make_member(county["a"], number="B3002", name="李秀英")  # no phone: the roll call
    secretary = make_secretary_user(county["a"], "sec-browser")
    starts = timezone.now() - dt.timedelta(minutes=5)
    event = Event.objects.create(organisation=county["a"], title="十二月主题党日", starts_at=starts,
                                 ends_at=starts + dt.timedelta(hours=2), place="村委会",
                                 month=timezone.localdate().replace(day=1))
    services.invite(event)
    page = browser_page
    page.context.set_extra_http_headers({})
    base = live_server.url

    # The member: the month's list, the event, the code typed.
    sign_in(page, base, member.number)
    assert "十二月主题党日" in page.inner_text("main")
    page.click("text=十二月主题党日")
    page.wait_for_selector("h1:has-text('十二月主题党日')")
    no_sideways_scroll(page)
    page.fill("#id_code", "000000" if codes.current_code(event)[0] != "000000" else "111111")
    page.click("form.bl-check-in button[type=submit]")
    page.wait_for_selector(".members-error")
    assert "签到码不正确" in page.inner_text("main")
    page.fill("#id_code", codes.current_code(event)[0])
    page.screenshot(path=str(output_dir / "1-code-typed.png"), full_page=True)
    page.click("form.bl-check-in button[type=submit]")
    page.wait_for_selector("text=签到成功")
    assert "已签到" in page.inner_text("main")
    assert Attendance.objects.get(event=event, member=member).status == "checked_in"
    page.screenshot(path=str(output_dir / "2-checked-in.png"), full_page=True)

    # Elderly mode: larger type, still no sideways scroll.
    page.click("button.elderly-toggle")
    page.wait_for_selector("body.elderly")
    no_sideways_scroll(page)
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    page.context.clear_cookies()

    # The secretary: the code screen (QR + digits), then the roll call.
    page.goto(base + "/accounts/login/?next=/activity/")
    page.fill("#id_username", "sec-browser")
    page.fill("#id_password", PASSWORD)
    page.click("form.members-form button[type=submit]")
    page.goto(base + f"/activity/events/{event.pk}/code/")
    assert page.locator(".bl-qr svg").count() == 1
    shown = page.inner_text(".bl-code")
    assert codes.matches(event, shown.strip()[-6:])
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "3-code-screen.png"), full_page=True)
    page.goto(base + f"/activity/events/{event.pk}/roll-call/")
    boxes = page.locator("input[name=present]")
    assert boxes.count() == 3  # two members and the secretary, all ticked
    assert all(boxes.nth(i).is_checked() for i in range(3))
    page.locator("label:has-text('李秀英') input").uncheck()
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "4-roll-call.png"), full_page=True)
    page.click("form.bl-roll button[type=submit]")
    page.wait_for_selector("text=点名已保存")
    event.refresh_from_db()
    assert event.status == "held"
    statuses = dict(Attendance.objects.filter(event=event).values_list("member__name", "status"))
    assert statuses["张建国"] == "checked_in" and statuses["李秀英"] == "absent"
    assert statuses[secretary.member.name] == "checked_in"
    no_sideways_scroll(page)
    page.screenshot(path=str(output_dir / "5-event-held.png"), full_page=True)
