"""Rank and quartile among all councils with a number (indicators.rules)."""

from decimal import Decimal

import pytest

from indicators.rules import council_rank, quartile, quartile_words

VALUES = {"A": Decimal("70"), "B": Decimal("65"), "C": Decimal("65"), "D": Decimal("50")}

RANK_TABLE = [
    # values, own, polarity, expected (rank, out_of)
    (VALUES, "A", "higher", (1, 4)),
    (VALUES, "B", "higher", (2, 4)),  # ties share a rank ...
    (VALUES, "C", "higher", (2, 4)),
    (VALUES, "D", "higher", (4, 4)),  # ... and the next rank is skipped
    (VALUES, "A", "lower", (4, 4)),
    (VALUES, "B", "lower", (2, 4)),
    (VALUES, "D", "lower", (1, 4)),
    (VALUES, "A", "close", None),  # no better or worse without a target
    (VALUES, "A", "none", None),
    (VALUES, "Z", "higher", None),  # the council has no number
    ({"A": Decimal("1")}, "A", "higher", (1, 1)),
]


@pytest.mark.parametrize("values, own, polarity, expected", RANK_TABLE)
def test_council_rank(values, own, polarity, expected):
    assert council_rank(values, own, polarity) == expected


QUARTILE_TABLE = [
    # rank, out_of, quartile
    (1, 152, 1),
    (38, 152, 1),
    (39, 152, 2),
    (76, 152, 2),
    (77, 152, 3),
    (114, 152, 3),
    (115, 152, 4),
    (152, 152, 4),
    (1, 1, 1),
    (1, 3, 1),
    (2, 3, 3),  # the middle of three
    (3, 3, 4),  # the worst is always in quartile 4
    (2, 8, 1),
    (8, 8, 4),
    (None, 152, None),
    (1, 0, None),
]


@pytest.mark.parametrize("rank, out_of, expected", QUARTILE_TABLE)
def test_quartile(rank, out_of, expected):
    assert quartile(rank, out_of) == expected


def test_quartiles_are_written_in_words():
    assert quartile_words(1) == "1st quartile (best)"
    assert quartile_words(4) == "4th quartile (worst)"
    assert quartile_words(None) == "No quartile"
