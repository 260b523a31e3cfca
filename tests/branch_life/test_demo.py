"""The demo: last month's activity days held (attendance, actions, minutes, photos) but one, this
month's ahead with leave requests, a remote report, a member over the absence limit; idempotent."""

import io

import pytest

from branch_life import demo, figures
from branch_life.models import Attendance, Event, EventPhoto, LeaveRequest, RemoteReport
from members import demo as members_demo
from members.models import Organisation

pytestmark = pytest.mark.django_db


def test_demo_branch_life_is_complete_and_idempotent():
    members_demo.load_demo(stdout=io.StringIO())
    demo.load_demo(stdout=io.StringIO())
    counts = (Event.objects.count(), Attendance.objects.count(), EventPhoto.objects.count(),
              LeaveRequest.objects.count(), RemoteReport.objects.count())
    demo.load_demo(stdout=io.StringIO())
    assert counts == (Event.objects.count(), Attendance.objects.count(), EventPhoto.objects.count(),
                      LeaveRequest.objects.count(), RemoteReport.objects.count())
    showcase = Organisation.objects.get(name=demo.SHOWCASE)
    events = Event.objects.filter(organisation=showcase, from_rule=True).order_by("month")
    last, this = events[len(events) - 2], events[len(events) - 1]
    assert last.status == "held" and last.photos.count() == 2 and last.minutes
    assert set(last.attendance.values_list("status", flat=True)) >= {
        "checked_in", "absent", "excused", "remote_done"}
    assert last.agenda.filter(done=True).count() == 5
    assert this.leave_requests.exists()
    not_held = Event.objects.get(organisation__name=demo.NOT_HELD, month=last.month, from_rule=True)
    assert not_held.status == "planned"
    over = figures.over_limits(showcase)
    assert [row["name"] for row in over] == ["王志强"]
