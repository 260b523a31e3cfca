"""Demo people (C6): a small county with a township committee and its branches, members in every
status, role holders, and the demo accounts.

Idempotent: found by name/number, created when missing. Only with settings.DIANKE_DEMO. The
statuses, the transfer and the lost-contact attempts go through members.register as an
administrator would do them, so the audit log has them too.
"""

import datetime as dt
import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from members import register, roles
from members.models import ContactAttempt, Member, Organisation, Role, Transfer
from members.roles import make_editor

DEFAULT_PASSWORD = "dianke-demo"
Kind = Organisation.Kind

TREE = [
    # (name, kind, parent name)
    ("示范县委", Kind.COMMITTEE, None),
    ("县委组织部机关党支部", Kind.BRANCH, "示范县委"),
    ("城关镇党委", Kind.COMMITTEE, "示范县委"),
    ("城关镇机关党支部", Kind.BRANCH, "城关镇党委"),
    ("东街社区党支部", Kind.BRANCH, "城关镇党委"),
    ("柳溪镇党委", Kind.COMMITTEE, "示范县委"),
    ("柳溪镇机关党支部", Kind.BRANCH, "柳溪镇党委"),
    ("柳溪村党支部", Kind.BRANCH, "柳溪镇党委"),
    ("桃园村党支部", Kind.BRANCH, "柳溪镇党委"),
    ("河西村党总支", Kind.GENERAL_BRANCH, "示范县委"),
    ("河西村第一党支部", Kind.BRANCH, "河西村党总支"),
    ("河西村第二党支部", Kind.BRANCH, "河西村党总支"),
    ("第一党小组", Kind.GROUP, "河西村第一党支部"),
]
CONTACTS = {
    "河西村第一党支部": ("0851-6000101", "河西村村委会二楼党员活动室"),
    "柳溪镇党委": ("0851-6000200", "柳溪镇人民政府"),
    "示范县委": ("0851-6000001", "示范县人民路1号"),
}

MEMBERS = [
    # (number, name, phone, branch, profile fields)
    ("D0001", "张建国", "13900000001", "河西村第一党支部", {"gender": "male"}),
    ("D0002", "李秀英", "13900000002", "河西村第一党支部", {"is_housebound": True, "gender": "female"}),
    ("D0003", "王志强", "13900000003", "河西村第一党支部", {}),
    ("D0004", "赵丽", "13900000004", "第一党小组", {"is_probationary": True}),
    ("D0005", "刘洋", "13900000005", "河西村第二党支部", {}),
    ("D0006", "陈静", "13900000006", "东街社区党支部", {}),
    ("D0007", "杨帆", "13900000007", "城关镇机关党支部", {}),
    ("D0008", "周海", "13900000008", "城关镇机关党支部", {}),
    ("D0009", "孙国华", "13900000009", "河西村第一党支部", {}),
    ("D0010", "吴敏", "13900000010", "东街社区党支部", {}),
    ("D0011", "郑大伟", "13900000011", "柳溪村党支部", {}),
    ("D0012", "钱德明", None, "柳溪村党支部", {"is_housebound": True}),
    ("D0013", "冯春燕", "13900000013", "桃园村党支部", {}),
    ("D0014", "陈志远", "13900000014", "东街社区党支部", {}),
    ("D0015", "马秀兰", "13900000015", "桃园村党支部", {"is_housebound": True}),
    ("D0016", "林小红", "13900000016", "柳溪村党支部", {}),
    ("D0017", "何平", "13900000017", "柳溪村党支部", {}),
    ("D0018", "韩磊", "13900000018", "柳溪镇机关党支部", {}),
]
# Imported without a password: they wait for first sign-in codes (组织管理 → 初次登录码).
AWAITING_FIRST_SIGN_IN = {"D0016", "D0017"}

# Role holders with demo accounts: (username, number, name, phone, branch, role, organisation).
ROLE_ACCOUNTS = [
    ("secretary", "D0900", "李卫东", "13900000900", "河西村第一党支部",
     Role.Kind.SECRETARY, "河西村第一党支部"),
    ("officer", "D0903", "周文华", "13900000903", "县委组织部机关党支部",
     Role.Kind.COUNTY_OFFICER, "示范县委"),
]
# Role holders without a demo account of their own (they sign in with number or phone).
ROLES = [
    ("D0901", "何丽萍", "13900000901", "河西村第一党支部", Role.Kind.ORGANISATION, "河西村第一党支部"),
    ("D0902", "黄建军", "13900000902", "柳溪镇机关党支部", Role.Kind.SECRETARY, "柳溪镇党委"),
    ("D0018", None, None, None, Role.Kind.SECRETARY, "柳溪村党支部"),
    ("D0006", None, None, None, Role.Kind.SECRETARY, "东街社区党支部"),
    ("D0004", None, None, None, Role.Kind.GROUP_LEADER, "第一党小组"),
]


def demo_password():
    return os.environ.get("DIANKE_DEMO_PASSWORD") or DEFAULT_PASSWORD


def _organisation(name, kind, parent):
    existing = Organisation.objects.filter(name=name).first()
    if existing is not None:
        return existing
    phone, address = CONTACTS.get(name, ("", ""))
    fields = {"name": name, "kind": kind, "contact_phone": phone, "address": address}
    if parent is None:
        return Organisation.add_root(**fields)
    return Organisation.objects.get(pk=parent.pk).add_child(**fields)


def _user(username, password, **fields):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
    return user


def _member(number, name, phone, branch, *, user=None, password, **fields):
    member = Member.objects.filter(number=number).first()
    if member is None and user is not None:
        member = Member.objects.filter(user=user).first()
    if member is None:
        member = Member.objects.create(
            user=user or _user(f"m-{number}", password), number=number, name=name, phone=phone,
            branch=branch, **fields,
        )
    return member


def _appoint(member, organisation, kind, admin):
    if not Role.objects.filter(member=member, organisation=organisation, kind=kind).exists():
        started = timezone.localdate() - dt.timedelta(days=400)
        roles.appoint(member=member, organisation=organisation, kind=kind, started_on=started,
                      by=admin)


def _statuses(members, orgs, admin):
    """A migrant with where they work, a lost-contact member with two attempts, one abroad, one
    suspended, one deceased, one transferred within the county and one out of it."""
    today = timezone.localdate()
    m = members
    if m["D0003"].status == Member.Status.NORMAL:
        register.change_status(m["D0003"], status=Member.Status.MIGRANT, since=today - dt.timedelta(days=200),
                               workplace="广东省东莞市长安镇 电子厂", contact="微信 wzq-dg（晚上）", by=admin)
    if m["D0008"].status == Member.Status.NORMAL:
        register.change_status(m["D0008"], status=Member.Status.MIGRANT, since=today - dt.timedelta(days=90),
                               workplace="浙江省宁波市 建筑工地", contact="13900000008", by=admin)
    if not m["D0009"].lost_contacts.exists():
        lost_since = today - dt.timedelta(days=75)
        register.mark_lost(m["D0009"], since=lost_since, last_known_contact="去年说去浙江打工，原手机停机",
                           by=admin)
        for days, method, by_name, result in (
            (60, ContactAttempt.Method.PHONE, "李卫东", "原手机号停机"),
            (30, ContactAttempt.Method.RELATIVES, "何丽萍", "走访其兄，只知在浙江，暂无联系方式"),
        ):
            register.log_attempt(m["D0009"], date=lost_since + dt.timedelta(days=75 - days),
                                 method=method, by_name=by_name, result=result, by=admin)
    for number, status, days, note in (
        ("D0010", Member.Status.ABROAD, 120, "赴新加坡务工"),
        ("D0011", Member.Status.SUSPENDED, 300, "出国逾期未归，停止党籍"),
        ("D0012", Member.Status.DECEASED, 40, ""),
    ):
        if m[number].status == Member.Status.NORMAL:
            register.change_status(m[number], status=status, since=today - dt.timedelta(days=days),
                                   note=note, by=admin)
    if not Transfer.objects.filter(member=m["D0014"]).exists():
        register.transfer(m["D0014"], orgs["柳溪镇机关党支部"], date=today - dt.timedelta(days=20),
                          note="工作调动", by=admin)
    if not Transfer.objects.filter(member=m["D0013"]).exists():
        register.transfer_out(m["D0013"], destination="邻县清河镇党委（随迁）",
                              date=today - dt.timedelta(days=50), by=admin)


def load_demo(*, stdout):
    if not getattr(settings, "DIANKE_DEMO", False):
        raise ImproperlyConfigured("members demo data needs settings.DIANKE_DEMO")
    password = demo_password()
    orgs = {}
    for name, kind, parent in TREE:
        orgs[name] = _organisation(name, kind, orgs.get(parent))
    admin = _user("admin", password, is_staff=True, is_superuser=True)
    members = {}
    for number, name, phone, branch, fields in MEMBERS:
        user = None
        if number in AWAITING_FIRST_SIGN_IN:
            user = _user(f"m-{number}", None)
        members[number] = _member(number, name, phone, orgs[branch], user=user, password=password,
                                  **fields)
    for username, number, name, phone, branch, kind, org in ROLE_ACCOUNTS:
        user = _user(username, password, first_name=name)
        member = _member(number, name, phone, orgs[branch], user=user, password=password)
        _appoint(member, orgs[org], kind, admin)
    for number, name, phone, branch, kind, org in ROLES:
        member = members.get(number) or _member(number, name, phone, orgs[branch], password=password)
        _appoint(member, orgs[org], kind, admin)
    _statuses(members, orgs, admin)
    # The README's editor uploads and publishes: the demo's holds both of Wagtail's groups.
    make_editor(_user("editor", password, first_name="编辑"), publisher=True)
    member_user = _user("member", password)
    _member("D1000", "演示党员", "13900001000", orgs["河西村第一党支部"], user=member_user,
            password=password)
    stdout.write(
        f"  {Organisation.objects.count()} organisations, {Member.objects.count()} members, "
        f"{Role.objects.count()} roles.\n"
        f"  Demo accounts admin / editor / secretary (书记, 河西村第一党支部) / officer "
        f"(县委组织部, the whole county) / member (or member number D1000, phone 13900001000), "
        f"password: {password}\n"
    )
