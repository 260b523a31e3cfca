"""Demo people (C6): a small county with branches and members, and the four demo accounts.

Idempotent: found by name/number, created when missing. Only with settings.DIANKE_DEMO.
"""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from members.models import Member, Organisation
from members.roles import make_editor, make_secretary

DEFAULT_PASSWORD = "dianke-demo"

TREE = [
    # (name, kind, parent name)
    ("示范县委", Organisation.Kind.COMMITTEE, None),
    ("城关镇党委", Organisation.Kind.COMMITTEE, "示范县委"),
    ("城关镇机关党支部", Organisation.Kind.BRANCH, "城关镇党委"),
    ("东街社区党支部", Organisation.Kind.BRANCH, "城关镇党委"),
    ("河西村党总支", Organisation.Kind.GENERAL_BRANCH, "示范县委"),
    ("河西村第一党支部", Organisation.Kind.BRANCH, "河西村党总支"),
    ("河西村第二党支部", Organisation.Kind.BRANCH, "河西村党总支"),
    ("第一党小组", Organisation.Kind.GROUP, "河西村第一党支部"),
]

MEMBERS = [
    # (number, name, phone, branch, flags)
    ("D0001", "张建国", "13900000001", "河西村第一党支部", {}),
    ("D0002", "李秀英", "13900000002", "河西村第一党支部", {"is_housebound": True}),
    ("D0003", "王志强", "13900000003", "河西村第一党支部", {"is_migrant": True}),
    ("D0004", "赵丽", "13900000004", "第一党小组", {"is_probationary": True}),
    ("D0005", "刘洋", "13900000005", "河西村第二党支部", {}),
    ("D0006", "陈静", "13900000006", "东街社区党支部", {}),
    ("D0007", "杨帆", "13900000007", "城关镇机关党支部", {}),
    ("D0008", "周海", "13900000008", "城关镇机关党支部", {"is_migrant": True}),
]


def demo_password():
    return os.environ.get("DIANKE_DEMO_PASSWORD") or DEFAULT_PASSWORD


def _organisation(name, kind, parent):
    existing = Organisation.objects.filter(name=name).first()
    if existing is not None:
        return existing
    if parent is None:
        return Organisation.add_root(name=name, kind=kind)
    return Organisation.objects.get(pk=parent.pk).add_child(name=name, kind=kind)


def _user(username, password, **fields):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(password)
        user.save()
    return user


def load_demo(*, stdout):
    if not getattr(settings, "DIANKE_DEMO", False):
        raise ImproperlyConfigured("members demo data needs settings.DIANKE_DEMO")
    password = demo_password()
    orgs = {}
    for name, kind, parent in TREE:
        orgs[name] = _organisation(name, kind, orgs.get(parent))
    for number, name, phone, branch, flags in MEMBERS:
        if not Member.objects.filter(number=number).exists():
            Member.objects.create(
                user=_user(f"m-{number}", password),
                number=number,
                name=name,
                phone=phone,
                branch=orgs[branch],
                **flags,
            )
    User = get_user_model()
    admin = _user("admin", password, is_staff=True, is_superuser=True)
    editor = make_editor(_user("editor", password, first_name="编辑"))
    secretary = make_secretary(_user("secretary", password, first_name="书记"), orgs["河西村第一党支部"])
    member_user = _user("member", password)
    if not Member.objects.filter(user=member_user).exists():
        Member.objects.create(
            user=member_user,
            number="D1000",
            name="演示党员",
            phone="13900001000",
            branch=orgs["河西村第一党支部"],
        )
    assert User.objects.filter(pk__in=[admin.pk, editor.pk, secretary.pk]).count() == 3
    stdout.write(
        f"  {Organisation.objects.count()} organisations, {Member.objects.count()} members.\n"
        f"  Demo accounts admin / editor / secretary (河西村第一党支部) / member "
        f"(or member number D1000, phone 13900001000), password: {password}\n"
    )
