from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from core.formats import value_words
from indicators import periods
from indicators.models import KpiRag
from indicators.rules import (
    commentary_needed,
    direction_of_travel,
    direction_words,
    kpi_rag,
    rag_label,
    turns_red,
    value_due,
)


def target(value, tolerance, kind="relative"):
    return SimpleNamespace(value=Decimal(value), tolerance=Decimal(tolerance), tolerance_kind=kind)


# The band edge counts as within the band: a value exactly on it is amber.
RAG_TABLE = [
    # value, target, polarity, expected
    ("95", target("90", "5", "absolute"), "higher", "green"),
    ("90", target("90", "5", "absolute"), "higher", "green"),  # exactly on target
    ("87.3", target("90", "5", "absolute"), "higher", "amber"),
    ("85", target("90", "5", "absolute"), "higher", "amber"),  # on the band edge
    ("84.9", target("90", "5", "absolute"), "higher", "red"),
    ("81", target("90", "10", "relative"), "higher", "amber"),  # 10% of 90 = 9 points: edge
    ("80.9", target("90", "10", "relative"), "higher", "red"),
    ("18", target("20", "10", "relative"), "lower", "green"),
    ("20", target("20", "10", "relative"), "lower", "green"),  # exactly on target
    ("22", target("20", "10", "relative"), "lower", "amber"),  # 2 = 10% of 20: edge
    ("22.1", target("20", "10", "relative"), "lower", "red"),
    ("23", target("20", "3", "absolute"), "lower", "amber"),  # edge, absolute
    ("23.5", target("20", "3", "absolute"), "lower", "red"),
    ("20", target("20", "2", "absolute"), "close", "green"),
    ("18", target("20", "2", "absolute"), "close", "amber"),  # edge below
    ("22", target("20", "2", "absolute"), "close", "amber"),  # edge above
    ("17.9", target("20", "2", "absolute"), "close", "red"),
    ("22.1", target("20", "2", "absolute"), "close", "red"),
    ("21", target("20", "10", "relative"), "close", "amber"),
    ("23", target("20", "10", "relative"), "close", "red"),
    ("50", target("90", "5"), "none", "none"),  # context measure
    ("95", None, "higher", "none"),  # no target
    (None, target("90", "5"), "higher", "none"),  # no value (missing or suppressed)
    (None, None, "lower", "none"),
]


@pytest.mark.parametrize("value, tgt, polarity, expected", RAG_TABLE)
def test_kpi_rag_table(value, tgt, polarity, expected):
    assert kpi_rag(value=Decimal(value) if value else None, target=tgt, polarity=polarity) == expected


def test_kpi_rag_suppressed_measurement_has_no_rag():
    suppressed = SimpleNamespace(value=None, missing_reason="suppressed")
    assert kpi_rag(value=suppressed.value, target=target("90", "5"), polarity="higher") == "none"


@pytest.mark.parametrize(("rag", "rank"), [("red", 0), ("amber", 1), ("green", 2), ("none", 3), ("", 4)])
def test_kpi_rags_rank_worst_first_and_unrated_last(rag, rank):
    assert KpiRag.rank(rag) == rank


def test_kpi_rag_choices_are_worst_first_with_their_words():
    assert KpiRag.choices == [
        ("red", "Red - outside tolerance"),
        ("amber", "Amber - within tolerance"),
        ("green", "Green - on or better than target"),
        ("none", "No RAG"),
    ]


def test_rag_label_words():
    assert [rag_label(r) for r in ("green", "amber", "red", "none")] == [
        "Green - on or better than target",
        "Amber - within tolerance",
        "Red - outside tolerance",
        "No RAG",
    ]
    assert rag_label("none", "none") == "No RAG - context measure"


DIRECTION_TABLE = [
    ("80", "75", "higher", "improving"),
    ("70", "75", "higher", "declining"),
    ("75", "75", "higher", "no_change"),
    ("20", "25", "lower", "improving"),
    ("30", "25", "lower", "declining"),
    ("25", "25.0", "lower", "no_change"),
    ("30", "25", "none", "up"),
    ("20", "25", "none", "down"),
    ("25", "25", "none", "no_change"),
    ("30", "25", "close", "up"),
    ("20", "25", "close", "down"),
    (None, "25", "higher", None),
    ("25", None, "higher", None),
    (None, None, "none", None),
]


@pytest.mark.parametrize("current, previous, polarity, expected", DIRECTION_TABLE)
def test_direction_of_travel_table(current, previous, polarity, expected):
    to_decimal = lambda v: Decimal(v) if v is not None else None  # noqa: E731
    assert (
        direction_of_travel(current=to_decimal(current), previous=to_decimal(previous), polarity=polarity) == expected
    )


# Close to target, read against the target: nearer is better, whichever side of it the values sit.
CLOSE_TO_TARGET_TABLE = [
    ("11", "14", SimpleNamespace(value="10", band_lower=None, band_upper=None), "improving"),
    ("9", "12", SimpleNamespace(value="10", band_lower=None, band_upper=None), "improving"),  # 1 off, was 2
    ("7", "9", SimpleNamespace(value="10", band_lower=None, band_upper=None), "declining"),
    ("8", "12", SimpleNamespace(value="10", band_lower=None, band_upper=None), "no_change"),  # 2 off either side
    ("9", "11", SimpleNamespace(value="10", band_lower="8", band_upper="12"), "no_change"),  # both in the band
    ("13", "11", SimpleNamespace(value="10", band_lower="8", band_upper="12"), "declining"),
    ("12", "15", SimpleNamespace(value="10", band_lower="8", band_upper="12"), "improving"),
]


@pytest.mark.parametrize("current, previous, target, expected", CLOSE_TO_TARGET_TABLE)
def test_direction_of_travel_close_to_target_reads_the_target(current, previous, target, expected):
    assert (
        direction_of_travel(current=Decimal(current), previous=Decimal(previous), polarity="close", target=target)
        == expected
    )


@pytest.mark.parametrize(
    ("direction", "words"),
    [
        ("improving", "Better"),
        ("declining", "Worse"),
        ("no_change", "No change"),
        ("up", "Higher, neither better nor worse"),
        ("down", "Lower, neither better nor worse"),
        (None, "No comparison"),
    ],
)
def test_direction_words_say_better_or_worse(direction, words):
    assert direction_words(direction) == words


FORMAT_TABLE = [
    ("23.46", "percentage", 1, "23.5%"),
    ("23.45", "percentage", 1, "23.5%"),  # half rounds up, as people expect
    ("1204", "number", 0, "1,204"),
    ("16", "number", 1, "16.0"),
    ("42.13", "rate_per_10k", 1, "42.1 per 10,000"),
    ("33", "days", 0, "33 days"),
    ("1", "days", 0, "1 day"),
    ("1.25", "ratio", 2, "1.25"),
    (None, "percentage", 1, "No value"),
    ("0", "number", 0, "0"),
]


@pytest.mark.parametrize("value, unit, places, expected", FORMAT_TABLE)
def test_value_words_table(value, unit, places, expected):
    assert value_words(Decimal(value) if value is not None else None, unit, places) == expected


PERIOD_LABELS = [
    (date(2026, 9, 1), "monthly", "Sep 2026"),
    (date(2026, 7, 1), "quarterly", "Q2 2026/27"),
    (date(2026, 4, 1), "quarterly", "Q1 2026/27"),
    (date(2027, 1, 1), "quarterly", "Q4 2026/27"),
    (date(2025, 4, 1), "annual", "2025/26"),
    (date(1999, 4, 1), "annual", "1999/00"),
]


@pytest.mark.parametrize("period, frequency, expected", PERIOD_LABELS)
def test_period_label_table(period, frequency, expected):
    assert periods.period_label(period, frequency) == expected


def test_period_end_previous_and_last_year():
    assert periods.period_end(date(2026, 2, 1), "monthly") == date(2026, 2, 28)
    assert periods.period_end(date(2026, 10, 1), "quarterly") == date(2026, 12, 31)
    assert periods.period_end(date(2025, 4, 1), "annual") == date(2026, 3, 31)
    assert periods.previous_period(date(2026, 1, 1), "monthly") == date(2025, 12, 1)
    assert periods.previous_period(date(2026, 1, 1), "quarterly") == date(2025, 10, 1)
    assert periods.previous_period(date(2026, 4, 1), "annual") == date(2025, 4, 1)
    assert periods.same_period_last_year(date(2026, 9, 1)) == date(2025, 9, 1)


FITS = [
    (date(2026, 9, 1), "monthly", True),
    (date(2026, 9, 2), "monthly", False),
    (date(2026, 7, 1), "quarterly", True),
    (date(2026, 8, 1), "quarterly", False),
    (date(2026, 1, 1), "quarterly", True),
    (date(2026, 4, 1), "annual", True),
    (date(2026, 1, 1), "annual", False),
]


@pytest.mark.parametrize("period, frequency, expected", FITS)
def test_fits_frequency_table(period, frequency, expected):
    assert periods.fits_frequency(period, frequency) == expected


def test_recent_periods_newest_first():
    assert periods.recent_periods(date(2026, 11, 22), "quarterly", 3) == [
        date(2026, 10, 1),
        date(2026, 7, 1),
        date(2026, 4, 1),
    ]
    assert periods.recent_periods(date(2026, 2, 5), "annual", 2) == [date(2025, 4, 1), date(2024, 4, 1)]


def _latest(period, missing_reason=""):
    return SimpleNamespace(period=period, missing_reason=missing_reason)


# A value is due once the period after the latest one has ended: the "enter values" page and reminders.
VALUE_DUE_TABLE = [
    # latest measurement, frequency, today, expected (next period, its last day, due)
    (_latest(date(2026, 9, 1)), "monthly", date(2026, 10, 31), (date(2026, 10, 1), date(2026, 10, 31), False)),
    (_latest(date(2026, 9, 1)), "monthly", date(2026, 11, 1), (date(2026, 10, 1), date(2026, 10, 31), True)),
    (
        _latest(date(2026, 9, 1), "not_yet_available"),
        "monthly",
        date(2026, 10, 1),
        (date(2026, 9, 1), date(2026, 9, 30), True),
    ),
    (
        _latest(date(2026, 9, 1), "suppressed"),
        "monthly",
        date(2026, 10, 1),
        (date(2026, 10, 1), date(2026, 10, 31), False),
    ),
    (None, "monthly", date(2026, 11, 15), (date(2026, 10, 1), date(2026, 10, 31), True)),
    (_latest(date(2026, 4, 1)), "quarterly", date(2026, 9, 30), (date(2026, 7, 1), date(2026, 9, 30), False)),
    (_latest(date(2026, 4, 1)), "quarterly", date(2026, 10, 1), (date(2026, 7, 1), date(2026, 9, 30), True)),
]


@pytest.mark.parametrize("latest,frequency,today,expected", VALUE_DUE_TABLE)
def test_value_due(latest, frequency, today, expected):
    due = value_due(latest, frequency, today)

    assert (due.period, due.ends, due.is_due) == expected


# Issue 17: a KPI that turns red (red now, not red in the previous period) needs commentary.
TURNS_RED_TABLE = [
    # rag_now, rag_before, commentary, turns red, commentary needed
    ("red", "green", "", True, True),
    ("red", "amber", "", True, True),
    ("red", "none", "", True, True),  # no value, or no target, last period: not red then
    ("red", "amber", "Agency staff left in August", True, False),
    ("red", "amber", "   \n", True, True),  # blank is no commentary
    ("red", "red", "", False, False),  # still red: the story was told when it turned
    ("amber", "green", "", False, False),
    ("green", "red", "", False, False),
    ("none", "green", "", False, False),
]


@pytest.mark.parametrize("rag_now, rag_before, commentary, turned, needed", TURNS_RED_TABLE)
def test_turns_red_and_commentary_needed_table(rag_now, rag_before, commentary, turned, needed):
    assert turns_red(rag_now=rag_now, rag_before=rag_before) is turned
    assert commentary_needed(rag_now=rag_now, rag_before=rag_before, commentary=commentary) is needed
