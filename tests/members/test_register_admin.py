"""The register's admin pages at work: organisations (add, rename, move, close only when empty),
members (add, edit, status, transfer with history and records following, 转出 read-only), roles
(appoint, end, hand over; the scope they give), the lost-contact register, the audit log."""

import datetime as dt

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from members import organisations, register, roles, scoping
from members.models import Completion, ItemProgress, Member, Organisation, Role, Transfer
from tests.factories import make_member, make_secretary_user
from tests.members import register_world

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def world(members_county, member, secretary, admin_user):
    return register_world.build(members_county, member, secretary, admin_user)


def actions(obj):
    return list(ModelLogEntry.objects.for_instance(obj).values_list("action", flat=True))


def test_every_page_renders_for_the_county_officer(client, world):
    client.force_login(world["users"]["county"])
    member, org, role = world["in"]["member"], world["in"]["org"], world["in"]["role"]
    pages = {
        reverse("members_organisations:index"): "城关镇第一党支部",
        reverse("members_organisations:add") + f"?parent={org.pk}": "上级组织",
        reverse("members_organisations:edit", args=[org.pk]): "联系电话",
        reverse("members_organisations:move", args=[org.pk]): "移到哪个组织之下",
        reverse("members_organisations:close", args=[org.pk]): "暂不能撤销",
        reverse("members_organisations:history", args=[org.pk]): org.name,
        reverse("members_register:index"): "测试党员",
        reverse("members_register:add"): "党员编号",
        reverse("members_register:inspect", args=[member.pk]): "组织关系转接",
        reverse("members_register:edit", args=[member.pk]): "转正日期",
        reverse("members_register:status", args=[member.pk]): "外出务工地点",
        reverse("members_register:transfer", args=[member.pk]): "转入组织",
        reverse("members_register:transfer_out", args=[member.pk]): "转往的党组织",
        reverse("members_register:reset_password", args=[member.pk]): "生成一次性登录码",
        reverse("members_register:history", args=[member.pk]): member.name,
        reverse("members_register:lost"): "失联党员名单",
        reverse("members_register:first_codes"): "初次登录码",
        reverse("members_register:log"): "操作记录",
        reverse("members_roles:index"): "宣传委员",
        reverse("members_roles:add"): "党员编号或手机号",
        reverse("members_roles:end", args=[role.pk]): "离任日期",
        reverse("members_roles:hand_over", args=[role.pk]): "接任者",
        reverse("members_admin:quiet"): "个月以上未学习的党员",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    # The admin menu offers the register to role holders, not to editors.
    for user, shown in ((world["users"]["county"], True), (world["users"]["propaganda"], True),
                        (world["users"]["editor"], False)):
        client.force_login(user)
        home = client.get("/admin/").content.decode()
        assert ("/admin/organisations/" in home and "/admin/members/lost/" in home) is shown


# ---- organisations ------------------------------------------------------------------------


def test_town_officer_adds_renames_moves_and_closes_below_its_own(client, world):
    county, town = world["county"], world["users"]["town"]
    client.force_login(town)
    response = client.post(reverse("members_organisations:add"), {
        "parent": county["b"].pk, "name": "第二党小组", "kind": "group", "code": "G2",
        "contact_phone": "0851-1", "address": "村委会"})
    assert response.status_code == 302
    group = Organisation.objects.get(name="第二党小组")
    assert group.get_parent().pk == county["b"].pk and group.code == "G2"
    response = client.post(reverse("members_organisations:edit", args=[group.pk]), {
        "name": "第三党小组", "kind": "group", "code": "G3", "contact_phone": "", "address": ""})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "第三党小组"
    client.post(reverse("members_organisations:move", args=[group.pk]), {"parent": county["a"].pk})
    group.refresh_from_db()
    assert group.get_parent().pk == county["a"].pk
    # The town may not move a branch out of its subtree, nor change itself.
    assert client.post(reverse("members_organisations:move", args=[group.pk]),
                       {"parent": county["c"].pk}).status_code == 200
    assert client.get(reverse("members_organisations:edit", args=[county["town"].pk])).status_code == 302
    client.post(reverse("members_organisations:close", args=[group.pk]), {"on": TODAY.isoformat()})
    group.refresh_from_db()
    assert group.closed_on == TODAY
    assert actions(group) == ["members.org_close", "members.org_move", "wagtail.edit", "wagtail.create"]


def test_a_branch_closes_only_when_its_members_have_moved(world):
    county, admin = world["county"], world["users"]["admin"]
    branch = county["b"]
    person = make_member(branch, name="待转党员")
    with pytest.raises(Exception, match="转接"):
        organisations.close(branch, by=admin)
    register.transfer(person, county["a"], by=admin)
    organisations.close(branch, by=admin)
    assert Organisation.objects.get(pk=branch.pk).closed_on == TODAY
    # A closed branch takes no transfers.
    with pytest.raises(Exception, match="撤销"):
        register.transfer(person, branch, by=admin)


def test_closing_an_organisation_ends_its_roles_and_needs_its_children_closed(world):
    county, admin = world["county"], world["users"]["admin"]
    with pytest.raises(Exception, match="下级组织"):
        organisations.close(county["village"], by=admin)
    role = world["out"]["role"]
    Member.objects.filter(branch=county["c"]).update(branch=county["b"])
    organisations.close(county["c"], by=admin)
    role.refresh_from_db()
    assert role.ended_on == TODAY


# ---- members -------------------------------------------------------------------------------


def test_secretary_adds_a_member_without_a_password_and_edits_the_profile(client, world):
    client.force_login(world["users"]["secretary"])
    a = world["county"]["a"]
    response = client.post(reverse("members_register:add"), {
        "number": "N0001", "name": "新党员", "gender": "female", "birth_date": "1990-05-01",
        "phone": "13700000001", "branch": a.pk, "joined_on": "2024-07-01",
        "full_member_on": "", "is_probationary": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Member.objects.get(number="N0001")
    assert new.branch == a and new.is_probationary and not new.user.has_usable_password()
    assert actions(new) == ["wagtail.create"]
    # Another member's phone as a number, or a branch outside the scope, is refused.
    response = client.post(reverse("members_register:add"), {
        "number": "13999999999", "name": "冒名", "branch": world["county"]["c"].pk})
    assert response.status_code == 200 and not Member.objects.filter(name="冒名").exists()
    response = client.post(reverse("members_register:edit", args=[new.pk]), {
        "number": "N0001", "name": "新党员", "gender": "female", "birth_date": "1990-05-01",
        "phone": "13700000001", "joined_on": "2024-07-01", "full_member_on": "2025-07-01"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.full_member_on == dt.date(2025, 7, 1) and not new.is_probationary  # 转正
    assert actions(new)[0] == "wagtail.edit"


def test_status_changes_with_their_fields(world):
    admin, person = world["users"]["admin"], world["in"]["member"]
    with pytest.raises(Exception, match="流动党员"):
        register.change_status(person, status="migrant", by=admin)
    register.change_status(person, status="migrant", workplace="深圳龙华 电子厂", contact="微信 abc",
                           by=admin)
    person.refresh_from_db()
    assert person.is_migrant and person.migrant_workplace == "深圳龙华 电子厂"
    register.change_status(person, status="deceased", since=TODAY, by=admin)
    person.refresh_from_db()
    assert not person.user.is_active and person.status == "deceased"
    assert [a for a in actions(person) if a == "members.status"] == ["members.status"] * 2


def test_transfer_keeps_history_and_the_records_follow_the_member(client, world, make_lesson):
    county, secretary = world["county"], world["users"]["secretary"]
    person = make_member(county["a"], name="转接党员", phone="13700000077")
    lesson = make_lesson(kind="video", duration=60, title="转接前学的课")
    Completion.objects.create(member=person, page=lesson, completed_at=dt.datetime.now(dt.UTC))
    ItemProgress.objects.create(member=person, page=lesson, covered_seconds=60, completed=True)
    client.force_login(secretary)
    response = client.post(reverse("members_register:transfer", args=[person.pk]), {
        "to": county["c"].pk, "date": TODAY.isoformat(), "note": "搬家"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.branch == county["c"]
    transfer = Transfer.objects.get(member=person)
    assert (transfer.kind, transfer.from_organisation, transfer.to_organisation, transfer.by) == (
        "within", county["a"], county["c"], secretary)
    # The records are the member's: in the new branch's reports, out of the old one's scope.
    assert Completion.objects.filter(member=person).count() == 1
    assert ItemProgress.objects.filter(member=person).count() == 1
    village = make_secretary_user(county["c"], "c-secretary-2", kind="deputy_secretary")
    client.force_login(village)
    history = client.get(reverse("members_admin:member", args=[person.pk])).content.decode()
    assert "转接前学的课" in history
    client.force_login(secretary)
    assert client.get(reverse("members_admin:member", args=[person.pk])).status_code == 404
    assert "members.transfer" in actions(person)


def test_transfer_out_keeps_the_records_read_only(client, world, make_lesson):
    county, admin = world["county"], world["users"]["admin"]
    person = make_member(county["a"], name="转出党员", phone="13700000088")
    roles.appoint(member=person, organisation=county["group"], kind="group_leader", by=admin)
    lesson = make_lesson(kind="video", duration=60, title="转出前学的课")
    Completion.objects.create(member=person, page=lesson, completed_at=dt.datetime.now(dt.UTC))
    client.force_login(world["users"]["secretary"])
    assert client.post(reverse("members_register:transfer_out", args=[person.pk]), {
        "destination": "邻县某镇党委", "date": TODAY.isoformat()}).status_code == 200  # not confirmed
    response = client.post(reverse("members_register:transfer_out", args=[person.pk]), {
        "destination": "邻县某镇党委", "date": TODAY.isoformat(), "confirm": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == "transferred_out" and person.is_read_only
    assert not person.user.is_active
    assert Role.objects.get(member=person).ended_on == TODAY
    # Read-only: the page and the learning history stay, nothing changes any more.
    page = client.get(reverse("members_register:inspect", args=[person.pk])).content.decode()
    assert "只读" in page and "邻县某镇党委" in page
    assert "转出前学的课" in client.get(reverse("members_admin:member", args=[person.pk])).content.decode()
    for name in ("edit", "status", "transfer", "reset_password"):
        assert client.get(reverse(f"members_register:{name}", args=[person.pk])).status_code == 302, name
    with pytest.raises(Exception, match="只读"):
        register.change_status(person, status="normal", by=admin)
    # Out of the branch's current lists.
    listing = client.get(reverse("members_register:index")).content.decode()
    assert "转出党员" not in listing
    assert "转出党员" in client.get(reverse("members_register:index") + "?status=transferred_out").content.decode()


# ---- roles --------------------------------------------------------------------------------


def test_roles_give_the_scope_and_end_with_their_term(client, world):
    county, town = world["county"], world["users"]["town"]
    person = make_member(county["b"], name="新支委", number="R0001", phone="13700000099")
    user = person.user
    assert not scoping.holds_role(user)
    client.force_login(town)
    response = client.post(reverse("members_roles:add"), {
        "member": "13700000099", "organisation": county["b"].pk, "kind": "secretary",
        "started_on": TODAY.isoformat()})
    assert response.status_code == 302
    user = type(user).objects.get(pk=user.pk)
    assert scoping.is_secretary(user) and user.has_perm("wagtailadmin.access_admin")
    assert set(scoping.visible_organisations(user)) == {county["b"]}
    role = Role.objects.get(member=person)
    assert actions(role) == ["members.role_appoint"]
    # A second 书记 while one is in office: hand over instead.
    other = make_member(county["b"], name="接任者", number="R0002")
    response = client.post(reverse("members_roles:add"), {
        "member": "R0002", "organisation": county["b"].pk, "kind": "secretary",
        "started_on": TODAY.isoformat()})
    assert "交接" in response.content.decode()
    response = client.post(reverse("members_roles:hand_over", args=[role.pk]), {
        "successor": "R0002", "on": TODAY.isoformat()})
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.ended_on == TODAY - dt.timedelta(days=1) or role.ended_on == role.started_on
    successor = Role.objects.get(member=other)
    assert (successor.kind, successor.ended_on) == ("secretary", None)
    assert "members.role_hand_over" in actions(successor)
    user = type(user).objects.get(pk=user.pk)
    if role.ended_on < TODAY:
        assert not scoping.holds_role(user) and not user.has_perm("wagtailadmin.access_admin")
    client.post(reverse("members_roles:end", args=[successor.pk]), {"ended_on": TODAY.isoformat()})
    successor.refresh_from_db()
    assert successor.ended_on == TODAY and "members.role_end" in actions(successor)


def test_a_branch_secretary_does_not_appoint_in_their_own_branch(client, world):
    client.force_login(world["users"]["secretary"])
    response = client.post(reverse("members_roles:add"), {
        "member": "T0001", "organisation": world["county"]["a"].pk, "kind": "organisation",
        "started_on": TODAY.isoformat()})
    assert response.status_code == 200  # the branch is not among the choices
    assert not Role.objects.filter(member=world["in"]["member"]).exists()
    # …but appoints a 党小组长 in the group below it.
    response = client.post(reverse("members_roles:add"), {
        "member": "T0001", "organisation": world["county"]["group"].pk, "kind": "group_leader",
        "started_on": TODAY.isoformat()})
    assert response.status_code == 302


def test_only_the_county_and_administrators_appoint_county_officers(client, world):
    client.force_login(world["users"]["town"])
    body = client.get(reverse("members_roles:add")).content.decode()
    assert "county_officer" not in body
    client.force_login(world["users"]["county"])
    assert "county_officer" in client.get(reverse("members_roles:add")).content.decode()


# ---- the lost-contact register and the audit log -------------------------------------------


def test_lost_register_counts_attempts_and_reconnection(client, world):
    admin, person = world["users"]["admin"], world["in"]["member"]
    client.force_login(world["users"]["secretary"])
    response = client.post(reverse("members_register:status", args=[person.pk]), {
        "status": "lost", "since": (TODAY - dt.timedelta(days=60)).isoformat(),
        "last_known_contact": "去外省打工"})
    assert response.status_code == 302
    case = person.lost_contacts.get()
    assert case.last_known_contact == "去外省打工"
    for n in range(2):
        response = client.post(reverse("members_register:lost_case", args=[person.pk]), {
            "date": TODAY.isoformat(), "method": "phone", "by_name": "", "result": f"无人接听{n}"})
        assert response.status_code == 302
    assert case.attempts.count() == 2 and case.attempts.first().by_name == "secretary"
    page = client.get(reverse("members_register:lost")).content.decode()
    assert "测试党员" in page and "目前失联 1 人" in page
    rows, totals = register.lost_counts(world["county"]["county"], scoping.visible_members(admin))
    assert totals == {"lost": 1, "reconnected": 0}
    client.post(reverse("members_register:lost_case", args=[person.pk]), {
        "date": TODAY.isoformat(), "method": "visit", "by_name": "王书记", "result": "已见到本人",
        "reached": "on"})
    person.refresh_from_db()
    case.refresh_from_db()
    assert person.status == "normal" and case.reconnected_on == TODAY
    rows, totals = register.lost_counts(world["county"]["county"], scoping.visible_members(admin))
    assert totals == {"lost": 0, "reconnected": 1}


def test_the_audit_log_shows_who_did_what_within_the_scope(client, world):
    admin = world["users"]["admin"]
    register.change_status(world["in"]["member"], status="abroad", note="探亲", by=admin)
    register.change_status(world["out"]["member"], status="abroad", note="外支部", by=admin)
    client.force_login(world["users"]["town"])
    body = client.get(reverse("members_register:log")).content.decode()
    assert "测试党员" in body and "党员状态变更" in body and "外支部党员" not in body
    client.force_login(world["users"]["county"])
    assert "外支部党员" in client.get(reverse("members_register:log")).content.decode()
