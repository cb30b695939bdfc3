"""Loading DfE's published statistics: reading the format, what a load stores, and every refusal."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command

from imports.models import ImportChange, ImportJob
from imports.published import ReleaseRefused, read_period, read_release
from indicators.models import (
    Benchmark,
    CouncilSettings,
    Indicator,
    Measurement,
    PublishedRank,
    PublishedSource,
)
from indicators.services import council_settings, record_measurement
from tests.factories.indicators import IndicatorFactory
from tests.imports import published_data as data

pytestmark = pytest.mark.django_db
FY = datetime.date  # our annual periods start on 1 April


@pytest.fixture
def release_file(tmp_path):
    def write(content: bytes, name="cla_release.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        return str(path)

    return write


@pytest.fixture
def council(settings):
    settings.COUNCIL_LA_CODE = data.OWN[0]
    settings.STATISTICAL_NEIGHBOURS = data.NEIGHBOUR_CODES


@pytest.fixture
def annual(db):
    return IndicatorFactory(code="CLA-STAB", frequency="annual", period_type="annual", polarity="higher")


def load(path, *args):
    out = []

    class Out:
        def write(self, text):
            out.append(text)

    call_command("import_published", path, *args, stdout=Out())
    return "".join(out)


def everything():
    return {
        model.__name__: model.objects.count()
        for model in (
            Indicator,
            Measurement,
            Benchmark,
            PublishedRank,
            PublishedSource,
            ImportJob,
            ImportChange,
            Measurement.history.model,
            Benchmark.history.model,
        )
    }


PERIODS = [
    # time_period, time_identifier, our period, known from
    ("2024", "Reporting year", FY(2023, 4, 1), FY(2024, 3, 31)),
    ("202324", "Financial year", FY(2023, 4, 1), FY(2024, 3, 31)),
    ("202324", "Academic year", FY(2023, 4, 1), FY(2024, 8, 31)),
    ("2024", "Calendar year", FY(2024, 4, 1), FY(2024, 12, 31)),
    (" 2024 ", "reporting YEAR", FY(2023, 4, 1), FY(2024, 3, 31)),
]


@pytest.mark.parametrize("time_period, identifier, start, known", PERIODS)
def test_periods_are_read_as_our_annual_period(time_period, identifier, start, known):
    period = read_period(time_period, identifier)
    assert (period.start, period.described_end) == (start, known)


@pytest.mark.parametrize(
    "time_period, identifier, words",
    [
        ("2024", "Quarter 1", "not one this service can load"),
        ("2024", "Month", "not one this service can load"),
        ("202325", "Financial year", "not a year followed by the next"),
        ("24", "Reporting year", "cannot be read as a reporting year"),
    ],
)
def test_other_periods_are_refused_with_a_clear_message(time_period, identifier, words):
    with pytest.raises(ReleaseRefused, match=words):
        read_period(time_period, identifier)


def test_columns_are_standard_filters_or_numbers():
    release = read_release(data.release_csv(), "x.csv")
    assert release.filter_columns == ["age"]
    # population_estimate is numeric: a column that could be mapped, never a filter.
    assert release.measure_columns == ["number", "percentage", "population_estimate"]
    assert release.filter_values == {"age": ["Total", "Under 16"]}


def test_the_release_metadata_file_is_followed():
    release = read_release(data.release_csv(), "x.csv", data.meta_csv(indicators=("percentage",)))
    assert release.filter_columns == ["age"]
    assert release.measure_columns == ["percentage"]


def test_a_load_fills_own_value_england_region_neighbours_rank_and_quartile(release_file, council, annual):
    output = load(release_file(data.release_csv()), "--map", "CLA-STAB", "percentage", "age=Total")

    assert "CLA-STAB: percentage where age = Total" in output
    own = {m.period: m for m in annual.measurements.all()}
    assert sorted(own) == [FY(2021, 4, 1), FY(2022, 4, 1), FY(2023, 4, 1)]
    latest = own[FY(2023, 4, 1)]
    assert (latest.value, latest.suppression_code, latest.missing_reason) == (Decimal("72"), "", "")
    benchmarks = {(b.kind, b.period): b for b in annual.benchmarks.all()}
    assert benchmarks[("england", FY(2023, 4, 1))].value == Decimal("62")
    region = benchmarks[("region", FY(2023, 4, 1))]
    assert (region.value, region.name) == (Decimal("64"), "London")
    neighbours = benchmarks[("stat_neighbours", FY(2023, 4, 1))]
    assert (neighbours.value, neighbours.neighbours_counted, neighbours.neighbours_total) == (Decimal("62"), 3, 3)
    assert "DfE published statistics" in neighbours.source
    rank = PublishedRank.objects.get(indicator=annual, period=FY(2023, 4, 1))
    assert (rank.rank, rank.quartile, rank.out_of) == (1, 1, 8)
    source = PublishedSource.objects.get(indicator=annual)
    assert (source.measure_column, source.filters) == ("percentage", {"age": "Total"})
    job = ImportJob.objects.get()
    assert (job.kind, job.state) == ("published", "done")
    assert job.changes.get().object_label.startswith("CLA-STAB")


def test_lower_is_better_ranks_from_the_other_end(release_file, council, annual):
    annual.polarity = "lower"
    annual.save()
    load(release_file(data.release_csv()), "--map", "CLA-STAB", "percentage", "age=Total")
    rank = PublishedRank.objects.get(indicator=annual, period=FY(2023, 4, 1))
    assert (rank.rank, rank.quartile) == (8, 4)


def test_a_close_to_target_indicator_gets_no_rank(release_file, council, annual):
    annual.polarity = "close"
    annual.save()
    load(release_file(data.release_csv()), "--map", "CLA-STAB", "percentage", "age=Total")
    rank = PublishedRank.objects.get(indicator=annual, period=FY(2023, 4, 1))
    assert (rank.rank, rank.quartile, rank.out_of) == (None, None, 8)


def test_published_history_counts_as_known_from_the_end_of_its_year(release_file, council, annual):
    load(release_file(data.release_csv()), "--map", "CLA-STAB", "percentage", "age=Total")
    measurement = annual.measurements.get(period=FY(2022, 4, 1))
    assert measurement.entered_at.date() == FY(2023, 3, 31)


def test_suppressed_own_and_neighbour_values_are_kept_as_symbols(release_file, council, annual):
    def value(year, code, age):
        if year == 2024 and code == data.OWN[0]:
            return "c"
        if year == 2024 and code == data.NEIGHBOURS[0][0]:
            return "low"
        if year == 2023 and code == data.OWN[0]:
            return "k"
        return data.default_value(year, code, age)

    load(release_file(data.release_csv(data.rows(value=value))), "--map", "CLA-STAB", "percentage", "age=Total")

    latest = annual.measurements.get(period=FY(2023, 4, 1))
    assert (latest.value, latest.suppression_code, latest.missing_reason) == (None, "c", "suppressed")
    # "rounds to zero" is a symbol too, never stored as 0.
    assert annual.measurements.get(period=FY(2022, 4, 1)).suppression_code == "k"
    neighbours = annual.benchmarks.get(kind="stat_neighbours", period=FY(2023, 4, 1))
    assert (neighbours.value, neighbours.neighbours_counted, neighbours.neighbours_total) == (Decimal("59.5"), 2, 3)
    # Without its own number the council has no rank; the others are still counted.
    rank = PublishedRank.objects.get(indicator=annual, period=FY(2023, 4, 1))
    assert (rank.rank, rank.out_of) == (None, 6)


def test_the_command_follows_the_release_metadata_file(release_file, council, annual):
    path = release_file(data.release_csv())
    meta = release_file(data.meta_csv(indicators=("percentage",)), name="cla_release.meta.csv")
    output = load(path, "--meta", meta, "--json", "--map", "CLA-STAB", "percentage", "age=Total")
    # Own value, England, region, neighbours and rank for each of three years.
    assert json.loads(output)["counts"]["created"] == 15
    assert annual.measurements.count() == 3


def test_a_file_with_a_byte_order_mark_loads(release_file, council, annual):
    load(release_file(data.release_csv(bom=True)), "--map", "CLA-STAB", "percentage", "age=Total")
    assert annual.measurements.count() == 3


def test_a_reorganised_council_loads_the_years_it_existed(release_file, council, annual):
    # The council was formed in 2023; one neighbour was merged away after 2022.
    skip = {(data.OWN[0], 2022), (data.NEIGHBOURS[2][0], 2023), (data.NEIGHBOURS[2][0], 2024)}
    output = load(release_file(data.release_csv(data.rows(skip=skip))), "--map", "CLA-STAB", "percentage", "age=Total")
    assert sorted(m.period for m in annual.measurements.all()) == [FY(2022, 4, 1), FY(2023, 4, 1)]
    assert "no row for the council in 2021/22" in output
    # England is still loaded for the year the council did not exist.
    assert annual.benchmarks.filter(kind="england").count() == 3
    neighbours = annual.benchmarks.get(kind="stat_neighbours", period=FY(2023, 4, 1))
    assert (neighbours.neighbours_counted, neighbours.neighbours_total) == (2, 3)


def test_reloading_the_same_file_changes_nothing(release_file, council, annual):
    path = release_file(data.release_csv())
    load(path, "--map", "CLA-STAB", "percentage", "age=Total")
    before = everything()
    output = load(path, "--json")  # the saved mapping is used: no questions
    result = json.loads(output)
    assert result["counts"]["created"] == 0
    assert result["counts"]["updated"] == 0
    after = everything()
    assert after.pop("ImportJob") == before.pop("ImportJob") + 1
    assert after == before


def test_an_unknown_indicator_code_creates_an_annual_indicator_and_saves_the_mapping(release_file, council):
    path = release_file(data.release_csv())
    load(path, "--map", "NEW-RATE", "percentage", "age=Under 16")
    indicator = Indicator.objects.get(code="NEW-RATE")
    assert (indicator.frequency, indicator.unit, indicator.polarity) == ("annual", "percentage", "none")
    assert indicator.published_source.filters == {"age": "Under 16"}
    assert indicator.measurements.get(period=FY(2023, 4, 1)).value == Decimal("62")
    # No polarity yet: no rank until the admin sets one.
    assert PublishedRank.objects.get(indicator=indicator, period=FY(2023, 4, 1)).rank is None


def test_a_code_in_another_case_loads_into_the_existing_indicator(release_file, council, annual):
    IndicatorFactory(code="OTHER-1", frequency="monthly")
    load(release_file(data.release_csv()), "--map", "cla-stab", "percentage", "age=Total")
    assert not Indicator.objects.filter(code="cla-stab").exists()
    assert annual.measurements.get(period=FY(2023, 4, 1)).value == Decimal("72")


@pytest.mark.parametrize(
    "column, unit", [("number", "number"), ("percentage", "percentage"), ("rate_per_10000", "rate_per_10k")]
)
def test_a_created_indicator_takes_its_unit_from_the_column(release_file, council, column, unit):
    found = data.rows()
    for row in found:
        row["rate_per_10000"] = row["percentage"]
    path = release_file(data.release_csv(found, header=[*data.HEADER, "rate_per_10000"]))
    load(path, "--map", "NEW-1", column, "age=Total")
    assert Indicator.objects.get(code="NEW-1").unit == unit


def test_la_and_neighbours_on_the_command_line_win(release_file, council, annual):
    load(
        release_file(data.release_csv()),
        "--la",
        "330",  # old form of Birmingham's code
        "--neighbours",
        "E08000026",
        "--map",
        "CLA-STAB",
        "percentage",
        "age=Total",
    )
    latest = annual.measurements.get(period=FY(2023, 4, 1))
    assert latest.value == Decimal("52")
    region = annual.benchmarks.get(kind="region", period=FY(2023, 4, 1))
    assert region.name == "West Midlands"
    neighbours = annual.benchmarks.get(kind="stat_neighbours", period=FY(2023, 4, 1))
    assert (neighbours.value, neighbours.neighbours_total) == (Decimal("47"), 1)


def test_a_dry_run_saves_nothing(release_file, council, annual):
    before = everything()
    output = load(release_file(data.release_csv()), "--dry-run", "--map", "CLA-STAB", "percentage", "age=Total")
    assert output.startswith("Dry run: ")
    assert everything() == before


def test_a_published_value_meeting_a_local_one_is_saved_as_a_correction(release_file, council, annual, admin_user):
    with time_machine.travel(datetime.datetime(2024, 5, 10, 9, tzinfo=datetime.UTC)):
        record_measurement(indicator=annual, period=FY(2023, 4, 1), value=Decimal("70.5"), entered_by=admin_user)
    entered = annual.measurements.get(period=FY(2023, 4, 1)).entered_at
    result = json.loads(
        load(release_file(data.release_csv()), "--json", "--dry-run", "--map", "CLA-STAB", "percentage", "age=Total")
    )
    assert result["counts"]["corrections"] == 1
    load(release_file(data.release_csv()), "--map", "CLA-STAB", "percentage", "age=Total")
    measurement = annual.measurements.get(period=FY(2023, 4, 1))
    assert measurement.value == Decimal("72")
    assert measurement.entered_at == entered  # known from its first entry; the history has the correction
    values = list(measurement.history.order_by("history_date", "history_id").values_list("value", flat=True))
    assert values == [Decimal("70.5"), Decimal("72")]
    change = ImportChange.objects.get()
    assert {"field": "2023/24 value", "before": "70.5000", "after": "72"} in change.fields


# ------------------------------------------------------------------ refusals: a clear message, nothing saved


def refused(path, *args):
    before = everything()
    with pytest.raises(CommandError) as raised:
        load(path, *args)
    assert everything() == before
    return str(raised.value)


def test_a_file_not_in_the_format_is_refused(release_file, council, annual):
    message = refused(release_file(b"Indicator,2023,2024\nCLA-STAB,70,72\n"), "--map", "CLA-STAB", "2024")
    assert "not in DfE's open data format" in message
    assert "time_period" in message


def test_a_binary_file_is_refused(release_file, council, annual):
    message = refused(release_file(b"PK\x03\x04\xff\xfe\x00\x81\x8d", "x.xlsx"), "--map", "CLA-STAB", "x")
    assert "not in DfE's open data format" in message


def test_an_unknown_time_identifier_is_refused(release_file, council, annual):
    found = data.rows()
    found[3]["time_identifier"] = "Quarter 2"
    message = refused(release_file(data.release_csv(found)), "--map", "CLA-STAB", "percentage", "age=Total")
    assert "Row 5" in message and "Quarter 2" in message


def test_an_unknown_council_code_is_refused_naming_it(release_file, council, annual):
    message = refused(
        release_file(data.release_csv()), "--la", "E09000777", "--map", "CLA-STAB", "percentage", "age=Total"
    )
    assert "E09000777 is not in the file" in message


def test_a_mapping_that_matches_no_rows_is_refused(release_file, council, annual):
    message = refused(release_file(data.release_csv()), "--map", "CLA-STAB", "percentage", "age=Over 90")
    assert "matches no rows" in message


def test_an_ambiguous_mapping_is_refused_naming_the_columns_that_tell_rows_apart(release_file, council, annual):
    message = refused(release_file(data.release_csv()), "--map", "CLA-STAB", "percentage")
    assert "picks 2 rows for Riverford in 2021/22" in message
    assert "\u201cage\u201d" in message


def test_a_mapping_naming_a_missing_column_is_refused(release_file, council, annual):
    message = refused(release_file(data.release_csv()), "--map", "CLA-STAB", "rate_per_10000", "age=Total")
    assert "rate_per_10000" in message


def test_a_monthly_indicator_cannot_take_a_published_source(release_file, council):
    IndicatorFactory(code="MONTHLY-1", frequency="monthly")
    message = refused(release_file(data.release_csv()), "--map", "MONTHLY-1", "percentage", "age=Total")
    assert "only annual indicators" in message


def test_a_cell_that_is_neither_number_nor_symbol_is_refused(release_file, council, annual):
    found = data.rows()
    found[5]["percentage"] = "about 40"
    message = refused(release_file(data.release_csv(found)), "--map", "CLA-STAB", "percentage", "age=Total")
    assert "about 40" in message


def test_a_bad_map_argument_is_refused(release_file, council, annual):
    with pytest.raises(CommandError, match="COLUMN=VALUE"):
        load(release_file(data.release_csv()), "--map", "CLA-STAB", "percentage", "age")


def test_nothing_mapped_is_refused(release_file, council, annual):
    message = refused(release_file(data.release_csv()))
    assert "nothing to load" in message


# ------------------------------------------------------------------ council settings


def test_council_settings_are_seeded_from_the_environment_once_then_the_database_wins(settings):
    settings.COUNCIL_LA_CODE = "e09000099"
    settings.STATISTICAL_NEIGHBOURS = ["E09000001", " e09000002 "]
    row = council_settings()
    assert (row.la_code, row.neighbour_codes) == ("E09000099", ["E09000001", "E09000002"])
    row.la_code = "999"
    row.save()
    settings.COUNCIL_LA_CODE = "E08000025"
    assert council_settings().la_code == "999"
    assert CouncilSettings.objects.count() == 1


def test_a_value_entered_by_hand_replaces_a_published_symbol(release_file, council, annual, admin_user):
    def value(year, code, age):
        return "c" if (year, code) == (2024, data.OWN[0]) else data.default_value(year, code, age)

    load(release_file(data.release_csv(data.rows(value=value))), "--map", "CLA-STAB", "percentage", "age=Total")
    record_measurement(indicator=annual, period=FY(2023, 4, 1), value=Decimal("3"), entered_by=admin_user)
    measurement = annual.measurements.get(period=FY(2023, 4, 1))
    assert (measurement.value, measurement.suppression_code, measurement.missing_reason) == (Decimal("3"), "", "")
