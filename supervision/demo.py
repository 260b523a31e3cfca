"""Demo supervision: the county's ranking and vanguard-index rules and its inspection checklist;
an unannounced inspection of 河西村第一党支部 (the demo secretary's) last month whose two findings
became rectification items, one closed with its evidence and one overdue; a deed of the branch's
first member. Idempotent (found by organisation and text); only with settings.DIANKE_DEMO."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from members.models import Member, Organisation
from supervision.models import (
    BranchRule,
    ChecklistItem,
    Deed,
    Inspection,
    MemberRule,
    Rectification,
)

COUNTY = "示范县委"
SHOWCASE = "河西村第一党支部"
B = BranchRule.Kind
M = MemberRule.Kind
BRANCH_RULES = ((B.DAY_ON_TIME, 10, None), (B.DAY_LATE, 5, None), (B.DAY_MISSED, -10, None),
                (B.ATTENDANCE, 5, 80), (B.ACTIONS, 3, None), (B.COMPLETION, 5, 80), (B.QUIZ, 3, 50),
                (B.FINDING, -2, None), (B.OVERDUE, -3, None), (B.QUIET, -1, None))
MEMBER_RULES = ((M.COMPLETION, 2, None), (M.HOUR, 1, 20), (M.ATTENDANCE, 5, None),
                (M.ABSENCE, -5, None), (M.REFLECTION, 2, None), (M.QUIZ, "0.2", 20), (M.DEED, 1, None),
                (M.EXCELLENT, 20, None), (M.QUALIFIED, 10, None), (M.BASIC, 0, None),
                (M.UNQUALIFIED, -20, None))
CHECKLIST = ("主题党日按时召开、规定动作齐全", "会议记录完整、有照片", "党费按时足额收缴",
             "党员学习完成情况", "失联党员排查和联系")


def load_demo(*, stdout):
    if not getattr(settings, "DIANKE_DEMO", False):
        raise ImproperlyConfigured("supervision demo data needs settings.DIANKE_DEMO")
    county = Organisation.objects.filter(name=COUNTY).first()
    showcase = Organisation.objects.filter(name=SHOWCASE).first()
    if county is None or showcase is None:
        stdout.write("  no demo county: no supervision\n")
        return
    for kind, points, threshold in BRANCH_RULES:
        BranchRule.objects.get_or_create(organisation=county, kind=kind, defaults={
            "points": Decimal(points), "threshold": threshold})
    for kind, points, cap in MEMBER_RULES:
        MemberRule.objects.get_or_create(organisation=county, kind=kind, defaults={
            "points": Decimal(points), "cap": None if cap is None else Decimal(cap)})
    items = [ChecklistItem.objects.get_or_create(organisation=county, text=text,
                                                 defaults={"sort_order": i})[0]
             for i, text in enumerate(CHECKLIST)]
    today = timezone.localdate()
    admin = get_user_model().objects.filter(username="admin").first()
    if not Inspection.objects.filter(organisation=showcase).exists():
        date = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
        inspection = Inspection.objects.create(
            organisation=showcase, date=date, kind=Inspection.Kind.UNANNOUNCED,
            inspectors="县委组织部督查组", findings="党员活动室制度未上墙\n失联党员联系记录不全",
            created_by=admin)
        inspection.answers.create(item=items[0], answer="yes")
        inspection.answers.create(item=items[1], answer="partly", note="缺一张合影")
        inspection.answers.create(item=items[4], answer="no", note="联系记录不全")
        Rectification.objects.create(
            organisation=showcase, inspection=inspection, what="党员活动室制度未上墙", owner="书记",
            deadline=date + dt.timedelta(days=10), status=Rectification.Status.CLOSED,
            evidence="制度已上墙，附照片存档。",
            closed_at=timezone.make_aware(dt.datetime.combine(date + dt.timedelta(days=7),
                                                              dt.time(16))), closed_by=admin)
        Rectification.objects.create(
            organisation=showcase, inspection=inspection, what="失联党员联系记录不全",
            owner="组织委员", deadline=date + dt.timedelta(days=14))
    first = Member.objects.filter(branch=showcase).order_by("number").first()
    if first is not None and not Deed.objects.filter(member=first).exists():
        Deed.objects.create(member=first, date=today - dt.timedelta(days=5),
                            kind=Deed.Kind.VOLUNTEER, what="帮助独居老人收割水稻",
                            points=Decimal(5), recorded_by=admin)
    stdout.write("  supervision: the county's rules and checklist, an inspection of "
                 f"{SHOWCASE} with two rectification items\n")
