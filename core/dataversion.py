"""Data versions: numbers that change whenever the service's data does, in the writing transaction, one per table.

Cached pages are keyed by them (core/cache.py). Rather than trusting every form, service, import,
admin page, management command and raw SQL statement to remember to bump them, a database execute
wrapper (installed on every connection by CoreConfig.ready) bumps the version of a table after any
statement that writes to it, when it holds the service's data, on the same database connection, so
in the same transaction:

- a cached figure can never outlive the data it came from: the bump commits with the write, and a
  reader reads the version before it computes, so whatever it computes is at least as new as the
  version it is stored under;
- each table has its own version (read_tables_version), so a page that reads only the indicators'
  tables stays cached while officers post action updates; read_version() is the sum of every
  table's, which changes at any write, for pages that do not say what they read;
- a statement whose target cannot be told from its text (TRUNCATE, a write inside a WITH, anything
  unfamiliar) bumps the wildcard (WILDCARD), which every table's version includes;
- tables whose writes are not data are left out (EXCLUDED_TABLES): sessions (saved on every
  request), the cache table itself, this table, the task queue's worker bookkeeping, migrations and
  the sign-in throttle's records.

One bump per table per transaction is enough (the others would add nothing a reader can see), so a
long import pays one extra statement per table it writes, not one per row; reading a version inside
a writing transaction re-arms the bump of the tables read, so a page cached mid-transaction is still
invalidated by a later write.

Cost on PostgreSQL: updating a single counter row would lock it until the writing transaction
commits, so a ten-second import would make every other writer (an officer saving an update) wait ten
seconds. Instead each writing transaction takes, for each table it writes, the first counter row of
that table no other transaction holds (`FOR UPDATE SKIP LOCKED`) and adds one to it, inserting a new
row only when every row of the table is held; a version is the sum of its rows. Writers never wait
for one another here, each table keeps as many rows as the greatest number of concurrent writers of
it, and the sum still changes at each commit. SQLite allows one writer at a time anyway, so it uses
the first row of each table.

Not covered: writes that bypass Django's connection (another program writing to the database, or
code using the raw DB-API connection, `connection.connection.cursor()`); and schema changes (migrate
pauses the bump; a migration that changes data bumps the wildcard once at the end through post_migrate).
"""

import re
from collections.abc import Iterable

from django.db import connections, transaction

TABLE = "core_dataversion"
# The version every table's includes: bumped by a write whose table cannot be told, and by migrate.
WILDCARD = "*"
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
    r"""^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+[\"`\[]?(\w+)([\"`\]]?\s*\.)?""",
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
# The tables a statement reads, as Django and hand-written SQL name them after FROM and JOIN; a name
# followed by a dot is a column ("EXTRACT(YEAR FROM "t"."period")"), not a table.
_READS = re.compile(r"""\b(?:FROM|JOIN)\s+[\"`\[]?([A-Za-z_]\w*)[\"`\]]?(?!\s*\.)""", re.IGNORECASE)
# The names a WITH clause gives its parts: "FROM recent" reads the part, not a table.
_CTE_NAMES = re.compile(
    r"""(?:\bWITH(?:\s+RECURSIVE)?|,)\s*[\"`]?(\w+)[\"`]?(?:\s*\([^)]*\))?\s+AS\s+(?:NOT\s+)?(?:MATERIALIZED\s+)?\(""",
    re.IGNORECASE,
)

_migrating = False


def written_table(sql) -> str | None:
    """The data table a statement writes; WILDCARD when that cannot be told; None for no data write
    (when unsure: the wildcard, since a needless bump is harmless)."""
    if not isinstance(sql, str):
        sql = str(sql)
    target = _TARGET.match(sql)
    if target:
        if target.group(2):  # schema-qualified ("public"."x"): not worth parsing further
            return WILDCARD
        table = target.group(1).lower()
        return None if table in EXCLUDED_TABLES else table
    if _NOT_DATA.match(sql):
        return None
    if re.match(r"^\s*WITH\b", sql, re.IGNORECASE):
        return WILDCARD if _WRITES_IN_CTE.search(sql) else None
    return WILDCARD  # TRUNCATE, MERGE, COPY, anything unfamiliar


def changes_data(sql) -> bool:
    """Whether a statement may change the service's data (when unsure: yes, a needless bump is harmless)."""
    return written_table(sql) is not None


def tables_read(sql) -> set[str]:
    """The tables a statement names after FROM or JOIN, less the names its WITH clause defines."""
    if not isinstance(sql, str):
        sql = str(sql)
    named = {name.lower() for name in _READS.findall(sql)}
    # Anywhere in the statement: a query may wrap a WITH in a subquery ("SELECT ... FROM (WITH d AS ...").
    if named and re.search(r"\bWITH\b", sql, re.IGNORECASE):
        named -= {name.lower() for name in _CTE_NAMES.findall(sql)}
    return named


def _marks(connection) -> dict:
    marks = getattr(connection, "_data_version_marks", None)
    if marks is None:
        marks = connection._data_version_marks = {}
    return marks


def _bumped_in_this_transaction(connection, table: str) -> bool:
    mark = _marks(connection).get(table)
    return mark is not None and any(entry[1] is mark for entry in connection.run_on_commit)


def _bump(connection, table: str) -> None:
    # A cursor of its own on the same database connection (so the same transaction): reusing the
    # statement's cursor would throw away what it returned (INSERT ... RETURNING, lastrowid).
    raw_cursor = connection.connection.cursor()
    try:
        _bump_with(connection, raw_cursor, table)
    finally:
        raw_cursor.close()


def _bump_with(connection, raw_cursor, table: str) -> None:
    # The raw DB-API cursor takes the driver's own placeholder: "?" for sqlite3, "%s" for psycopg.
    mark = "?" if connection.vendor == "sqlite" else "%s"
    if connection.vendor == "postgresql":
        held = f"SELECT id FROM {TABLE} WHERE table_name = {mark} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
    else:
        held = f"SELECT MIN(id) FROM {TABLE} WHERE table_name = {mark}"
    raw_cursor.execute(f"UPDATE {TABLE} SET counter = counter + 1 WHERE id = ({held})", [table])
    if raw_cursor.rowcount == 0:  # every row of the table held by another writer, or none yet
        raw_cursor.execute(f"INSERT INTO {TABLE} (table_name, counter) VALUES ({mark}, 1)", [table])


_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


def bump_after_writes(execute, sql, params, many, context):
    """The execute wrapper: run the statement, then bump its table's version in the same transaction if it
    wrote data."""
    connection = context["connection"]
    table = None if _migrating else written_table(sql)
    if table is None:
        return execute(sql, params, many, context)
    if connection.in_atomic_block:
        result = execute(sql, params, many, context)
        if not _bumped_in_this_transaction(connection, table):
            _bump(connection, table)

            # Registered with on_commit: Django forgets it when the transaction (or the savepoint it
            # was made in) rolls back, taking the bump with it, so the next write bumps again.
            def mark():
                pass

            _marks(connection)[table] = mark
            connection.on_commit(mark)
        return result
    if not connection.get_autocommit():  # manual transaction management: the caller commits both
        result = execute(sql, params, many, context)
        _bump(connection, table)
        return result
    if connection.vendor == "sqlite" and _RETURNING.search(str(sql)):
        # SQLite keeps an implicit transaction open while INSERT ... RETURNING has rows unread, and
        # commits the bump with it; an explicit COMMIT now would fail ("SQL statements in progress").
        result = execute(sql, params, many, context)
        _bump(connection, table)
        return result
    # Autocommit: one transaction for the write and its bump (and one commit, not two).
    with transaction.atomic(using=connection.alias):
        result = execute(sql, params, many, context)
        _bump(connection, table)
    return result


def read_version(using: str = "default") -> int:
    """The data version of everything (the sum of every table's and the wildcard's): one query."""
    connection = connections[using]
    # A write later in this transaction must bump again: whatever is cached from now on is keyed by this.
    _marks(connection).clear()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(counter), 0) FROM {TABLE}")
        return int(cursor.fetchone()[0])


def read_tables_version(tables: Iterable[str], using: str = "default") -> int:
    """The data version of these tables (the sum of theirs and the wildcard's): one query. It moves on at
    any committed write to one of them, and at none to another table."""
    names = sorted({*tables, WILDCARD})
    connection = connections[using]
    marks = _marks(connection)
    for name in names:  # as read_version: a later write to one of these in this transaction bumps again
        marks.pop(name, None)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(counter), 0) FROM {TABLE} WHERE table_name IN ({', '.join(['%s'] * len(names))})",
            names,
        )
        return int(cursor.fetchone()[0])


def install(connection, **kwargs) -> None:
    """connection_created receiver: give each connection the wrapper once (reconnects send it again)."""
    if bump_after_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(bump_after_writes)


def pause_for_migrate(**kwargs) -> None:
    global _migrating
    _migrating = True


def resume_after_migrate(using="default", **kwargs) -> None:
    """post_migrate: bump the wildcard once, since a migration may have changed data in any table while the
    bump was paused."""
    global _migrating
    if not _migrating:
        return
    _migrating = False
    connection = connections[using]
    with connection.cursor() as cursor:
        if TABLE not in connection.introspection.table_names(cursor):  # not when migrating back before it
            return
        columns = {column.name for column in connection.introspection.get_table_description(cursor, TABLE)}
    if "table_name" in columns:  # nor back before the versions per table
        _bump(connection, WILDCARD)
