"""Quiet members (last activity from every registered source; `manage.py quiet_members`) and the
workbench at /branch/ (phone pages of role holders: no JavaScript, links from the header and
/me/, a password reset and a contact attempt from the phone)."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from members import activity, register
from members.models import Completion, ItemProgress, StudyPlan
from members.plans import month_start
from tests.factories import make_member

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def ago(days):
    return NOW - dt.timedelta(days=days)


@pytest.fixture
def quiet_world(members_county, make_lesson):
    county = members_county
    lesson = make_lesson(kind="video", duration=60, title="近期课程")
    people = {
        "recent": make_member(county["a"], name="常学", phone="13700000401", number="Q1"),
        "old": make_member(county["a"], name="久未学", phone="13700000402", number="Q2"),
        "never": make_member(county["group"], name="从未学", number="Q3"),
        "progress": make_member(county["a"], name="看了一半", number="Q4"),
        "left": make_member(county["a"], name="已转出", number="Q5"),
        "away": make_member(county["c"], name="外支部", number="Q6"),
    }
    Completion.objects.create(member=people["recent"], page=lesson, completed_at=ago(10))
    Completion.objects.create(member=people["old"], page=lesson, completed_at=ago(200))
    progress = ItemProgress.objects.create(member=people["progress"], page=lesson, covered_seconds=20)
    ItemProgress.objects.filter(pk=progress.pk).update(started_at=ago(300), last_heartbeat_at=ago(20))
    people["left"].status = "transferred_out"
    people["left"].save()
    return {"county": county, "people": people, "lesson": lesson}


def test_last_activity_is_the_latest_of_every_source(quiet_world):
    people = quiet_world["people"]
    latest = activity.last_activity(type(people["old"]).objects.all())
    assert latest[people["recent"].pk] == timezone.localtime(ago(10)).date()
    assert latest[people["progress"].pk] == timezone.localtime(ago(20)).date()
    assert people["never"].pk not in latest


def test_another_app_feeds_last_activity_through_the_registry(quiet_world, monkeypatch):
    people = quiet_world["people"]
    monkeypatch.setattr(activity, "_sources", dict(activity._sources))
    attended = timezone.localdate() - dt.timedelta(days=3)
    activity.register_source("attendance", lambda members: [
        (m, attended) for m in members.filter(pk=people["old"].pk).values_list("pk", flat=True)])
    rows = activity.quiet_members(quiet_world["county"]["a"], months=3)
    assert "Q2" not in [r["number"] for r in rows]


@pytest.mark.parametrize("days", [5, 15, 19, 21, 100, 250, 400])
def test_quiet_ids_asked_of_the_database_agree_with_the_latest_dates(quiet_world, days):
    # quiet_ids asks the sources that give `since` in SQL (an anti-join); last_activity brings
    # every date to Python. Both must name the same members for any boundary, the day of an
    # activity itself included (active on that day, not quiet).
    members = type(quiet_world["people"]["old"]).objects.all()
    since = timezone.localdate() - dt.timedelta(days=days)
    latest = activity.last_activity(members)
    expected = {pk for pk in members.values_list("pk", flat=True)
                if latest.get(pk) is None or latest[pk] < since}
    assert activity.quiet_ids(members, since) == expected
    active_on_boundary = timezone.localtime(ago(20)).date()
    assert quiet_world["people"]["progress"].pk not in activity.quiet_ids(members, active_on_boundary)


def test_a_source_without_since_is_still_asked_for_its_dates(quiet_world, monkeypatch):
    people = quiet_world["people"]
    monkeypatch.setattr(activity, "_sources", dict(activity._sources))
    attended = timezone.localdate() - dt.timedelta(days=3)
    activity.register_source("attendance", lambda members: [
        (m, attended) for m in members.filter(pk=people["never"].pk).values_list("pk", flat=True)])
    quiet = activity.quiet_ids(type(people["old"]).objects.all(), attended - dt.timedelta(days=1))
    assert people["never"].pk not in quiet and people["old"].pk in quiet


def test_quiet_members_command_prints_the_json_shape(quiet_world):
    out = io.StringIO()
    call_command("quiet_members", "--org", quiet_world["county"]["a"].pk, "--months", "3", "--json",
                 stdout=out)
    rows = json.loads(out.getvalue())
    assert all(list(row) == ["number", "name", "branch", "phone", "status", "last_activity"] for row in rows)
    by_number = {row["number"]: row for row in rows}
    # Quiet for 3 months, in branch a and everything below it; not the recent ones, not who left.
    assert set(by_number) == {"Q2", "Q3"}
    assert by_number["Q3"] == {"number": "Q3", "name": "从未学", "branch": "第一党小组", "phone": None,
                               "status": "normal", "last_activity": None}
    assert by_number["Q2"]["last_activity"] == timezone.localtime(ago(200)).date().isoformat()
    assert by_number["Q2"]["phone"] == "13700000402"
    assert [row["number"] for row in rows] == ["Q3", "Q2"]  # the longest quiet first
    out = io.StringIO()
    call_command("quiet_members", "--org", quiet_world["county"]["a"].pk, "--months", "12", "--json",
                 stdout=out)
    assert [row["number"] for row in json.loads(out.getvalue())] == ["Q3"]
    out = io.StringIO()
    call_command("quiet_members", "--org", quiet_world["county"]["county"].pk, "--json", stdout=out)
    assert "Q6" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("quiet_members", "--org", 999999, "--json")


def test_months_before_keeps_to_the_calendar():
    assert activity.months_before(dt.date(2026, 5, 31), 3) == dt.date(2026, 2, 28)
    assert activity.months_before(dt.date(2026, 1, 15), 1) == dt.date(2025, 12, 15)


def test_quiet_report_exports_in_the_admin(client, quiet_world, secretary):
    client.force_login(secretary)
    url = reverse("members_admin:quiet") + f"?org={quiet_world['county']['a'].pk}&months=3"
    body = client.get(url).content.decode()
    assert "久未学" in body and "从未学" in body and "常学" not in body and "外支部" not in body
    text = b"".join(client.get(url + "&export=csv").streaming_content).decode("utf-8-sig")
    assert "Q2,久未学,城关镇第一党支部,13700000402,正常," in text


# ---- the workbench -------------------------------------------------------------------------


def test_workbench_shows_the_branch_at_a_glance(client, quiet_world, secretary, make_lesson):
    county, people = quiet_world["county"], quiet_world["people"]
    plan = StudyPlan.objects.create(organisation=county["town"], month=month_start(), title="七一主题党日",
                                    meeting_date=timezone.localdate() + dt.timedelta(days=3),
                                    place="党员活动室")
    plan.items.create(page=quiet_world["lesson"], required=True)
    admin = secretary
    register.mark_lost(people["old"], since=timezone.localdate() - dt.timedelta(days=30),
                       last_known_contact="外出打工", by=admin)
    client.force_login(secretary)
    body = client.get("/branch/").content.decode()
    for text in ("支部工作台", "七一主题党日", "党员活动室", "本月未学完", "个月未学习", "失联党员",
                 "久未学", "tel:13700000402", "登记集中学习", "完成率报表"):
        assert text in body, text
    assert "<script" not in body.split("<main")[1]  # works without scripts
    assert "外支部" not in body
    # Linked from the header and from /me/.
    assert 'href="/branch/"' in client.get("/me/").content.decode()
    assert 'href="/branch/"' in client.get("/search/").content.decode()


def test_workbench_is_not_offered_to_members_without_a_role(client, member):
    client.force_login(member)
    assert 'href="/branch/"' not in client.get("/me/").content.decode()
    assert client.get("/branch/").status_code == 403


def test_a_password_reset_and_a_contact_attempt_from_the_phone(client, quiet_world, secretary):
    people = quiet_world["people"]
    client.force_login(secretary)
    card = client.get(reverse("members:branch_member", args=[people["old"].pk])).content.decode()
    assert "生成一次性登录码" in card and "tel:13700000402" in card
    page = client.post(reverse("members:branch_reset_password", args=[people["old"].pk]))
    assert page.status_code == 200 and 'id="one-time-code"' in page.content.decode()
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]
    register.mark_lost(people["old"], last_known_contact="外出", by=secretary)
    response = client.post(reverse("members:branch_attempt", args=[people["old"].pk]), {
        "date": timezone.localdate().isoformat(), "method": "wechat", "by_name": "", "result": "未回复"})
    assert response.status_code == 302
    assert people["old"].lost_contacts.get().attempts.get().result == "未回复"
    listing = client.get(reverse("members:branch_members") + "?q=久未").content.decode()
    assert "久未学" in listing and "常学" not in listing
