"""Supervision's writes without a request: inspections with their checklist answers, findings
turned into rectification items, closing an item with its evidence; deeds; the democratic
appraisal. Who may do what is asked of members.scoping here, so that views stay thin."""

import datetime as dt
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from branch_life import photos, rules
from members import scoping
from members.models import Member, Organisation, Role
from supervision.models import (
    Appraisal,
    AppraisalRating,
    AppraisalResult,
    ChecklistItem,
    Deed,
    Grade,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    Rectification,
)

DEFAULT_DAYS = 30  # a finding's deadline when none is given


def checklist_for(organisation):
    """The active checklist of the nearest organisation at or above `organisation` that sets one."""
    paths = rules.ancestor_paths(organisation)
    items = list(ChecklistItem.objects.filter(organisation__path__in=paths, active=True)
                 .select_related("organisation"))
    for path in reversed(paths):
        found = [i for i in items if i.organisation.path == path]
        if found:
            return found
    return []


def can_inspect(user, organisation):
    """Inspectors work for the organisations above a branch: the county officer, the
    administrator, a township's managing role holders for the branches below them."""
    return scoping.administered_organisations(user).filter(
        pk=getattr(organisation, "pk", organisation)).exists()


def visible_rectifications(user):
    return Rectification.objects.filter(
        organisation__in=scoping.visible_organisations(user)).select_related("organisation")


def can_close(user, item):
    """A role holder of the branch (or anyone above it) closes the item with its evidence."""
    return scoping.can_see_reports(user) and visible_rectifications(user).filter(pk=item.pk).exists()


@transaction.atomic
def record_inspection(organisation, *, date, kind, inspectors, answers, findings, owner,
                      deadline=None, uploads=(), by):
    """An inspection of `organisation`: answers {ChecklistItem id: (answer, note)}, one
    rectification item per non-empty line of `findings` (owner, deadline: DEFAULT_DAYS after
    the date when not given), photos from uploads."""
    if not can_inspect(by, organisation):
        raise PermissionDenied("not an inspector above this organisation")
    if organisation.kind != Organisation.Kind.BRANCH:
        raise ValidationError(_("督查对象应是党支部。"))
    lines = [line.strip() for line in (findings or "").splitlines() if line.strip()]
    if lines and not owner.strip():
        raise ValidationError(_("有发现问题时，请填写整改责任人。"))
    deadline = deadline or (date + dt.timedelta(days=DEFAULT_DAYS))
    if deadline < date:
        raise ValidationError(_("整改期限不能早于督查日期。"))
    inspection = Inspection.objects.create(
        organisation=organisation, date=date, kind=kind, inspectors=inspectors,
        findings="\n".join(lines), created_by=by)
    allowed = {item.pk for item in checklist_for(organisation)}
    InspectionAnswer.objects.bulk_create([
        InspectionAnswer(inspection=inspection, item_id=item_id, answer=answer, note=note[:300])
        for item_id, (answer, note) in answers.items() if item_id in allowed])
    Rectification.objects.bulk_create([
        Rectification(organisation=organisation, inspection=inspection, what=line[:300],
                      owner=owner.strip()[:60], deadline=deadline) for line in lines])
    for upload in uploads:
        image = photos.store_image(upload, title=f"{organisation.name} {date} 督查", user=by)
        InspectionPhoto.objects.create(inspection=inspection, image=image)
    return inspection


def close_rectification(item, *, evidence, upload=None, by, now=None):
    if not can_close(by, item):
        raise PermissionDenied("not over this organisation")
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError(_("请写明整改情况（佐证）后再销号。"))
    if item.status == Rectification.Status.CLOSED:
        raise ValidationError(_("这项整改已经销号。"))
    if upload is not None:
        item.evidence_photo = photos.store_image(upload, title=f"{item.what} 整改", user=by)
    item.evidence = evidence
    item.status = Rectification.Status.CLOSED
    item.closed_at = now or timezone.now()
    item.closed_by = by
    item.save()
    return item


def reopen_rectification(item, *, by):
    """The office sends an item back (the evidence did not convince): open again."""
    if not can_inspect(by, item.organisation):
        raise PermissionDenied("not above this organisation")
    Rectification.objects.filter(pk=item.pk).update(
        status=Rectification.Status.OPEN, closed_at=None, closed_by=None)


# ---- deeds and the democratic appraisal -----------------------------------------------------


def can_record_for(user, member):
    """A managing role holder over the member's branch records their deeds."""
    return scoping.managed_members(user).filter(pk=member.pk).exists()


def record_deed(member, *, date, kind, what, points, by):
    if not can_record_for(by, member):
        raise PermissionDenied("not managing this member")
    if date > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"))
    return Deed.objects.create(member=member, date=date, kind=kind, what=what.strip()[:200],
                               points=points, recorded_by=by)


def is_branch_secretary(user, branch):
    """Holds 书记 or 副书记 in this very branch (the appraisal's individual ratings are theirs
    alone)."""
    return scoping.current_roles().filter(
        member__user=user, organisation=branch,
        kind__in=(Role.Kind.SECRETARY, Role.Kind.DEPUTY_SECRETARY)).exists()


def can_run_appraisal(user, branch):
    return scoping.managed_organisations(user).filter(pk=branch.pk).exists()


def open_appraisal(branch, *, year, opens_at, closes_at, by):
    if not can_run_appraisal(by, branch):
        raise PermissionDenied("not managing this branch")
    if branch.kind != Organisation.Kind.BRANCH:
        raise ValidationError(_("民主评议由党支部组织。"))
    if closes_at <= opens_at:
        raise ValidationError(_("截止时间应晚于开始时间。"))
    if Appraisal.objects.filter(organisation=branch, year=year).exists():
        raise ValidationError(_("本支部这一年度的民主评议已经开启。"))
    return Appraisal.objects.create(organisation=branch, year=year, opens_at=opens_at,
                                    closes_at=closes_at, opened_by=by)


def appraisal_members(appraisal):
    """The branch's current members (its groups' too), who rate and are rated."""
    return Member.objects.filter(branch__path__startswith=appraisal.organisation.path,
                                 status__in=Member.CURRENT).order_by("number")


def open_appraisal_for(member, now=None):
    """The appraisal of the member's branch whose window is open now, or None."""
    now = now or timezone.now()
    paths = rules.ancestor_paths(member.branch)
    return (Appraisal.objects.filter(organisation__path__in=paths, opens_at__lte=now,
                                     closes_at__gt=now)
            .select_related("organisation").order_by("-organisation__depth").first())


@transaction.atomic
def rate(appraisal, rater, grades, *, now=None):
    """The rater's grades {ratee id: grade} (themselves included), replacing earlier ones while
    the window is open."""
    if not appraisal.is_open(now):
        raise ValidationError(_("民主评议不在开放时间内。"))
    allowed = set(appraisal_members(appraisal).values_list("pk", flat=True))
    if rater.pk not in allowed:
        raise PermissionDenied("not a member of this branch")
    valid = set(Grade.values)
    for ratee, grade in grades.items():
        if ratee not in allowed or grade not in valid:
            raise ValidationError(_("评议对象或等次无效。"))
    for ratee, grade in grades.items():
        AppraisalRating.objects.update_or_create(
            appraisal=appraisal, rater=rater, ratee_id=ratee, defaults={"grade": grade})


def tally(appraisal):
    """[{"member", "name", "number", "counts": {grade: n}, "votes", "result"}] per member."""
    counts = defaultdict(lambda: defaultdict(int))
    for ratee, grade, n in AppraisalRating.objects.filter(appraisal=appraisal).order_by().values(
        "ratee_id", "grade").annotate(n=Count("pk")).values_list("ratee_id", "grade", "n"):
        counts[ratee][grade] = n
    results = dict(AppraisalResult.objects.filter(appraisal=appraisal)
                   .values_list("member_id", "grade"))
    return [{"member": pk, "name": name, "number": number,
             "counts": [counts[pk][g] for g in Grade.values],
             "votes": sum(counts[pk].values()), "result": results.get(pk)}
            for pk, name, number in appraisal_members(appraisal).values_list("pk", "name", "number")]


def record_results(appraisal, results, *, by):
    """The branch's conclusions {member id: grade} (an empty grade leaves a member undecided)."""
    if not can_run_appraisal(by, appraisal.organisation):
        raise PermissionDenied("not managing this branch")
    allowed = set(appraisal_members(appraisal).values_list("pk", flat=True))
    for member_id, grade in results.items():
        if member_id not in allowed or (grade and grade not in Grade.values):
            raise ValidationError(_("评议对象或等次无效。"))
    with transaction.atomic():
        for member_id, grade in results.items():
            if grade:
                AppraisalResult.objects.update_or_create(
                    appraisal=appraisal, member_id=member_id,
                    defaults={"grade": grade, "recorded_by": by})
            else:
                AppraisalResult.objects.filter(appraisal=appraisal, member_id=member_id).delete()
