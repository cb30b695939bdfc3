"""Date arithmetic for board cadences (no third-party date library)."""

import calendar
from datetime import date, timedelta

from meetings.models import Board

_MONTHS = {
    Board.Cadence.MONTHLY: 1,
    Board.Cadence.QUARTERLY: 3,
    Board.Cadence.SIX_MONTHLY: 6,
    # A board that meets "as needed" is chased as if monthly.
    Board.Cadence.AS_NEEDED: 1,
}
_DAYS = {Board.Cadence.FOUR_WEEKLY: 28, Board.Cadence.SIX_WEEKLY: 42}


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def after_one_cycle(day: date, cadence: str) -> date:
    """The date one cadence after `day`: the expected next meeting when none is scheduled."""
    if cadence in _DAYS:
        return day + timedelta(days=_DAYS[cadence])
    return add_months(day, _MONTHS.get(cadence, 1))
