"""Issue 17: a KPI that turns red (red now, not red in the previous period) needs commentary. The entry
form refuses such a value without it; an imported one is saved and flagged "commentary needed" for the
owner, on "my indicators" and on the indicator page, until the owner adds commentary."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Measurement
from indicators.services import save_measurements
from tests.dates import NOW
from tests.factories.indicators import IndicatorFactory, MeasurementFactory, TargetFactory
from tests.imports import fixtures
from tests.imports.helpers import run_import
from tests.meetings.test_pages import text_of

pytestmark = pytest.mark.django_db
D = datetime.date


def _indicator(owner, **fields):
    """Higher is better, target 90% with 5 points' tolerance: 85 or more is amber, under 85 red."""
    indicator = IndicatorFactory(owner=owner, **fields)
    TargetFactory(
        indicator=indicator, effective_from=D(2024, 4, 1), value=Decimal("90"), tolerance_kind="absolute",
        tolerance=Decimal("5"),
    )  # fmt: skip
    return indicator


def _entry(indicator):
    return reverse("indicators:measurement_entry", args=[indicator.pk])


def test_the_hint_says_when_commentary_is_required_and_it_is_not_labelled_optional(officer_client, officer_user):
    page = text_of(officer_client.get(_entry(_indicator(officer_user))))
    assert "Commentary Required when the value turns the indicator red (red this period, not red the" in page
    assert "Commentary (optional)" not in page
    assert "Data quality note (optional)" in page


def test_a_value_that_turns_the_indicator_red_is_refused_without_commentary(officer_client, officer_user):
    indicator = _indicator(officer_user)
    MeasurementFactory(indicator=indicator, period=D(2026, 9, 1), value=Decimal("86"))  # amber

    response = officer_client.post(_entry(indicator), {"period": "2026-10-01", "value": "80"})

    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert "Enter commentary: 80.0% turns the indicator red, and it was not red in Sep 2026." in page
    assert not Measurement.objects.filter(period=D(2026, 10, 1)).exists()

    response = officer_client.post(
        _entry(indicator), {"period": "2026-10-01", "value": "80", "commentary": "Two teams lost managers"}
    )

    assert response.status_code == 302
    saved = Measurement.objects.get(period=D(2026, 10, 1))
    assert (saved.value, saved.commentary, saved.commentary_needed) == (Decimal("80"), "Two teams lost managers", False)


@pytest.mark.parametrize(
    "previous, value",
    [("82", "80"), (None, "86"), ("86", "95")],
    ids=["red after red", "amber", "green"],
)
def test_no_commentary_is_asked_for_a_value_that_does_not_turn_red(officer_client, officer_user, previous, value):
    indicator = _indicator(officer_user)
    if previous:
        MeasurementFactory(indicator=indicator, period=D(2026, 9, 1), value=Decimal(previous), commentary="Known")

    response = officer_client.post(_entry(indicator), {"period": "2026-10-01", "value": value})

    assert response.status_code == 302
    assert Measurement.objects.get(period=D(2026, 10, 1)).commentary_needed is False


def test_a_first_value_that_is_red_turns_the_indicator_red(officer_client, officer_user):
    indicator = _indicator(officer_user)
    response = officer_client.post(_entry(indicator), {"period": "2026-10-01", "value": "70"})
    assert "it was not red in Sep 2026" in text_of(response)


def test_an_imported_value_that_turns_red_is_saved_flagged_shown_to_the_owner_and_cleared_by_commentary(
    admin_user, officer_client, officer_user, board_client
):
    indicator = _indicator(officer_user, frequency="monthly")
    indicator.code = "CSC-01"
    indicator.save()
    MeasurementFactory(indicator=indicator, period=D(2026, 9, 1), value=Decimal("88"), commentary="Steady")
    data = fixtures.csv_bytes(
        [
            ["Indicator code", "Indicator", "Period", "Value", "Commentary"],
            ["CSC-01", indicator.title, "Oct 2026", "70", ""],
        ]
    )

    run_import(data, "values.csv", kind="indicators", user=admin_user)

    imported = Measurement.objects.get(indicator=indicator, period=D(2026, 10, 1))
    assert (imported.value, imported.commentary_needed) == (Decimal("70"), True)
    mine = text_of(officer_client.get(reverse("indicators:my_indicators")))
    assert "Commentary needed Add commentary for Oct 2026" in mine
    assert (
        f"{_entry(indicator)}?period=2026-10-01"
        in officer_client.get(reverse("indicators:my_indicators")).content.decode()
    )
    shown = text_of(board_client.get(indicator.get_absolute_url()))
    assert "Commentary needed: this value turned the indicator red and came without commentary." in shown
    assert "Add commentary for Oct 2026" not in shown  # a board member cannot add it

    officer_client.post(
        _entry(indicator), {"period": "2026-10-01", "value": "70", "commentary": "Agency cover ended in September"}
    )

    imported.refresh_from_db()
    assert (imported.commentary, imported.commentary_needed) == ("Agency cover ended in September", False)
    assert "Add commentary for" not in text_of(officer_client.get(reverse("indicators:my_indicators")))


def test_an_imported_value_with_commentary_or_still_red_is_not_flagged(admin_user, officer_user):
    indicator = _indicator(officer_user)
    MeasurementFactory(indicator=indicator, period=D(2026, 8, 1), value=Decimal("80"), commentary="Turned red")
    with_words = Measurement(indicator=indicator, period=D(2026, 9, 1), value=Decimal("75"), commentary="")
    save_measurements(new=[with_words], user=admin_user)
    other = _indicator(officer_user)
    explained = Measurement(indicator=other, period=D(2026, 9, 1), value=Decimal("75"), commentary="Explained")
    save_measurements(new=[explained], user=admin_user)

    assert (with_words.commentary_needed, explained.commentary_needed) == (False, False)


def test_history_loaded_at_once_flags_only_the_latest_period_that_turned_red(admin_user, officer_user):
    """Years of published figures: red, green, red. Only the latest asks the owner for commentary."""
    indicator = _indicator(officer_user, frequency="annual")
    values = [Measurement(indicator=indicator, period=D(year, 4, 1), value=Decimal(v), entered_at=NOW)
              for year, v in ((2022, "70"), (2023, "95"), (2024, "70"))]  # fmt: skip

    save_measurements(new=values, user=admin_user)

    flags = dict(Measurement.objects.filter(indicator=indicator).values_list("period", "commentary_needed"))
    assert flags == {D(2022, 4, 1): False, D(2023, 4, 1): False, D(2024, 4, 1): True}


def test_a_flag_stays_on_an_earlier_period_until_commentary_is_added(admin_user, officer_user):
    indicator = _indicator(officer_user)
    september = MeasurementFactory(indicator=indicator, period=D(2026, 9, 1), value=Decimal("70"))
    assert september.commentary_needed is True
    MeasurementFactory(indicator=indicator, period=D(2026, 10, 1), value=Decimal("95"))

    september.value = Decimal("71")  # corrected again by a later import, still without commentary
    save_measurements(changed=[september], update_fields=["value"], user=admin_user)
    september.refresh_from_db()
    assert september.commentary_needed is True

    september.commentary = "Explained at last"
    save_measurements(changed=[september], update_fields=["commentary"], user=admin_user)
    september.refresh_from_db()
    assert september.commentary_needed is False


def test_the_writer_reads_a_fixed_number_of_queries_for_the_flags_however_many_values(admin_user, officer_user):
    counts = []
    for size in (2, 12):
        indicators = [_indicator(officer_user) for _ in range(size)]
        values = [
            Measurement(indicator=i, period=D(2026, month, 1), value=Decimal("70"), entered_at=NOW)
            for i in indicators
            for month in (8, 9)
        ]
        with CaptureQueriesContext(connection) as captured:
            save_measurements(new=values, user=admin_user)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_my_indicators_query_count_is_fixed_with_flags(officer_client, officer_user, django_assert_num_queries):
    for _ in range(3):
        MeasurementFactory(indicator=_indicator(officer_user), period=D(2026, 9, 1), value=Decimal("70"))
    # session, user, permissions (one query), indicators, measurements; session save (3)
    with django_assert_num_queries(8):
        assert "Commentary needed" in text_of(officer_client.get(reverse("indicators:my_indicators")))


def test_a_value_judged_against_the_target_arriving_in_the_same_file_is_flagged(admin_user, officer_user):
    """The importer saves a file's targets before its values, so a red value is judged against them."""
    indicator = IndicatorFactory(owner=officer_user, frequency="monthly", code="CSC-02")
    MeasurementFactory(indicator=indicator, period=D(2026, 9, 1), value=Decimal("95"), commentary="Good month")
    data = fixtures.csv_bytes(
        [
            ["Indicator code", "Indicator", "Period", "Value", "Target", "Commentary"],
            ["CSC-02", indicator.title, "Oct 2026", "50", "90", ""],
        ]
    )

    run_import(data, "values.csv", kind="indicators", user=admin_user)

    imported = Measurement.objects.get(indicator=indicator, period=D(2026, 10, 1))
    assert indicator.targets.count() == 1
    assert (imported.value, imported.commentary_needed) == (Decimal("50"), True)
