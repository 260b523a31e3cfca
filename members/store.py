"""Plain SQL for the heartbeat path (PostgreSQL and SQLite).

A heartbeat is the one request members send all the time (every 15 s while a lesson plays). Each
ORM query costs about 0.4 ms of Python here, several times the query itself, so this path reads
and writes its few rows with one plain statement each. The models stay the schema; everything
else uses the ORM.

Per heartbeat (members.services.record_heartbeat), in one transaction:

1. `count_and_lock`: `count_heartbeat` — the member's counter row (upsert, RETURNING it): this
   minute's count +1 and the previous minute's (the per-member rate limit, shared by every
   gunicorn worker), and the member's clock moved to now (the budget of credited media time
   across all items). Its row lock makes the member's heartbeats (two tabs, a phone and a PC)
   take turns — then `lock_progress`, the (member, item) progress row, `SELECT ... FOR UPDATE`.
   On PostgreSQL the two are one statement (a data-modifying CTE), one round trip less.
2. `insert_progress` or `update_progress`, which also writes the member's new credited total
   (on PostgreSQL in the same statement, a CTE again).

On PostgreSQL the statements go through a server-side binding cursor (`cursor()`), so psycopg
prepares each one after its fifth run on a connection: PostgreSQL then skips parsing and planning,
about half of its work for such small statements. The SQL names its columns (no `*`), so a
migration that adds a column does not upset a prepared statement.
"""

import json
from collections import namedtuple
from datetime import UTC

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

try:
    from django.db.backends.postgresql.base import ServerBindingCursor
except ImportError:  # no psycopg installed: SQLite only
    ServerBindingCursor = None

from members.models import HeartbeatCount, ItemProgress

# The progress row's columns read and written here (the model's field names are its columns).
PROGRESS_FIELDS = (
    "ranges",
    "covered_seconds",
    "position",
    "position_client_time",
    "dwell_seconds",
    "reached_end",
    "sessions",
    "completed",
    "started_at",
    "last_heartbeat_at",
)
_JSON = {"ranges", "sessions"}
PREPARE_THRESHOLD = 5  # psycopg prepares a statement at its fifth run on a connection
_TIMES = {"started_at", "last_heartbeat_at"}
_q = connection.ops.quote_name
_PROGRESS = _q(ItemProgress._meta.db_table)
_COUNT = _q(HeartbeatCount._meta.db_table)
_COLUMNS = ", ".join(_q(name) for name in PROGRESS_FIELDS)


def _load(name, value):
    if name in _JSON:
        return json.loads(value) if isinstance(value, str) else value
    if name in _TIMES and value is not None:
        if isinstance(value, str):  # SQLite without a declared type converter
            value = timezone.datetime.fromisoformat(value)
        if timezone.is_naive(value):  # SQLite stores UTC without a zone
            value = value.replace(tzinfo=UTC)
    if name in ("reached_end", "completed"):
        return bool(value)
    return value


def _dump(name, value):
    if name in _JSON:
        field = ItemProgress._meta.get_field(name)
        return field.get_db_prep_value(value, connection)
    if name in _TIMES:
        return connection.ops.adapt_datetimefield_value(value)
    return value


# The counter row after this heartbeat: `count` in `minute`, `previous` in the minute before, and
# the member's clock (members.models.HeartbeatCount). In ON CONFLICT's SET every column named
# with the table's name is the row as it was. A minute or a clock behind the row's (another web
# host's clock a little behind) counts in the row's own minute and leaves its clock where it is.
_OLD = _COUNT
_NEW_RUN = f'(excluded."clock_seen" - {_OLD}."clock_seen" > %s)'
_COUNT_SQL = (
    f'INSERT INTO {_COUNT} ("member_id", "minute", "count", "previous", "clock_start", '
    f'"clock_seen", "credited") VALUES (%s, %s, 1, 0, %s, %s, 0) '
    f'ON CONFLICT ("member_id") DO UPDATE SET '
    f'"count" = CASE WHEN excluded."minute" <= {_OLD}."minute" THEN {_OLD}."count" + 1 ELSE 1 END, '
    f'"previous" = CASE WHEN excluded."minute" <= {_OLD}."minute" THEN {_OLD}."previous" '
    f'WHEN excluded."minute" = {_OLD}."minute" + 1 THEN {_OLD}."count" ELSE 0 END, '
    f'"minute" = CASE WHEN excluded."minute" > {_OLD}."minute" THEN excluded."minute" '
    f'ELSE {_OLD}."minute" END, '
    f'"clock_start" = CASE WHEN {_NEW_RUN} THEN excluded."clock_start" ELSE {_OLD}."clock_start" END, '
    f'"credited" = CASE WHEN {_NEW_RUN} THEN 0 ELSE {_OLD}."credited" END, '
    f'"clock_seen" = CASE WHEN excluded."clock_seen" > {_OLD}."clock_seen" '
    f'THEN excluded."clock_seen" ELSE {_OLD}."clock_seen" END '
    f'RETURNING "count", "previous", "clock_start", "credited"'
)

# The member's counter row as a heartbeat left it: its rate-limit counts and its clock.
Counter = namedtuple("Counter", "count previous clock_start credited")


def cursor(using=DEFAULT_DB_ALIAS):
    """A cursor on Django's connection (in its transaction, with its error wrapping and query
    log); on PostgreSQL one that binds parameters on the server, which lets psycopg prepare."""
    db = connections[using]
    if db.vendor != "postgresql" or ServerBindingCursor is None:
        return db.cursor()
    db.ensure_connection()
    db.validate_thread_sharing()
    if db.connection.prepare_threshold is None:
        # Django turns psycopg's preparing off for connection poolers' sake; it only ever applies
        # to server-binding cursors, i.e. these (Django's own bind on the client).
        db.connection.prepare_threshold = PREPARE_THRESHOLD
    raw = ServerBindingCursor(db.connection)
    return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)


def _count_params(member_id, minute, now, gap):
    return [member_id, minute, now, now, gap, gap]


def count_heartbeat(cursor, member_id, minute, now, gap):
    """Counts one heartbeat in the member's row and moves their clock to `now` (Unix seconds;
    a silence longer than `gap` seconds starts it afresh); returns the row as a Counter.

    Locks the counter row until the transaction ends (the caller holds one)."""
    cursor.execute(_COUNT_SQL, _count_params(member_id, minute, now, gap))
    return Counter(*cursor.fetchone())


def count_and_lock(cursor, member_id, page_id, minute, now, gap):
    """(count_heartbeat's Counter, lock_progress's row or None), on PostgreSQL in one statement.

    That statement's snapshot is taken before it waits for the counter row: a row that another
    session of the member updated meanwhile is read as committed (FOR UPDATE reads the newest
    version), but a row it *inserted* meanwhile is not seen, and insert_progress then says so."""
    if connection.vendor != "postgresql":
        counter = count_heartbeat(cursor, member_id, minute, now, gap)
        return counter, lock_progress(cursor, member_id, page_id)
    cursor.execute(
        f"WITH c AS ({_COUNT_SQL}, \"member_id\") "
        f'SELECT c."count", c."previous", c."clock_start", c."credited", p."id", '
        f'{", ".join(f"p.{_q(name)}" for name in PROGRESS_FIELDS)} FROM c '
        f'LEFT JOIN LATERAL (SELECT "id", {_COLUMNS} FROM {_PROGRESS} '
        f'WHERE "member_id" = c."member_id" AND "page_id" = %s FOR UPDATE) p ON TRUE',
        [*_count_params(member_id, minute, now, gap), page_id],
    )
    row = cursor.fetchone()
    return Counter(*row[:4]), _progress(member_id, page_id, row[4:])


def lock_progress(cursor, member_id, page_id):
    """The member's progress row on the item as an ItemProgress (saved by the functions below,
    not by .save()), or None."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    cursor.execute(
        f'SELECT "id", {_COLUMNS} FROM {_PROGRESS} WHERE "member_id" = %s AND "page_id" = %s{lock}',
        [member_id, page_id],
    )
    return _progress(member_id, page_id, cursor.fetchone())


def _progress(member_id, page_id, row):
    if row is None or row[0] is None:
        return None
    values = {name: _load(name, value) for name, value in zip(PROGRESS_FIELDS, row[1:], strict=True)}
    return ItemProgress(id=row[0], member_id=member_id, page_id=page_id, **values)


def insert_progress(cursor, progress):
    """Inserts the new row; False (nothing written) if the member's row on the item exists."""
    values = [progress.member_id, progress.page_id]
    values += [_dump(name, getattr(progress, name)) for name in PROGRESS_FIELDS]
    cursor.execute(
        f'INSERT INTO {_PROGRESS} ("member_id", "page_id", {_COLUMNS}) '
        f'VALUES ({", ".join(["%s"] * len(values))}) '
        f'ON CONFLICT ("member_id", "page_id") DO NOTHING RETURNING "id"',
        values,
    )
    row = cursor.fetchone()
    if row is None:
        return False
    progress.id = row[0]
    return True


_CREDIT_SQL = f'UPDATE {_COUNT} SET "credited" = %s WHERE "member_id" = %s'


def set_credited(cursor, member_id, credited):
    """The member's credited media time on their clock (the counter row, locked by this
    transaction's count_heartbeat)."""
    cursor.execute(_CREDIT_SQL, [credited, member_id])


def update_progress(cursor, progress, credited=None):
    """Writes the progress row back; with `credited`, the member's new total on their clock too
    (on PostgreSQL in the same statement)."""
    names = [name for name in PROGRESS_FIELDS if name != "started_at"]
    sql = f'UPDATE {_PROGRESS} SET {", ".join(f"{_q(name)} = %s" for name in names)} WHERE "id" = %s'
    params = [_dump(name, getattr(progress, name)) for name in names] + [progress.id]
    if credited is None:
        cursor.execute(sql, params)
    elif connection.vendor == "postgresql":
        cursor.execute(f"WITH credit AS ({_CREDIT_SQL}) {sql}", [credited, progress.member_id, *params])
    else:
        cursor.execute(sql, params)
        set_credited(cursor, progress.member_id, credited)
