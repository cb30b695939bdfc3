"""A close-to-target band ("between 8 and 12") in the KPI RAG rule and on the pages that show targets."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from indicators.models import Target
from indicators.queries import target_display
from indicators.rules import kpi_rag
from indicators.view_models import rag_sentence


def band(lower, upper, tolerance="2", kind="absolute"):
    lower, upper = Decimal(lower), Decimal(upper)
    return SimpleNamespace(
        value=(lower + upper) / 2, band_lower=lower, band_upper=upper, tolerance=Decimal(tolerance), tolerance_kind=kind
    )


# In the band (ends included) green; outside by no more than the tolerance from the nearer end
# amber (the edge of the tolerance counts as within it, as for a single figure); further red.
BAND_TABLE = [
    ("8", band("8", "12"), "close", "green"),
    ("10", band("8", "12"), "close", "green"),
    ("12", band("8", "12"), "close", "green"),
    ("13", band("8", "12"), "close", "amber"),
    ("14", band("8", "12"), "close", "amber"),  # the tolerance's edge
    ("14.1", band("8", "12"), "close", "red"),
    ("6", band("8", "12"), "close", "amber"),
    ("5.9", band("8", "12"), "close", "red"),
    ("13.2", band("8", "12", "10", "relative"), "close", "amber"),  # 10% of 12 = 1.2
    ("13.3", band("8", "12", "10", "relative"), "close", "red"),
    ("7.2", band("8", "12", "10", "relative"), "close", "amber"),  # 10% of 8 = 0.8
    ("7.1", band("8", "12", "10", "relative"), "close", "red"),
    ("10", band("8", "12"), "higher", "green"),  # a band decides whatever the polarity ...
    ("15", band("8", "12"), "lower", "red"),
    ("10", band("8", "12"), "none", "none"),  # ... except a context measure: never RAG rated
    (None, band("8", "12"), "close", "none"),
]


@pytest.mark.parametrize("value, tgt, polarity, expected", BAND_TABLE)
def test_kpi_rag_with_a_band(value, tgt, polarity, expected):
    assert kpi_rag(value=Decimal(value) if value else None, target=tgt, polarity=polarity) == expected


def test_band_target_is_written_as_its_two_ends_and_the_sentence_says_why():
    indicator = SimpleNamespace(unit="number", decimal_places=1, polarity="close", frequency="monthly")
    target = Target(value=Decimal("10"), band_lower=Decimal("8"), band_upper=Decimal("12"), tolerance=2)
    target.tolerance_kind = "absolute"
    assert target_display(target, indicator) == "8.0 to 12.0"
    measurement = SimpleNamespace(value=Decimal("13"), period=date(2026, 9, 1))
    assert rag_sentence(indicator, measurement, target) == (
        "13.0 is above the target band of 8.0 to 12.0 but within the tolerance of 2.0, so it is amber."
    )
    measurement.value = Decimal("9")
    assert (
        rag_sentence(indicator, measurement, target) == "9.0 is within the target band of 8.0 to 12.0, so it is green."
    )
