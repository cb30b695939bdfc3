import datetime
from decimal import Decimal

import pytest

from indicators.queries import Knowledge, scorecard_as_at
from tests.factories.indicators import (
    BenchmarkFactory,
    IndicatorFactory,
    MeasurementFactory,
    TargetFactory,
    monthly_series,
)

pytestmark = pytest.mark.django_db


def aware(year, month, day):
    return datetime.datetime(year, month, day, 12, 0, tzinfo=datetime.timezone.utc)


def test_scorecard_as_at_uses_values_entered_by_that_date_and_the_target_then_in_force():
    indicator = IndicatorFactory(polarity="lower", unit="percentage")
    TargetFactory(indicator=indicator, effective_from=datetime.date(2025, 1, 1), value=Decimal("25"))
    TargetFactory(indicator=indicator, effective_from=datetime.date(2025, 4, 1), value=Decimal("20"))
    MeasurementFactory(
        indicator=indicator, period=datetime.date(2025, 2, 1), value=Decimal("24"), entered_at=aware(2025, 3, 10)
    )
    MeasurementFactory(
        indicator=indicator, period=datetime.date(2025, 3, 1), value=Decimal("23"), entered_at=aware(2025, 4, 10)
    )
    MeasurementFactory(
        indicator=indicator, period=datetime.date(2025, 4, 1), value=Decimal("23"), entered_at=aware(2025, 5, 10)
    )

    rows = {as_at: scorecard_as_at(as_at)[0] for as_at in (datetime.date(2025, 3, 31), datetime.date(2025, 5, 31))}
    then = scorecard_as_at(datetime.date(2025, 3, 30), knowledge=Knowledge.AS_KNOWN_THEN)[0]

    # Changed with the design's rule (an original value is known from the end of its period): March,
    # entered on 10 April, counts as known on 31 March, so "as at 31 March" now shows it (it showed
    # February when values counted only from the day they were entered).
    march, may = rows[datetime.date(2025, 3, 31)], rows[datetime.date(2025, 5, 31)]
    assert (march.period_label, march.value_display, march.target_display, march.rag) == (
        "Mar 2025",
        "23.0%",
        "25.0%",
        "green",
    )
    assert (may.period_label, may.value_display, may.target_display, may.rag) == ("Apr 2025", "23.0%", "20.0%", "red")
    assert (may.short_term, march.short_term) == ("no_change", "improving")
    # As known on 30 March (a pack for that day), March was neither over nor entered: February shows.
    assert (then.period_label, then.value_display, then.short_term) == ("Feb 2025", "24.0%", None)


def test_scorecard_row_long_term_direction_and_benchmarks():
    indicator = IndicatorFactory(polarity="higher")
    monthly_series(indicator, [50] + [60] * 11 + [70], start=datetime.date(2024, 1, 1))
    BenchmarkFactory(indicator=indicator, kind="england", period=datetime.date(2023, 4, 1), value=Decimal("55"))
    BenchmarkFactory(indicator=indicator, kind="england", period=datetime.date(2024, 4, 1), value=Decimal("58"))
    BenchmarkFactory(
        indicator=indicator, kind="stat_neighbours", period=datetime.date(2024, 4, 1), value=None, suppression_code="x"
    )

    # After the values were entered (the factory enters them on 1 January 2026).
    row = scorecard_as_at(datetime.date(2026, 2, 1))[0]

    assert (row.short_term, row.long_term) == ("improving", "improving")
    assert (row.england_display, row.stat_neighbours_display) == ("58.0%", "Not available (x)")
    assert [value for _, value in row.trend] == [Decimal("60")] * 5 + [Decimal("70")]


def test_scorecard_ignores_values_older_than_three_years():
    stale = IndicatorFactory(code="STALE")
    MeasurementFactory(indicator=stale, period=datetime.date(2022, 12, 1), value=Decimal("50"))
    recent = IndicatorFactory(code="RECENT")
    MeasurementFactory(indicator=recent, period=datetime.date(2023, 1, 1), value=Decimal("40"))

    rows = {row.indicator.code: row for row in scorecard_as_at(datetime.date(2026, 2, 1))}

    assert (rows["STALE"].value_display, rows["STALE"].period_label, rows["STALE"].rag_label) == (
        "No value",
        "No period",
        "No RAG",
    )
    assert rows["RECENT"].period_label == "Jan 2023"


@pytest.mark.parametrize("count", [1, 6])
def test_scorecard_as_at_query_count_is_fixed(count, django_assert_num_queries):
    for _ in range(count):
        indicator = IndicatorFactory()
        TargetFactory(indicator=indicator)
        BenchmarkFactory(indicator=indicator)
        monthly_series(indicator, [1, 2, 3])
    # indicators (with owner), targets, benchmarks; the values (also the SPC series); SPC re-bases
    with django_assert_num_queries(5):
        assert len(scorecard_as_at(datetime.date(2025, 6, 1))) == count
