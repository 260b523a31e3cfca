"""Errors speak the member's language: a 404 in Chinese (English for English readers), no debug page."""

import pytest

pytestmark = pytest.mark.django_db
def test_404_in_chinese_and_english(client):
    r = client.get("/no-such-page/")
    assert r.status_code == 404 and "找不到这个页面" in r.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Page not found" in client.get("/no-such-page/").content.decode()
