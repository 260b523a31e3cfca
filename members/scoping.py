"""Who may see what: the ONE place every view, API endpoint, report and command asks.

People and organisations are decided here; none filters on its own.

  administrator (superuser)  everything
  secretary                  the subtrees of the organisations they are secretary of
  editor                     no member data (editors manage the library)
  member                     only themselves (through members.services.member_of)

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


def top_organisations(user):
    """The highest organisations a user sees (their report's starting points)."""
    if is_administrator(user):
        return Organisation.get_root_nodes()
    paths = _root_paths(user)
    # Drop roots that lie inside another of the user's roots.
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return Organisation.objects.filter(path__in=tops)


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
