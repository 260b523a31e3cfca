"""The register a branch keeps: a member's status, transfers, the lost-contact register.

Plain services, usable without a request. Each takes the acting user (`by`), checks through
members.scoping that they manage the member, and writes Wagtail's audit log (who, when, what).
Learning records belong to the member, not to the branch: a transfer moves the member and their
records are simply theirs in the new branch (its reports count them from that day on).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from members import roles, scoping
from members.models import ContactAttempt, LostContact, Member, Organisation, Transfer

Status = Member.Status


def check_manages(by, member):
    if not scoping.managed_members(by).filter(pk=member.pk).exists():
        raise PermissionDenied(f"user {getattr(by, 'pk', None)} may not manage member {member.pk}")
    if member.is_read_only:
        raise ValidationError(_("该党员已转出本县，记录只读。"))


def _not_future(day):
    if day > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"))


def _same_county(a, b):
    return a.path[: a.steplen] == b.path[: b.steplen]


def _set_account(member):
    """Sign-in follows the status: members who left (transferred out, deceased, suspended) have
    no account that signs in; a corrected status gives it back."""
    active = member.status in Member.CURRENT
    if member.user.is_active != active:
        member.user.is_active = active
        member.user.save(update_fields=["is_active"])


@transaction.atomic
def transfer(member, to, *, date=None, note="", by):
    """组织关系转接 within the county: the member moves to `to`, the history keeps the move."""
    date = date or timezone.localdate()
    check_manages(by, member)
    _not_future(date)
    if not member.is_current:
        raise ValidationError(_("该党员已不在册，不能转接。"))
    to = Organisation.objects.get(pk=to.pk)  # as it is now (closed since the form was drawn?)
    if not to.is_open:
        raise ValidationError(_("该党组织已撤销。"))
    if to.pk == member.branch_id:
        raise ValidationError(_("转入组织与现所在组织相同。"))
    if not _same_county(member.branch, to):
        raise ValidationError(_("只能在本县党组织之间转接。"))
    origin = member.branch
    row = Transfer.objects.create(
        member=member, kind=Transfer.Kind.WITHIN, from_organisation=origin, to_organisation=to,
        date=date, note=note[:300], by=by,
    )
    member.branch = to
    member.save(update_fields=["branch"])
    log(member, "members.transfer", user=by, data={
        "member": member.name, "from": origin.name, "to": to.name, "date": date.isoformat(),
    })
    return row


@transaction.atomic
def transfer_out(member, *, destination, date=None, note="", by):
    """转出: the member leaves the county. Profile and records are kept read-only; the account no
    longer signs in; their roles end."""
    date = date or timezone.localdate()
    check_manages(by, member)
    _not_future(date)
    if not destination.strip():
        raise ValidationError(_("请填写转往的党组织。"))
    row = Transfer.objects.create(
        member=member, kind=Transfer.Kind.OUT, from_organisation=member.branch,
        destination=destination.strip()[:200], date=date, note=note[:300], by=by,
    )
    roles.end_all(member, on=date, by=by)
    _close_case(member, None)
    member.status = Status.TRANSFERRED_OUT
    member.status_since = date
    member.status_note = row.destination
    member.save(update_fields=["status", "status_since", "status_note"])
    _set_account(member)
    log(member, "members.transfer_out", user=by, data={
        "member": member.name, "from": member.branch.name, "to": row.destination,
        "date": date.isoformat(),
    })
    return row


def open_case(member):
    return member.lost_contacts.filter(reconnected_on=None).order_by("-lost_since").first()


def _close_case(member, on, note=""):
    case = open_case(member)
    if case is not None and on is not None:
        case.reconnected_on = max(on, case.lost_since)
        if note:
            case.note = note[:300]
        case.save(update_fields=["reconnected_on", "note"])
    return case


@transaction.atomic
def change_status(member, *, status, since=None, note="", workplace="", contact="",
                  last_known_contact="", by):
    """A member's status and its details. 失联 opens a lost-contact case (the register's entry);
    leaving 失联 for a current status closes it as reconnected on `since`. Statuses that leave the
    register end the member's roles and their sign-in. 转出 is `transfer_out`."""
    since = since or timezone.localdate()
    check_manages(by, member)
    _not_future(since)
    if status == Status.TRANSFERRED_OUT or status not in Status.values:
        raise ValidationError(_("转出请使用“转出本县”。"))
    if status == Status.MIGRANT and not (workplace.strip() or contact.strip()):
        raise ValidationError(_("流动党员请填写外出务工地点或联系方式。"))
    old = member.status
    if status == Status.LOST and old != Status.LOST:
        LostContact.objects.create(
            member=member, lost_since=since, last_known_contact=last_known_contact.strip()[:200],
            note=note[:300], recorded_by=by,
        )
    elif old == Status.LOST and status != Status.LOST:
        _close_case(member, since, note)
    member.status = status
    member.status_since = since
    member.status_note = note.strip()[:200]
    if status == Status.MIGRANT:
        member.migrant_workplace = workplace.strip()[:200]
        member.migrant_contact = contact.strip()[:200]
    member.save()
    if status not in Member.CURRENT:
        roles.end_all(member, on=since, by=by)
    _set_account(member)
    log(member, "members.status", user=by, data={
        "member": member.name, "from": Status(old).label, "to": Status(status).label,
        "since": since.isoformat(), "note": member.status_note,
    })
    return member


def mark_lost(member, *, since=None, last_known_contact="", note="", by):
    return change_status(member, status=Status.LOST, since=since, note=note,
                         last_known_contact=last_known_contact, by=by)


def reconnect(member, *, on=None, note="", status=Status.NORMAL, by):
    return change_status(member, status=status, since=on, note=note, by=by)


@transaction.atomic
def log_attempt(member, *, date=None, method, by_name, result, reached=False, by):
    """One try to reach a lost member (date, how, by whom, result)."""
    date = date or timezone.localdate()
    check_manages(by, member)
    _not_future(date)
    case = open_case(member)
    if case is None or member.status != Status.LOST:
        raise ValidationError(_("该党员不在失联名单中。"))
    if method not in ContactAttempt.Method.values:
        raise ValidationError(_("联系方式不正确。"))
    attempt = ContactAttempt.objects.create(
        case=case, date=date, method=method, by_name=by_name.strip()[:60] or _display(by),
        result=result.strip()[:300], reached=reached, recorded_by=by,
    )
    log(member, "members.contact_attempt", user=by, data={
        "member": member.name, "date": date.isoformat(), "method": attempt.get_method_display(),
        "by": attempt.by_name, "result": attempt.result, "reached": reached,
    })
    return attempt


def _display(user):
    member = Member.objects.filter(user=user).first()
    return member.name if member else (user.get_full_name() or user.username)


def lost_counts(organisation, members, *, year=None):
    """Per branch of the subtree that has any: members lost now and cases reconnected this year;
    and the totals. `members` is the viewer's scope. [(branch, lost, reconnected)], totals."""
    year = year or timezone.localdate().year
    scope = members.filter(branch__path__startswith=organisation.path)
    lost = dict(
        scope.filter(status=Status.LOST).values("branch_id").annotate(n=Count("pk"))
        .values_list("branch_id", "n")
    )
    reconnected = dict(
        LostContact.objects.filter(member__in=scope, reconnected_on__year=year)
        .values("member__branch_id").annotate(n=Count("pk"))
        .values_list("member__branch_id", "n")
    )
    branches = Organisation.objects.filter(pk__in=set(lost) | set(reconnected)).order_by("path")
    rows = [(b, lost.get(b.pk, 0), reconnected.get(b.pk, 0)) for b in branches]
    totals = {"lost": sum(lost.values()), "reconnected": sum(reconnected.values())}
    return rows, totals
