import io

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ImproperlyConfigured
from wagtail.permission_policies.pages import PagePermissionPolicy

from members import demo, scoping
from members.models import Member, Organisation, Role, Transfer
from members.scoping import visible_members

pytestmark = pytest.mark.django_db


def test_demo_county_and_accounts_idempotent(monkeypatch):
    monkeypatch.setenv("DIANKE_DEMO_PASSWORD", "s3cret-demo")
    out = io.StringIO()
    demo.load_demo(stdout=out)
    counts = (Organisation.objects.count(), Member.objects.count())
    demo.load_demo(stdout=io.StringIO())
    assert (Organisation.objects.count(), Member.objects.count()) == counts
    assert "s3cret-demo" in out.getvalue()
    assert Member.objects.filter(is_housebound=True).exists()
    # Members in every status, the migrant with where they work, the lost one with two attempts.
    assert set(Member.objects.values_list("status", flat=True)) == set(Member.Status.values)
    migrant = Member.objects.filter(status="migrant").exclude(migrant_workplace="").first()
    assert migrant is not None and migrant.is_migrant
    lost = Member.objects.get(status="lost")
    assert lost.lost_contacts.get().attempts.count() == 2
    assert Transfer.objects.filter(kind="within").exists() and Transfer.objects.filter(kind="out").exists()
    assert Member.objects.get(status="transferred_out").user.is_active is False
    for username in ("admin", "editor", "secretary", "officer", "member"):
        assert authenticate(username=username, password="s3cret-demo") is not None, username
    secretary = authenticate(username="secretary", password="s3cret-demo")
    # The demo secretary is a member holding 书记 of the branch.
    assert secretary.member.roles.get().kind == Role.Kind.SECRETARY
    seen = set(visible_members(secretary).values_list("branch__name", flat=True))
    assert seen == {"河西村第一党支部", "第一党小组"}
    officer = authenticate(username="officer", password="s3cret-demo")
    assert not officer.is_superuser and scoping.is_county_officer(officer)
    assert visible_members(officer).count() == Member.objects.count()
    township = Role.objects.get(organisation__name="柳溪镇党委", kind="secretary")
    assert Organisation.objects.filter(name="柳溪镇党委").get().get_children().count() == 3
    assert township.member.number == "D0902"
    assert authenticate(username="D1000", password="s3cret-demo").username == "member"
    # The demo editor publishes (as the README says), not only submits to moderation.
    editor = authenticate(username="editor", password="s3cret-demo")
    assert PagePermissionPolicy().user_has_permission(editor, "publish")
    assert not PagePermissionPolicy().user_has_permission(
        authenticate(username="secretary", password="s3cret-demo"), "publish")


def test_demo_refuses_without_demo_setting(settings):
    settings.DIANKE_DEMO = False
    with pytest.raises(ImproperlyConfigured):
        demo.load_demo(stdout=io.StringIO())
