"""The polarity words and target phrasings a scorecard uses, read one cell at a time."""

from decimal import Decimal

import pytest

from imports.parsing.values import read_polarity, read_target

POLARITIES = [
    ("Higher is better", "higher"),
    ("Lower is better", "lower"),
    ("Higher", "higher"),
    ("Lower", "lower"),
    ("High", "higher"),
    ("Low", "lower"),
    ("H", "higher"),
    ("L", "lower"),
    ("T", "close"),
    ("Bigger is better", "higher"),
    ("Smaller is better", "lower"),
    ("\u2191", "higher"),
    ("\u2193", "lower"),
    ("\u25b2", "higher"),
    ("\u25bc", "lower"),
    ("\u2191 good", "higher"),
    ("A low value is good", "lower"),
    ("Close to target", "close"),
    ("Stay close to target", "close"),
    ("Info", "none"),
    ("Information", "none"),
    ("Context", "none"),
    ("Context only", "none"),
    ("N/A", "none"),
    ("n/a", "none"),
    ("Data only", "none"),
    ("Monitoring only", "none"),
    ("Lower - fewer re-referrals is good", "lower"),
    ("Higher (more children seen quickly)", "higher"),
    ("", None),
    ("sideways-ish", None),
]


@pytest.mark.parametrize("text, expected", POLARITIES)
def test_polarity_words(text, expected):
    assert read_polarity(text) == expected


D = Decimal
TARGETS = [
    # cell, kind, value, lower, upper, polarity it implies
    ("Less than 22%", "at_most", D("22"), None, None, "lower"),
    ("\u2265 90%", "at_least", D("90"), None, None, "higher"),
    (">= 90%", "at_least", D("90"), None, None, "higher"),
    ("\u2264 18", "at_most", D("18"), None, None, "lower"),
    ("<25", "at_most", D("25"), None, None, "lower"),
    ("Above 60", "at_least", D("60"), None, None, "higher"),
    ("Below 10", "at_most", D("10"), None, None, "lower"),
    ("At least 1,000", "at_least", D("1000"), None, None, "higher"),
    ("No more than 20", "at_most", D("20"), None, None, "lower"),
    ("90% or more", "at_least", D("90"), None, None, "higher"),
    ("95%+", "at_least", D("95"), None, None, "higher"),
    ("22% or less", "at_most", D("22"), None, None, "lower"),
    ("Up to 25", "at_most", D("25"), None, None, "lower"),
    ("Between 8 and 12", "band", D("10"), D("8"), D("12"), "close"),
    ("8 - 12", "band", D("10"), D("8"), D("12"), "close"),
    ("18 to 25", "band", D("21.5"), D("18"), D("25"), "close"),
    ("Target: 85%", "value", D("85"), None, None, ""),
    ("85%", "value", D("85"), None, None, ""),
    ("No target", "none", None, None, None, ""),
    ("N/A", "none", None, None, None, ""),
    ("TBC", "none", None, None, None, ""),
    ("-", "none", None, None, None, ""),
]


@pytest.mark.parametrize("text, kind, value, lower, upper, polarity", TARGETS)
def test_target_phrasings(text, kind, value, lower, upper, polarity):
    reading = read_target(text)
    assert (reading.kind, reading.value, reading.lower, reading.upper, reading.polarity) == (
        kind,
        value,
        lower,
        upper,
        polarity,
    )


def test_a_fraction_in_a_percent_cell_is_a_percentage_target():
    assert read_target(0.85, "0%").value == D("85")


def test_a_target_we_cannot_read_says_so():
    reading = read_target("as good as last year")
    assert reading.kind == ""
    assert reading.problem.startswith("\u201cas good as last year\u201d is not a target we can read")
