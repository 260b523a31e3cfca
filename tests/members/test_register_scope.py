"""Viewer × every page of the register (组织管理) and of the workbench: a township officer sees only
its subtree, a branch secretary only their branch, a 宣传委员 sees without changing, a member and
an editor nothing; the county officer everything without being a superuser. Outside the scope a
page is a 404 (or the sign-in page) and shows nothing of what it would have shown."""

import pytest
from django.urls import reverse

from tests.members import register_world
from tests.members.register_world import VIEWERS

pytestmark = pytest.mark.django_db

OK, DENIED = "ok", "denied"


@pytest.fixture
def world(members_county, member, secretary, admin_user):
    return register_world.build(members_county, member, secretary, admin_user)


# What each page needs: see (any role in scope), manage (keeps the register there: 书记, 副书记,
# 组织委员, the county officer), administer (the organisation lies strictly below the viewer's own,
# or the viewer is the county officer or an administrator).
GLOBAL_PAGES = {
    "members_organisations:index": "see",
    "members_register:index": "see",
    "members_roles:index": "see",
    "members_register:lost": "see",
    "members_register:log": "see",
    "members_admin:quiet": "see",
    "members:branch": "see",
    "members:branch_members": "see",
    "members:branch_quiet": "see",
    "members:branch_lost": "see",
    "members_register:first_codes": "manage",
    "members_register:add": "manage",
    "members_organisations:add": "manage",
}


def object_pages(side):
    member, org, role = side["member"].pk, side["org"].pk, side["role"].pk
    return {
        ("members_register:inspect", member): "see",
        ("members_register:history", member): "see",
        ("members_admin:member", member): "see",
        ("members:branch_member", member): "see",
        ("members_organisations:history", org): "see",
        ("members_roles:history", role): "see",
        ("members_register:edit", member): "manage",
        ("members_register:status", member): "manage",
        ("members_register:transfer", member): "manage",
        ("members_register:transfer_out", member): "manage",
        ("members_register:reset_password", member): "manage",
        ("members_organisations:edit", org): "administer",
        ("members_organisations:move", org): "administer",
        ("members_organisations:close", org): "administer",
        ("members_roles:end", role): "administer",
        ("members_roles:hand_over", role): "administer",
    }


# viewer: the capabilities they have inside the secretary's branch "a" and outside it ("c").
CAN = {
    "anonymous": (set(), set()),
    "member": (set(), set()),
    "editor": (set(), set()),
    "propaganda": ({"see"}, set()),
    "secretary": ({"see", "manage"}, set()),
    "town": ({"see", "manage", "administer"}, set()),
    "county": ({"see", "manage", "administer"}, {"see", "manage", "administer"}),
    "admin": ({"see", "manage", "administer"}, {"see", "manage", "administer"}),
}


def outcome(response):
    return OK if response.status_code == 200 else DENIED


@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_register_and_workbench_page_by_viewer(client, world, viewer):
    user = world["users"][viewer]
    if user is not None:
        client.force_login(user)
    inside, outside = CAN[viewer]
    seen, want = {}, {}
    for name, needs in GLOBAL_PAGES.items():
        seen[name] = outcome(client.get(reverse(name)))
        want[name] = OK if needs in inside else DENIED
    for side, can in (("in", inside), ("out", outside)):
        for (name, pk), needs in object_pages(world[side]).items():
            response = client.get(reverse(name, args=[pk]))
            seen[(side, name)] = outcome(response)
            want[(side, name)] = OK if needs in can else DENIED
            if side == "out" and seen[(side, name)] == DENIED:
                assert "外支部党员".encode() not in response.content, name
                assert response.status_code in (302, 403, 404), (name, response.status_code)
    assert seen == want


@pytest.mark.parametrize("viewer", ["secretary", "town"])
def test_lists_hold_only_the_viewers_subtree(client, world, viewer):
    client.force_login(world["users"][viewer])
    for name in ("members_register:index", "members_roles:index", "members:branch_members"):
        body = client.get(reverse(name)).content.decode()
        assert "外支部党员" not in body and "village-secretary" not in body, name
    organisations = client.get(reverse("members_organisations:index")).content.decode()
    assert "河西村党支部" not in organisations and "城关镇第一党支部" in organisations
    members = client.get(reverse("members_register:index")).content.decode()
    assert "测试党员" in members


def test_the_county_officer_sees_the_whole_tree_without_being_a_superuser(client, world):
    officer = world["users"]["county"]
    assert not officer.is_superuser and not officer.is_staff
    client.force_login(officer)
    body = client.get(reverse("members_register:index") + "?status=all").content.decode()
    assert "外支部党员" in body and "测试党员" in body
    organisations = client.get(reverse("members_organisations:index")).content.decode()
    assert "河西村党支部" in organisations and "示范县委" in organisations


def test_posting_outside_the_scope_changes_nothing(client, world):
    from members.models import Member, Organisation, Role

    client.force_login(world["users"]["secretary"])
    out = world["out"]
    posts = {
        reverse("members_register:status", args=[out["member"].pk]): {"status": "lost", "since": "2024-01-01"},
        reverse("members_register:transfer", args=[out["member"].pk]): {"to": world["in"]["org"].pk, "date": "2024-01-01"},
        reverse("members_register:reset_password", args=[out["member"].pk]): {},
        reverse("members:branch_reset_password", args=[out["member"].pk]): {},
        reverse("members_organisations:close", args=[out["org"].pk]): {"on": "2024-01-01"},
        reverse("members_roles:end", args=[out["role"].pk]): {"ended_on": "2024-01-01"},
    }
    for url, data in posts.items():
        response = client.post(url, data)
        assert response.status_code in (302, 404), url
        assert "一次性登录码" not in response.content.decode()
    member = Member.objects.get(pk=out["member"].pk)
    assert (member.status, member.branch_id, member.user.has_usable_password()) == ("normal", out["org"].pk, True)
    assert Organisation.objects.get(pk=out["org"].pk).closed_on is None
    assert Role.objects.get(pk=out["role"].pk).ended_on is None
    # Naming an outside member in the appointment form finds no one.
    client.force_login(world["users"]["town"])
    response = client.post(reverse("members_roles:add"), {
        "member": "OUT001", "organisation": world["county"]["a"].pk, "kind": "deputy_secretary",
        "started_on": "2024-01-01"})
    assert response.status_code == 200 and "找不到" in response.content.decode()
    assert not Role.objects.filter(member=out["member"]).exists()
