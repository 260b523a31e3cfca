"""The world of the register's tests: a county (tests.factories.make_county) with one user per
kind of viewer, a member inside branch "a" and one outside it (branch "c"), a role in each.
Each test module wraps `build` in a fixture of its own."""

from members.models import Role
from tests.factories import (
    make_editor_user,
    make_member,
    make_officer_user,
    make_secretary_user,
)

# Viewers, from nothing to everything: who holds which role where.
VIEWERS = ("anonymous", "member", "editor", "propaganda", "secretary", "town", "county", "admin")


def build(members_county, member, secretary, admin_user):
    county = members_county
    users = {
        "anonymous": None,
        "member": member,
        "editor": make_editor_user("register-editor"),
        # 宣传委员 of branch a: sees the branch, keeps no register.
        "propaganda": make_secretary_user(county["a"], "propaganda", kind=Role.Kind.PROPAGANDA),
        "secretary": secretary,  # 书记 of branch a
        "town": make_secretary_user(county["town"], "town-secretary"),  # 书记 of the general branch
        "county": make_officer_user("officer", organisation=county["county"]),
        "admin": admin_user,
    }
    outside = make_member(county["c"], name="外支部党员", phone="13999999999", number="OUT001")
    make_secretary_user(county["c"], "village-secretary")
    return {
        "county": county,
        "users": users,
        "in": {"member": member.member, "org": county["a"],
               "role": Role.objects.get(member__user=users["propaganda"])},
        "out": {"member": outside, "org": county["c"],
                "role": Role.objects.get(member__user__username="village-secretary")},
    }
