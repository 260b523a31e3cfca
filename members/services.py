"""Learning records: heartbeats, completion, states (plain services, usable without a request).

Contract C4: item_states(), completion_rule_locked(), record_completions() are used by lectures
and the offline copies; the JSON API in members/api.py is a thin layer over record_heartbeat().
"""

import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import time as day_time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from members import completion as extra_requirements
from members import intervals, scoping, store
from members.models import Completion, ItemProgress, Member

logger = logging.getLogger(__name__)

MAX_SPEED = 2.0  # the fastest playback rate the player offers
SLACK_SECONDS = 45.0  # clock skew, a heartbeat's own length, network delay (see clock_allowance)
DURATION_TOLERANCE = 2.0  # players report a little past the probed duration
MAX_RANGES = 500
MAX_ARTICLE_STEP = 60.0  # reading seconds credited per heartbeat at most (heartbeats come every ~15 s)
ARTICLE_END = 0.98  # a reading position this far down is "reached the end" (shown, not credited)
MAX_SESSIONS_KEPT = 5
ITEM_RULE_TTL = 60
MEDIA_KINDS = ("video", "audio")


class ItemNotFound(Exception):
    pass


class HeartbeatRejected(Exception):
    """A heartbeat that cannot be true; nothing of it is stored."""

    def __init__(self, code, message_zh, message_en, status=400):
        super().__init__(message_en)
        self.code = code
        self.message_zh = str(message_zh)
        self.message_en = message_en
        self.status = status


@dataclass(frozen=True)
class ItemRule:
    page_id: int
    kind: str  # video | audio | article
    duration: float | None
    threshold: float
    min_read_seconds: int
    title: str = ""


def _rule_from_page(specific):
    kind = getattr(specific, "learning_kind", None)
    if kind not in ("video", "audio", "article"):
        return None
    duration = getattr(specific, "learning_duration", None)
    threshold = getattr(specific, "completion_threshold", None) or 0.9
    min_read = getattr(specific, "min_read_seconds", None) or 0
    return ItemRule(
        page_id=specific.pk,
        kind=kind,
        duration=float(duration) if duration else None,
        threshold=min(max(float(threshold), 0.01), 1.0),
        min_read_seconds=int(min_read),
        title=specific.title,
    )


# Rules live in each process's memory (a heartbeat then reads no page at all): a publish or
# unpublish drops the entry in the process that saw it, the others read it afresh within
# ITEM_RULE_TTL seconds. A rule only changes before anyone completed the item (lectures locks it).
_rules = {}  # page_id -> (expires, ItemRule | None)


def item_rule(page_id, *, use_cache=True):
    """The completion rule of a learning item (a live page with C3's attributes)."""
    now = time.monotonic()
    cached = _rules.get(page_id) if use_cache else None
    if cached is None or cached[0] < now:
        page = Page.objects.live().filter(pk=page_id).first()
        rule = _rule_from_page(page.specific) if page is not None else None
        if len(_rules) > 10_000:
            _rules.clear()
        cached = _rules[page_id] = (now + ITEM_RULE_TTL, rule)
    if cached[1] is None:
        raise ItemNotFound(page_id)
    return cached[1]


def forget_item_rule(page_id=None):
    """Drop one cached rule (an editor published or unpublished the page), or all of them."""
    if page_id is None:
        _rules.clear()
    else:
        _rules.pop(page_id, None)


def item_rules(page_ids):
    """Rules for many pages in few queries (specific pages fetched per type by Wagtail)."""
    pages = Page.objects.live().filter(pk__in=list(page_ids)).specific()
    return {rule.page_id: rule for rule in map(_rule_from_page, pages) if rule is not None}


# ---- rate limit ----------------------------------------------------------------------------


class RateLimited(Exception):
    """More heartbeats than DIANKE_HEARTBEATS_PER_MINUTE in the last minute. The heartbeat was
    counted (it counts towards the limit like every other) but nothing else of it was written."""

    def __init__(self, member_id, retry_after):
        super().__init__(f"member {member_id}: over the rate limit, retry after {retry_after} s")
        self.member_id = member_id
        self.retry_after = retry_after


def heartbeats_per_minute():
    return getattr(settings, "DIANKE_HEARTBEATS_PER_MINUTE", 30)


def rate_estimate(count, previous, now):
    """Heartbeats in the minute up to `now` (Unix seconds), from the counts of this calendar
    minute and the one before, the earlier one weighted by the part of it still inside that
    minute: a sliding window, so a burst at the end of one minute and another at the start of
    the next count together."""
    return count + previous * (1 - (now % 60) / 60)


def retry_after(count, previous, now, limit):
    """Whole seconds until one more heartbeat would be within `limit` again (at least 1)."""
    into = now % 60
    if count + 1 <= limit and previous > 0:
        # Later in this minute, once enough of the previous one has slid out of the window.
        wait = (1 - (limit - count - 1) / previous) * 60 - into
    elif count:
        # In the next minute, where this minute's count becomes the previous one.
        wait = (60 - into) + max(0.0, 1 - (limit - 1) / count) * 60
    else:
        wait = 60 - into
    return max(1, math.ceil(wait - 1e-9))  # 4.000000001 s of float arithmetic is 4 s


def _rate_limited(counter, now, limit, member_id):
    """RateLimited when the member's counter row (store.Counter) is over `limit`, else None."""
    if limit is None or rate_estimate(counter.count, counter.previous, now) <= limit:
        return None
    return RateLimited(member_id, retry_after(counter.count, counter.previous, now, limit))


def count_rejected(member_id, *, now=None, limit=None):
    """Counts a heartbeat refused before it reached the member's records (a malformed body, an
    item that is not there or that the member may not see): it counts towards the rate limit
    like any other. Raises RateLimited when that puts the member over `limit`."""
    now = now or timezone.now()
    seconds = now.timestamp()
    with transaction.atomic(), store.cursor() as cursor:
        counter = store.count_heartbeat(cursor, member_id, int(seconds // 60), seconds, CLOCK_GAP)
    limited = _rate_limited(counter, seconds, limit, member_id)
    if limited is not None:
        raise limited


# ---- the clocks: credit needs wall-clock time --------------------------------------------
#
# Each item has a clock (its progress row's started_at and last_heartbeat_at) and so does the
# member (their counter row: store.Counter's clock_start and credited): media time credited
# may not exceed what the clock allows at MAX_SPEED (clock_allowance), on the item and across
# all of the member's items together, so two items "played" at once earn no more than one.
# Reading counts on the member's clock too, a second of it as MAX_SPEED seconds (it is not sped
# up). Both clocks start at the first heartbeat the server receives, even one it refuses.

CLOCK_GAP = 600.0  # seconds without any heartbeat of the member after which their clock restarts


def clock_allowance(elapsed):
    """Media seconds a clock that has run `elapsed` seconds allows: MAX_SPEED per second plus the
    slack for clock skew and network delay, which is itself earned at one second per second (up
    to SLACK_SECONDS), so that nothing is credited before the clock has run: a single heartbeat
    credits nothing, however short the item."""
    elapsed = max(float(elapsed), 0.0)
    return MAX_SPEED * elapsed + min(SLACK_SECONDS, elapsed)


def _too_fast(message_en):
    return HeartbeatRejected(
        "too_fast", _("新增的观看时长超过了实际经过的时间，记录被拒绝。"), message_en, 422
    )


# ---- heartbeats -----------------------------------------------------------------------------


def _validate(rule, ranges, position, client_time, session):
    if not isinstance(session, str) or not (1 <= len(session) <= 64):
        raise HeartbeatRejected("bad_session", _("学习会话标识无效。"), "session must be 1-64 chars")
    for value, name in ((position, "position"), (client_time, "client_time")):
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise HeartbeatRejected(
                "bad_number", _("播放位置或时间无效。"), f"{name} must be a finite number >= 0"
            )
    if not isinstance(ranges, list) or len(ranges) > MAX_RANGES:
        raise HeartbeatRejected(
            "bad_ranges", _("观看区间格式无效。"), f"ranges must be a list of at most {MAX_RANGES}"
        )
    if rule.kind not in MEDIA_KINDS:
        return []
    if rule.duration is None:
        raise HeartbeatRejected(
            "not_ready", _("该课程的音视频尚未处理完成，暂不能记录进度。"), "duration unknown", 409
        )
    limit = rule.duration + DURATION_TOLERANCE
    cleaned = []
    for pair in ranges:
        if not intervals.is_valid_range(pair):
            raise HeartbeatRejected("bad_ranges", _("观看区间格式无效。"), f"bad range {pair!r}")
        start, end = float(pair[0]), float(pair[1])
        if start < 0 or end < start:
            raise HeartbeatRejected(
                "impossible_range", _("观看区间不可能：起点为负或终点早于起点。"), f"range {pair!r}"
            )
        if end > limit:
            raise HeartbeatRejected(
                "past_duration",
                _("观看区间超出了课程时长。"),
                f"range {pair!r} ends past duration {rule.duration}",
            )
        cleaned.append([start, min(end, rule.duration)])
    if position > limit:
        raise HeartbeatRejected(
            "past_duration", _("播放位置超出了课程时长。"), f"position {position} > {rule.duration}"
        )
    return cleaned


def _apply_media(progress, rule, new_ranges, now, budget):
    """Merges the new ranges; returns the media seconds credited (new coverage). `budget` is what
    the member's clock still allows."""
    added = intervals.new_coverage(progress.ranges, new_ranges)
    if added <= 0:
        return 0.0
    merged = intervals.union(progress.ranges, new_ranges)
    covered = intervals.total(merged)
    since_last = (now - (progress.last_heartbeat_at or progress.started_at)).total_seconds()
    since_start = (now - progress.started_at).total_seconds()
    if added > MAX_SPEED * max(since_last, 0) + SLACK_SECONDS or covered > clock_allowance(since_start):
        raise _too_fast(
            f"{added:.1f}s new coverage after {since_last:.1f}s (total {covered:.1f}s "
            f"after {since_start:.1f}s) exceeds {MAX_SPEED}x the item's clock"
        )
    if added > budget:
        raise _too_fast(
            f"{added:.1f}s new coverage exceeds the {max(budget, 0):.1f}s the member's clock "
            f"still allows across all items"
        )
    progress.ranges = merged
    progress.covered_seconds = covered
    return added


def _apply_article(progress, session, client_time, position, now, budget):
    """Reading time: the server's clock since the last heartbeat, no more than the reading
    session's own clock says, MAX_ARTICLE_STEP per heartbeat and what the member's clock still
    allows; returns what it takes of the member's clock (MAX_SPEED a second)."""
    sessions = dict(progress.sessions or {})
    last = sessions.get(session)
    used = 0.0
    if last is not None and client_time > last:
        since_last = (now - (progress.last_heartbeat_at or progress.started_at)).total_seconds()
        step = max(0.0, min(client_time - last, since_last, MAX_ARTICLE_STEP, budget / MAX_SPEED))
        progress.dwell_seconds = round(progress.dwell_seconds + step, 1)
        used = step * MAX_SPEED
    if last is None or client_time > last:
        sessions[session] = client_time
    if len(sessions) > MAX_SESSIONS_KEPT:
        sessions = dict(sorted(sessions.items(), key=lambda kv: kv[1])[-MAX_SESSIONS_KEPT:])
    progress.sessions = sessions
    if position >= ARTICLE_END:
        progress.reached_end = True  # shown, but it shortens no reading time
    return used


def coverage_of(progress, rule):
    if progress is None:
        return 0.0
    if rule.kind in MEDIA_KINDS:
        if not rule.duration:
            return 0.0
        return min(1.0, round(progress.covered_seconds / rule.duration, 4))
    if rule.min_read_seconds <= 0:
        return 1.0 if progress.dwell_seconds > 0 or progress.reached_end else 0.0
    return min(1.0, round(progress.dwell_seconds / rule.min_read_seconds, 4))


def meets_rule(progress, rule):
    if rule.kind in MEDIA_KINDS:
        return coverage_of(progress, rule) >= rule.threshold
    # The whole minimum reading time, spent between heartbeats (reaching the end shortens nothing:
    # scrolling there is no proof of reading). No minimum: opening it is reading it.
    need = rule.min_read_seconds
    return need <= 0 or progress.dwell_seconds >= need


def record_heartbeat(
    member, page_id, *, session, ranges, position, client_time, now=None, limit=None
):
    """Merge one heartbeat into the member's record; returns the item's state dict.

    `member` is a Member or its id. Raises ItemNotFound or HeartbeatRejected, or RateLimited
    when more than `limit` heartbeats came in the last minute. Every heartbeat is counted
    (refused ones too); a refused one writes nothing else, except that a first heartbeat on an
    item starts the item's clock even when it is refused as too fast.
    """
    member_id = getattr(member, "pk", member)
    now = now or timezone.now()
    try:
        rule = item_rule(page_id)
        new_ranges = _validate(rule, ranges, position, client_time, session)
    except (ItemNotFound, HeartbeatRejected):
        count_rejected(member_id, now=now, limit=limit)
        raise
    with transaction.atomic(), store.cursor() as cursor:
        outcome = _record(
            cursor, member_id, page_id, rule, new_ranges, session, position, client_time, now, limit
        )
    if isinstance(outcome, Exception):
        raise outcome  # committed: the count and the clocks
    return outcome


def _record(cursor, member_id, page_id, rule, new_ranges, session, position, client_time, now, limit):
    """One heartbeat in the caller's transaction: the item's state, or the exception to raise
    once the transaction (the count, the clocks) is committed."""
    seconds = now.timestamp()
    # The counter row stays locked until the end: the member's heartbeats take turns.
    counter, progress = store.count_and_lock(
        cursor, member_id, page_id, int(seconds // 60), seconds, CLOCK_GAP
    )
    limited = _rate_limited(counter, seconds, limit, member_id)
    if limited is not None:
        return limited
    budget = clock_allowance(seconds - counter.clock_start) - counter.credited
    for _attempt in range(3):  # a second only when another session inserted the row first
        new = progress is None
        if new:
            progress = ItemProgress(
                member_id=member_id, page_id=page_id, started_at=now, ranges=[], sessions={}
            )
        try:
            if rule.kind in MEDIA_KINDS:
                used = _apply_media(progress, rule, new_ranges, now, budget)
            else:
                used = _apply_article(progress, session, client_time, position, now, budget)
        except HeartbeatRejected as error:
            if new:  # the item's clock starts at the first heartbeat heard, nothing credited
                store.insert_progress(cursor, ItemProgress(
                    member_id=member_id, page_id=page_id, started_at=now, ranges=[], sessions={}
                ))
            return error
        completion = _merge(progress, rule, member_id, page_id, position, client_time, now)
        credited = counter.credited + used if used else None
        if not new:
            store.update_progress(cursor, progress, credited)
            break
        if store.insert_progress(cursor, progress):
            if credited is not None:
                store.set_credited(cursor, member_id, credited)
            break
        # Another session's first heartbeat on this item was committed while this one waited
        # for the counter (store.count_and_lock): merge into that row instead.
        progress = store.lock_progress(cursor, member_id, page_id)
    else:  # the row was neither inserted nor found three times: never write nothing silently
        raise RuntimeError(f"progress row of member {member_id} on item {page_id} not written")
    return _state(progress, completion, rule)


def _merge(progress, rule, member_id, page_id, position, client_time, now):
    """Position, clock and completion of an accepted heartbeat; returns the Completion or None."""
    if client_time >= progress.position_client_time:
        progress.position = float(position)
        progress.position_client_time = float(client_time)
    progress.last_heartbeat_at = now
    if not (progress.completed or meets_rule(progress, rule)):
        return None
    if not progress.completed and not extra_requirements.met(member_id, page_id):
        return None  # watched, but another requirement (a lesson's quiz) is not yet met
    # The member's heartbeats take turns (the counter row), so only one gets here first; the
    # unique constraint backs it up. A completion recorded by the secretary is kept as it is.
    completion, created = Completion.objects.get_or_create(
        member_id=member_id,
        page_id=page_id,
        defaults={"completed_at": now, "how": Completion.How.WATCHED},
    )
    if created:
        logger.info("member %s completed item %s by watching", member_id, page_id)
    progress.completed = True
    return completion


def _state(progress, completion, rule):
    coverage = coverage_of(progress, rule)
    if completion is not None:
        state = "completed"
    elif progress is not None and (progress.covered_seconds or progress.dwell_seconds or progress.position):
        state = "in_progress"
    else:
        state = "not_started"
    return {
        "state": state,
        "coverage": coverage,
        "position": progress.position if progress is not None else 0.0,
        "completed": completion is not None,
        "completed_at": completion.completed_at if completion is not None else None,
    }


def progress_state(member, page_id):
    rule = item_rule(page_id)
    progress = ItemProgress.objects.filter(member=member, page_id=page_id).first()
    completion = Completion.objects.filter(member=member, page_id=page_id).first()
    return _state(progress, completion, rule)


def item_states(user, page_ids):
    """{page_id: {"state", "coverage", "position"}} for the signed-in member; a fixed number of
    queries whatever the number of pages. Anonymous users and non-members get "not_started"."""
    page_ids = [int(pk) for pk in page_ids]
    empty = {pk: {"state": "not_started", "coverage": 0.0, "position": 0.0} for pk in page_ids}
    member = member_of(user)
    if member is None or not page_ids:
        return empty
    progress = {
        p.page_id: p for p in ItemProgress.objects.filter(member=member, page_id__in=page_ids)
    }
    completed = set(
        Completion.objects.filter(member=member, page_id__in=page_ids).values_list(
            "page_id", flat=True
        )
    )
    rules = {}
    for pk in progress:
        try:
            rules[pk] = item_rule(pk)
        except ItemNotFound:
            pass
    states = {}
    for pk in page_ids:
        row = progress.get(pk)
        rule = rules.get(pk)
        coverage = coverage_of(row, rule) if (row is not None and rule is not None) else 0.0
        if pk in completed:
            state = "completed"
        elif row is not None and (row.covered_seconds or row.dwell_seconds or row.position):
            state = "in_progress"
        else:
            state = "not_started"
        states[pk] = {
            "state": state,
            "coverage": 1.0 if pk in completed and coverage == 0 else coverage,
            "position": row.position if row is not None else 0.0,
        }
    return states


def member_of(user):
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.member
    except Member.DoesNotExist:
        return None


def member_or_404(user):
    """The member `user` is, for a member's own pages (the apps' "mine" views): 404 for a user
    without a member profile (an editor, an officer who is not a member)."""
    member = member_of(user)
    if member is None:
        raise Http404("no member profile")
    return member


def recheck_completion(member_id, page_id):
    """Completes the item by watching when its rule and every extra requirement
    (members.completion) are met now: called by the app whose requirement just became met.
    Returns the Completion or None."""
    progress = ItemProgress.objects.filter(member_id=member_id, page_id=page_id).first()
    if progress is None:
        return None
    try:
        rule = item_rule(page_id)
    except ItemNotFound:
        return None
    if not meets_rule(progress, rule) or not extra_requirements.met(member_id, page_id):
        return None
    completion, created = Completion.objects.get_or_create(
        member_id=member_id, page_id=page_id,
        defaults={"completed_at": timezone.now(), "how": Completion.How.WATCHED},
    )
    if created:
        ItemProgress.objects.filter(pk=progress.pk).update(completed=True)
        logger.info("member %s completed item %s (requirements met)", member_id, page_id)
    return completion


def completion_rule_locked(page):
    """Once anyone has completed the item its rule stays as it is, so records stay comparable."""
    return Completion.objects.filter(page_id=getattr(page, "pk", page)).exists()


def completion_moment(date):
    """A recorded date becomes noon local time (the day is what matters)."""
    return timezone.make_aware(datetime.combine(date, day_time(12, 0)))


def record_completions(*, page, members, how="group", set_by, date, place="", note=""):
    """Mark one item complete for many members at once; returns how many were newly recorded.

    Members already complete keep their first record. Raises PermissionDenied when set_by may
    not record for one of the members (scope is checked in members.scoping).
    """
    if how not in (Completion.How.GROUP, Completion.How.RECORDED, Completion.How.REPORTED):
        raise ValueError(f"how must be group, recorded or reported, not {how!r}")
    member_ids = {m.pk if isinstance(m, Member) else int(m) for m in members}
    if how == Completion.How.REPORTED:
        own = member_of(set_by)
        if own is None or member_ids != {own.pk}:
            raise PermissionDenied("members report only their own completion")
    else:
        allowed = set(
            scoping.visible_members(set_by).filter(pk__in=member_ids).values_list("pk", flat=True)
        )
        if member_ids - allowed:
            raise PermissionDenied(
                f"user {set_by.pk} may not record for members {sorted(member_ids - allowed)}"
            )
    page_id = getattr(page, "pk", page)
    moment = completion_moment(date)
    with transaction.atomic():
        done = set(
            Completion.objects.filter(page_id=page_id, member_id__in=member_ids).values_list(
                "member_id", flat=True
            )
        )
        new = [
            Completion(
                member_id=member_id,
                page_id=page_id,
                completed_at=moment,
                how=how,
                set_by=set_by,
                place=place[:120],
                note=note[:300],
            )
            for member_id in sorted(member_ids - done)
        ]
        Completion.objects.bulk_create(new, ignore_conflicts=True)
        ItemProgress.objects.filter(page_id=page_id, member_id__in=member_ids).update(completed=True)
    logger.info("user %s recorded %s completions of item %s (%s)", set_by.pk, len(new), page_id, how)
    return len(new)
