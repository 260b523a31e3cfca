"""Sign-in with a member number or a phone number (or, for staff, the user name) and password;
and the progress API's session check (`session_member`)."""

from typing import NamedTuple

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from members import accounts, store
from members.models import Member
from members.sessions import SessionStore

_q = connection.ops.quote_name


class ThrottledSignInBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every sign-in that comes with a request (every login form).
    Code that authenticates without one (a shell, a management command, the test client's
    `login()`) has no address to throttle and is let through to the password backends."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class MemberNumberOrPhoneBackend(ModelBackend):
    """The member's password, or else their one-time sign-in code (members.accounts), which
    is used up by the sign-in it allows."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        login = username.strip()
        member = (
            Member.objects.select_related("user")
            .filter(Q(number=login) | Q(phone=login))
            .first()
        )
        if member is None:
            # Hash twice anyway: a known login costs two hashes here (the password, then the
            # sign-in code or its stand-in) and one in ModelBackend after it, so an unknown one
            # must too, or the answer's timing tells an outsider whether a phone number belongs
            # to a Party member.
            get_user_model()().set_password(password)
            accounts.code_user(None, password)
            return None
        user = member.user
        if not self.user_can_authenticate(user):
            get_user_model()().set_password(password)
            accounts.code_user(None, password)
            return None
        if user.check_password(password):
            return user
        if accounts.code_user(user, password):
            user._members_signed_in_with_code = True  # the login signal marks the session
            return user
        return None


# ---- the progress API's session check -------------------------------------------------------

# Backends whose get_user(pk) is ModelBackend's: the active user with that primary key.
_PK_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend",
    "members.auth.MemberNumberOrPhoneBackend",
}


class SessionMember(NamedTuple):
    member_id: int
    # The session's hash was made under one of SECRET_KEY_FALLBACKS: valid, but Django's get_user
    # moves such a session to the current key (a new session key and hash) when it sees it.
    old_key: bool


def _hash_made_under(user, session_hash):
    """"current", "fallback" or None: which secret made `session_hash` of the user's password,
    verified as django.contrib.auth.get_user verifies it (SECRET_KEY, then each of
    SECRET_KEY_FALLBACKS; an empty hash is never valid)."""
    if not session_hash:
        return None
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return "current"
    if any(constant_time_compare(session_hash, old) for old in user.get_session_auth_fallback_hash()):
        return "fallback"
    return None


def _check_session(session):
    """(user pk, member id, the user's password hash, made under an old key) when the decoded
    `session` is a member's valid one, else None (then callers use request.user, Django's check).

    It accepts exactly what django.contrib.auth.get_user accepts — a backend still configured, an
    active user, the session hash of the user's current password under SECRET_KEY or one of
    SECRET_KEY_FALLBACKS — and also requires the user's member profile, in one statement instead
    of two ORM queries.
    """
    try:
        user_pk = session[SESSION_KEY]
        backend = session[BACKEND_SESSION_KEY]
        session_hash = session[HASH_SESSION_KEY]
    except KeyError:
        return None
    if backend not in _PK_BACKENDS or backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    User = get_user_model()
    try:
        user_pk = User._meta.pk.to_python(user_pk)
    except ValidationError:
        return None
    with store.cursor() as cursor:
        cursor.execute(
            f'SELECT u."password", u."is_active", m."id" FROM {_q(User._meta.db_table)} u '
            f'JOIN {_q(Member._meta.db_table)} m ON m."user_id" = u.{_q(User._meta.pk.column)} '
            f'WHERE u.{_q(User._meta.pk.column)} = %s',
            [user_pk],
        )
        row = cursor.fetchone()
    if row is None or not row[1]:
        return None
    # Django's own hash of the password, so that a password change signs the session out here too.
    made_under = _hash_made_under(User(pk=user_pk, password=row[0]), session_hash)
    if made_under is None:
        return None
    return user_pk, row[2], row[0], made_under == "fallback"


# Sessions already checked by this process: session key -> (session data as stored, user pk,
# member id, password hash). A heartbeat then needs one statement that reads the session row and
# the user's row together: if the stored data and the password are what was checked, so is the
# rest (user, backend, session hash); anything changed is checked afresh. A changed SECRET_KEY
# or SECRET_KEY_FALLBACKS means a restarted process, which starts empty.
_checked_sessions = {}
CHECKED_SESSIONS_MAX = 20_000  # a few MB per process at most


def session_member(session_key):
    """The member signed in with this session cookie, usually in one statement; None for no
    session, an expired or deleted one, one without a member or anything unusual."""
    if not session_key or len(session_key) > 40:
        return None
    known = _checked_sessions.get(session_key)
    if known is not None:
        data, user_pk, member_id, password = known
        row = _session_and_password(session_key, user_pk)
        if row is not None and row == (data, password, True, member_id):
            return SessionMember(member_id, old_key=False)
        _checked_sessions.pop(session_key, None)
    if settings.SESSION_ENGINE != "members.sessions":
        return None  # another engine: leave it to Django's own middleware
    session = SessionStore(session_key)
    stored = session._get_session_from_db()  # one plain SELECT (members.sessions)
    if stored is None:
        return None
    checked = _check_session(session.decode(stored.session_data))
    if checked is None:
        return None
    user_pk, member_id, password, old_key = checked
    if not old_key:  # (get_user replaces a session under an old key with a new one at once)
        if len(_checked_sessions) >= CHECKED_SESSIONS_MAX:
            _checked_sessions.pop(next(iter(_checked_sessions)))  # the oldest
        _checked_sessions[session_key] = (stored.session_data, user_pk, member_id, password)
    return SessionMember(member_id, old_key)


def _session_and_password(session_key, user_pk):
    User = get_user_model()
    with store.cursor() as cursor:
        cursor.execute(
            f'SELECT s."session_data", u."password", u."is_active", m."id" '
            f'FROM {_q(Session._meta.db_table)} s, {_q(User._meta.db_table)} u '
            f'JOIN {_q(Member._meta.db_table)} m ON m."user_id" = u.{_q(User._meta.pk.column)} '
            f'WHERE s."session_key" = %s AND s."expire_date" > %s AND u.{_q(User._meta.pk.column)} = %s',
            [session_key, connection.ops.adapt_datetimefield_value(timezone.now()), user_pk],
        )
        return cursor.fetchone()
