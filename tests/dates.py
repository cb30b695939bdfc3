"""The suite's one "today": every test runs on it unless it travels elsewhere (see tests/conftest.py).

Build dates from these rather than from the clock, so a test reads the same on any day it is run.
A Sunday in late November: no demo board meets on it, and it is far from a month, year or
financial-year end, so tests about those boundaries travel to them explicitly.
"""

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2026, 11, 22)
NOW = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=LONDON)


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def days_ahead(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)
