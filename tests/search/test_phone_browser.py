"""Done-when, in Debian's chromium at phone size with JavaScript switched off: a member types
党员的权利 into the search form, gets 党章 第四条 first with the words highlighted, and follows the
permalink to the article page. Requests are answered by Django's test client (no live server), so
the test sees the package's imported texts inside its own transaction, on SQLite and PostgreSQL."""

from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = [pytest.mark.browser]
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone(chromium_browser, regulations, db, output_dir):
    client = Client()

    def answer(route):
        url = urlsplit(route.request.url)
        if url.path.startswith("/static/"):
            found = finders.find(url.path.removeprefix("/static/"))
            if not found:
                return route.fulfill(status=404, body="")
            kind = "text/css" if found.endswith(".css") else "application/octet-stream"
            with open(found, "rb") as handle:
                return route.fulfill(status=200, content_type=kind, body=handle.read())
        response = client.get(url.path, dict(_query(url.query)))
        headers = {"content-type": response.get("Content-Type", "text/html")}
        if response.get("Location"):
            headers["location"] = response["Location"]
        return route.fulfill(status=response.status_code, headers=headers, body=response.content)

    context = chromium_browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN",
        java_script_enabled=False,
    )
    context.route("http://dianke.test/**", answer)
    page = context.new_page()
    yield page
    context.close()


def _query(query):
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)


def test_search_on_a_phone_without_javascript(phone, output_dir):
    phone.goto("http://dianke.test/regulations/search/")
    phone.fill("#reg-q", "党员的权利")
    phone.click("form.regulation-search button[type=submit]")
    phone.wait_for_url("**/regulations/search/?q=*")
    first = phone.locator("ol.hits > li").first
    assert "党章 第四条" in first.locator("strong").inner_text()
    assert first.locator("mark").count() >= 2
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(output_dir / "search.png"), full_page=True)

    first.locator("a").first.click()
    phone.wait_for_url("**/regulations/cpc-constitution-2017/4/")
    body = phone.locator("body").inner_text()
    assert "第一章" in body and "党员享有下列权利" in body
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=str(output_dir / "article.png"), full_page=True)
