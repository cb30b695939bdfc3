"""How the service writes dates, times, people and values: one function each, for pages, papers,
messages and emails alike, so the same thing reads the same everywhere.

Dates and times follow the GOV.UK style guide: "2 December 2026", "10am", "10:30am", "midday",
"2 December 2026 at 10:30am". Month and day names come from this module rather than strftime,
whose "%-d" works only with glibc and whose "%B" follows the process's locale.
"""

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def as_date(value) -> date | None:
    """A date from a date, a datetime (its local day), or ISO text ("2026-11-22", as plain-data rows keep
    dates); None for no value. ValueError for text that is not an ISO date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def date_words(day: date, style: str = "long") -> str:
    """A date as GOV.UK writes it: "2 December 2026" (long), "Wednesday 2 December 2026" (weekday), "December
    2026" (month), "2 December" (day_month); "2 Dec 2026" (short), "Dec 2026" (short_month) and "2 Dec"
    (short_day_month) only in tables, charts and period labels, where space is tight."""
    month = MONTHS[day.month - 1]
    parts = {
        "long": (day.day, month, day.year),
        "short": (day.day, month[:3], day.year),
        "weekday": (WEEKDAYS[day.weekday()], day.day, month, day.year),
        "month": (month, day.year),
        "short_month": (month[:3], day.year),
        "day_month": (day.day, month),
        "short_day_month": (day.day, month[:3]),
    }
    if style not in parts:
        raise ValueError(f"Unknown date style {style!r}: one of {', '.join(parts)}")
    return " ".join(str(part) for part in parts[style])


def time_words(value: time | datetime) -> str:
    """A time as GOV.UK writes it: "10am", "10:30am", "midday", "midnight" (a datetime in local time)."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).time() if timezone.is_aware(value) else value.time()
    if value.minute == 0 and value.hour in (0, 12):
        return "midday" if value.hour == 12 else "midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def datetime_words(value: datetime) -> str:
    """A moment as GOV.UK writes it, in local time: "2 December 2026 at 10:30am"."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_words(local.date())} at {time_words(local.time())}"


def person_name(user) -> str:
    """A person as the service names them: their full name, else their username; "" for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def person_name_of(first_name: str | None, last_name: str | None, username: str | None = "") -> str:
    """person_name for a read that fetches plain rows (values()) rather than users: the same rule."""
    return f"{first_name or ''} {last_name or ''}".strip() or (username or "")


# Units an indicator is measured in (indicators.models.Unit's values): what follows the number.
PERCENTAGE, NUMBER, RATE_PER_10K, DAYS, RATIO = "percentage", "number", "rate_per_10k", "days", "ratio"


def value_words(value: Decimal | int | float | None, unit: str, decimal_places: int) -> str:
    """A value written for people, rounded half up to its decimal places: 23.5%, 1,204, 42.1 per 10,000,
    33 days, 1 day, 1.25; "No value" when missing."""
    if value is None:
        return "No value"
    exponent = Decimal(1).scaleb(-decimal_places)
    rounded = Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)
    number = f"{rounded:,.{decimal_places}f}"
    if unit == PERCENTAGE:
        return f"{number}%"
    if unit == RATE_PER_10K:
        return f"{number} per 10,000"
    if unit == DAYS:
        return f"{number} day" if rounded == 1 else f"{number} days"
    return number
