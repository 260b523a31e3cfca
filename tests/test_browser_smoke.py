"""Foundation smoke test: the menu (home page) renders in Debian's chromium at phone size."""

import pytest
from wagtail.models import Page, Site

from lectures.models import LibraryPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def make_library_home(title):
    root = Page.get_first_root_node()
    home = root.add_child(instance=LibraryPage(title=title, slug="library"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": home, "site_name": "点课"},
    )
    return home


def test_menu_page_renders_on_a_phone(live_server, browser_page, output_dir):
    make_library_home("点课：党员学习课程库")
    response = browser_page.goto(live_server.url + "/")
    assert response.status == 200
    assert browser_page.locator("h1").first.inner_text() == "点课：党员学习课程库"
    # No horizontal scrolling at 360 px.
    scroll_width = browser_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360
    screenshot = output_dir / "menu.png"
    browser_page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 1000
