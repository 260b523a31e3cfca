"""The pages work without JavaScript: a member's month and event, checking in by typing the code,
leave and remote forms; the secretary's code screen (QR + digits), roll call, agenda ticks,
minutes, photos, moving, the PDF, the month report and its exports; scope through
members.scoping."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from branch_life import codes, services
from branch_life.models import Attendance, Event
from tests.branch_life.conftest import event_now
from tests.factories import make_secretary_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary_a(county):
    return make_secretary_user(county["a"], "sec-a")


def test_a_members_month_and_event(county, people, client):
    month = timezone.localdate().replace(day=1)
    services.plan_month(month)
    client.force_login(people["member"].user)
    page = client.get("/activity/").content.decode()
    assert "主题党日" in page and "待签到" in page
    event = Event.objects.get(organisation=county["a"], month=month)
    response = client.get(f"/activity/events/{event.pk}/")
    assert response.status_code == 200
    assert "我的状态" in response.content.decode()
    other = Event.objects.get(organisation=county["b"], month=month)
    assert client.get(f"/activity/events/{other.pk}/").status_code == 404


def test_checking_in_by_typing_the_code(county, people, client):
    event = event_now(county["a"])
    client.force_login(people["member"].user)
    page = client.get(f"/activity/events/{event.pk}/").content.decode()
    assert 'name="code"' in page
    wrong = client.post(f"/activity/events/{event.pk}/check-in/", {"code": "12"})
    assert wrong.status_code == 200 and "签到码不正确" in wrong.content.decode()
    # The QR's link carries the code: the form is filled in, one tap to send.
    code = codes.current_code(event)[0]
    assert f'value="{code}"' in client.get(f"/activity/events/{event.pk}/check-in/?code={code}").content.decode()
    response = client.post(f"/activity/events/{event.pk}/check-in/", {"code": code})
    assert response.status_code == 302
    assert Attendance.objects.get(event=event, member=people["member"]).status == "checked_in"
    client.force_login(people["b1"].user)
    assert client.post(f"/activity/events/{event.pk}/check-in/", {"code": code}).status_code == 403


def test_the_code_screen_for_the_branch_only(county, people, client, secretary_a):
    event = event_now(county["a"])
    client.force_login(secretary_a)
    page = client.get(f"/activity/events/{event.pk}/code/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and 'http-equiv="refresh"' in html
    minute = int(timezone.now().timestamp()) // codes.STEP_SECONDS
    assert any(codes.code_at(event.pk, m) in html for m in (minute, minute - 1))
    assert page["Cache-Control"].startswith("max-age=0")
    client.force_login(make_secretary_user(county["b"], "sec-b"))
    assert client.get(f"/activity/events/{event.pk}/code/").status_code == 403
    client.force_login(people["member"].user)
    assert client.get(f"/activity/events/{event.pk}/code/").status_code == 403


def test_roll_call_ticks_and_the_agenda(county, people, client, secretary_a):
    services.plan_month(timezone.localdate().replace(day=1))
    event = Event.objects.get(organisation=county["a"], from_rule=True)
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=10),
                                             ends_at=timezone.now() + dt.timedelta(hours=1))
    client.force_login(secretary_a)
    page = client.get(f"/activity/events/{event.pk}/roll-call/").content.decode()
    assert page.count('type="checkbox"') == 4 and page.count("checked") >= 4  # select all
    response = client.post(f"/activity/events/{event.pk}/roll-call/",
                           {"present": [people["member"].pk, people["grouped"].pk]})
    assert response.status_code == 302
    assert Attendance.objects.get(event=event, member=people["a2"]).status == "absent"
    item = event.agenda.get(kind="oath")
    assert client.post(f"/activity/events/{event.pk}/actions/{item.pk}/", {"done": "on"}).status_code == 302
    item.refresh_from_db()
    assert item.done
    dues = event.agenda.get(kind="dues")
    assert client.get(f"/activity/events/{event.pk}/actions/{dues.pk}/").status_code == 200
    client.post(f"/activity/events/{event.pk}/actions/{dues.pk}/", {
        "evidence": "1", "done": "on", "amount": "20.00", "payers": [people["member"].pk], "note": "现场收缴"})
    dues.refresh_from_db()
    assert dues.done and str(dues.amount) == "20.00" and dues.note == "现场收缴"
    client.post(f"/activity/events/{event.pk}/actions/new/", {"title": "清扫村道"})
    assert event.agenda.filter(required=False, title="清扫村道").exists()
    html = client.get(f"/activity/events/{event.pk}/").content.decode()
    assert "清扫村道" in html and "20.00" in html


def test_minutes_photo_move_and_the_handbook_pdf(county, people, client, secretary_a):
    event = event_now(county["a"], minutes_from_start=-60 * 24)
    client.force_login(secretary_a)
    client.post(f"/activity/events/{event.pk}/minutes/", {
        "host": "张书记", "recorder": "李委员", "place": "村委会", "minutes": "学习党章第一章。"})
    event.refresh_from_db()
    assert (event.host, event.place) == ("张书记", "村委会")
    image = io.BytesIO()
    Image.new("RGB", (800, 600), (180, 20, 20)).save(image, "JPEG")
    image.name = "photo.jpg"
    image.seek(0)
    client.post(f"/activity/events/{event.pk}/photos/", {"photo": image, "caption": "合影"})
    assert event.photos.count() == 1
    new_day = timezone.localtime(event.starts_at).date() + dt.timedelta(days=1)
    response = client.post(f"/activity/events/{event.pk}/move/", {
        "date": new_day.isoformat(), "time": "14:30", "reason": "与防汛冲突"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert timezone.localtime(event.starts_at).date() == new_day
    pdf = client.get(f"/activity/events/{event.pk}/handbook.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 5000


def test_leave_and_remote_forms(county, people, client, secretary_a):
    later = event_now(county["a"], minutes_from_start=-24 * 60)
    client.force_login(people["a2"].user)
    client.post(f"/activity/events/{later.pk}/leave/", {"reason": "外出务工"})
    leave = later.leave_requests.get()
    client.force_login(secretary_a)
    client.post(f"/activity/leave/{leave.pk}/decide/", {"approve": "1"})
    assert Attendance.objects.get(event=later, member=people["a2"]).status == "excused"
    past = event_now(county["a"], minutes_from_start=180)
    services.roll_call(past, present=[people["member"].pk], by=secretary_a)
    client.force_login(people["grouped"].user)
    assert client.get(f"/activity/events/{past.pk}/remote/").status_code == 200
    client.post(f"/activity/events/{past.pk}/remote/", {"text": "在外地学习了课程。"})
    report = past.remote_reports.get()
    client.force_login(secretary_a)
    client.post(f"/activity/remote/{report.pk}/decide/", {"accept": "1"})
    assert Attendance.objects.get(event=past, member=people["grouped"]).status == "remote_done"


def test_month_report_page_and_exports(county, people, client, secretary_a):
    month = timezone.localdate().replace(day=1)
    services.plan_month(month)
    client.force_login(make_secretary_user(county["town"], "sec-town"))
    page = client.get(f"/activity/report/?month={month:%Y-%m}")
    html = page.content.decode()
    assert county["a"].name in html and county["b"].name in html and county["c"].name not in html
    csv = client.get(f"/activity/report/?month={month:%Y-%m}&export=csv")
    body = b"".join(csv.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff") and county["a"].name in body
    assert client.get("/activity/report/?export=xlsx").status_code == 200
    assert client.get(f"/activity/report/?org={county['c'].pk}").status_code == 404
    assert client.get("/activity/absences/").status_code == 200
    assert client.get("/activity/manage/").status_code == 200
    client.force_login(people["member"].user)
    assert client.get("/activity/report/").status_code == 403


def test_adding_a_meeting(county, people, client, secretary_a):
    client.force_login(secretary_a)
    assert client.get(f"/activity/manage/new/?org={county['a'].pk}").status_code == 200
    response = client.post(f"/activity/manage/new/?org={county['a'].pk}", {
        "organisation": county["a"].pk, "kind": "general_meeting", "title": "第四季度党员大会",
        "date": "2026-12-20", "start": "09:00", "end": "11:00", "place": "会议室"})
    assert response.status_code == 302
    event = Event.objects.get(title="第四季度党员大会")
    assert event.attendance.count() == 4 and event.month == dt.date(2026, 12, 1)


def test_admin_settings_and_menu(county, client, admin_user, secretary_a):
    client.force_login(admin_user)
    for url in ("/admin/activity_rules/", "/admin/required_actions/", "/admin/calendar_days/",
                "/admin/activity_rules/new/"):
        assert client.get(url).status_code == 200, url
    assert "/activity/manage/" in client.get("/admin/").content.decode()
    client.force_login(secretary_a)
    assert "/activity/manage/" in client.get("/admin/").content.decode()
    assert client.get("/admin/activity_rules/").status_code in (302, 403)
