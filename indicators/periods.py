"""Reporting periods.

A period is stored as the date of its first day. Its length comes from the indicator's
frequency: a calendar month; a financial-year quarter (Q1 = April to June, so quarters start
in April, July, October and January); or a financial year starting on 1 April.
"""

import calendar
from datetime import date

from core.formats import date_words

MONTHLY = "monthly"
QUARTERLY = "quarterly"
ANNUAL = "annual"

_QUARTER_START_MONTHS = (4, 7, 10, 1)


def _add_months(period: date, months: int) -> date:
    index = period.year * 12 + (period.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def _months_in(frequency) -> int:
    return {MONTHLY: 1, QUARTERLY: 3, ANNUAL: 12}[frequency]


def financial_year_start(day: date) -> int:
    """The calendar year in which the financial year holding `day` starts (April 2026 -> 2026)."""
    return day.year if day.month >= 4 else day.year - 1


def period_label(period: date, frequency) -> str:
    """ "Sep 2026" for a month, "Q2 2026/27" for a quarter, "2025/26" for a financial year."""
    year = financial_year_start(period)
    year_label = f"{year}/{(year + 1) % 100:02d}"
    if frequency == QUARTERLY:
        quarter = (period.month - 4) % 12 // 3 + 1
        return f"Q{quarter} {year_label}"
    if frequency == ANNUAL:
        return year_label
    return date_words(period, "short_month")


def period_end(period: date, frequency) -> date:
    """The last day of the period."""
    last_month = _add_months(period, _months_in(frequency) - 1)
    return date(last_month.year, last_month.month, calendar.monthrange(last_month.year, last_month.month)[1])


def previous_period(period: date, frequency) -> date:
    return _add_months(period, -_months_in(frequency))


def next_period(period: date, frequency) -> date:
    return _add_months(period, _months_in(frequency))


def same_period_last_year(period: date) -> date:
    return date(period.year - 1, period.month, period.day)


def fits_frequency(period: date, frequency) -> bool:
    """True when `period` is the first day of a month, quarter or financial year as the frequency needs."""
    if period.day != 1:
        return False
    if frequency == QUARTERLY:
        return period.month in _QUARTER_START_MONTHS
    if frequency == ANNUAL:
        return period.month == 4
    return True


def period_containing(day: date, frequency) -> date:
    """The start of the period that `day` falls in."""
    month_start = date(day.year, day.month, 1)
    if frequency == QUARTERLY:
        return _add_months(month_start, -((day.month - 4) % 3))
    if frequency == ANNUAL:
        return date(financial_year_start(day), 4, 1)
    return month_start


def recent_periods(today: date, frequency, count: int) -> list[date]:
    """The `count` most recent periods that have started by `today`, newest first."""
    current = period_containing(today, frequency)
    return [_add_months(current, -_months_in(frequency) * i) for i in range(count)]
