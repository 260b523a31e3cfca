"""The organisation tree (treebeard MP_Node): add, rename, move, close. Plain services, logged in
Wagtail's audit log; who may do what is decided by members.scoping:

  add a child under X        X is in the user's managed organisations (their subtree)
  rename, move, close X      X is in the user's administered organisations (strictly below
                             their own; the county officer and the administrator: any)
  move X under Y             as above, and Y is in the user's managed organisations
  a new top organisation     the county officer and the administrator
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from members import roles, scoping
from members.models import Member, Organisation, Role

FIELDS = ("name", "kind", "code", "contact_phone", "address")


def _fresh(org):
    # treebeard works on fresh copies (paths and child counts change under it).
    return Organisation.objects.get(pk=org.pk)


def _data(org):
    return {"name": org.name, "kind": org.get_kind_display(), "code": org.code, "path": org.path}


def may_add_under(user, parent):
    if parent is None:
        return scoping.is_administrator(user) or scoping.is_county_officer(user)
    return parent.is_open and scoping.managed_organisations(user).filter(pk=parent.pk).exists()


def may_administer(user, org):
    return scoping.administered_organisations(user).filter(pk=org.pk).exists()


@transaction.atomic
def add(parent, *, by, **fields):
    """A new organisation under `parent` (None: a new top organisation)."""
    if not may_add_under(by, parent):
        raise PermissionDenied("may not add an organisation here")
    values = {k: fields.get(k, "") for k in FIELDS}
    values["kind"] = values["kind"] or Organisation.Kind.BRANCH
    if parent is None:
        org = Organisation.add_root(**values)
    else:
        org = _fresh(parent).add_child(**values)
    log(org, "wagtail.create", user=by, data=_data(org))
    return org


@transaction.atomic
def update(org, *, by, **fields):
    """Rename or change kind, code, contact phone and address; the node moves to its sorted place
    among its siblings (the tree is ordered by name)."""
    if not may_administer(by, org):
        raise PermissionDenied("may not change this organisation")
    org = _fresh(org)
    renamed = "name" in fields and fields["name"] != org.name
    for key in FIELDS:
        if key in fields:
            setattr(org, key, fields[key])
    org.save()
    if renamed:
        _resort(org)
    org = _fresh(org)
    log(org, "wagtail.edit", user=by, data=_data(org))
    return org


def _resort(org):
    parent = org.get_parent()
    if parent is not None:
        org.move(_fresh(parent), "sorted-child")
    else:
        org.move(Organisation.get_first_root_node(), "sorted-sibling")


@transaction.atomic
def move(org, new_parent, *, by):
    """Move `org` (and everything below it) under `new_parent` (None: to the top)."""
    if not may_administer(by, org):
        raise PermissionDenied("may not move this organisation")
    if not may_add_under(by, new_parent):
        raise PermissionDenied("may not move an organisation there")
    org = _fresh(org)
    old_parent = org.get_parent()
    if new_parent is not None:
        new_parent = _fresh(new_parent)
        if new_parent.pk == org.pk or new_parent.path.startswith(org.path):
            raise ValidationError(_("不能移动到自身或其下级组织之下。"))
        if old_parent is not None and old_parent.pk == new_parent.pk:
            raise ValidationError(_("已在该上级组织之下。"))
        org.move(new_parent, "sorted-child")
    else:
        if old_parent is None:
            raise ValidationError(_("已是最上级组织。"))
        org.move(Organisation.get_first_root_node(), "sorted-sibling")
    org = _fresh(org)
    log(org, "members.org_move", user=by, data={
        "name": org.name, "from": old_parent.name if old_parent else "",
        "to": new_parent.name if new_parent else "",
    })
    return org


def closing_blockers(org):
    """Why `org` cannot be closed yet: members still in the register there, open organisations
    below it. Empty when it can."""
    reasons = []
    members = Member.objects.filter(branch=org, status__in=Member.CURRENT).count()
    if members:
        reasons.append(_("还有 %(n)d 名党员，请先将他们转接到其他组织。") % {"n": members})
    children = org.get_children().filter(closed_on=None).count()
    if children:
        reasons.append(_("还有 %(n)d 个下级组织未撤销。") % {"n": children})
    return reasons


@transaction.atomic
def close(org, *, on=None, by):
    """Close an empty organisation: it stays (its history names it) but takes nothing new; the
    roles held in it end."""
    on = on or timezone.localdate()
    if not may_administer(by, org):
        raise PermissionDenied("may not close this organisation")
    org = _fresh(org)
    if not org.is_open:
        raise ValidationError(_("该党组织已撤销。"))
    reasons = closing_blockers(org)
    if reasons:
        raise ValidationError(reasons)
    for role in Role.objects.filter(organisation=org, ended_on=None).select_related("member"):
        roles.end_term(role, ended_on=max(role.started_on, on), by=by)
    org.closed_on = on
    org.save(update_fields=["closed_on"])
    log(org, "members.org_close", user=by, data={**_data(org), "closed_on": on.isoformat()})
    return org
