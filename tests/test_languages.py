"""Simplified Chinese first, English available: from the browser's language or the footer switch."""

import pytest
from wagtail.models import Page, Site

from lectures.models import LibraryPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    page = Page.get_first_root_node().add_child(instance=LibraryPage(title="点课", slug="dk"))
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": page})
    return page


def test_chinese_by_default(client, home):
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page and "搜索" in page and "大字模式" in page


def test_english_for_an_english_browser(client, home):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="en">' in page and ">Search<" in page and "Large text (for elderly members)" in page


def test_the_footer_switches_language_and_keeps_it(client, home):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Sign in" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "登录" in client.get("/").content.decode()
