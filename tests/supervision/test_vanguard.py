"""The vanguard index (先锋指数) on a small case computed by hand; the member's own page and /me/
panel, the secretary's branch page and deeds; scope."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from wagtail.models import Page

from branch_life import services as bl_services
from members.models import Completion, ItemProgress, Member, Reflection
from supervision import vanguard
from supervision.models import Appraisal, AppraisalResult, Deed, MemberRule
from tests.factories import make_secretary_user
from tests.supervision.conftest import theme_day

K = MemberRule.Kind


def _rules(org):
    for kind, points, cap in [(K.COMPLETION, 2, None), (K.HOUR, 1, 5), (K.ATTENDANCE, 3, None),
                              (K.ABSENCE, -2, None), (K.REFLECTION, 1, None), (K.DEED, 1, None),
                              (K.EXCELLENT, 10, None), (K.QUIZ, "0.5", None)]:
        MemberRule.objects.create(organisation=org, kind=kind, points=Decimal(points),
                                  cap=None if cap is None else Decimal(cap))


def _year_of_records(county, people, officer):
    now = timezone.now()
    zhang = people["zhang"]
    pages = list(Page.objects.order_by("pk")[:2])
    for page in pages:
        Completion.objects.create(member=zhang, page=page, completed_at=now)
    # 7 h of media and half an hour of reading: 7 whole hours, capped at 5 points.
    ItemProgress.objects.create(member=zhang, page=pages[0], covered_seconds=7 * 3600,
                                dwell_seconds=1800, last_heartbeat_at=now)
    Reflection.objects.create(member=zhang, page=pages[0], text="很受教育")
    today = timezone.localdate()
    attended = theme_day(county["a"], today)
    bl_services.roll_call(attended, present=[zhang.pk], by=officer, now=attended.ends_at)
    missed = theme_day(county["a"], today)
    bl_services.roll_call(missed, present=[people["li"].pk], by=officer, now=missed.ends_at)
    Deed.objects.create(member=zhang, date=today, what="帮五保户收稻谷", points=Decimal("3.5"))
    appraisal = Appraisal.objects.create(organisation=county["a"], year=today.year,
                                         opens_at=now - dt.timedelta(days=2),
                                         closes_at=now - dt.timedelta(days=1))
    AppraisalResult.objects.create(appraisal=appraisal, member=zhang, grade="excellent")


def test_points_by_hand(county, people, officer):
    _rules(county["county"])
    _year_of_records(county, people, officer)
    year = timezone.localdate().year
    rows = vanguard.index(Member.objects.filter(branch=county["a"]), year)
    zhang = next(r for r in rows if r["name"] == "张三")
    parts = {p["kind"]: (p["count"], p["points"]) for p in zhang["parts"]}
    assert parts[K.COMPLETION] == (2, Decimal(4))
    assert parts[K.HOUR] == (7, Decimal(5))  # capped
    assert parts[K.ATTENDANCE] == (1, Decimal(3)) and parts[K.ABSENCE] == (1, Decimal(-2))
    assert parts[K.REFLECTION] == (1, Decimal(1)) and parts[K.DEED] == (Decimal("3.5"), Decimal("3.5"))
    assert parts[K.EXCELLENT] == (1, Decimal(10)) and parts[K.QUIZ] == (0, 0)
    assert zhang["total"] == Decimal("24.5")
    li = next(r for r in rows if r["name"] == "李四")
    assert li["total"] == Decimal(1)  # present at the second meeting (+3), absent at the first (−2)
    assert rows[0]["name"] == "张三"
    # Last year: nothing.
    assert vanguard.member_index(people["zhang"], year - 1)["total"] == 0


def test_the_member_sees_their_own_on_me_and_the_secretary_the_branch(client, county, people,
                                                                      officer):
    _rules(county["county"])
    _year_of_records(county, people, officer)
    client.force_login(people["zhang"].user)
    me = client.get("/me/").content.decode()
    assert "我的先锋指数" in me and "24.5" in me
    mine = client.get("/supervision/me/").content.decode()
    assert "24.5" in mine and "帮五保户收稻谷" in mine and "李四" not in mine
    assert client.get(f"/supervision/vanguard/?org={county['a'].pk}").status_code == 403
    secretary = make_secretary_user(county["a"], "a-sec")
    client.force_login(secretary)
    page = client.get("/supervision/vanguard/").content.decode()
    assert "张三" in page and "24.5" in page and "赵六" not in page
    assert client.get(f"/supervision/vanguard/?org={county['b'].pk}").status_code == 404


def test_the_secretary_records_a_deed_within_scope(client, county, people):
    secretary = make_secretary_user(county["a"], "a-sec")
    client.force_login(secretary)
    url = f"/supervision/vanguard/{people['li'].pk}/deeds/new/"
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    refused = client.post(url, {"date": future, "kind": "volunteer", "what": "清理河道", "points": "2"})
    assert "日期不能晚于今天" in refused.content.decode() and not Deed.objects.exists()
    client.post(url, {"date": timezone.localdate().isoformat(), "kind": "volunteer",
                      "what": "清理河道", "points": "2"})
    deed = Deed.objects.get()
    assert deed.member == people["li"] and deed.recorded_by == secretary
    assert client.get(f"/supervision/vanguard/{people['zhao'].pk}/deeds/new/").status_code == 404
