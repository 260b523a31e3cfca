"""The spreadsheet import keeps working with the register: the profile's new columns, a member
moved by the sheet is transferred (history kept), members transferred out are refused."""

import datetime as dt
import io

import pytest
from wagtail.models import ModelLogEntry

from members import importer, register
from members.models import Member, Transfer
from tests.factories import make_member, make_secretary_user

pytestmark = pytest.mark.django_db
A = "示范县委/城关镇党总支/城关镇第一党支部"
B = "示范县委/城关镇党总支/城关镇第二党支部"


def run(text, user, dry_run=False):
    return importer.import_file(io.BytesIO(text.encode("utf-8")), "m.csv", user=user, dry_run=dry_run)


def test_profile_columns_are_read(members_county, admin_user):
    sheet = ("党员编号,姓名,所在党组织,性别,出生日期,入党日期,转正日期,预备党员\n"
             f"P1,甲,{A},女,1980/3/5,2001-07-01,2002年7月1日,否\n"
             f"P2,乙,{A},男,,,,是\n")
    result = run(sheet, admin_user)
    assert not result.errors and result.created == 2
    first = Member.objects.get(number="P1")
    assert (first.gender, first.birth_date, first.joined_on, first.full_member_on) == (
        "female", dt.date(1980, 3, 5), dt.date(2001, 7, 1), dt.date(2002, 7, 1))
    assert Member.objects.get(number="P2").is_probationary
    bad = run(f"党员编号,姓名,所在党组织,性别,入党日期\nP3,丙,{A},不详,去年\n", admin_user)
    assert [row for row, _message in bad.errors] == [2, 2]


def test_a_member_moved_by_the_sheet_is_transferred(members_county, secretary, admin_user):
    person = make_member(members_county["a"], number="P9", name="调动")
    result = run(f"党员编号,姓名,所在党组织\nP9,调动,{B}\n", admin_user)
    assert not result.errors and result.updated == 1
    transfer = Transfer.objects.get(member=person)
    assert (transfer.from_organisation, transfer.to_organisation) == (members_county["a"], members_county["b"])
    assert ModelLogEntry.objects.filter(action="members.import").exists()


def test_members_transferred_out_are_read_only_for_the_import(members_county, admin_user):
    person = make_member(members_county["a"], number="P8", name="已转出")
    register.transfer_out(person, destination="外县", by=admin_user)
    result = run(f"党员编号,姓名,所在党组织\nP8,改名,{A}\n", admin_user)
    assert result.errors and "只读" in result.errors[0][1]
    assert Member.objects.get(number="P8").name == "已转出"


def test_a_propaganda_member_imports_nothing(members_county):
    viewer = make_secretary_user(members_county["a"], "import-propaganda", kind="propaganda")
    make_member(members_county["a"], number="P7", name="原名")
    result = run(f"党员编号,姓名,所在党组织\nP7,新名,{A}\n", viewer)
    assert result.errors
    assert Member.objects.get(number="P7").name == "原名"
    assert run(f"党员编号,姓名,所在党组织\nP6,新人,{A}\n", viewer).errors
    assert not Member.objects.filter(number="P6").exists()
