"""Role × every member-data view and API endpoint. Scope is decided in members.scoping only."""

import datetime as dt

import pytest
from django.urls import reverse

from members import scoping
from members.models import Completion, StudyPlan
from tests.factories import make_member, make_secretary_user

pytestmark = pytest.mark.django_db

OK, DENIED = "ok", "denied"


@pytest.fixture
def world(members_county, member, secretary, editor, admin_user):
    county = members_county
    inside = member.member  # branch a
    outside = make_member(county["c"], name="外支部党员", phone="13999999999")
    plan_in = StudyPlan.objects.create(organisation=county["a"], month=dt.date.today().replace(day=1), title="本支部计划")
    plan_out = StudyPlan.objects.create(organisation=county["c"], month=dt.date.today().replace(day=1), title="外支部计划")
    from wagtail.models import Page

    home = Page.objects.filter(depth=2).first()
    return {
        "users": {"anonymous": None, "member": member, "editor": editor, "secretary": secretary, "admin": admin_user},
        "in": {"org": county["a"], "member": inside, "plan": plan_in},
        "out": {"org": county["c"], "member": outside, "plan": plan_out},
        "home": home,
    }


def admin_urls(side, home):
    org, member, plan = side["org"].pk, side["member"].pk, side["plan"].pk
    return {
        "rates": f"{reverse('members_admin:rates')}?org={org}",
        "rates.csv": f"{reverse('members_admin:rates')}?org={org}&export=csv",
        "not_studied": f"{reverse('members_admin:not_studied')}?org={org}",
        "not_studied.xlsx": f"{reverse('members_admin:not_studied')}?org={org}&export=xlsx",
        "members": f"{reverse('members_admin:members')}?org={org}",
        "member": reverse("members_admin:member", args=[member]),
        "member.csv": reverse("members_admin:member", args=[member]) + "?export=csv",
        "plan_matrix": reverse("members_admin:plan_matrix", args=[plan]),
        "plan_edit": reverse("members_admin:plan_edit", args=[plan]),
        "course_matrix": reverse("members_admin:course_matrix", args=[home.pk]) + f"?org={org}",
        "record": f"{reverse('members_admin:record')}?org={org}",
    }


GLOBAL_PAGES = ["index", "plans", "plan_new", "import"]
EXPECTED_ADMIN = {
    # role: (global pages, inside the secretary's branch, outside it)
    "anonymous": (DENIED, DENIED, DENIED),
    "member": (DENIED, DENIED, DENIED),
    "editor": (DENIED, DENIED, DENIED),
    "secretary": (OK, OK, DENIED),
    "admin": (OK, OK, OK),
}


def outcome(response):
    return OK if response.status_code == 200 else DENIED


@pytest.mark.parametrize("role", list(EXPECTED_ADMIN))
def test_admin_pages_matrix(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    want_global, want_in, want_out = EXPECTED_ADMIN[role]
    seen = {}
    for name in GLOBAL_PAGES:
        seen[("global", name)] = outcome(client.get(reverse(f"members_admin:{name}")))
    for side in ("in", "out"):
        for name, url in admin_urls(world[side], world["home"]).items():
            response = client.get(url)
            seen[(side, name)] = outcome(response)
            if side == "out" and seen[(side, name)] == DENIED:
                body = b"".join(response.streaming_content) if response.streaming else response.content
                assert "外支部党员".encode() not in body and b"13999999999" not in body
    want = {key: {"global": want_global, "in": want_in, "out": want_out}[key[0]] for key in seen}
    assert seen == want


def test_denied_codes_are_clear(client, world):
    client.force_login(world["users"]["editor"])
    # Wagtail turns PermissionDenied in its admin into a redirect to the dashboard with a message.
    response = client.get(reverse("members_admin:index"))
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    client.force_login(world["users"]["secretary"])
    assert client.get(admin_urls(world["out"], world["home"])["rates"]).status_code == 404
    assert client.get(admin_urls(world["out"], world["home"])["member"]).status_code == 404


def test_secretary_lists_show_only_their_subtree(client, world):
    client.force_login(world["users"]["secretary"])
    body = client.get(reverse("members_admin:members")).content.decode()
    assert world["in"]["member"].name in body and "外支部党员" not in body
    index = client.get(reverse("members_admin:index")).content.decode()
    assert "河西村党支部" not in index and "城关镇第一党支部" in index
    plans = client.get(reverse("members_admin:plans")).content.decode()
    assert "本支部计划" in plans and "外支部计划" not in plans


def test_secretary_cannot_record_for_an_outside_member_by_posting(client, world, make_lesson):
    lesson = make_lesson(kind="video", duration=60)
    client.force_login(world["users"]["secretary"])
    data = {
        "org": world["in"]["org"].pk, "item": lesson.pk, "members": [world["out"]["member"].pk],
        "how": "group", "date": dt.date.today().isoformat(),
    }
    response = client.post(reverse("members_admin:record"), data)
    assert response.status_code == 200  # the form shows the error
    data["org"] = world["out"]["org"].pk
    assert client.post(reverse("members_admin:record"), data).status_code == 404
    assert not Completion.objects.exists()


@pytest.mark.parametrize(
    "role, me, items",
    # The secretary holds a role as a member: their own pages and the API are theirs too.
    [("anonymous", 302, 401), ("member", 200, 200), ("editor", 200, 403), ("secretary", 200, 200), ("admin", 200, 403)],
)
def test_member_pages_and_api_matrix(client, world, role, me, items):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    assert client.get("/me/").status_code == me
    history = {"anonymous": 302, "member": 200, "secretary": 200}.get(role, 404)  # no profile, no history
    assert client.get("/me/history/").status_code == history
    assert client.get("/api/v1/me/items").status_code == items
    home = world["home"]
    heartbeat = client.post(
        f"/api/v1/progress/{home.pk}/heartbeat", {"session": "s", "ranges": []},
        content_type="application/json",
    )
    # Members reach the item check (404: the home page is no learning item); others stop before.
    assert heartbeat.status_code == {"anonymous": 401, "member": 404, "secretary": 404}.get(role, 403)


def test_scoping_querysets_by_role(world, members_county):
    users = world["users"]
    town = make_secretary_user(members_county["town"], "town-secretary")
    names = lambda qs: set(qs.values_list("name", flat=True))  # noqa: E731
    assert names(scoping.visible_organisations(town)) == {"城关镇党总支", "城关镇第一党支部", "城关镇第二党支部", "第一党小组"}
    assert names(scoping.visible_organisations(users["secretary"])) == {"城关镇第一党支部", "第一党小组"}
    assert not scoping.visible_members(users["editor"]).exists()
    assert not scoping.visible_members(users["member"]).exists()
    # Two members and the two role holders (members of the branches they serve).
    assert scoping.visible_members(users["admin"]).count() == 4
    assert set(scoping.visible_members(users["secretary"])) == {world["in"]["member"], users["secretary"].member}
