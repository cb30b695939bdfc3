"""Cached page computations, keyed by the data version and today's date (issue 11, part 5).

A key names what is cached, the data version (core/dataversion.py: every write bumps it in the
writing transaction), today's date (overdue and amber grace change at midnight with no write), and
whatever else the computation depends on (a meeting, two dates, a filter, the reader's roles when a
fragment differs by role). So a cached value is never a stale figure: any write, or midnight, moves
every key on. Old entries are never read again and age out (PAGE_CACHE_TIMEOUT, the cache's culling).

Values go through Django's cache framework: by default the database cache (the core_cache table),
so several web processes agree and nothing is kept in process memory; CACHE_URL points it at Redis or
Memcached (README, Configuration). PAGE_CACHE=false turns page caching off (the tests that count
queries run that way).

Never cache anything holding a CSRF token or another user's data: cache the computation, or a
fragment everyone who may see the page sees alike, and keep per-user bits outside it.
"""

import hashlib
import pickle
import zlib

from django.conf import settings
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from core import clock
from core.dataversion import read_version
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


def make_key(name: str, *, version: int, as_at, parts=()) -> str:
    """'page:<name>:<version>:<as-at>:<hash of the other parts>', short enough for Memcached."""
    extra = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:24] if parts else "-"
    return f"page:{name}:{version}:{as_at.isoformat()}:{extra}"


def roles_part(user) -> str:
    """The reader's roles, for fragments that differ by role."""
    return ",".join(role_names_for(user))


def cached(request, name: str, compute, *, parts=()):
    """compute()'s value, from the cache when the data and the date are as they were when it was stored."""
    if not enabled():
        return compute()
    key = make_key(name, version=data_version(request), as_at=clock.today(), parts=parts)
    stored = cache.get(key, _MISSING)
    if stored is not _MISSING:
        return _unpacked(stored)
    value = compute()
    cache.set(key, _packed(value), settings.PAGE_CACHE_TIMEOUT)
    return value


def lazy(request, name: str, compute, *, parts=()):
    """cached(), worked out only when a template first uses it, so a cached fragment skips it altogether."""
    return SimpleLazyObject(lambda: cached(request, name, compute, parts=parts))
