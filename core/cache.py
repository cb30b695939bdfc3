"""Cached page computations, keyed by the data version and today's date (issue 11, part 5).

A key names what is cached, the data version (core/dataversion.py: every write bumps it in the
writing transaction), today's date (overdue and amber grace change at midnight with no write), and
whatever else the computation depends on (a meeting, two dates, a filter, the reader's roles when a
fragment differs by role). So a cached value is never a stale figure: any write, or midnight, moves
every key on. Old entries are never read again and age out (PAGE_CACHE_TIMEOUT, the cache's culling).

A computation that says which tables it reads (`reads=`: models or table names) is keyed by the
versions of only those tables, so a write elsewhere (an officer's action update, for the scorecard)
leaves it cached. The declaration is checked, not trusted: with PAGE_CACHE_CHECK_READS (on in the
tests, cache on or off) the computation runs under an execute wrapper that fails on any statement
reading a table it did not declare. memo() is the same for reusable reads (queries.py), with no
request: it reads the versions each time it is called (one query), then the cache.

Values go through Django's cache framework: by default the database cache (the core_cache table),
so several web processes agree and nothing is kept in process memory; CACHE_URL points it at Redis or
Memcached (README, Configuration). PAGE_CACHE=false turns page caching off (the tests that count
queries run that way).

Never cache anything holding a CSRF token or another user's data: cache the computation, or a
fragment everyone who may see the page sees alike, and keep per-user bits outside it.
"""

import functools
import hashlib
import pickle
import time
import zlib
from contextlib import contextmanager, nullcontext

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils.functional import SimpleLazyObject

from core import clock
from core.dataversion import TABLE, read_tables_version, read_version, tables_read
from core.roles import role_names_for

_MISSING = object()

# A value whose pickle is larger than this is stored zlib-compressed. A large demo's pack sections are ~870 KB
# of HTML, which the database cache pickles and base64-encodes into ~1.2 MB of text that every hit sends
# through the database; compressed at level 1 that is ~50 KB, which a hit reads and unpacks in a quarter
# (PostgreSQL) to a half (SQLite) of the time (bench/PROFILE.md, "The cached pack's hit"). Small values are
# stored as they are: for them compressing costs more than it saves.
COMPRESS_ABOVE = 16 * 1024
_COMPRESS_LEVEL = 1


class _Compressed:
    """A value's pickle, zlib-compressed, as it is stored in the cache (only core.cache reads it back)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data

    def __getstate__(self):
        return self.data

    def __setstate__(self, data):
        self.data = data


def _packed(value):
    """What is stored for a value: the value itself, or a _Compressed of its pickle when that is large."""
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    if len(data) <= COMPRESS_ABOVE:
        return value
    return _Compressed(zlib.compress(data, _COMPRESS_LEVEL))


def _unpacked(stored):
    # Unpickling only what this module pickled into the cache: the cache backends unpickle what they store too.
    if isinstance(stored, _Compressed):
        return pickle.loads(zlib.decompress(stored.data))
    return stored


def enabled() -> bool:
    return getattr(settings, "PAGE_CACHE", False)


def data_version(request=None) -> int:
    """The data version, read once per request (one query) when given the request."""
    if request is None:
        return read_version()
    if not hasattr(request, "_data_version"):
        request._data_version = read_version()
    return request._data_version


def table_names(reads) -> frozenset[str]:
    """The table names of `reads`: models (their db_table) or table names."""
    return frozenset(getattr(getattr(item, "_meta", None), "db_table", item) for item in reads)


@functools.cache
def tables_of_apps(*app_labels: str) -> frozenset[str]:
    """Every model table of these apps, their history and many-to-many tables included, and the users'
    table (people's names, which every such page shows): the `reads=` of a page drawn from whole apps (a
    board pack reads the plan's, the indicators' and the boards'), so that writes elsewhere (an import's
    job records) leave it cached. Worked out once per set of apps: the app registry is fixed by then."""
    return frozenset(
        model._meta.db_table
        for label in app_labels
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ) | table_names((get_user_model(),))


def narrowing(queryset) -> tuple[frozenset[str], object]:
    """A queryset narrowing a memo, as (the tables its SQL reads, a part of the memo's key: its SQL and
    parameters), its SQL compiled once and no query run; (no tables, None) for no queryset."""
    if queryset is None:
        return frozenset(), None
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # .none(), pk__in=[]: Django runs no query for it at all
        return frozenset({queryset.model._meta.db_table}), "nothing"
    return frozenset(tables_read(sql)), (sql, tuple(params))


def tables_version(tables: frozenset[str], request=None) -> str:
    """'<tables' hash>.<their version>': the version of these tables, read once per request when given it."""
    if request is None:
        version = read_tables_version(tables)
    else:
        versions = request.__dict__.setdefault("_tables_versions", {})
        if tables not in versions:
            versions[tables] = read_tables_version(tables)
        version = versions[tables]
    # The tables are part of the key: two computations of one name declaring different tables never share one.
    return f"{hashlib.sha256(repr(sorted(tables)).encode()).hexdigest()[:8]}.{version}"


def make_key(name: str, *, version, as_at, parts=()) -> str:
    """'page:<name>:<version>:<as-at>:<hash of the other parts>', short enough for Memcached."""
    extra = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:24] if parts else "-"
    return f"page:{name}:{version}:{as_at.isoformat()}:{extra}"


def roles_part(user) -> str:
    """The reader's roles, for fragments that differ by role."""
    return ",".join(role_names_for(user))


class UndeclaredRead(AssertionError):
    """A cached computation read a table its `reads=` does not name: its key would not move at that table's writes."""


# The cache's own machinery, read inside a computation (a memo inside a cached page reads its version
# and the database cache): no figure comes from them.
_MACHINERY = frozenset({TABLE, "core_cache"})


@contextmanager
def reading_only(name: str, tables: frozenset[str]):
    """Fail any statement run inside that reads a table not in `tables` (PAGE_CACHE_CHECK_READS)."""
    allowed = tables | _MACHINERY

    def check(execute, sql, params, many, context):
        undeclared = tables_read(sql) - allowed
        if undeclared:
            raise UndeclaredRead(
                f"{name} read {', '.join(sorted(undeclared))}, which its reads= does not name "
                f"({', '.join(sorted(tables))}): {str(sql)[:300]}"
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(check):
        yield


def _guarded(name: str, tables: frozenset[str] | None):
    if tables is None or not getattr(settings, "PAGE_CACHE_CHECK_READS", False):
        return nullcontext()
    return reading_only(name, tables)


def _compute(name: str, compute, tables):
    with _guarded(name, tables):
        return compute()


# How often a request waiting for another process's computation of the same value looks for it.
_WAIT_POLL_SECONDS = 0.03


def _through_cache(key: str, name: str, compute, tables):
    """The stored value, or compute() stored. One process computes a missing value at a time: a write moves
    a page's key on, and the next few readers of a busy page (the pack, the first screen) all missed it
    at once, each working out the same value beside the others (under load 35-40% of the pack's and
    the first screen's misses were such repeats, bench/reliability/RESULTS.md). The first to miss
    claims the key (an atomic cache.add); the others wait for its value, which is exactly what they
    would have computed (same versions, same date), sleeping rather than spending the CPU the first
    one needs. A waiter computes after all when the claim goes (the computation failed) or after
    PAGE_CACHE_WAIT_SECONDS (a stuck or killed process; two pages nesting fragments in opposite
    orders), so no request waits longer than that for another."""
    stored = cache.get(key, _MISSING)
    if stored is not _MISSING:
        return _unpacked(stored)
    claim = f"{key}:computing"
    wait = settings.PAGE_CACHE_WAIT_SECONDS
    if not cache.add(claim, True, wait):
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            time.sleep(_WAIT_POLL_SECONDS)
            found = cache.get_many([key, claim])  # one query for both on the database cache
            if key in found:
                return _unpacked(found[key])
            if claim not in found:
                break
    try:
        value = _compute(name, compute, tables)
        cache.set(key, _packed(value), settings.PAGE_CACHE_TIMEOUT)
    finally:
        cache.delete(claim)
    return value


def cached(request, name: str, compute, *, parts=(), reads=None):
    """compute()'s value, from the cache when the data and the date are as they were when it was stored.

    reads: the models or tables compute() reads; the key then moves only at their writes (else at any write)."""
    tables = table_names(reads) if reads is not None else None
    if not enabled():
        return _compute(name, compute, tables)
    version = data_version(request) if tables is None else tables_version(tables, request)
    key = make_key(name, version=version, as_at=clock.today(), parts=parts)
    return _through_cache(key, name, compute, tables)


def lazy(request, name: str, compute, *, parts=(), reads=None):
    """cached(), worked out only when a template first uses it, so a cached fragment skips it altogether."""
    return SimpleLazyObject(lambda: cached(request, name, compute, parts=parts, reads=reads))


def memo(name: str, compute, *, reads, parts=()):
    """compute()'s value, cached by the versions of the tables it `reads` (models or table names), today's
    date and `parts` (its arguments): for reusable reads in queries.py, with or without a request. Costs
    one query for the versions and a cache read; none of them with the page cache off.

    The value is shared by every caller: it must pickle, and callers must not change it."""
    tables = table_names(reads)
    if not enabled():
        return _compute(f"memo {name}", compute, tables)
    key = make_key(f"memo:{name}", version=tables_version(tables), as_at=clock.today(), parts=parts)
    return _through_cache(key, f"memo {name}", compute, tables)
