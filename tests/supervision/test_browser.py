"""In Debian's chromium at 360×740 with JavaScript off: a township officer reads the month at a
glance (the attention marks, the table scrolling inside its frame, not the page), follows a
branch to its drill-down with its SVG chart drawn, and the elderly mode keeps it readable."""

import datetime as dt

import pytest
from django.utils import timezone

from branch_life import services
from branch_life.models import ActivityRule, Event
from tests.factories import PASSWORD, make_county, make_member, make_secretary_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_month_table_on_a_phone_without_javascript(live_server, chromium_browser, output_dir):
    county = make_county()
    ActivityRule.objects.create(organisation=county["county"], day_of_month=8)
    zhang = make_member(county["a"], name="张建国")
    make_member(county["a"], name="李秀英")
    make_member(county["b"], name="王桂兰")
    officer = make_secretary_user(county["town"], "town-browser")
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    starts = timezone.make_aware(dt.datetime.combine(month.replace(day=10), dt.time(9)))
    event = Event.objects.create(organisation=county["a"], title="主题党日", starts_at=starts,
                                 ends_at=starts + dt.timedelta(hours=2), month=month)
    services.invite(event)
    services.roll_call(event, present=[zhang.pk], by=officer, now=event.ends_at)

    context = chromium_browser.new_context(viewport={"width": 360, "height": 740},
                                           java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    page.goto(base + "/accounts/login/?next=/supervision/")
    page.fill("#id_username", "town-browser")
    page.fill("#id_password", PASSWORD)
    page.click("form.members-form button[type=submit]")
    page.goto(base + f"/supervision/?month={month:%Y-%m}")
    page.wait_for_selector("table.sv-month")
    rows = page.locator("table.sv-month tbody tr")
    assert rows.count() == 2
    assert page.locator("table.sv-month tbody tr.sv-attention").count() == 2
    text = page.inner_text("table.sv-month")
    assert "城关镇第一党支部" in text and "参加率偏低" in text and "未召开" in text
    assert "河西村党支部" not in text
    # The page does not scroll sideways; the table scrolls inside its frame.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(output_dir / "1-month.png"), full_page=True)

    page.click("table.sv-month >> text=城关镇第一党支部")
    page.wait_for_selector("h1:has-text('城关镇第一党支部')")
    assert "李秀英" in page.inner_text("main") and "缺席" in page.inner_text("main")
    chart = page.locator("svg.sv-chart").first
    box = chart.bounding_box()
    assert box and 200 <= box["width"] <= 360 and box["height"] > 50
    assert page.locator("svg.sv-chart circle").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(output_dir / "2-branch.png"), full_page=True)

    # Elderly mode (a form button, no script needed): larger type, still no sideways scroll.
    page.goto(base + f"/supervision/?month={month:%Y-%m}")
    page.click("button.elderly-toggle")
    page.wait_for_selector("body.elderly")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(output_dir / "3-elderly.png"), full_page=True)
    context.close()
