"""The demo: the county's rules and checklist, an inspection with one closed and one overdue
rectification item, a deed; idempotent."""

import io

import pytest

from branch_life import demo as branch_life_demo
from members import demo as members_demo
from supervision import demo, ranking
from supervision.models import BranchRule, Deed, Inspection, Rectification

pytestmark = pytest.mark.django_db


def test_demo_supervision_is_complete_and_idempotent(settings):
    settings.DIANKE_DEMO = True
    members_demo.load_demo(stdout=io.StringIO())
    branch_life_demo.load_demo(stdout=io.StringIO())
    demo.load_demo(stdout=io.StringIO())
    counts = (BranchRule.objects.count(), Inspection.objects.count(),
              Rectification.objects.count(), Deed.objects.count())
    demo.load_demo(stdout=io.StringIO())
    assert counts == (BranchRule.objects.count(), Inspection.objects.count(),
                      Rectification.objects.count(), Deed.objects.count()) == (10, 1, 2, 1)
    statuses = sorted(Rectification.objects.values_list("status", flat=True))
    assert statuses == ["closed", "open"]
    county = Inspection.objects.get().organisation.get_root()
    rows, rules = ranking.league(county, Inspection.objects.get().date)
    assert len(rules) == 10 and rows
