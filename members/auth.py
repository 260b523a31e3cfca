"""Sign-in with a member number or a phone number (or, for staff, the user name) and password."""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils.crypto import constant_time_compare

from members import store
from members.models import Member

_q = connection.ops.quote_name


class MemberNumberOrPhoneBackend(ModelBackend):
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
            return None
        user = member.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


# ---- the progress API's session check -------------------------------------------------------

# Backends whose get_user(pk) is ModelBackend's: the active user with that primary key.
_PK_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend",
    "members.auth.MemberNumberOrPhoneBackend",
}


def session_member_id(session):
    """The id of the member signed in with `session`, in one query; None when the session has no
    member behind it or anything is unusual (then callers use request.user, Django's full check).

    It accepts exactly what django.contrib.auth.get_user accepts — a backend still configured, an
    active user, the session hash of the user's current password under the current SECRET_KEY —
    and also requires the user's member profile, in one statement instead of two ORM queries.
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
    if row is None or not row[1] or not session_hash:
        return None
    # Django's own hash of the password, so that a password change signs the session out here too.
    expected = User(pk=user_pk, password=row[0]).get_session_auth_hash()
    return row[2] if constant_time_compare(session_hash, expected) else None
