"""Accounts: a secretary's password reset (a one-time code, shown once, that signs in once and
then asks for a new password), first sign-in codes printed per branch, members changing their
own password and phone, email reset only where email is configured."""

import io
import re

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from members import accounts, importer
from members.models import Member, SignInCode
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def sign_in(client, login, password):
    return client.post(LOGIN, {"username": login, "password": password})


def code_on(page):
    return re.search(r'id="one-time-code">(\d{8})<', page.content.decode())[1]


def test_a_reset_code_is_shown_once_signs_in_once_and_asks_for_a_new_password(client, member, secretary):
    client.force_login(secretary)
    url = reverse("members_register:reset_password", args=[member.member.pk])
    assert "one-time-code" not in client.get(url).content.decode()  # a confirmation first
    page = client.post(url)
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    code = code_on(page)
    assert not SignInCode.objects.filter(code_hash__contains=code).exists()  # only its hash
    assert "one-time-code" not in client.get(url).content.decode()  # not shown again
    client.logout()
    # The old password no longer works; the code does, once.
    assert sign_in(client, "T0001", PASSWORD).status_code == 200
    response = sign_in(client, "13800000001", code)
    assert response.status_code == 302
    # Every page asks for the new password first; the player's API is left alone.
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"].startswith("/me/password/")
    assert client.get("/api/v1/me/items").status_code == 200
    assert "请设置您的密码" in client.get("/me/password/").content.decode()
    client.logout()
    assert sign_in(client, "T0001", code).status_code == 200  # used up
    member.refresh_from_db()
    client.force_login(member)
    session = client.session
    session[accounts.MUST_CHANGE_SESSION_KEY] = True
    session.save()
    response = client.post("/me/password/", {"new_password1": "Dangzhang-2026", "new_password2": "Dangzhang-2026"})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200
    client.logout()
    assert sign_in(client, "T0001", "Dangzhang-2026").status_code == 302
    assert not SignInCode.objects.exists()
    log = ModelLogEntry.objects.for_instance(member.member).values_list("action", flat=True)
    assert {"members.password_reset", "members.password_changed"} <= set(log)
    assert code not in str(list(ModelLogEntry.objects.values_list("data", flat=True)))


def test_a_code_expires_and_a_second_reset_replaces_the_first(member, secretary):
    first = accounts.reset_password(member.member, by=secretary)
    second = accounts.reset_password(member.member, by=secretary)
    request = RequestFactory().post(LOGIN)
    assert authenticate(request, username="T0001", password=first) is None
    SignInCode.objects.update(expires_at=SignInCode.objects.get().issued_at)
    assert authenticate(request, username="T0001", password=second) is None


def test_a_secretary_resets_only_in_their_register(member, secretary, members_county):
    outsider = make_member(members_county["c"], phone="13999999991")
    with pytest.raises(PermissionDenied):
        accounts.reset_password(outsider, by=secretary)
    assert outsider.user.has_usable_password() and not SignInCode.objects.exists()


def hashes(username, monkeypatch):
    calls = []
    original = MD5PasswordHasher.encode

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    authenticate(RequestFactory().post(LOGIN), username=username, password="wrong-password")
    monkeypatch.undo()
    return len(calls)


def test_sign_in_costs_the_same_with_or_without_a_pending_code(member, secretary, monkeypatch):
    without = hashes("13800000001", monkeypatch)
    accounts.reset_password(member.member, by=secretary)
    with_code = hashes("13800000001", monkeypatch)
    unknown = hashes("13999999999", monkeypatch)
    assert without == with_code == unknown


def sheet(text):
    return io.BytesIO(text.encode("utf-8"))


def test_imported_members_get_first_codes_printed_per_branch(client, secretary, members_county):
    rows = ("党员编号,姓名,手机号,所在党组织\n"
            "F001,新甲,13700000301,示范县委/城关镇党总支/城关镇第一党支部\n"
            "F002,新乙,,示范县委/城关镇党总支/城关镇第一党支部/第一党小组\n")
    result = importer.import_file(sheet(rows), "m.csv", user=secretary, dry_run=False)
    assert result.created == 2 and not result.errors
    client.force_login(secretary)
    page = client.get(reverse("members_register:first_codes")).content.decode()
    assert "城关镇第一党支部" in page and "第一党小组" in page
    response = client.post(reverse("members_register:first_codes"), {"org": members_county["a"].pk})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["城关镇第一党支部", "第一党小组"]
    table = {row[0]: row for row in book["城关镇第一党支部"].iter_rows(min_row=4, values_only=True)}
    code = table["F001"][3]
    assert re.fullmatch(r"\d{8}", code) and table["F001"][2] == "13700000301"
    assert book["城关镇第一党支部"].print_title_rows == "$3:$3"
    # The code signs the new member in, once, and asks for a password.
    client.logout()
    assert client.post(LOGIN, {"username": "F001", "password": code}).status_code == 302
    assert client.get("/me/")["Location"].startswith("/me/password/")
    client.logout()
    assert client.post(LOGIN, {"username": "F001", "password": code}).status_code == 200
    # Members who already signed in or have a password are not listed again.
    client.force_login(secretary)
    again = client.post(reverse("members_register:first_codes"), {"org": members_county["a"].pk})
    book = load_workbook(io.BytesIO(b"".join(again.streaming_content)))
    assert book.sheetnames == ["第一党小组"]


def test_a_member_changes_their_password_and_phone(client, member, members_county):
    make_member(members_county["b"], number="M-OTHER", phone="13700000555")
    client.force_login(member)
    assert "修改密码" in client.get("/me/").content.decode()
    response = client.post("/me/password/", {"old_password": "wrong", "new_password1": "Xinmima-2026",
                                             "new_password2": "Xinmima-2026"})
    assert response.status_code == 200
    response = client.post("/me/password/", {"old_password": PASSWORD, "new_password1": "Xinmima-2026",
                                             "new_password2": "Xinmima-2026"})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200  # still signed in
    # Another member's phone or number is refused; a free one is the new sign-in name.
    for taken in ("13700000555", "M-OTHER"):
        response = client.post("/me/contact/", {"phone": taken, "password": "Xinmima-2026"})
        assert response.status_code == 200
    assert client.post("/me/contact/", {"phone": "13700000666", "password": "wrong"}).status_code == 200
    assert client.post("/me/contact/", {"phone": "13700000666", "password": "Xinmima-2026"}).status_code == 302
    assert Member.objects.get(pk=member.member.pk).phone == "13700000666"
    assert authenticate(RequestFactory().post(LOGIN), username="13700000666",
                        password="Xinmima-2026") == member


def test_email_reset_only_where_email_is_configured(client, member, settings):
    settings.EMAIL_HOST = ""
    assert client.get("/accounts/password-reset/").status_code == 404
    assert "通过邮箱重置密码" not in client.get(LOGIN).content.decode()
    settings.EMAIL_HOST = "smtp.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    member.email = "dangyuan@example.org"
    member.save()
    assert "通过邮箱重置密码" in client.get(LOGIN).content.decode()
    response = client.post("/accounts/password-reset/", {"email": "dangyuan@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/password-reset/" in mail.outbox[0].body
    link = re.search(r"(/accounts/password-reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body)[1]
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "Youxiang-2026",
                                                       "new_password2": "Youxiang-2026"})
    assert response.status_code == 302
    client.logout()
    assert client.post(LOGIN, {"username": "T0001", "password": "Youxiang-2026"}).status_code == 302
