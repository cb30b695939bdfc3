"""The data version: a number that changes whenever the service's data does, in the writing transaction.

Cached pages are keyed by it (core/cache.py). Rather than trusting every form, service, import,
admin page, management command and raw SQL statement to remember to bump it, a database execute
wrapper (installed on every connection by CoreConfig.ready) bumps it after any statement that writes
to a table holding the service's data, on the same database connection, so in the same transaction:

- a cached figure can never outlive the data it came from: the bump commits with the write, and a
  reader reads the version before it computes, so whatever it computes is at least as new as the
  version it is stored under;
- tables whose writes are not data are left out (EXCLUDED_TABLES): sessions (saved on every
  request), the cache table itself, this table, the task queue's worker bookkeeping, migrations and
  the sign-in throttle's records.

One bump per transaction is enough (the others would add nothing a reader can see), so a long
import pays one extra statement, not one per row; reading the version inside a writing transaction
re-arms the bump, so a page cached mid-transaction is still invalidated by a later write.

Cost on PostgreSQL: updating a single counter row would lock it until the writing transaction
commits, so a ten-second import would make every other writer (an officer saving an update) wait ten
seconds. Instead each writing transaction takes the first counter row no other transaction holds
(`FOR UPDATE SKIP LOCKED`) and adds one to it, inserting a new row only when every row is held; the
version is the sum of the rows. Writers never wait for one another here, the table stays as small as
the greatest number of concurrent writers, and the sum still changes at each commit. SQLite allows
one writer at a time anyway, so it uses the first row.

Not covered: writes that bypass Django's connection (another program writing to the database, or
code using the raw DB-API connection, `connection.connection.cursor()`); and schema changes (migrate
pauses the bump; a migration that changes data bumps once at the end through post_migrate).
"""

import re

from django.db import connections, transaction

TABLE = "core_dataversion"
EXCLUDED_TABLES = frozenset(
    {
        TABLE,
        "core_cache",
        "django_session",
        "django_migrations",
        # The worker's heartbeat, written every few seconds: it is no figure any page shows.
        "core_workerheartbeat",
        "django_tasks_database_dbtaskresult",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accessfailurelog",
        "axes_accesslog",
    }
)

# The target of an INSERT, UPDATE or DELETE as Django and hand-written SQL spell it.
_TARGET = re.compile(
    r"""^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+[\"`\[]?(\w+)""",
    re.IGNORECASE,
)
# Statements that never change data (reads, transaction control, schema changes during migrate).
# A compound query may open with a parenthesis: "(SELECT ...) UNION (SELECT ...)" is still a read.
_NOT_DATA = re.compile(
    r"^[\s(]*(?:SELECT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|END|SET|SHOW|PRAGMA|EXPLAIN|VALUES|CREATE|ALTER|DROP|"
    r"COMMENT|ANALYZE|VACUUM|REINDEX|LISTEN|NOTIFY|DEALLOCATE|DISCARD)\b",
    re.IGNORECASE,
)
_WRITES_IN_CTE = re.compile(r"\b(?:INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+[\"\w.]+\s+SET)\b", re.IGNORECASE)

_migrating = False


def changes_data(sql) -> bool:
    """Whether a statement may change the service's data (when unsure: yes, a needless bump is harmless)."""
    if not isinstance(sql, str):
        sql = str(sql)
    target = _TARGET.match(sql)
    if target:
        return target.group(1).lower() not in EXCLUDED_TABLES
    if _NOT_DATA.match(sql):
        return False
    if re.match(r"^\s*WITH\b", sql, re.IGNORECASE):
        return bool(_WRITES_IN_CTE.search(sql))
    return True  # TRUNCATE, MERGE, COPY, anything unfamiliar


def _bumped_in_this_transaction(connection) -> bool:
    mark = getattr(connection, "_data_version_mark", None)
    return mark is not None and any(entry[1] is mark for entry in connection.run_on_commit)


def _bump(connection) -> None:
    # A cursor of its own on the same database connection (so the same transaction): reusing the
    # statement's cursor would throw away what it returned (INSERT ... RETURNING, lastrowid).
    raw_cursor = connection.connection.cursor()
    try:
        _bump_with(connection, raw_cursor)
    finally:
        raw_cursor.close()


def _bump_with(connection, raw_cursor) -> None:
    if connection.vendor == "postgresql":
        held = f"SELECT id FROM {TABLE} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
    else:
        held = f"SELECT MIN(id) FROM {TABLE}"
    raw_cursor.execute(f"UPDATE {TABLE} SET counter = counter + 1 WHERE id = ({held})")
    if raw_cursor.rowcount == 0:  # every row held by another writer, or the table was flushed
        raw_cursor.execute(f"INSERT INTO {TABLE} (counter) VALUES (1)")


_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


def bump_after_writes(execute, sql, params, many, context):
    """The execute wrapper: run the statement, then bump the version in the same transaction if it wrote data."""
    connection = context["connection"]
    if _migrating or not changes_data(sql):
        return execute(sql, params, many, context)
    if connection.in_atomic_block:
        result = execute(sql, params, many, context)
        if not _bumped_in_this_transaction(connection):
            _bump(connection)

            # Registered with on_commit: Django forgets it when the transaction (or the savepoint it
            # was made in) rolls back, taking the bump with it, so the next write bumps again.
            def mark():
                pass

            connection._data_version_mark = mark
            connection.on_commit(mark)
        return result
    if not connection.get_autocommit():  # manual transaction management: the caller commits both
        result = execute(sql, params, many, context)
        _bump(connection)
        return result
    if connection.vendor == "sqlite" and _RETURNING.search(str(sql)):
        # SQLite keeps an implicit transaction open while INSERT ... RETURNING has rows unread, and
        # commits the bump with it; an explicit COMMIT now would fail ("SQL statements in progress").
        result = execute(sql, params, many, context)
        _bump(connection)
        return result
    # Autocommit: one transaction for the write and its bump (and one commit, not two).
    with transaction.atomic(using=connection.alias):
        result = execute(sql, params, many, context)
        _bump(connection)
    return result


def read_version(using: str = "default") -> int:
    """The current data version: one query."""
    connection = connections[using]
    # A write later in this transaction must bump again: whatever is cached from now on is keyed by this.
    connection._data_version_mark = None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(counter), 0) FROM {TABLE}")
        return int(cursor.fetchone()[0])


def install(connection, **kwargs) -> None:
    """connection_created receiver: give each connection the wrapper once (reconnects send it again)."""
    if bump_after_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(bump_after_writes)


def pause_for_migrate(**kwargs) -> None:
    global _migrating
    _migrating = True


def resume_after_migrate(using="default", **kwargs) -> None:
    """post_migrate: bump once, since a migration may have changed data while the bump was paused."""
    global _migrating
    if not _migrating:
        return
    _migrating = False
    connection = connections[using]
    with connection.cursor() as cursor:
        if TABLE in connection.introspection.table_names(cursor):  # not when migrating back before it
            _bump(connection)
