"""The workbench in Debian's chromium at phone size (360×740) with JavaScript switched off: a
secretary signs in, reads the branch at a glance without sideways scrolling, finds a member,
calls them (a tel: link) and resets their password; the member signs in with the code once and
is asked for a new password."""

import re

import pytest
from django.utils import timezone

from members import register
from tests.conftest import PHONE_VIEWPORT
from tests.factories import PASSWORD, make_member, make_secretary_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(chromium_browser):
    """A phone-sized page with scripts off: the workbench must work without them."""
    context = chromium_browser.new_context(
        viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True, has_touch=True,
        locale="zh-CN", java_script_enabled=False,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_workbench_on_a_phone_without_javascript(live_server, phone, members_county, output_dir):
    county = members_county
    secretary = make_secretary_user(county["a"], "phone-secretary")
    quiet = make_member(county["a"], name="王大山", number="W0001", phone="13700000701")
    lost = make_member(county["group"], name="李失联", number="W0002", phone="13700000702")
    register.mark_lost(lost, since=timezone.localdate(), last_known_contact="外出打工", by=secretary)
    page = phone
    page.goto(live_server.url + "/accounts/login/?next=/branch/")
    page.fill("input[name=username]", "phone-secretary")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.members-form button[type=submit]")
    page.wait_for_url("**/branch/")
    assert page.locator("h1").inner_text() == "支部工作台"
    for text in ("本月未学完", "个月未学习", "失联党员", "下次集中学习", "王大山", "李失联"):
        assert page.get_by_text(text).count() >= 1, text
    page.screenshot(path=str(output_dir / "branch.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    # No part of the page reaches beyond the phone's width.
    for locator in (page.locator("main section"), page.locator("main nav a"), page.locator("main ul li")):
        for index in range(locator.count()):
            box = locator.nth(index).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_VIEWPORT["width"] + 0.5, box
    assert page.locator(f'a[href="tel:{quiet.phone}"]').count() >= 1
    # The header links to the workbench.
    assert page.locator('header a[href="/branch/"]').count() == 1
    page.click("text=党员名单")
    page.wait_for_url("**/branch/members/**")
    page.fill("input[name=q]", "王大")
    page.click("form.branch-search button")
    page.click("text=王大山")
    page.wait_for_url(f"**/branch/members/{quiet.pk}/")
    page.click("button:has-text('生成一次性登录码')")
    code = page.locator("#one-time-code").inner_text()
    assert re.fullmatch(r"\d{8}", code)
    page.screenshot(path=str(output_dir / "code.png"), full_page=True)

    member_context = page.context.browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN",
                                                      java_script_enabled=False)
    member_page = member_context.new_page()
    member_page.goto(live_server.url + "/accounts/login/")
    member_page.fill("input[name=username]", quiet.phone)
    member_page.fill("input[name=password]", code)
    member_page.click("form.members-form button[type=submit]")
    member_page.wait_for_url("**/me/password/**")
    assert "请设置您的密码" in member_page.content()
    member_page.fill("input[name=new_password1]", "Dangyuan-2026")
    member_page.fill("input[name=new_password2]", "Dangyuan-2026")
    member_page.click("form.members-form button[type=submit]")
    member_page.wait_for_url(lambda url: "/me/password/" not in url)
    member_page.goto(live_server.url + "/me/")
    assert "我的学习" in member_page.locator("h1").inner_text()
    member_context.close()
