"""The event's life: roll call, the agenda with its evidence (dues, the lesson credited to
everyone present), leave, remote participation, absences and their limits, 三会一课, the month's
numbers, moving an event, photos without their location, the workbench's panels and the task."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image

from branch_life import codes, figures, photos, reports, rules, services, tasks
from branch_life.models import ActionKind, ActivityRule, Attendance, Event, EventMove
from members import activity, workbench
from members.models import Completion, Member
from tests.branch_life.conftest import event_now
from tests.factories import make_lesson, make_secretary_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary_a(county):
    return make_secretary_user(county["a"], "sec-a")


def status(event, member):
    return Attendance.objects.get(event=event, member=member).status


def test_roll_call_marks_present_and_absent_and_holds_the_event(county, people, secretary_a):
    event = event_now(county["a"])
    services.check_in(event, people["member"].pk, codes.current_code(event)[0])
    services.roll_call(event, present=[people["member"].pk, people["grouped"].pk], by=secretary_a)
    event.refresh_from_db()
    assert event.status == "held"
    assert status(event, people["member"]) == "checked_in"
    assert Attendance.objects.get(event=event, member=people["grouped"]).how == "roll_call"
    assert status(event, people["a2"]) == "absent"
    # Another branch's secretary may not.
    with pytest.raises(PermissionDenied):
        services.roll_call(event, present=[], by=make_secretary_user(county["b"], "sec-b"))


def test_the_lesson_watched_together_credits_everyone_present(county, people, secretary_a):
    lesson = make_lesson(title="学习党章")
    event = event_now(county["a"])
    item = services.add_action(event, title="集中学习", by=secretary_a, kind=ActionKind.LESSON)
    services.check_in(event, people["member"].pk, codes.current_code(event)[0])
    services.tick_action(item, by=secretary_a, lesson=lesson)
    done = Completion.objects.get(member=people["member"], page=lesson)
    assert done.how == "group"
    assert not Completion.objects.filter(member=people["a2"], page=lesson).exists()
    # Ticked present at the roll call later: credited too, once.
    services.roll_call(event, present=[people["member"].pk, people["a2"].pk], by=secretary_a)
    assert Completion.objects.filter(page=lesson).count() == 2


def test_dues_with_the_amount_and_who_paid(county, people, secretary_a):
    event = event_now(county["a"])
    item = services.add_action(event, title="缴纳党费", by=secretary_a, kind=ActionKind.DUES)
    services.tick_action(item, by=secretary_a, amount="36.50",
                         payers=[people["member"].pk, people["a2"].pk, people["b1"].pk])
    item.refresh_from_db()
    assert item.done and str(item.amount) == "36.50"
    # Only the event's own members can be payers.
    assert set(item.payers.values_list("pk", flat=True)) == {people["member"].pk, people["a2"].pk}


def test_leave_before_the_event_makes_the_member_excused(county, people, secretary_a):
    event = event_now(county["a"], minutes_from_start=-24 * 60)
    leave = services.ask_leave(event, people["a2"], reason="外出务工")
    services.decide_leave(leave, approve=True, by=secretary_a)
    assert status(event, people["a2"]) == "excused"
    with pytest.raises(PermissionDenied):
        services.ask_leave(event, people["b1"], reason="不是本支部")
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=1))
    event.refresh_from_db()
    with pytest.raises(ValidationError):
        services.ask_leave(event, people["member"], reason="太晚了")
    services.roll_call(event, present=[people["member"].pk], by=secretary_a)
    assert status(event, people["a2"]) == "excused"  # not made absent by the roll call


def test_remote_participation_within_the_days_and_accepted(county, people, secretary_a):
    event = event_now(county["a"], minutes_from_start=3 * 60)
    services.roll_call(event, present=[people["member"].pk], by=secretary_a)
    report = services.submit_remote(event, people["a2"], text="在广州务工，看了课程视频。")
    assert status(event, people["a2"]) == "absent"
    services.decide_remote(report, accept=True, by=secretary_a)
    assert status(event, people["a2"]) == "remote_done"
    with pytest.raises(ValidationError):  # already present
        services.submit_remote(event, people["member"], text="我也来")
    ActivityRule.objects.filter(organisation=county["county"]).update(remote_days=1)
    late = timezone.now() + dt.timedelta(days=2)
    assert not services.can_report_remotely(event, people["grouped"].pk, now=late)


def _held(event, by, present):
    services.roll_call(event, present=present, by=by, now=event.ends_at)


def test_absences_in_a_row_and_in_the_year_and_the_limits(county, people, secretary_a):
    start = timezone.now() - dt.timedelta(days=200)
    events = []
    for i in range(7):
        when = start + dt.timedelta(days=25 * i)
        events.append(Event.objects.create(
            organisation=county["a"], title=f"第{i}次", starts_at=when, ends_at=when + dt.timedelta(hours=2),
            month=when.date().replace(day=1)))
        services.invite(events[-1])
    a2, member = people["a2"], people["member"]
    _held(events[0], secretary_a, [a2.pk, member.pk])
    for event in events[1:4]:
        _held(event, secretary_a, [member.pk])
    leave = services.LeaveRequest.objects.create(event=events[4], member=a2, reason="病假")
    services.decide_leave(leave, approve=True, by=secretary_a)
    _held(events[4], secretary_a, [member.pk])
    _held(events[5], secretary_a, [member.pk])
    counts = figures.absence_counts(Member.objects.filter(pk__in=[a2.pk, member.pk]))
    assert member.pk not in counts
    in_a_row, this_year = counts[a2.pk]
    assert in_a_row == 4  # events 1-3 and 5; the leave neither counts nor breaks the run
    over = figures.over_limits(county["county"])
    # 王五 and the secretary (a member of branch a) missed all six; 李四 four in a row.
    assert [(row["name"], row["in_a_row"]) for row in over][-1] == ("李四", 4)
    assert {row["name"] for row in over} == {"李四", "王五", "sec-a"}
    assert over[0]["limits"] == (3, 6)
    panel = figures.over_limit_panel(county["a"], Member.objects.all())
    assert panel["count"] == 3 and "李四" in panel["items"][-1]


def test_three_meetings_met_due_missed(county, people, secretary_a):
    month = dt.date(2026, 11, 1)
    today = dt.date(2026, 11, 20)

    def held(org, kind, day):
        starts = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
        event = Event.objects.create(organisation=org, kind=kind, title=kind, starts_at=starts,
                                     ends_at=starts + dt.timedelta(hours=1), month=day.replace(day=1),
                                     status="held")
        return event

    held(county["a"], Event.Kind.GENERAL_MEETING, dt.date(2026, 10, 15))
    held(county["group"], Event.Kind.GROUP_MEETING, dt.date(2026, 11, 3))
    cells = figures.three_meetings(county["a"], month, today=today)
    assert cells["general"]["status"] == "met"  # this quarter (Oct-Dec)
    assert cells["committee"]["status"] == "due"
    assert cells["group"] == {"held": 1, "needed": 1, "status": "met"}
    assert cells["lecture"]["status"] == "due" and cells["lecture"]["short"] == 4
    october = figures.three_meetings(county["a"], dt.date(2026, 10, 1), today=today)
    assert october["committee"]["status"] == "missed"
    assert figures.three_meetings(county["b"], month, today=today)["group"]["status"] == "none"


def test_month_figures_and_report_side_by_side(county, people, secretary_a):
    month = timezone.localdate().replace(day=1)
    rows = services.plan_month(month)
    event_a = Event.objects.get(pk=next(r["event"] for r in rows if r["organisation"] == county["a"].pk))
    Event.objects.filter(pk=event_a.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1),
                                               ends_at=timezone.now() + dt.timedelta(hours=1))
    event_a.refresh_from_db()
    services.check_in(event_a, people["member"].pk, codes.current_code(event_a)[0])
    leave = services.LeaveRequest.objects.create(event=event_a, member=people["grouped"], reason="病")
    services.decide_leave(leave, approve=True, by=secretary_a)
    services.roll_call(event_a, present=[people["member"].pk], by=secretary_a)
    item = event_a.agenda.get(kind=ActionKind.OATH)
    services.tick_action(item, by=secretary_a)
    figures_rows = {r["organisation"]: r for r in services.month_figures(county["county"], month)}
    a = figures_rows[county["a"].pk]
    # Invited: the three members of branch a and its group, and the secretary (a member there).
    assert (a["held"], a["invited"], a["checked_in"], a["excused"], a["absent"], a["rate"]) == (
        True, 4, 1, 1, 2, 25)
    assert (a["required_done"], a["required_total"]) == (1, 5)
    assert figures_rows[county["b"].pk]["held"] is False
    assert figures_rows[county["b"].pk]["absent"] == 0  # not held: nobody absent yet
    table = reports.month_report(county["county"], month)
    assert [r[0] for r in table.rows] == [county["a"].name, county["b"].name, county["c"].name]
    assert len(table.headings) == len(table.rows[0])
    branch_only = reports.month_report(county["a"], month)
    assert len(branch_only.rows) == 1


def test_moving_is_logged_with_its_reason(county, people, secretary_a):
    event = event_now(county["a"], minutes_from_start=-600)
    new = event.starts_at + dt.timedelta(days=2)
    with pytest.raises(ValidationError):
        services.move_event(event, starts_at=new, reason=" ", by=secretary_a)
    services.move_event(event, starts_at=new, reason="村里防汛", by=secretary_a)
    event.refresh_from_db()
    assert event.starts_at == new and event.ends_at - event.starts_at == dt.timedelta(hours=2)
    move = EventMove.objects.get(event=event)
    assert (move.reason, move.by) == ("村里防汛", secretary_a)


def test_other_meetings_and_their_invitations(county, people, secretary_a):
    now = timezone.now()
    group_meeting = services.create_event(
        organisation=county["group"], kind=Event.Kind.GROUP_MEETING, title="党小组会",
        starts_at=now, ends_at=now + dt.timedelta(hours=1), by=secretary_a)
    assert list(group_meeting.attendance.values_list("member_id", flat=True)) == [people["grouped"].pk]
    committee = services.create_event(
        organisation=county["a"], kind=Event.Kind.COMMITTEE, title="支委会",
        starts_at=now, ends_at=now + dt.timedelta(hours=1), by=secretary_a)
    assert list(committee.attendance.values_list("member__user__username", flat=True)) == ["sec-a"]
    with pytest.raises(ValidationError):
        services.create_event(organisation=county["a"], kind=Event.Kind.GROUP_MEETING, title="x",
                              starts_at=now, ends_at=now + dt.timedelta(hours=1), by=secretary_a)
    with pytest.raises(PermissionDenied):
        services.create_event(organisation=county["b"], kind=Event.Kind.LECTURE, title="x",
                              starts_at=now, ends_at=now + dt.timedelta(hours=1), by=secretary_a)


def _jpeg_with_location(size=(3000, 2000)):
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Phone"  # Model
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    out.seek(0)
    assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(0x8825)
    return out


def test_photos_are_downscaled_and_lose_their_location(county, secretary_a):
    event = event_now(county["a"])
    upload = _jpeg_with_location()
    upload.name = "IMG_0001.jpg"
    photo = services.add_photo(event, upload, caption="重温入党誓词", by=secretary_a)
    with photo.image.file.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert max(stored.size) == photos.MAX_SIDE
    assert not stored.getexif().get_ifd(0x8825)
    assert not stored.getexif()
    assert photo.image.collection.name == photos.COLLECTION


def test_a_broken_photo_is_refused(county, secretary_a):
    event = event_now(county["a"])
    with pytest.raises(ValidationError):
        services.add_photo(event, io.BytesIO(b"not an image"), by=secretary_a)


def test_attendance_counts_as_activity_and_the_workbench_panels(county, people, secretary_a):
    event = event_now(county["a"])
    services.check_in(event, people["member"].pk, codes.current_code(event)[0])
    latest = activity.last_activity(Member.objects.filter(pk=people["member"].pk))
    assert latest[people["member"].pk] == timezone.localtime(event.starts_at).date()
    assert "activity_day" in workbench._panels and "leave_requests" in workbench._panels
    later = event_now(county["a"], minutes_from_start=-24 * 60)
    services.ask_leave(later, people["a2"], reason="务工")
    panel = figures.pending_leave_panel(county["a"], Member.objects.all())
    assert panel["count"] == 1 and "李四" in panel["items"][0]
    assert figures.next_activity_panel(county["a"], Member.objects.all())["items"]


def test_close_finished_events_after_a_day(county, people):
    event = event_now(county["a"], minutes_from_start=3 * 24 * 60)
    quiet = event_now(county["b"], minutes_from_start=3 * 24 * 60)
    Attendance.objects.filter(event=event, member=people["member"]).update(status="checked_in")
    assert services.close_finished() == [event.pk]
    event.refresh_from_db()
    quiet.refresh_from_db()
    assert event.status == "held" and quiet.status == "planned"
    assert status(event, people["a2"]) == "absent"


def test_the_task_plans_next_month(county, people):
    result = tasks.plan_next_month.enqueue()  # the immediate backend in tests
    month = rules.next_month(timezone.localdate().replace(day=1))
    assert Event.objects.filter(month=month, from_rule=True).count() == 3
    assert result.return_value == 3
    assert tasks.next_run() > timezone.now()
    assert tasks.ensure_scheduled() is None  # not the database backend: nothing to queue


def test_the_daily_run_is_queued_once_with_the_database_backend(settings):
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    # django-tasks drops its backends when TASKS changes (its setting_changed receiver).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "media"]}}
    tasks.ensure_scheduled()
    tasks.ensure_scheduled()
    rows = DBTaskResult.objects.filter(task_path=tasks.plan_next_month.module_path,
                                       status=TaskResultStatus.READY)
    assert rows.count() == 1
    run_after = timezone.localtime(rows.get().run_after)
    assert run_after.time() == tasks.RUN_AT and run_after > timezone.now()
