"""Roles held by members: appointing, ending a term, handing over (plain services, logged in
Wagtail's audit log). Who may do it is decided by members.scoping (administered_organisations);
the views check it before calling these.

Everyone holding a role is in the group "Secretaries", which may open the Wagtail admin (for the
reports and the register); the group follows the roles: a member whose last term ends leaves it.
"""

import datetime as dt

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from members import scoping
from members.models import Member, Role
from members.scoping import EDITORS_GROUP, MODERATORS_GROUP, SECRETARIES_GROUP


def secretaries_group():
    """Role holders may open the Wagtail admin (for the reports and the register) and nothing
    else there: their scope, not model permissions, decides what they see."""
    group, _created = Group.objects.get_or_create(name=SECRETARIES_GROUP)
    access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if access is not None:
        group.permissions.add(access)
    return group


def forget_scope(user):
    """Drop the scope members.scoping keeps on a user object after their roles changed."""
    user.__dict__.pop("_members_scope", None)


def sync_group(user):
    """The user is in the Secretaries group exactly while they hold or will hold a role."""
    today = timezone.localdate()
    holds = Role.objects.filter(member__user=user, member__status__in=Member.CURRENT).exclude(
        ended_on__lt=today
    ).exists()
    group = secretaries_group()
    if holds:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    forget_scope(user)


def _check(member, organisation, kind, started_on, replacing=None):
    if not member.is_current:
        raise ValidationError(_("只有状态正常、流动、失联或出国（境）的党员可以任职。"))
    if not organisation.is_open:
        raise ValidationError(_("该党组织已撤销。"))
    if started_on > timezone.localdate():
        raise ValidationError(_("任职日期不能晚于今天。"))
    if kind == Role.Kind.SECRETARY and scoping.current_roles().filter(
        organisation=organisation, kind=kind
    ).exclude(pk=getattr(replacing, "pk", None)).exists():
        raise ValidationError(_("该党组织已有书记在任，请使用“交接”。"))
    if Role.objects.filter(member=member, organisation=organisation, kind=kind, ended_on=None).exists():
        raise ValidationError(_("该党员已在此党组织担任此职务。"))


@transaction.atomic
def appoint(*, member, organisation, kind, started_on=None, note="", by, replacing=None):
    """A member takes a role in an organisation from `started_on` (today); `replacing`: the role
    handed over to them (members.roles.hand_over)."""
    started_on = started_on or timezone.localdate()
    _check(member, organisation, kind, started_on, replacing)
    role = Role.objects.create(
        member=member, organisation=organisation, kind=kind, started_on=started_on,
        note=note[:200], appointed_by=by,
    )
    log(role, "members.role_appoint", user=by, data=_role_data(role))
    sync_group(member.user)
    return role


@transaction.atomic
def end_term(role, *, ended_on=None, by, note=""):
    """The term ends on `ended_on` (today, its last day)."""
    ended_on = ended_on or timezone.localdate()
    if role.ended_on is not None:
        raise ValidationError(_("该任职已经结束。"))
    if ended_on < role.started_on:
        raise ValidationError(_("离任日期不能早于任职日期。"))
    role.ended_on = ended_on
    if note:
        role.note = note[:200]
    role.save(update_fields=["ended_on", "note"])
    log(role, "members.role_end", user=by, data=_role_data(role))
    sync_group(role.member.user)
    return role


@transaction.atomic
def hand_over(role, *, successor, on=None, by, note=""):
    """The holder's term ends the day before `on` (today) and the successor takes the same role
    in the same organisation from `on`: one action, both halves logged."""
    on = on or timezone.localdate()
    if successor.pk == role.member_id:
        raise ValidationError(_("接任者不能是现任者本人。"))
    if role.ended_on is not None:
        raise ValidationError(_("该任职已经结束。"))
    ended_on = max(role.started_on, on - dt.timedelta(days=1))
    end_term(role, ended_on=ended_on, by=by)
    new = appoint(member=successor, organisation=role.organisation, kind=role.kind,
                  started_on=on, note=note, by=by, replacing=role)
    log(new, "members.role_hand_over", user=by,
        data={**_role_data(new), "from_member": role.member.name})
    return new


def end_all(member, *, on=None, by):
    """Every current role of a member who leaves (transferred out, deceased, suspended)."""
    for role in Role.objects.filter(member=member, ended_on=None):
        end_term(role, ended_on=max(role.started_on, on or timezone.localdate()), by=by)


def _role_data(role):
    return {
        "member": role.member.name, "number": role.member.number,
        "organisation": role.organisation.name, "kind": role.get_kind_display(),
        "started_on": role.started_on.isoformat(),
        "ended_on": role.ended_on.isoformat() if role.ended_on else None,
    }


# ---- for the demo, the import and the tests -------------------------------------------------


def make_secretary(user, organisation, *, kind=Role.Kind.SECRETARY, started_on=None):
    """Give `user` a role in `organisation` (书记 by default). Role holders are members: a user
    without a member profile gets one in that organisation."""
    member = Member.objects.filter(user=user).first()
    if member is None:
        member = Member.objects.create(
            user=user, name=(user.get_full_name() or user.username)[:60],
            number=f"S-{user.username}"[:40], branch=organisation,
        )
    if not Role.objects.filter(member=member, organisation=organisation, kind=kind, ended_on=None).exists():
        Role.objects.create(member=member, organisation=organisation, kind=kind,
                            started_on=started_on or timezone.localdate())
    sync_group(user)
    return user


def make_editor(user, *, publisher=False):
    """An editor of the library: Wagtail's Editors group edits pages and submits them to the
    审核发布 workflow. A publisher is also in Moderators: publishes directly and approves what
    editors submit (docs/library.md, "Who publishes")."""
    group, _created = Group.objects.get_or_create(name=EDITORS_GROUP)
    user.groups.add(group)
    if publisher:
        user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user
