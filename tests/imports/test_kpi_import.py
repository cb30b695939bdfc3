"""KPI imports: wide scorecards and long files into measurements, targets and benchmarks."""

import datetime
from decimal import Decimal

import pytest

from imports.models import ImportJob
from indicators.models import Benchmark, Indicator, Measurement, Target
from tests.factories.indicators import IndicatorFactory, MeasurementFactory, TargetFactory
from tests.imports import fixtures
from tests.imports.helpers import domain_counts, preview, run_import

pytestmark = pytest.mark.django_db
D = datetime.date


def _values(code):
    return {m.period: (m.value, m.missing_reason) for m in Measurement.objects.filter(indicator__code=code)}


def test_wide_scorecard_preview_offers_unknown_indicators():
    before = domain_counts()
    job = preview(fixtures.wide_scorecard_xlsx(), "scorecard.xlsx", kind="indicators")
    assert [(u["code"], u["unit"]) for u in job.preview["unknown_indicators"]] == [
        ("CSC-01", "percentage"),
        ("CSC-02", "number"),
        ("CSC-03", "number"),
    ]
    assert job.preview["ignored_columns"] == ["K (DoT)", "L (RAG)"]
    assert domain_counts() == before


def test_wide_scorecard_import_values_missing_and_suppressed():
    job = run_import(fixtures.wide_scorecard_xlsx(), "scorecard.xlsx", kind="indicators")
    assert job.state == ImportJob.State.DONE
    assert _values("CSC-01") == {
        D(2019, 4, 1): (Decimal("87.3"), ""),
        D(2019, 5, 1): (Decimal("88.1"), ""),
        D(2019, 6, 1): (None, "not_yet_available"),
    }
    assert _values("CSC-02") == {
        D(2019, 4, 1): (Decimal("1234"), ""),
        D(2019, 5, 1): (Decimal("1240"), ""),
        D(2019, 6, 1): (None, "not_applicable"),
    }
    assert _values("CSC-03") == {
        D(2019, 4, 1): (None, "suppressed"),
        D(2019, 5, 1): (None, "suppressed"),
        D(2019, 6, 1): (Decimal("12"), ""),
    }
    assert Measurement.objects.get(indicator__code="CSC-01", period=D(2019, 5, 1)).commentary == "Improving steadily"


def test_wide_scorecard_target_polarity_and_benchmarks():
    run_import(fixtures.wide_scorecard_xlsx(), "scorecard.xlsx", kind="indicators")
    first = Indicator.objects.get(code="CSC-01")
    assert (first.unit, first.polarity) == ("percentage", "higher")
    assert list(Target.objects.filter(indicator=first).values_list("effective_from", "value")) == [
        (D(2019, 4, 1), Decimal("85"))
    ]
    assert sorted(Benchmark.objects.filter(indicator=first).values_list("kind", "period", "value")) == [
        ("england", D(2023, 4, 1), Decimal("82")),
        ("stat_neighbours", D(2023, 4, 1), Decimal("84")),
    ]
    assert Indicator.objects.get(code="CSC-02").polarity == "lower"


def test_existing_indicator_matched_by_code_and_updated():
    indicator = IndicatorFactory(code="CSC-01", polarity="lower")
    MeasurementFactory(indicator=indicator, period=D(2019, 4, 1), value=Decimal("80"))
    TargetFactory(indicator=indicator, effective_from=D(2018, 4, 1), value=Decimal("85"))
    job = run_import(
        fixtures.wide_scorecard_xlsx(),
        "scorecard.xlsx",
        kind="indicators",
        mappings={"indicators": {"csc-02": "ignore", "csc-03": "ignore"}},
    )
    assert _values("CSC-01")[D(2019, 4, 1)] == (Decimal("87.3"), "")
    indicator.refresh_from_db()
    assert indicator.polarity == "higher"
    assert Target.objects.filter(indicator=indicator).count() == 1  # same value in force: unchanged
    assert Indicator.objects.count() == 1
    assert job.result["counts"]["values_updated"] == 1


def test_unknown_indicator_mapped_to_existing_one():
    existing = IndicatorFactory(code="ASSESS-45", title="Timely assessments")
    run_import(
        fixtures.wide_scorecard_xlsx(),
        "scorecard.xlsx",
        kind="indicators",
        mappings={"indicators": {"csc-01": str(existing.pk), "csc-02": "ignore", "csc-03": "ignore"}},
    )
    assert _values("ASSESS-45")[D(2019, 4, 1)] == (Decimal("87.3"), "")
    assert not Indicator.objects.filter(code="CSC-01").exists()


def test_indicator_matched_by_exact_title_case_insensitive():
    existing = IndicatorFactory(code="X1", title="children in care")
    run_import(
        fixtures.csv_bytes([["Indicator", "Apr 2019"], ["Children in Care", "1,100"]]), "s.csv", kind="indicators"
    )
    assert _values("X1") == {D(2019, 4, 1): (Decimal("1100"), "")}
    assert existing.pk == Indicator.objects.get().pk


def test_long_file_in_utf8_with_numerator_and_commentary():
    run_import(fixtures.long_kpi_csv(), "long.csv", kind="indicators")
    measurement = Measurement.objects.get(indicator__code="CSC-01", period=D(2019, 4, 1))
    assert (measurement.value, measurement.numerator, measurement.denominator, measurement.commentary) == (
        Decimal("87.3"),
        Decimal("873"),
        Decimal("1000"),
        "Caf\u00e9 \u00a3 note",
    )
    assert _values("CSC-01")[D(2019, 5, 1)] == (None, "not_yet_available")


def test_kpi_import_idempotent():
    run_import(fixtures.wide_scorecard_xlsx(), "scorecard.xlsx", kind="indicators")
    before = domain_counts()
    again = run_import(fixtures.wide_scorecard_xlsx(), "scorecard.xlsx", kind="indicators")
    assert (again.result["counts"]["created"], again.result["counts"]["updated"]) == (0, 0)
    assert domain_counts() == before


def test_quarterly_headers_and_year_headers():
    data = fixtures.csv_bytes([["Code", "Indicator", "Q1 19/20", "Q2 2019/20"], ["Q-1", "Quarterly thing", "5", "6"]])
    run_import(data, "q.csv", kind="indicators")
    indicator = Indicator.objects.get(code="Q-1")
    assert indicator.frequency == "quarterly"
    assert _values("Q-1") == {D(2019, 4, 1): (Decimal("5"), ""), D(2019, 7, 1): (Decimal("6"), "")}


def test_kpi_refuses_file_without_periods():
    before = domain_counts()
    job = run_import(fixtures.csv_bytes([["Indicator", "Owner"], ["A", "B"]]), "s.csv", kind="indicators")
    assert job.message == (
        "The header row names the indicators but no periods: add one column per month or quarter "
        "(for example \u201cApr 2024\u201d) or \u201cPeriod\u201d and \u201cValue\u201d columns."
    )
    assert domain_counts() == before


def test_kpi_refuses_unreadable_period_in_long_file():
    before = domain_counts()
    job = run_import(
        fixtures.csv_bytes([["Code", "Period", "Value"], ["A", "someday", "1"]]), "s.csv", kind="indicators"
    )
    assert job.state == ImportJob.State.REFUSED
    assert job.preview["problems"][0]["message"] == (
        "\u201csomeday\u201d is not a period we can read "
        "(for example \u201cApr 2024\u201d, \u201c2024-04\u201d or \u201cQ1 2024/25\u201d)."
    )
    assert domain_counts() == before


def test_kpi_text_that_is_not_a_number_is_left_out_never_zero():
    run_import(
        fixtures.csv_bytes([["Code", "Apr 2019", "May 2019"], ["A", "lots", "=1+1"]]), "s.csv", kind="indicators"
    )
    assert Measurement.objects.count() == 0
