import io

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ImproperlyConfigured

from members import demo
from members.models import Member, Organisation
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
    assert Member.objects.filter(is_migrant=True).exists()
    assert Member.objects.filter(is_housebound=True).exists()
    for username in ("admin", "editor", "secretary", "member"):
        assert authenticate(username=username, password="s3cret-demo") is not None, username
    secretary = authenticate(username="secretary", password="s3cret-demo")
    seen = set(visible_members(secretary).values_list("branch__name", flat=True))
    assert seen == {"河西村第一党支部", "第一党小组"}
    assert authenticate(username="D1000", password="s3cret-demo").username == "member"


def test_demo_refuses_without_demo_setting(settings):
    settings.DIANKE_DEMO = False
    with pytest.raises(ImproperlyConfigured):
        demo.load_demo(stdout=io.StringIO())
