"""Who may see what: the ONE place every view, API endpoint, report and command asks.

People and organisations are decided here; none filters on its own.

  administrator (superuser)      everything
  county officer (县委组织部干部)  a role that sees and manages the whole tree, without superuser
  role holder (书记, 组织委员 …)   the subtrees of the organisations they hold a current role in;
                                 the managing roles (MANAGING_ROLES) also change the register
                                 there, and the organisations strictly below their own
  editor                         no member data (editors manage the library)
  member                         only themselves (through members.services.member_of)

A role is current from its start date to its end date (members.models.Role), held by a member
whose status is current. `is_secretary`, `visible_members`, `visible_organisations` and
`top_organisations` keep the meaning they had when secretaries were a table of their own.

Content (a lesson, its media) is decided by the app that owns it, `lectures.access`, which
registers its rule here in `LecturesConfig.ready()`; apps below lectures (members' API,
media_pipeline's views) ask `page_access` / `media_access` here and never import lectures.
"""

import enum
from functools import reduce
from operator import or_

from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404, HttpResponseForbidden
from django.utils import timezone

from members.models import Member, Organisation, Role

EDITORS_GROUP = "Editors"
MODERATORS_GROUP = "Moderators"  # Wagtail's: publish and approve
# Everyone holding a role is in this group, which may open the Wagtail admin (members.roles).
SECRETARIES_GROUP = "Secretaries"

Kind = Role.Kind
# Roles that keep the register (edit members, transfers, statuses, password resets, sign-in
# codes, the lost-contact register) in their subtree and administer the organisations below.
MANAGING_ROLES = frozenset({Kind.SECRETARY, Kind.DEPUTY_SECRETARY, Kind.ORGANISATION,
                            Kind.COUNTY_OFFICER})
# Roles whose scope is the whole tree, wherever they are held.
WHOLE_TREE_ROLES = frozenset({Kind.COUNTY_OFFICER})


def _active(user):
    return bool(user and user.is_authenticated and user.is_active)


def is_administrator(user):
    return _active(user) and user.is_superuser


def is_editor(user):
    return (
        _active(user)
        and user.groups.filter(name__in=(EDITORS_GROUP, MODERATORS_GROUP)).exists()
    )


def current_roles(day=None):
    """Roles current on `day` (today), held by members whose status is current."""
    day = day or timezone.localdate()
    return Role.objects.filter(
        Q(ended_on=None) | Q(ended_on__gte=day), started_on__lte=day,
        member__status__in=Member.CURRENT,
    )


def _scope(user):
    """((organisation path, manages, whole tree), ...) of the user's current roles, kept on the
    user object for the request (members.roles.forget_scope drops it after a change)."""
    if not _active(user):
        return ()
    cached = getattr(user, "_members_scope", None)
    if cached is None:
        rows = current_roles().filter(member__user=user).values_list("organisation__path", "kind")
        cached = tuple(
            (path, kind in MANAGING_ROLES, kind in WHOLE_TREE_ROLES) for path, kind in rows
        )
        user._members_scope = cached
    return cached


def holds_role(user):
    return bool(_scope(user))


def is_secretary(user):
    """Holds any current role (the name stays from when only secretaries had scope)."""
    return holds_role(user)


def is_county_officer(user):
    return any(whole for _path, _manages, whole in _scope(user))


def _sees_everything(user):
    return is_administrator(user) or is_county_officer(user)


def can_see_reports(user):
    return is_administrator(user) or holds_role(user)


def can_manage(user):
    """Keeps a register somewhere (edits members, resets passwords …)."""
    return _sees_everything(user) or any(manages for _p, manages, _w in _scope(user))


def _tops(paths):
    # Drop roots that lie inside another of the user's roots.
    return [p for p in set(paths) if not any(p != q and p.startswith(q) for q in paths)]


def _subtree_q(paths, field="path"):
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


def _paths(user, *, managing):
    return _tops([path for path, manages, _w in _scope(user) if manages or not managing])


def visible_organisations(user):
    if _sees_everything(user):
        return Organisation.objects.all()
    paths = _paths(user, managing=False)
    if not paths:
        return Organisation.objects.none()
    return Organisation.objects.filter(_subtree_q(paths))


def visible_members(user):
    if _sees_everything(user):
        return Member.objects.all()
    paths = _paths(user, managing=False)
    if not paths:
        return Member.objects.none()
    return Member.objects.filter(_subtree_q(paths, "branch__path"))


def top_organisations(user):
    """The highest organisations a user sees (their report's starting points)."""
    if _sees_everything(user):
        return Organisation.get_root_nodes()
    return Organisation.objects.filter(path__in=_paths(user, managing=False))


def managed_organisations(user):
    """Organisations whose members the user manages (their managing roles' subtrees)."""
    if _sees_everything(user):
        return Organisation.objects.all()
    paths = _paths(user, managing=True)
    if not paths:
        return Organisation.objects.none()
    return Organisation.objects.filter(_subtree_q(paths))


def managed_members(user):
    """Members whose register entry the user may change: profile, status, transfer, password."""
    if _sees_everything(user):
        return Member.objects.all()
    paths = _paths(user, managing=True)
    if not paths:
        return Member.objects.none()
    return Member.objects.filter(_subtree_q(paths, "branch__path"))


def administered_organisations(user):
    """Organisations the user may rename, move, close and appoint roles in: those strictly below
    their managing roles' organisations (a branch secretary does not rename their own branch nor
    appoint its secretary; the organisation above does). The county officer and the
    administrator: every organisation."""
    if _sees_everything(user):
        return Organisation.objects.all()
    paths = _paths(user, managing=True)
    if not paths:
        return Organisation.objects.none()
    return Organisation.objects.filter(_subtree_q(paths)).exclude(path__in=paths)


def visible_roles(user):
    """Roles held in organisations the user sees."""
    if _sees_everything(user):
        return Role.objects.all()
    return Role.objects.filter(organisation__in=visible_organisations(user))


# ---- content: the rule lectures registers -------------------------------------------------


class Access(enum.Enum):
    ALLOW = "allow"
    SIGN_IN = "sign_in"  # an anonymous visitor who may see it after signing in
    DENY = "deny"  # signed in (or a password restriction not passed) and still not allowed
    ABSENT = "absent"  # not live: answered as if it did not exist


_content_rule = {}


def register_content_rule(*, page_access, media_access):
    """Called once by the app that owns the content (lectures) when Django starts."""
    _content_rule.update(page=page_access, media=media_access)


def page_access(request, page):
    """May this request see this page (a lesson, a course)? An Access."""
    return _content_rule["page"](request, page)


def media_access(request, media):
    """May this request see this media item (through the lessons that use it)? An Access."""
    return _content_rule["media"](request, media)


def refusal(request, access, *, sign_in_page=True):
    """The answer to a refused request: the sign-in page (or a bare 403 where a player, not a
    person, asks: `sign_in_page=False`), 403, or 404 for what is not live. None when allowed."""
    if access is Access.ALLOW:
        return None
    if access is Access.SIGN_IN and sign_in_page:
        return redirect_to_login(request.get_full_path())
    if access in (Access.SIGN_IN, Access.DENY):
        return HttpResponseForbidden()
    raise Http404
