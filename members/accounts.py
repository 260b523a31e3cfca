"""Members' accounts: one-time sign-in codes (a secretary's password reset, a new member's first
sign-in), the forced change at first sign-in, a member changing their own password and phone.
Plain services, usable without a request; each change is in Wagtail's audit log (never a code).

A code is eight digits, shown once (on the page that issued it, or in the printed list of a
branch's first sign-in codes); only its hash is stored. The member signs in with it in the
password field (members.auth), which uses it up; until they have chosen a password every page
sends them to do so (members.middleware).
"""

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from members import scoping
from members.models import Member, SignInCode

CODE_DIGITS = 8
CODE_VALID_DAYS = 30  # a printed list waits for the next monthly meeting
# Kept in the session of a member who signed in with a code (members.middleware reads it).
MUST_CHANGE_SESSION_KEY = "members_must_change_password"
PHONE_DIGITS = 11


def new_code():
    return "".join(str(secrets.randbelow(10)) for _n in range(CODE_DIGITS))


def _check_may_manage(by, member):
    if not scoping.managed_members(by).filter(pk=member.pk).exists():
        raise PermissionDenied(f"user {by.pk} may not manage member {member.pk}")
    if not member.is_current:
        raise ValidationError(_("该党员已不在册（%(status)s），不能重置密码。")
                              % {"status": member.get_status_display()})


def _issue(member, kind, by, now):
    code = new_code()
    user = member.user
    # The old password stops working at once (and signs out the member's sessions).
    user.set_unusable_password()
    user.save(update_fields=["password"])
    SignInCode.objects.update_or_create(
        user=user,
        defaults={
            "kind": kind, "code_hash": make_password(code), "issued_by": by, "issued_at": now,
            "expires_at": now + dt.timedelta(days=CODE_VALID_DAYS), "used_at": None,
        },
    )
    return code


@transaction.atomic
def reset_password(member, *, by):
    """A secretary (or an officer above) resets a member's password: returns the one-time code,
    which the page shows once."""
    _check_may_manage(by, member)
    now = timezone.now()
    code = _issue(member, SignInCode.Kind.RESET, by, now)
    log(member, "members.password_reset", user=by,
        data={"member": member.name, "number": member.number})
    return code


def awaiting_first_sign_in(members):
    """Members who never signed in and have no password: imported without one."""
    return members.filter(
        status__in=Member.CURRENT, user__last_login=None, user__password__startswith="!",
        user__is_active=True,
    ).exclude(user__sign_in_code__kind=SignInCode.Kind.RESET)


@transaction.atomic
def issue_first_codes(organisation, *, by):
    """New first sign-in codes for the members of `organisation`'s subtree who await their first
    sign-in; [(member, code)] by branch and number. Printing again replaces earlier codes."""
    members = scoping.managed_members(by).filter(branch__path__startswith=organisation.path)
    now = timezone.now()
    issued = []
    for member in awaiting_first_sign_in(members).select_related("branch", "user").order_by(
        "branch__path", "number"
    ):
        issued.append((member, _issue(member, SignInCode.Kind.FIRST, by, now)))
    if issued:
        log(organisation, "members.first_codes", user=by,
            data={"organisation": organisation.name, "count": len(issued)})
    return issued


def code_user(user, code):
    """Check `code` against the user's unused, unexpired sign-in code and use it up; True when it
    matched. Always computes one hash (members.auth keeps every sign-in at the same cost)."""
    row = SignInCode.objects.filter(user=user).first() if user is not None else None
    usable = row is not None and row.used_at is None and row.expires_at > timezone.now()
    if not usable:
        make_password(code)  # the same cost as a check
        return False
    if not check_password(code, row.code_hash):
        return False
    # Used up at once, whether or not the member then changes the password: a second sign-in with
    # the same code fails (a conditional update, so two requests cannot both use it).
    return bool(SignInCode.objects.filter(pk=row.pk, used_at=None).update(used_at=timezone.now()))


def must_change_password(user):
    """Signed in with a code and not yet chosen a password."""
    return SignInCode.objects.filter(user=user, used_at__isnull=False).exists()


@transaction.atomic
def set_own_password(user, password):
    """The member's new password (validated by the caller's form); the code is done with."""
    user.set_password(password)
    user.save(update_fields=["password"])
    SignInCode.objects.filter(user=user).delete()
    member = Member.objects.filter(user=user).first()
    log(member or user, "members.password_changed", user=user)


def forget_code(user):
    SignInCode.objects.filter(user=user).delete()


def check_phone(phone, *, member):
    """A phone another member does not use as phone or as member number (a login names one
    account only, as in the import)."""
    phone = (phone or "").strip()
    if not phone:
        return None
    if not (len(phone) == PHONE_DIGITS and phone.isdigit() and phone.startswith("1")):
        raise ValidationError(_("手机号应为11位数字。"))
    taken = Member.objects.filter(Q(phone=phone) | Q(number=phone)).exclude(pk=member.pk)
    if taken.exists():
        raise ValidationError(_("该手机号已被其他党员使用。"))
    return phone


@transaction.atomic
def set_own_phone(member, phone):
    old = member.phone
    member.phone = check_phone(phone, member=member)
    member.save(update_fields=["phone"])
    log(member, "members.phone_changed", user=member.user,
        data={"old": old or "", "new": member.phone or ""})
    return member


def email_reset_enabled():
    """Email reset is offered only where mail can be sent: EMAIL_HOST is set (the settings leave
    it empty unless the environment names a mail server)."""
    return bool(settings.EMAIL_HOST)
