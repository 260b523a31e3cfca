"""Accounts as an outsider would probe them: sign-in timing does not tell whether a phone number
belongs to a member, and a login identifier (member number or phone) names one account only."""

import io

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import RequestFactory

from members import importer
from members.models import Member
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db


def hashes_for(username, monkeypatch):
    """How many password hashes one sign-in attempt computes (the test settings' hasher)."""
    calls = []
    original = MD5PasswordHasher.encode  # verify() hashes through encode() too

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    request = RequestFactory().post("/accounts/login/")
    authenticate(request, username=username, password="wrong-password")
    monkeypatch.undo()
    return len(calls)


def test_a_members_phone_and_an_unknown_phone_cost_the_same(member, monkeypatch):
    known = hashes_for("13800000001", monkeypatch)
    unknown = hashes_for("13999999999", monkeypatch)
    staff_name = hashes_for("no-such-user", monkeypatch)
    assert known == unknown == staff_name >= 1


def sheet(text):
    return io.BytesIO(text.encode("utf-8"))


HEAD = "党员编号,姓名,手机号,所在党组织\n"
BRANCH = "示范县委/城关镇党总支/城关镇第一党支部"


def test_import_refuses_a_number_that_is_another_members_phone(members_county, admin_user):
    # `member` fixture's phone is 13800000001: a new member numbered so would take over its login.
    make_member(members_county["a"], number="T0001", phone="13800000001")
    result = importer.import_file(sheet(HEAD + f"13800000001,新党员,,{BRANCH}\n"), "m.csv",
                                  user=admin_user, dry_run=False)
    assert result.errors and "手机号相同" in result.errors[0][1]
    assert not Member.objects.filter(number="13800000001").exists()
    assert authenticate(username="13800000001", password=PASSWORD).member.number == "T0001"


def test_import_refuses_a_phone_that_is_another_members_number(members_county, admin_user):
    make_member(members_county["a"], number="13700000009", phone=None)
    result = importer.import_file(sheet(HEAD + f"N100,新党员,13700000009,{BRANCH}\n"), "m.csv",
                                  user=admin_user, dry_run=False)
    assert result.errors and "已被其他党员使用" in result.errors[0][1]
    assert not Member.objects.filter(number="N100").exists()


def test_import_refuses_numbers_and_phones_crossing_within_one_file(members_county, admin_user):
    rows = f"N200,甲,13700000200,{BRANCH}\n13700000200,乙,,{BRANCH}\n"
    result = importer.import_file(sheet(HEAD + rows), "m.csv", user=admin_user, dry_run=False)
    assert [row for row, _ in result.errors] == [3]
    assert result.created == 0
