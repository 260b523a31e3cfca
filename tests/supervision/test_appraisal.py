"""The democratic appraisal of members: the branch opens a window, members rate themselves and
each other, the tally and the conclusions; individual ratings only for the branch's secretary."""

import datetime as dt

from django.utils import timezone

from supervision.models import Appraisal, AppraisalRating, AppraisalResult
from tests.factories import make_secretary_user


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_window_ratings_tally_and_conclusions(client, county, people, town_secretary):
    secretary = make_secretary_user(county["a"], "a-sec")
    client.force_login(secretary)
    now = timezone.now()
    year = timezone.localdate().year
    client.post(f"/supervision/appraisal/?org={county['a'].pk}", {
        "action": "open", "org": county["a"].pk, "year": year,
        "opens_at": _local(now - dt.timedelta(hours=1)), "closes_at": _local(now + dt.timedelta(days=7))})
    appraisal = Appraisal.objects.get()
    zhang, li, wang = people["zhang"], people["li"], people["wang"]
    client.force_login(zhang.user)
    assert "民主评议党员" in client.get("/me/").content.decode()
    form = client.get("/supervision/appraisal/rate/").content.decode()
    assert "李四" in form and "赵六" not in form
    client.post("/supervision/appraisal/rate/", {f"grade_{zhang.pk}": "excellent",
                                                 f"grade_{li.pk}": "qualified",
                                                 f"grade_{wang.pk}": "basic"})
    client.force_login(li.user)
    client.post("/supervision/appraisal/rate/", {f"grade_{zhang.pk}": "excellent",
                                                 f"grade_{li.pk}": "qualified"})
    client.post("/supervision/appraisal/rate/", {f"grade_{wang.pk}": "nonsense"})
    assert AppraisalRating.objects.count() == 5
    # The branch secretary: the tally and the individual ratings.
    client.force_login(secretary)
    page = client.get(f"/supervision/appraisal/?org={county['a'].pk}&year={year}").content.decode()
    assert "评议票明细" in page and "张三 → 王五" in page
    client.post(f"/supervision/appraisal/?org={county['a'].pk}&year={year}", {
        "action": "results", "org": county["a"].pk, f"result_{zhang.pk}": "excellent",
        f"result_{li.pk}": "qualified", f"result_{wang.pk}": ""})
    assert dict(AppraisalResult.objects.values_list("member__name", "grade")) == {
        "张三": "excellent", "李四": "qualified"}
    # The township sees the tally but not who rated whom; a member sees neither.
    client.force_login(town_secretary)
    page = client.get(f"/supervision/appraisal/?org={county['a'].pk}&year={year}").content.decode()
    assert "<td>2</td>" in page and "评议票明细" not in page and "张三 → 王五" not in page
    client.force_login(zhang.user)
    assert client.get(f"/supervision/appraisal/?org={county['a'].pk}").status_code == 403
    # After the window: no more ratings.
    Appraisal.objects.filter(pk=appraisal.pk).update(closes_at=now - dt.timedelta(minutes=1))
    assert "现在没有开放的民主评议" in client.get("/supervision/appraisal/rate/").content.decode()


def test_the_window_must_close_after_it_opens(client, county, people):
    secretary = make_secretary_user(county["a"], "a-sec")
    client.force_login(secretary)
    now = timezone.now()
    page = client.post(f"/supervision/appraisal/?org={county['a'].pk}", {
        "action": "open", "org": county["a"].pk, "year": 2026,
        "opens_at": _local(now), "closes_at": _local(now - dt.timedelta(days=1))}).content.decode()
    assert "截止时间应晚于开始时间" in page and not Appraisal.objects.exists()
