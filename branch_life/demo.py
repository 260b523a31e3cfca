"""Demo branch life: the county's rule (the 8th, next working day) and its five required actions;
last month's and this month's activity days for every branch. Last month's were held, with
attendance, the five actions, minutes and photos, except at one branch (桃园村党支部), which did
not hold it; this month's are still ahead, with leave requests. 河西村第一党支部 (the demo
secretary's) also held its 支委会 and a 党课 last month and a 党员大会 this quarter, took a
housebound member's remote report, and has a migrant member absent three times in a row, over
the limit. Idempotent (found by month and organisation); only with settings.DIANKE_DEMO."""

import datetime as dt
import io

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from PIL import Image, ImageDraw

from branch_life import rules, services
from branch_life.models import (
    ActionKind,
    ActivityRule,
    Attendance,
    Decision,
    Event,
    LeaveRequest,
    RemoteReport,
    RequiredAction,
)
from members import items
from members.models import Member, Organisation

COUNTY = "示范县委"
SHOWCASE = "河西村第一党支部"
NOT_HELD = "桃园村党支部"
FIVE = (
    (ActionKind.DUES, "现场缴纳党费"),
    (ActionKind.CONSTITUTION, "诵读党章"),
    (ActionKind.LESSON, "学习一堂党课"),
    (ActionKind.OATH, "重温入党誓词"),
    (ActionKind.SHARING, "党员谈体会"),
)
MIGRANT = "D0003"  # 王志强, working in 东莞: absent three months running
HOUSEBOUND = "D0002"  # 李秀英: takes part remotely
EXCUSED = "D0004"  # 赵丽: leave approved last month


def _photo(colour, label):
    """A made-up photo (a flag-red banner and a room), as a phone would upload it."""
    image = Image.new("RGB", (2400, 1600), (236, 230, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 2400, 420), fill=colour)
    for i in range(9):
        x = 200 + i * 240
        draw.ellipse((x, 900, x + 160, 1060), fill=(60, 50, 45))
        draw.rectangle((x - 10, 1060, x + 170, 1500), fill=(40, 60, 110))
    draw.text((120, 160), label, fill=(255, 230, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    out.seek(0)
    out.name = "demo.jpg"
    return out


def _hold(event, *, by, absent=(), excused=(), remote=(), lesson=None, minutes=True, photos=0):
    """Hold a past event as a secretary would have: leave approved, the roll call, the actions
    ticked, the minutes and the photos."""
    if event.status != Event.Status.PLANNED:
        return
    for member in excused:
        leave, _created = LeaveRequest.objects.get_or_create(
            event=event, member=member, defaults={"reason": "孩子生病住院，需要陪护"})
        services.decide_leave(leave, approve=True, by=by)
    invited = list(Attendance.objects.filter(event=event).values_list("member_id", flat=True))
    skip = {m.pk for m in (*absent, *excused, *remote)}
    services.roll_call(event, present=[pk for pk in invited if pk not in skip], by=by,
                       now=event.ends_at)
    for member in remote:
        report, _created = RemoteReport.objects.get_or_create(
            event=event, member=member,
            defaults={"text": "行动不便，在家用手机学习了本次课程，重温了入党誓词。"})
        services.decide_remote(report, accept=True, by=by)
    present = list(Attendance.objects.filter(event=event, status=Attendance.Status.CHECKED_IN)
                   .values_list("member_id", flat=True))
    for item in event.agenda.all():
        if item.kind == ActionKind.DUES:
            services.tick_action(item, by=by, amount=len(present) * 10, payers=present,
                                 note="按月足额缴纳")
        elif item.kind == ActionKind.LESSON:
            services.tick_action(item, by=by, lesson=lesson)
        else:
            services.tick_action(item, by=by)
    if minutes:
        services.save_minutes(event, host="李卫东", recorder="何丽萍", by=by, minutes=(
            "一、现场收缴本月党费。\n二、全体党员诵读党章总纲。\n三、集中观看党课视频并交流。\n"
            "四、面向党旗重温入党誓词。\n五、党员逐一发言：本月想了什么、做了什么、做成了什么。"))
    for i in range(photos - event.photos.count()):
        services.add_photo(event, _photo((183, 28, 28), f"{event.title} {i + 1}"),
                           caption=("重温入党誓词", "集中学习")[i % 2], by=by)


def _meeting(org, kind, title, day, *, by):
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(15, 0)))
    event = Event.objects.filter(organisation=org, kind=kind, month=day.replace(day=1)).first()
    if event is None:
        event = services.create_event(organisation=org, kind=kind, title=title, starts_at=starts,
                                      ends_at=starts + dt.timedelta(hours=1, minutes=30),
                                      place="村委会二楼党员活动室", by=by)
    return event


def load_demo(*, stdout):
    if not getattr(settings, "DIANKE_DEMO", False):
        raise ImproperlyConfigured("branch_life demo data needs settings.DIANKE_DEMO")
    county = Organisation.objects.filter(name=COUNTY).first()
    admin = get_user_model().objects.filter(username="admin").first()
    if county is None or admin is None:
        stdout.write("  no demo county or admin: no branch life\n")
        return
    ActivityRule.objects.get_or_create(organisation=county, defaults={
        "title": "主题党日", "day_of_month": 8, "start_time": dt.time(9, 0),
        "place": "党员活动室", "non_working": ActivityRule.NonWorking.NEXT_WORKING_DAY})
    if not county.required_actions.exists():
        RequiredAction.objects.bulk_create([
            RequiredAction(organisation=county, kind=kind, title=title, sort_order=order)
            for order, (kind, title) in enumerate(FIVE)])
    this_month = timezone.localdate().replace(day=1)
    months = [this_month]
    for _i in range(3):
        months.insert(0, (months[0] - dt.timedelta(days=1)).replace(day=1))
    showcase = Organisation.objects.get(name=SHOWCASE)
    # The showcase branch three months back (its migrant member's absences); everyone two.
    for month in months[:2]:
        services.plan_month(month, root=showcase)
    for month in months[2:]:
        services.plan_month(month)
    lesson = items.item_pages().first()
    people = {m.number: m for m in Member.objects.filter(number__in=[MIGRANT, HOUSEBOUND, EXCUSED])}
    migrant, housebound, excused = (people.get(n) for n in (MIGRANT, HOUSEBOUND, EXCUSED))
    now = timezone.now()
    for month in months[:3]:
        for event in Event.objects.filter(month=month, from_rule=True, ends_at__lt=now).select_related(
            "organisation").order_by("organisation__path"):
            if event.organisation.name == NOT_HELD:
                continue
            last = month == months[2]
            showcase_event = event.organisation_id == showcase.pk
            _hold(event, by=admin, lesson=lesson,
                  absent=[migrant] if showcase_event and migrant else [],
                  excused=[excused] if showcase_event and last and excused else [],
                  remote=[housebound] if showcase_event and last and housebound else [],
                  photos=2 if showcase_event and last else (1 if last else 0),
                  minutes=last or showcase_event)
    # This month: still ahead (or, past its day, not yet recorded); leave requests.
    upcoming = Event.objects.filter(month=this_month, from_rule=True, organisation=showcase).first()
    if upcoming is not None and upcoming.status == Event.Status.PLANNED:
        for member, reason, decision in ((migrant, "在广东东莞务工，本月无法回村，申请远程参加", None),
                                         (excused, "当天到县医院复查", Decision.APPROVED)):
            if member is None or not Attendance.objects.filter(event=upcoming, member=member).exists():
                continue
            leave, _created = LeaveRequest.objects.get_or_create(
                event=upcoming, member=member, defaults={"reason": reason})
            if decision and leave.status == Decision.PENDING:
                services.decide_leave(leave, approve=True, by=admin)
    # The rest of 三会一课 at the showcase branch.
    previous = months[2]
    for kind, title, day in (
        (Event.Kind.COMMITTEE, "支委会：研究发展党员工作", previous.replace(day=20)),
        (Event.Kind.LECTURE, "书记讲党课：学习党章", previous.replace(day=25)),
        (Event.Kind.GENERAL_MEETING, "党员大会：民主评议党员安排", rules.month_start(
            this_month.replace(month=(this_month.month - 1) // 3 * 3 + 1)).replace(day=12)),
    ):
        if timezone.make_aware(dt.datetime.combine(day, dt.time(17))) < now:
            _hold(_meeting(showcase, kind, title, day, by=admin), by=admin,
                  absent=[migrant] if migrant else [], lesson=lesson, minutes=False)
    held = Event.objects.filter(status=Event.Status.HELD).count()
    stdout.write(f"  {Event.objects.count()} events ({held} held), "
                 f"{Attendance.objects.filter(status=Attendance.Status.CHECKED_IN).count()} check-ins\n")
