"""Plain SQL for the heartbeat path (PostgreSQL and SQLite).

A heartbeat is the one request members send all the time (every 15 s while a lesson plays). Each
ORM query costs about 0.4 ms of Python here, several times the query itself, so this path reads
and writes its few rows with one plain statement each. The models stay the schema; everything
else uses the ORM.

Per heartbeat (members.services.record_heartbeat), in one transaction:

1. `count_and_lock`: `count_heartbeat` — the member's counter for this minute, +1 (upsert,
   RETURNING the count). It is the per-member rate limit, shared by every gunicorn worker, and
   its row lock makes the member's heartbeats (two tabs, a phone and a PC) take turns — then
   `lock_progress`, the (member, item) progress row, `SELECT ... FOR UPDATE`. On PostgreSQL the
   two are one statement (a data-modifying CTE), one round trip less.
2. `insert_progress` or `update_progress`.

On PostgreSQL the statements go through a server-side binding cursor (`cursor()`), so psycopg
prepares each one after its fifth run on a connection: PostgreSQL then skips parsing and planning,
about half of its work for such small statements. The SQL names its columns (no `*`), so a
migration that adds a column does not upset a prepared statement.
"""

import json
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


_COUNT_SQL = (
    f'INSERT INTO {_COUNT} ("member_id", "minute", "count") VALUES (%s, %s, 1) '
    f'ON CONFLICT ("member_id") DO UPDATE SET "count" = CASE '
    f'WHEN {_COUNT}."minute" = excluded."minute" THEN {_COUNT}."count" + 1 ELSE 1 END, '
    f'"minute" = excluded."minute" RETURNING "count"'
)


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


def count_heartbeat(cursor, member_id, minute):
    """Adds one to the member's heartbeats in `minute` (a minute number); returns the count so far.

    Locks the member's counter row until the transaction ends (the caller holds one)."""
    cursor.execute(_COUNT_SQL, [member_id, minute])
    return cursor.fetchone()[0]


def count_and_lock(cursor, member_id, page_id, minute):
    """(count_heartbeat's count, lock_progress's row or None), on PostgreSQL in one statement.

    That statement's snapshot is taken before it waits for the counter row: a row that another
    session of the member updated meanwhile is read as committed (FOR UPDATE reads the newest
    version), but a row it *inserted* meanwhile is not seen, and insert_progress then says so."""
    if connection.vendor != "postgresql":
        return count_heartbeat(cursor, member_id, minute), lock_progress(cursor, member_id, page_id)
    cursor.execute(
        f"WITH c AS ({_COUNT_SQL}, \"member_id\") "
        f'SELECT c."count", p."id", {", ".join(f"p.{_q(name)}" for name in PROGRESS_FIELDS)} FROM c '
        f'LEFT JOIN LATERAL (SELECT "id", {_COLUMNS} FROM {_PROGRESS} '
        f'WHERE "member_id" = c."member_id" AND "page_id" = %s FOR UPDATE) p ON TRUE',
        [member_id, minute, page_id],
    )
    row = cursor.fetchone()
    return row[0], _progress(member_id, page_id, row[1:])


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


def update_progress(cursor, progress):
    names = [name for name in PROGRESS_FIELDS if name != "started_at"]
    cursor.execute(
        f'UPDATE {_PROGRESS} SET {", ".join(f"{_q(name)} = %s" for name in names)} WHERE "id" = %s',
        [_dump(name, getattr(progress, name)) for name in names] + [progress.id],
    )
