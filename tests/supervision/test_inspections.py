"""Inspections with the county's checklist, findings turned into rectification items, closing
with evidence, the overdue list; who may do which."""

import datetime as dt
import io

from PIL import Image

from supervision.models import ChecklistItem, Inspection, InspectionAnswer, Rectification
from tests.factories import make_secretary_user


def _checklist(county):
    return [ChecklistItem.objects.create(organisation=county["county"], text=text, sort_order=i)
            for i, text in enumerate(["主题党日按时召开", "会议记录完整", "党费按时收缴"])]


def _photo():
    data = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(data, "JPEG")
    data.name = "photo.jpg"
    data.seek(0)
    return data


def test_a_township_records_an_inspection_and_its_findings_become_items(client, county, people,
                                                                        town_secretary):
    items = _checklist(county)
    client.force_login(town_secretary)
    form = client.get(f"/supervision/inspections/new/?org={county['a'].pk}").content.decode()
    assert "会议记录完整" in form
    response = client.post("/supervision/inspections/new/", {
        "org": county["a"].pk, "date": "2026-11-20", "kind": "unannounced", "inspectors": "镇组织委员",
        f"answer_{items[0].pk}": "yes", f"answer_{items[1].pk}": "no", f"note_{items[1].pk}": "缺10月记录",
        f"answer_{items[2].pk}": "partly", "findings": "补齐10月会议记录\n\n党费收缴台账不全\n",
        "owner": "张三", "deadline": "", "photo": _photo(),
    })
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{inspection.pk}/")
    assert inspection.kind == "unannounced" and inspection.photos.count() == 1
    answers = dict(InspectionAnswer.objects.values_list("item__text", "answer"))
    assert answers == {"主题党日按时召开": "yes", "会议记录完整": "no", "党费按时收缴": "partly"}
    created = list(Rectification.objects.order_by("pk").values_list("what", "owner", "deadline"))
    assert created == [("补齐10月会议记录", "张三", dt.date(2026, 12, 20)),
                       ("党费收缴台账不全", "张三", dt.date(2026, 12, 20))]
    page = client.get(f"/supervision/inspections/{inspection.pk}/").content.decode()
    assert "不符合" in page and "缺10月记录" in page and "补齐10月会议记录" in page


def test_findings_without_an_owner_are_refused_and_nothing_is_lost(client, county, people,
                                                                   town_secretary):
    client.force_login(town_secretary)
    response = client.post("/supervision/inspections/new/", {
        "org": county["a"].pk, "date": "2026-11-20", "kind": "scheduled", "inspectors": "镇组织委员",
        "findings": "会议记录不全", "owner": ""})
    page = response.content.decode()
    assert response.status_code == 200 and "请填写整改责任人" in page and "会议记录不全" in page
    assert not Inspection.objects.exists()


def test_only_those_above_a_branch_inspect_it(client, county, people, town_secretary):
    branch_secretary = make_secretary_user(county["a"], "a-sec")
    client.force_login(branch_secretary)
    assert client.get(f"/supervision/inspections/new/?org={county['a'].pk}").status_code == 403
    client.force_login(town_secretary)
    assert client.get(f"/supervision/inspections/new/?org={county['c'].pk}").status_code == 404


def test_the_branch_sees_and_closes_its_own_the_overdue_list(client, county, people, officer):
    mine = Rectification.objects.create(organisation=county["a"], what="补齐会议记录", owner="张三",
                                        deadline=dt.date(2025, 1, 31))
    other = Rectification.objects.create(organisation=county["b"], what="党费台账", owner="赵六",
                                         deadline=dt.date(2099, 1, 31))
    branch_secretary = make_secretary_user(county["a"], "a-sec")
    client.force_login(branch_secretary)
    listing = client.get("/supervision/rectifications/").content.decode()
    assert "补齐会议记录" in listing and "党费台账" not in listing and "已逾期" in listing
    assert client.get(f"/supervision/rectifications/{other.pk}/").status_code == 404
    refused = client.post(f"/supervision/rectifications/{mine.pk}/", {"evidence": "  "})
    assert refused.status_code == 200 and 'class="members-error"' in refused.content.decode()
    mine.refresh_from_db()
    assert mine.status == "open"
    client.post(f"/supervision/rectifications/{mine.pk}/", {"evidence": "已补齐并归档", "photo": _photo()})
    mine.refresh_from_db()
    assert mine.status == "closed" and mine.evidence == "已补齐并归档" and mine.evidence_photo_id
    assert mine.closed_by == branch_secretary
    # The branch cannot send it back; the county can.
    client.post(f"/supervision/rectifications/{mine.pk}/", {"action": "reopen"})
    mine.refresh_from_db()
    assert mine.status == "closed"
    client.force_login(officer)
    overdue = client.get(f"/supervision/rectifications/?org={county['county'].pk}&overdue=1").content.decode()
    assert "补齐会议记录" not in overdue and "党费台账" not in overdue
    client.post(f"/supervision/rectifications/{mine.pk}/", {"action": "reopen"})
    mine.refresh_from_db()
    assert mine.status == "open"
    overdue = client.get(f"/supervision/rectifications/?org={county['county'].pk}&overdue=1").content.decode()
    assert "补齐会议记录" in overdue and "党费台账" not in overdue


def test_the_branch_workbench_lists_its_open_items(client, county, people):
    Rectification.objects.create(organisation=county["a"], what="补齐会议记录", owner="张三",
                                 deadline=dt.date(2025, 1, 31))
    Rectification.objects.create(organisation=county["b"], what="党费台账", owner="赵六",
                                 deadline=dt.date(2099, 1, 31))
    client.force_login(make_secretary_user(county["a"], "a-sec"))
    page = client.get("/branch/").content.decode()
    assert "整改事项" in page and "补齐会议记录（已逾期）" in page and "党费台账" not in page
