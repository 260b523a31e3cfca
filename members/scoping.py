"""Who may see which organisations and members: the ONE place where scope is decided.

Every view, API endpoint, report and command asks these functions; none filters on its own.

  administrator (superuser)  everything
  secretary                  the subtrees of the organisations they are secretary of
  editor                     no member data (editors manage the library)
  member                     only themselves (through members.services.member_of)
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from members.models import Member, Organisation, Secretary

EDITORS_GROUP = "Editors"
SECRETARIES_GROUP = "Secretaries"


def is_administrator(user):
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def is_editor(user):
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.groups.filter(name__in=(EDITORS_GROUP, "Moderators")).exists()
    )


def _root_paths(user):
    if not (user and user.is_authenticated and user.is_active):
        return []
    cached = getattr(user, "_members_root_paths", None)
    if cached is None:
        cached = list(
            Secretary.objects.filter(user=user).values_list("organisation__path", flat=True)
        )
        user._members_root_paths = cached
    return cached


def is_secretary(user):
    return bool(_root_paths(user))


def can_see_reports(user):
    return is_administrator(user) or is_secretary(user)


def _subtree_q(paths, field="path"):
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


def visible_organisations(user):
    if is_administrator(user):
        return Organisation.objects.all()
    paths = _root_paths(user)
    if not paths:
        return Organisation.objects.none()
    return Organisation.objects.filter(_subtree_q(paths))


def visible_members(user):
    if is_administrator(user):
        return Member.objects.all()
    paths = _root_paths(user)
    if not paths:
        return Member.objects.none()
    return Member.objects.filter(_subtree_q(paths, "branch__path"))


def can_see_organisation(user, organisation):
    return visible_organisations(user).filter(pk=organisation.pk).exists()


def can_see_member(user, member):
    return visible_members(user).filter(pk=member.pk).exists()


def top_organisations(user):
    """The highest organisations a user sees (their report's starting points)."""
    if is_administrator(user):
        return Organisation.get_root_nodes()
    paths = _root_paths(user)
    # Drop roots that lie inside another of the user's roots.
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return Organisation.objects.filter(path__in=tops)
