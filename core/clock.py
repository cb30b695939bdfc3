"""The service's one "today" and "now".

Everything that depends on the date (overdue, amber grace, "as at today", reminders, default
dates) asks here, never `date.today()` or `timezone.now()` directly, so tests and the browser
tests' server can set the date (tests/core/test_clock.py fails on any other clock read in app code).
The `SERVICE_TODAY` setting (a date or an ISO date) pins the date for a test server; otherwise the
clock is the machine's, in the service's time zone.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone


def _pinned_today() -> dt.date | None:
    value = getattr(settings, "SERVICE_TODAY", None)
    if not value:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def today() -> dt.date:
    """The service's current date (the local date in `TIME_ZONE`)."""
    return _pinned_today() or timezone.localdate()


def now() -> dt.datetime:
    """The current moment, on the pinned date when one is set (keeping the real time of day)."""
    moment = timezone.now()
    pinned = _pinned_today()
    if pinned is None:
        return moment
    local = timezone.localtime(moment)
    return local.replace(year=pinned.year, month=pinned.month, day=pinned.day)
