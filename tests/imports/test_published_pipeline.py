"""The published-statistics importer's steps on their own (imports.published as a pipeline): recognising
reads no database; planning gives one planner's rows per entity, old -> new in the preview's words."""

import datetime
from decimal import Decimal

import pytest

from imports.pipeline import CREATE, UNCHANGED, UPDATE
from imports.published import Mapping, ReleaseRefused, plan_changes, read_release, recognise
from tests.factories.indicators import IndicatorFactory, MeasurementFactory
from tests.imports import published_data as data

TOTAL = Mapping("CLA-STAB", "percentage", {"age": "Total"})


def _recognised(*mappings):
    release = read_release(data.release_csv(), "cla.csv")
    return recognise(release, list(mappings), la_code=data.OWN[0], neighbours=data.NEIGHBOUR_CODES)


def test_recognising_picks_each_years_figures_without_the_database():
    # No django_db mark: any query here would fail the test.
    (item,) = _recognised(TOTAL).indicators
    assert [y.period.label for y in item.years] == ["2021/22", "2022/23", "2023/24"]
    latest = item.years[-1]
    assert (latest.own.value, latest.england.value, latest.region.value) == (
        Decimal("72"),
        Decimal("62"),
        Decimal("64"),
    )
    assert latest.region.name == "London"
    assert (latest.neighbours.value, latest.neighbours.counted, latest.neighbours.total) == (Decimal("62"), 3, 3)
    assert len(latest.council_values) == 8 and latest.own_key == "la:" + data.OWN[0]


def test_a_mapping_that_cannot_load_waits_for_planning_to_reach_it():
    bad = Mapping("OTHER", "rate_per_10000", {})
    first, second = _recognised(TOTAL, bad).indicators
    assert first.refusal == "" and first.years
    assert "rate_per_10000" in second.refusal and second.years == []


@pytest.mark.django_db
def test_the_first_refusal_in_the_mappings_order_is_the_one_given():
    IndicatorFactory(code="MONTHLY-1", frequency="monthly")
    recognised = _recognised(Mapping("MONTHLY-1", "percentage", {"age": "Total"}), Mapping("X", "nope", {}))
    with pytest.raises(ReleaseRefused, match="only annual indicators"):
        plan_changes(recognised)


@pytest.mark.django_db
def test_one_planner_per_entity_with_old_and_new_in_words():
    indicator = IndicatorFactory(
        code="CLA-STAB", frequency="annual", unit="percentage", decimal_places=1, polarity="higher"
    )
    MeasurementFactory(indicator=indicator, period=datetime.date(2023, 4, 1), value=Decimal("70.5"))
    MeasurementFactory(indicator=indicator, period=datetime.date(2022, 4, 1), value=Decimal("71"))
    changes = plan_changes(_recognised(TOTAL))
    assert list(changes.planned) == ["indicator", "value", "benchmark", "rank"]
    (source,) = changes.of("indicator")
    assert source.kind == UPDATE
    assert [(c.label, c.old, c.new) for c in source.changes] == [
        ("Published source", "", "percentage where age = Total")
    ]
    values = {row.period.label: row for row in changes.of("value")}
    assert (values["2023/24"].kind, values["2023/24"].old_words, values["2023/24"].new_words) == (
        UPDATE,
        "70.5%",
        "72.0%",
    )
    assert values["2023/24"].correction and values["2022/23"].kind == UNCHANGED
    assert values["2021/22"].kind == CREATE
    assert {row.what for row in changes.of("benchmark")} == {
        "England",
        "Region (London)",
        "Statistical neighbours",
    }
    assert [row.new_words for row in changes.of("rank")] == ["1 of 8, quartile 1"] * 3
    assert changes.counts == {"created": 13, "updated": 1, "unchanged": 1, "indicators_created": 0, "corrections": 1}
