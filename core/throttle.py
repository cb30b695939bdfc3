"""Counting requests against limits in Django's cache (the database cache: see settings.CACHES).

Each limit is a fixed window that starts with the first request counted against its key. Keys are
hashed, so the cache table holds no email addresses.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def _cache_key(scope: str, key: str) -> str:
    return f"throttle:{scope}:{hashlib.sha256(key.encode()).hexdigest()}"


def allow(scope: str, limits: dict[str, int], window: timedelta) -> bool:
    """Count one request against each key's limit, or return False (counting nothing) if any is reached."""
    keys = {_cache_key(scope, key): limit for key, limit in limits.items()}
    entries = cache.get_many(keys)  # key -> (count, window end as a timestamp)
    if any(entries[key][0] >= limit for key, limit in keys.items() if key in entries):
        return False
    # The cache's own clock, not core.clock: the window must end when the cache entry expires, even
    # on a test server whose date is pinned. cache.incr is not used: it would reset the expiry.
    now = timezone.now().timestamp()  # machine clock: throttle windows are real time
    for key in keys:
        count, ends = entries.get(key, (0, now + window.total_seconds()))
        cache.set(key, (count + 1, ends), timeout=max(ends - now, 1))
    return True


def allow_password_reset(email: str, address: str | None) -> bool:
    """Count a password-reset request against the per-email and per-address limits.

    Counted whether or not the email has an account, so the limit says nothing about accounts.
    """
    limits = {
        f"email:{email.strip().lower()}": settings.PASSWORD_RESET_LIMIT_PER_EMAIL,
        f"address:{address}": settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
    }
    return allow("password-reset", limits, settings.PASSWORD_RESET_WINDOW)
