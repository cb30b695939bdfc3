"""What was known when: the knowledge history of KPI values (MeasurementVersion), its one writer, the
"as known then" and "current knowledge" scorecards, and each indicator's RAG on many dates."""

import datetime
import importlib
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from indicators import periods
from indicators.models import Measurement, MeasurementVersion
from indicators.queries import Knowledge, known_values, kpi_rags_on_dates, scorecard_as_at
from indicators.rules import version_known_from
from indicators.services import record_measurement
from meetings.pack import build_pack
from tests.dates import LONDON
from tests.factories.indicators import IndicatorFactory, MeasurementFactory, TargetFactory, monthly_series
from tests.factories.meetings import BoardFactory, MeetingFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def at(day: D, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON)


def versions(indicator, period):
    return list(
        MeasurementVersion.objects.filter(indicator=indicator, period=period)
        .order_by("recorded_at", "pk")
        .values_list("value", "known_from", "known_to", "is_correction", "corrected_on")
    )


# The rule --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "describes_until, entered_on, is_first, previous, known_from",
    [
        # An original is known from the end of its period, however late it was entered (history).
        (D(2019, 4, 30), D(2026, 11, 22), True, None, D(2019, 4, 30)),
        (D(2026, 10, 31), D(2026, 11, 10), True, None, D(2026, 10, 31)),
        # ...and entered before its period ends, from the day it was entered, never later.
        (D(2026, 11, 30), D(2026, 11, 20), True, None, D(2026, 11, 20)),
        (D(2026, 11, 30), D(2026, 11, 30), True, None, D(2026, 11, 30)),
        # A correction is known from the day it was entered...
        (None, D(2026, 12, 3), False, D(2026, 10, 31), D(2026, 12, 3)),
        # ...never before the version it replaces.
        (None, D(2026, 10, 1), False, D(2026, 10, 31), D(2026, 10, 31)),
    ],
)
def test_version_known_from_follows_the_design_rule(describes_until, entered_on, is_first, previous, known_from):
    assert (
        version_known_from(
            describes_until=describes_until, entered_on=entered_on, is_first=is_first, previous_known_from=previous
        )
        == known_from
    )


# The one writer, from every path ---------------------------------------------------------------


def test_entry_form_writes_an_original_then_a_correction_known_from_the_day_it_was_made(
    officer_client, officer_user, time_machine
):
    indicator = IndicatorFactory(owner=officer_user)
    url = reverse("indicators:measurement_entry", args=[indicator.pk])

    officer_client.post(url, {"period": "2026-10-01", "value": "25.8"})  # 22 Nov: after October ended
    time_machine.move_to(at(D(2026, 12, 3)))
    officer_client.force_login(officer_user)  # a new day's session: the idle timeout ended the old one
    officer_client.post(url, {"period": "2026-10-01", "value": "27.1"})
    officer_client.post(url, {"period": "2026-10-01", "value": "27.1", "commentary": "Checked"})

    assert versions(indicator, D(2026, 10, 1)) == [
        (Decimal("25.8"), D(2026, 10, 31), D(2026, 12, 3), False, None),
        (Decimal("27.1"), D(2026, 12, 3), D(2026, 12, 3), True, D(2026, 12, 3)),
        # A new commentary alone is a new version, not a correction; it keeps the correction's mark.
        (Decimal("27.1"), D(2026, 12, 3), None, False, D(2026, 12, 3)),
    ]


def test_a_value_entered_before_its_period_ends_is_known_from_the_day_it_was_entered(officer_user):
    indicator = IndicatorFactory(owner=officer_user)
    record_measurement(indicator=indicator, period=D(2026, 11, 1), value=Decimal("40"), entered_by=officer_user)
    assert versions(indicator, D(2026, 11, 1)) == [(Decimal("40"), D(2026, 11, 22), None, False, None)]


def test_django_admin_edits_go_through_the_writer(admin_client_, admin_user):
    measurement = MeasurementFactory(period=D(2026, 9, 1), value=Decimal("80"))
    url = reverse("admin:indicators_measurement_change", args=[measurement.pk])
    form = admin_client_.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(
        indicator=measurement.indicator_id,
        period="2026-09-01",
        value="82.5",
        entered_at_0="2026-01-01",
        entered_at_1="09:00:00",
    )
    data["entered_by"] = ""

    response = admin_client_.post(url, data)

    assert response.status_code == 302
    assert versions(measurement.indicator, D(2026, 9, 1)) == [
        (Decimal("80"), D(2026, 1, 1), D(2026, 11, 22), False, None),
        (Decimal("82.5"), D(2026, 11, 22), None, True, D(2026, 11, 22)),
    ]


def test_kpi_import_writes_originals_known_from_their_periods_and_corrections_from_today():
    from tests.imports import fixtures
    from tests.imports.helpers import run_import

    indicator = IndicatorFactory(code="CSC-01")
    MeasurementFactory(indicator=indicator, period=D(2019, 4, 1), value=Decimal("80"))

    run_import(fixtures.long_kpi_csv(), "long.csv", kind="indicators")

    assert versions(indicator, D(2019, 1, 1)) == [(Decimal("80"), D(2019, 1, 31), None, False, None)]
    assert versions(indicator, D(2019, 4, 1)) == [
        (Decimal("80"), D(2019, 4, 30), D(2026, 11, 22), False, None),
        (Decimal("87.3"), D(2026, 11, 22), None, True, D(2026, 11, 22)),
    ]
    # Every value has exactly one current version.
    assert MeasurementVersion.objects.filter(known_to__isnull=True).count() == Measurement.objects.count() == 3


def test_published_load_is_known_from_the_end_of_the_period_the_release_describes(tmp_path, settings, admin_user):
    from tests.imports import published_data as data

    settings.COUNCIL_LA_CODE = data.OWN[0]
    settings.STATISTICAL_NEIGHBOURS = data.NEIGHBOUR_CODES
    annual = IndicatorFactory(code="CLA-STAB", frequency="annual", period_type="annual")
    with time_machine.travel(datetime.datetime(2024, 5, 10, 9, tzinfo=datetime.UTC)):
        record_measurement(indicator=annual, period=D(2023, 4, 1), value=Decimal("70.5"), entered_by=admin_user)
    path = tmp_path / "release.csv"
    path.write_bytes(data.release_csv())

    call_command("import_published", str(path), "--map", "CLA-STAB", "percentage", "age=Total", stdout=None)

    # 2022/23 is new: an original, known from 31 March 2023 ("Reporting year" 2023).
    assert versions(annual, D(2022, 4, 1)) == [(Decimal("71"), D(2023, 3, 31), None, False, None)]
    # 2023/24 met a local value: a correction, known from the day of the load.
    assert versions(annual, D(2023, 4, 1)) == [
        (Decimal("70.5"), D(2024, 3, 31), D(2026, 11, 22), False, None),
        (Decimal("72"), D(2026, 11, 22), None, True, D(2026, 11, 22)),
    ]


def test_the_demo_writes_a_version_for_every_value(demo_council):
    assert Measurement.objects.count() > 100
    assert MeasurementVersion.objects.filter(known_to__isnull=True).count() == Measurement.objects.count()
    assert Measurement.history.count() == Measurement.objects.count()


def test_the_migration_backfills_versions_from_the_history():
    indicator = IndicatorFactory()
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        recorded = record_measurement(
            indicator=indicator, period=D(2026, 10, 1), value=Decimal("25.8"), entered_by=None
        ).measurement
    with time_machine.travel(at(D(2026, 12, 3)), tick=False):
        record_measurement(indicator=indicator, period=D(2026, 10, 1), value=Decimal("27.1"), entered_by=None)
    # A value with no history (the demo's bulk inserts before this change).
    Measurement.objects.bulk_create(
        [Measurement(indicator=indicator, period=D(2026, 9, 1), value=Decimal("30"), entered_at=at(D(2026, 10, 5)))]
    )
    expected = {period: versions(indicator, period) for period in (D(2026, 10, 1),)}
    MeasurementVersion.objects.all().delete()
    migration = importlib.import_module("indicators.migrations.0006_h2_measurement_versions")

    migration.backfill_versions(apps, None)

    assert (
        versions(indicator, D(2026, 10, 1))
        == expected[D(2026, 10, 1)]
        == [
            (Decimal("25.8"), D(2026, 10, 31), D(2026, 12, 3), False, None),
            (Decimal("27.1"), D(2026, 12, 3), None, True, D(2026, 12, 3)),
        ]
    )
    assert versions(indicator, D(2026, 9, 1)) == [(Decimal("30"), D(2026, 9, 30), None, False, None)]
    corrected = MeasurementVersion.objects.get(measurement=recorded, known_to__isnull=True)
    assert corrected.replaced.value == Decimal("25.8")


# As known then, and current knowledge with its mark ---------------------------------------------


@pytest.fixture
def corrected_kpi(officer_user):
    """October entered on 10 November as 25.8% and corrected on 3 December to 27.1%.

    Target 30%, amber within 3 points: red before the correction, amber after."""
    indicator = IndicatorFactory(owner=officer_user, code="CORR", title="Re-referrals within 12 months")
    TargetFactory(
        indicator=indicator, effective_from=D(2026, 4, 1), value=Decimal("30"), tolerance_kind="absolute", tolerance=3
    )
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        record_measurement(indicator=indicator, period=D(2026, 10, 1), value=Decimal("25.8"), entered_by=officer_user)
    with time_machine.travel(at(D(2026, 12, 3)), tick=False):
        record_measurement(indicator=indicator, period=D(2026, 10, 1), value=Decimal("27.1"), entered_by=officer_user)
    return indicator


def test_as_known_then_shows_the_figure_before_its_correction(corrected_kpi):
    (before,) = scorecard_as_at(D(2026, 11, 30), knowledge=Knowledge.AS_KNOWN_THEN)
    (after,) = scorecard_as_at(D(2026, 12, 4), knowledge=Knowledge.AS_KNOWN_THEN)
    (current,) = scorecard_as_at(D(2026, 11, 30))

    assert (before.value_display, before.rag, before.correction_display) == ("25.8%", "red", "")
    assert (after.value_display, after.rag, after.correction_display) == (
        "27.1%",
        "amber",
        "corrected on 3 Dec: was 25.8%",
    )
    assert (current.value_display, current.correction_display) == ("27.1%", "corrected on 3 Dec: was 25.8%")


def test_scorecard_dashboard_and_indicator_page_mark_a_corrected_figure(
    corrected_kpi, board_client, board_user, time_machine
):
    time_machine.move_to(at(D(2026, 12, 4)))
    board_client.force_login(board_user)  # a new day's session: the idle timeout ended the old one

    scorecard = board_client.get(reverse("indicators:scorecard")).content.decode()
    dashboard = board_client.get(reverse("home")).content.decode()
    page = board_client.get(corrected_kpi.get_absolute_url()).content.decode()

    assert "27.1%" in scorecard and "Corrected on 3 Dec: was 25.8%" in scorecard
    assert "Corrected on 3 Dec: was 25.8%" in dashboard  # amber: among the KPIs off target
    assert '<p class="govuk-body-s app-correction" id="latest-correction">Corrected on 3 Dec: was 25.8%</p>' in page


def test_a_pack_shows_the_figures_known_on_its_date(corrected_kpi, board_user, time_machine):
    # Two days after the correction: the held meeting's pack is as at its day, the one still to come
    # is as at today (meetings.rules: a pack's data date).
    time_machine.move_to(at(D(2026, 12, 5)))
    board = BoardFactory(kind="improvement_board")
    board.indicators.add(corrected_kpi)
    early = MeetingFactory(board=board, starts_at=at(D(2026, 11, 30), 14))
    late = MeetingFactory(board=board, starts_at=at(D(2026, 12, 10), 14))

    (then,) = build_pack(early)["scorecard"]
    (later,) = build_pack(late)["scorecard"]

    assert (then["value"], then["rag"], then["correction"]) == ("25.8%", "red", "")
    assert (later["value"], later["rag"], later["correction"]) == ("27.1%", "amber", "corrected on 3 Dec: was 25.8%")


# Each indicator's RAG on each of N dates ---------------------------------------------------------


def _indicators(count):
    made = []
    for number in range(count):
        indicator = IndicatorFactory(polarity="lower" if number % 2 else "higher")
        TargetFactory(indicator=indicator, effective_from=D(2025, 1, 1), value=Decimal("80"))
        TargetFactory(indicator=indicator, effective_from=D(2025, 7, 1), value=Decimal("75"))
        monthly_series(indicator, [70, 78, None, 85, 74, 90, 60, 76, 79])
        made.append(indicator)
    IndicatorFactory(code="EMPTY")  # no values, no target: no RAG on any date
    return made


DATES = [D(2024, 12, 31), D(2025, 1, 15), D(2025, 3, 1), D(2025, 6, 30), D(2025, 7, 1), D(2025, 9, 30), D(2028, 9, 1)]


@pytest.mark.parametrize("count", [1, 5])
def test_kpi_rags_on_dates_runs_two_queries_whatever_the_size(count, django_assert_num_queries):
    _indicators(count)
    dates = [D(2025, 1, 1) + datetime.timedelta(days=30 * n) for n in range(count * 12)]
    with django_assert_num_queries(2):
        rags = kpi_rags_on_dates(dates)
    assert len(rags) == count + 1 and all(len(by_date) == len(dates) for by_date in rags.values())


@pytest.mark.parametrize("knowledge", [Knowledge.CURRENT, Knowledge.AS_KNOWN_THEN])
def test_kpi_rags_on_dates_agree_with_the_scorecard_on_each_date(knowledge, officer_user):
    made = _indicators(3)
    # A correction on 15 May 2025 to March, and a value entered before its period ended.
    with time_machine.travel(at(D(2025, 5, 15)), tick=False):
        record_measurement(indicator=made[0], period=D(2025, 3, 1), value=Decimal("60"), entered_by=officer_user)
        record_measurement(indicator=made[1], period=D(2025, 5, 1), value=Decimal("99"), entered_by=officer_user)
    dates = [*DATES, D(2025, 5, 14), D(2025, 5, 15), D(2025, 5, 31)]

    rags = kpi_rags_on_dates(dates, knowledge=knowledge)

    for day in dates:
        expected = {row.indicator.pk: row.rag for row in scorecard_as_at(day, knowledge=knowledge)}
        assert {pk: by_date[day] for pk, by_date in rags.items()} == expected, day
    # The answers are not all the same: the dates cross targets, gaps and the correction.
    assert len({rag for by_date in rags.values() for rag in by_date.values()}) >= 3


# Stored history against a straightforward replay ------------------------------------------------

PERIODS = [D(2026, 8, 1), D(2026, 9, 1), D(2026, 10, 1)]
writes = st.lists(
    st.tuples(st.sampled_from(PERIODS), st.integers(min_value=0, max_value=120), st.sampled_from([10, 20, 30, None])),
    min_size=1,
    max_size=8,
)


def replay(log, period, day):
    """The value of `period` known on `day`, worked out from the writes alone (oldest first)."""
    known, known_from = None, None
    for when, written_period, value in log:
        if written_period != period:
            continue
        entered_on = when.date()
        if known_from is None:
            known_from = min(periods.period_end(period, "monthly"), entered_on)
        else:
            known_from = max(known_from, entered_on)
        if known_from <= day:
            known = ("value", value)
    return known


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(log=writes, days=st.lists(st.integers(min_value=-40, max_value=160), min_size=1, max_size=6))
def test_stored_knowledge_agrees_with_a_replay_of_the_writes(db, log, days):
    indicator = IndicatorFactory()
    start = datetime.datetime(2026, 9, 15, 9, tzinfo=LONDON)
    moments = []
    for offset, (period, minutes_later, value) in enumerate(sorted(log, key=lambda w: w[1])):
        when = start + datetime.timedelta(days=minutes_later, minutes=offset)
        moments.append((when, period, None if value is None else Decimal(value)))
        with time_machine.travel(when, tick=False):
            record_measurement(
                indicator=indicator,
                period=period,
                value=None if value is None else Decimal(value),
                missing_reason="not_yet_available" if value is None else "",
                entered_by=None,
            )
    for offset in days:
        day = D(2026, 9, 15) + datetime.timedelta(days=offset)
        known = known_values([indicator.pk], day, Knowledge.AS_KNOWN_THEN).get(indicator.pk, [])
        stored = {k.period: ("value", k.value) for k in known}
        expected = {}
        for period in PERIODS:
            found = replay(moments, period, day)
            if found is not None and period <= day:
                expected[period] = found
        assert stored == expected, (day, moments)
