"""What the whole site promises (docs/security.md): no debug pages by default, bodies refused
before they are read, sign-in throttled on every login form, security headers on member pages,
the API docs served from the site itself, ids beyond the database's range are 404."""

import http.client
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[1]


def test_the_embedded_default_shows_no_debug_pages_unless_asked():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    env["DJANGO_SETTINGS_MODULE"] = "dianke.settings.dev"
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           cwd=ROOT, check=True)
    assert plain.stdout.strip().splitlines()[-1] == "False"
    asked = subprocess.run([sys.executable, "-c", code], env={**env, "DJANGO_DEBUG": "1"},
                           capture_output=True, text=True, cwd=ROOT, check=True)
    assert asked.stdout.strip().splitlines()[-1] == "True"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/lessons/99999999999999999999/download/mp4/",
    "/documents/99999999999999999999/x.pdf",
    "/lessons/99999999999999999999/hls/360.m3u8",
])
def test_ids_beyond_the_database_range_are_not_found(client, member, url):
    client.force_login(member)
    assert client.get(url).status_code == 404


# ---- bodies ---------------------------------------------------------------------------------


def _raw_post(live_server, path, declared, *, cookie=None, content_type="application/x-www-form-urlencoded"):
    """Declares `declared` bytes, sends 10 and waits for the answer: a server that reads the body
    first would wait for the rest (and time out) instead of answering at once."""
    host = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", content_type)
    connection.putheader("Content-Length", str(declared))
    if cookie:
        connection.putheader("Cookie", cookie)
    connection.endheaders()
    connection.send(b"username=x")
    started = time.monotonic()
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, body, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_huge_body_is_refused_before_it_is_read(live_server):
    status, body, seconds = _raw_post(live_server, "/accounts/login/", 20 * 1024**3)
    assert status == 413 and "太大" in body and seconds < 5
    status, body, _ = _raw_post(live_server, "/admin/media-upload/", 20 * 1024**3,
                                content_type="multipart/form-data; boundary=x")
    assert status == 413


@pytest.mark.django_db(transaction=True)
def test_api_bodies_are_capped_small_and_answered_in_json(live_server):
    status, body, _ = _raw_post(live_server, "/api/v1/progress", 9 * 1024**2,
                                content_type="application/json")
    assert status == 413 and '"detail"' in body


@pytest.mark.django_db
def test_limits_grow_with_who_is_signed_in(rf, member, editor):
    from django.contrib.auth.models import AnonymousUser

    from dianke.middleware import body_limit

    request = rf.post("/me/")
    request.user = AnonymousUser()
    anonymous = body_limit(request)
    request.user = member
    signed_in = body_limit(request)
    request.user = editor
    admin = body_limit(request)
    assert anonymous == 64 * 1024 < signed_in < admin


@pytest.mark.django_db
def test_the_regulation_translation_upload_is_capped(client, editor):
    client.force_login(editor)
    text = SimpleUploadedFile("r.txt", "第一条 党员。".encode())
    big = SimpleUploadedFile("r.zh-en.md", b"x" * (2 * 1024 * 1024 + 1))
    html = client.post("/admin/regulations/", {"file": text, "translation": big,
                                               "encoding": "utf-8-sig"}).content.decode()
    assert "文件太大" in html


# ---- sign-in throttling ---------------------------------------------------------------------


def _wrong_then_right(client, url, username, *, field="username"):
    for _attempt in range(5):
        client.post(url, {field: username, "password": "wrong-password"})
    return client.post(url, {field: username, "password": PASSWORD})


@pytest.mark.django_db
def test_member_sign_in_is_locked_after_five_wrong_passwords(client, member):
    response = _wrong_then_right(client, "/accounts/login/", "T0001")
    assert response.status_code == 429
    assert "暂时不能登录" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_lock_holds_per_address_across_accounts(client, member, secretary):
    for n in range(5):
        client.post("/accounts/login/", {"username": f"nobody{n}", "password": "x"})
    response = client.post("/accounts/login/", {"username": "T0001", "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/login/", "/django-admin/login/"])
def test_admin_sign_in_forms_are_throttled_too(client, admin_user, url):
    response = _wrong_then_right(client, url, admin_user.username)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_right_password_resets_the_count(client, member):
    for _attempt in range(4):
        client.post("/accounts/login/", {"username": "T0001", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "T0001", "password": PASSWORD}).status_code == 302
    client.logout()
    for _attempt in range(4):
        client.post("/accounts/login/", {"username": "T0001", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "T0001", "password": PASSWORD}).status_code == 302


# ---- headers --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_member_pages_carry_csp_and_permissions_policy(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_api_docs_load_nothing_from_other_sites(client):
    html = client.get("/api/v1/docs").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(url.startswith("/static/") for url in urls), urls


# ---- local media: signed, expiring URLs ---------------------------------------------------


@pytest.fixture
def stored_file(db, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("media/uploads/abc/党课录像.mp4", ContentFile(b"original upload"))
    yield name
    default_storage.delete(name)


def test_local_media_is_served_only_with_a_valid_signature(client, stored_file):
    from django.core.files.storage import default_storage

    url = default_storage.url(stored_file)
    assert "?e=" in url and "&s=" in url
    assert b"".join(client.get(url).streaming_content) == b"original upload"
    path = url.split("?")[0]
    assert client.get(path).status_code == 404  # a path built from the file name is not enough
    expires, signature = re.search(r"\?e=(\d+)&s=(.+)$", url).groups()
    assert client.get(f"{path}?e={int(expires) + 3600}&s={signature}").status_code == 404  # extended
    assert client.get(f"{path}?e={expires}&s={signature[:-2]}xx").status_code == 404  # forged
    other = default_storage.url("media/uploads/abc/other.mp4").split("?")[1]
    assert client.get(f"{path}?{other}").status_code == 404  # another file's signature


def test_signed_urls_expire(client, stored_file, monkeypatch, settings):
    import time as time_module

    from django.core.files.storage import default_storage

    url = default_storage.url(stored_file)
    expires = int(re.search(r"\?e=(\d+)", url).group(1))
    assert settings.AWS_QUERYSTRING_EXPIRE <= expires - time.time() <= 2 * settings.AWS_QUERYSTRING_EXPIRE
    assert url == default_storage.url(stored_file)  # stable within a period: caches keep it
    monkeypatch.setattr(time_module, "time", lambda: expires + 1)
    assert client.get(url).status_code == 404
