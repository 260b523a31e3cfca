"""The check-in code: six digits that change every minute, the same in the QR code and on the
secretary's screen, valid only during the event's window.

A code is an HMAC (keyed by SECRET_KEY) of the event's id and the minute: nothing is stored, so
there is no code in the database to read. The code of the minute before is still taken, so that a
member typing at the turn of the minute is not refused.
"""

import datetime as dt

import segno
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

STEP_SECONDS = 60
DIGITS = 6
# The window: from this long before the start to the end of the event.
OPENS_BEFORE = dt.timedelta(minutes=30)
SALT = "branch_life.check_in"


def _minute(moment):
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(event_id, minute):
    digest = salted_hmac(SALT, f"{event_id}:{minute}", algorithm="sha256").digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**DIGITS:0{DIGITS}d}"


def window(event):
    """(opens, closes) of the event's check-in."""
    return event.starts_at - OPENS_BEFORE, event.ends_at


def is_open(event, now=None):
    now = now or timezone.now()
    opens, closes = window(event)
    return opens <= now <= closes and event.status != event.Status.CANCELLED


def current_code(event, now=None):
    """(code, expires_at) for now."""
    now = now or timezone.now()
    minute = _minute(now)
    expires = dt.datetime.fromtimestamp((minute + 1) * STEP_SECONDS, tz=dt.UTC)
    return code_at(event.pk, minute), expires


def matches(event, code, now=None):
    """Is `code` this minute's or the last minute's code of the event?"""
    now = now or timezone.now()
    code = (code or "").strip()
    if len(code) != DIGITS or not code.isdigit():
        return False
    minute = _minute(now)
    return any(constant_time_compare(code, code_at(event.pk, m)) for m in (minute, minute - 1))


def qr_svg(url):
    """The QR code of the check-in URL (with the code), as an SVG document."""
    return segno.make(url, error="m").svg_inline(scale=8, border=2, dark="#000", light="#fff")
