"""Migration 0004: today's Secretary rows become members holding the role 书记 (an account without
a member profile gets one in the organisation it served), and the 流动党员 flag becomes the status;
the scope of each secretary is unchanged."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("members", "0003_register_roles_accounts")]
AFTER = [("members", "0004_secretaries_to_roles")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_secretaries_become_members_holding_the_role():
    old = migrate(BEFORE)
    Organisation, Member, Secretary = (old.get_model("members", name)
                                       for name in ("Organisation", "Member", "Secretary"))
    User = old.get_model("auth", "User")
    county = Organisation.objects.create(name="县委", kind="committee", path="0001", depth=1, numchild=1)
    branch = Organisation.objects.create(name="支部", kind="branch", path="00010001", depth=2)
    plain = User.objects.create(username="old-secretary", first_name="书记", password="!")
    member_user = User.objects.create(username="m-X1", password="!")
    Member.objects.create(user=member_user, name="老党员", number="X1", branch=branch, is_migrant=True)
    Secretary.objects.create(user=plain, organisation=branch)
    Secretary.objects.create(user=member_user, organisation=county)
    try:
        new = migrate(AFTER)
        Member, Role = new.get_model("members", "Member"), new.get_model("members", "Role")
        migrated = Member.objects.get(user_id=plain.pk)
        assert (migrated.name, migrated.branch_id, migrated.number) == ("书记", branch.pk, f"S{plain.pk:05d}")
        assert Member.objects.get(number="X1").status == "migrant"
        roles = set(Role.objects.values_list("member__user_id", "organisation_id", "kind", "ended_on"))
        assert roles == {(plain.pk, branch.pk, "secretary", None), (member_user.pk, county.pk, "secretary", None)}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
