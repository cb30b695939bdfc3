"""core.formats: the one way the service writes dates, times, people and values (table tests)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from core.formats import as_date, date_words, datetime_words, person_name, person_name_of, time_words, value_words
from tests.dates import LONDON


@pytest.mark.parametrize(
    ("day", "style", "expected"),
    [
        (dt.date(2026, 12, 2), "long", "2 December 2026"),
        (dt.date(2026, 3, 10), "long", "10 March 2026"),  # no leading zero, whatever the C library
        (dt.date(2026, 12, 2), "short", "2 Dec 2026"),
        (dt.date(2026, 12, 2), "weekday", "Wednesday 2 December 2026"),
        (dt.date(2026, 11, 22), "weekday", "Sunday 22 November 2026"),
        (dt.date(2026, 9, 1), "month", "September 2026"),
        (dt.date(2026, 9, 1), "short_month", "Sep 2026"),
        (dt.date(2026, 9, 1), "day_month", "1 September"),
        (dt.date(2026, 9, 1), "short_day_month", "1 Sep"),
    ],
)
def test_date_words(day, style, expected):
    assert date_words(day, style) == expected


def test_date_words_is_long_by_default_and_refuses_an_unknown_style():
    assert date_words(dt.date(2027, 1, 5)) == "5 January 2027"
    with pytest.raises(ValueError, match="Unknown date style 'j F Y'"):
        date_words(dt.date(2027, 1, 5), "j F Y")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 11, 22), dt.date(2026, 11, 22)),
        ("2026-11-22", dt.date(2026, 11, 22)),
        ("2026-11-22T23:30:00+00:00", dt.date(2026, 11, 22)),  # text is read as written, not moved
        (dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC), dt.date(2026, 7, 2)),  # the London day
        (dt.datetime(2026, 7, 1, 23, 30), dt.date(2026, 7, 1)),
        (None, None),
        ("", None),
    ],
)
def test_as_date(value, expected):
    assert as_date(value) == expected


def test_as_date_refuses_text_that_is_not_a_date():
    with pytest.raises(ValueError):
        as_date("next Tuesday")


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (0, 0, "midnight"),
        (0, 30, "12:30am"),
        (9, 5, "9:05am"),
        (10, 0, "10am"),
        (10, 30, "10:30am"),
        (12, 0, "midday"),
        (12, 15, "12:15pm"),
        (14, 0, "2pm"),
        (23, 59, "11:59pm"),
    ],
)
def test_time_words(hour, minute, expected):
    assert time_words(dt.time(hour, minute)) == expected
    # a stored (UTC) moment is written in the service's time zone: British Summer Time here
    moment = dt.datetime(2026, 7, 1, hour, minute, tzinfo=LONDON).astimezone(dt.UTC)
    assert time_words(moment) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.UTC), "2 December 2026 at 10:30am"),
        (dt.datetime(2026, 7, 1, 23, 0, tzinfo=dt.UTC), "2 July 2026 at midnight"),
        (dt.datetime(2026, 7, 1, 14, 0), "1 July 2026 at 2pm"),
    ],
)
def test_datetime_words(moment, expected):
    assert datetime_words(moment) == expected


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (User(username="ada", first_name="Ada", last_name="Lovelace"), "Ada Lovelace"),
        (User(username="ada", first_name="Ada"), "Ada"),
        (User(username="no.name"), "no.name"),
        (None, ""),
    ],
)
def test_person_name(user, expected):
    assert person_name(user) == expected


@pytest.mark.parametrize(
    ("first", "last", "username", "expected"),
    [
        ("Ada", "Lovelace", "ada", "Ada Lovelace"),
        ("Ada", "", "ada", "Ada"),
        (None, "Lovelace", "ada", "Lovelace"),
        (None, None, "ada", "ada"),
        (None, None, None, ""),
    ],
)
def test_person_name_of_plain_rows_is_the_same_rule(first, last, username, expected):
    assert person_name_of(first, last, username) == expected
    if username:
        assert person_name(User(first_name=first or "", last_name=last or "", username=username)) == expected


@pytest.mark.parametrize(
    ("value", "unit", "places", "expected"),
    [
        (Decimal("23.45"), "percentage", 1, "23.5%"),  # half up, not to even
        (Decimal("23.44"), "percentage", 1, "23.4%"),
        (Decimal("1204"), "number", 0, "1,204"),
        (Decimal("42.06"), "rate_per_10k", 1, "42.1 per 10,000"),
        (Decimal("33"), "days", 0, "33 days"),
        (Decimal("1"), "days", 0, "1 day"),
        (Decimal("1.0"), "days", 1, "1.0 day"),
        (Decimal("1.254"), "ratio", 2, "1.25"),
        (12, "number", 0, "12"),
        (None, "percentage", 1, "No value"),
    ],
)
def test_value_words(value, unit, places, expected):
    assert value_words(value, unit, places) == expected
