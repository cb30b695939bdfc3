"""A target that ends outright (issue 17): a council drops a KPI's target and keeps the measure for
context. The one rule (target_in_force) at its boundaries; the scorecard, the dated RAG path
(kpi_rags_on_dates), the chart and the pack agree with it; the form refuses an end before the start or
one that overlaps the next target; the target list says how each target ends."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from indicators import charts
from indicators.models import Target
from indicators.queries import kpi_rags_on_dates, scorecard_as_at, target_in_force
from tests.factories.indicators import IndicatorFactory, MeasurementFactory, TargetFactory

D = datetime.date


def _t(start, end=None, value="10"):
    return Target(effective_from=start, effective_to=end, value=Decimal(value))


# Oldest first, as every caller passes them: 10 from Apr 2025 to Mar 2026; none in Apr-May 2026;
# 12 from Jun 2026 until Dec 2026; then nothing.
TARGETS = [_t(D(2025, 4, 1), D(2026, 3, 1), "10"), _t(D(2026, 6, 1), D(2026, 12, 1), "12")]


@pytest.mark.parametrize(
    ("targets", "period", "expected"),
    [
        (TARGETS, D(2025, 3, 1), None),  # before the first target
        (TARGETS, D(2025, 4, 1), "10"),  # its first period
        (TARGETS, D(2026, 3, 1), "10"),  # its last period: still in force
        (TARGETS, D(2026, 4, 1), None),  # the period after its end, before the next: no target
        (TARGETS, D(2026, 5, 1), None),
        (TARGETS, D(2026, 6, 1), "12"),  # the next one's first period
        (TARGETS, D(2026, 12, 1), "12"),
        (TARGETS, D(2027, 1, 1), None),  # after the last target ended: none for good
        ([_t(D(2025, 4, 1))], D(2035, 1, 1), "10"),  # no end: in force for good
        ([_t(D(2025, 4, 1), D(2025, 4, 1))], D(2025, 4, 1), "10"),  # one period long
        ([_t(D(2025, 4, 1), D(2025, 4, 1))], D(2025, 5, 1), None),
        ([_t(D(2025, 4, 1)), _t(D(2026, 4, 1), D(2026, 4, 1))], D(2026, 3, 1), "10"),  # open one, then next
        ([], D(2026, 4, 1), None),
    ],
)
def test_target_in_force_honours_the_last_period(targets, period, expected):
    found = target_in_force(targets, period)
    assert (found.value if found else None) == (Decimal(expected) if expected else None)


@pytest.mark.django_db
def test_scorecard_and_dated_rags_say_no_target_after_the_end():
    indicator = IndicatorFactory(polarity="lower", unit="percentage", frequency="monthly")
    TargetFactory(indicator=indicator, effective_from=D(2025, 4, 1), effective_to=D(2026, 3, 1), value=Decimal("20"))
    for month in (3, 4):
        MeasurementFactory(indicator=indicator, period=D(2026, month, 1), value=Decimal("30"))

    in_march, in_april = (scorecard_as_at(D(2026, month, 28))[0] for month in (3, 4))
    assert (in_march.rag, in_march.target_display) == ("red", "20.0%")
    assert (in_april.rag, in_april.target_display) == ("none", "No target")
    # The dated path the state history and the dashboard use agrees with the scorecard.
    assert kpi_rags_on_dates([D(2026, 3, 28), D(2026, 4, 28)])[indicator.pk] == {
        D(2026, 3, 28): "red",
        D(2026, 4, 28): "none",
    }


@pytest.mark.django_db
def test_the_chart_target_line_stops_at_the_end():
    indicator = IndicatorFactory(frequency="monthly")
    TargetFactory(indicator=indicator, effective_from=D(2026, 1, 1), effective_to=D(2026, 2, 1), value=Decimal("20"))
    measurements = [
        MeasurementFactory(indicator=indicator, period=D(2026, m, 1), value=Decimal("30")) for m in (1, 2, 3)
    ]
    trace = charts._target_trace(measurements, list(indicator.targets.all()), "monthly")
    assert trace["y"] == [20.0, 20.0, None]  # a gap from March, not the target carried on


@pytest.mark.django_db
def test_the_database_refuses_an_end_before_the_start():
    indicator = IndicatorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetFactory(indicator=indicator, effective_from=D(2026, 4, 1), effective_to=D(2026, 3, 1))


def _post(day=1, month=4, year=2026, end=("", "", ""), **changes):
    data = {
        "effective_from-day": str(day),
        "effective_from-month": str(month),
        "effective_from-year": str(year),
        "effective_to-day": end[0],
        "effective_to-month": end[1],
        "effective_to-year": end[2],
        "value": "20",
        "band_lower": "",
        "band_upper": "",
        "tolerance_kind": "absolute",
        "tolerance": "2",
        "expected_direction_note": "",
    }
    return {**data, **changes}


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.mark.django_db
def test_admin_ends_a_target_and_the_list_says_until_when_and_the_gap(admin_client_):
    indicator = IndicatorFactory(frequency="monthly")
    TargetFactory(indicator=indicator, effective_from=D(2027, 4, 1), value=Decimal("25"))
    response = admin_client_.post(
        reverse("indicators:target_create", args=[indicator.pk]), _post(end=("31", "12", "2026"))
    )
    assert response.status_code == 302
    assert indicator.targets.get(effective_from=D(2026, 4, 1)).effective_to == D(2026, 12, 1)
    page = _text(admin_client_.get(response["Location"]))
    assert "From Apr 2026 until Dec 2026 No target from Jan 2027 to Mar 2027 20.0%" in page
    assert "From Apr 2027, no end 25.0%" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("post", "field_message"),
    [
        (_post(end=("1", "3", "2026")), "The last period must be Apr 2026 or later: the target starts then"),
        (_post(end=("1", "7", "2027")), "The last period must be before Apr 2027, when the next target starts"),
        (_post(end=("1", "13", "2026")), "The last period must be a real date"),
        # Starting inside an earlier target's explicit run overlaps it.
        (_post(year=2025, month=10), "The target from Apr 2025 runs until Dec 2025"),
    ],
)
def test_an_end_that_is_early_or_overlaps_is_refused(admin_client_, post, field_message):
    indicator = IndicatorFactory(frequency="monthly")
    TargetFactory(indicator=indicator, effective_from=D(2025, 4, 1), effective_to=D(2025, 12, 1))
    TargetFactory(indicator=indicator, effective_from=D(2027, 4, 1))
    response = admin_client_.post(reverse("indicators:target_create", args=[indicator.pk]), post)
    assert response.status_code == 200
    assert field_message in _text(response)
    assert indicator.targets.count() == 2


@pytest.mark.django_db
def test_changing_a_target_to_end_it_keeps_its_history(admin_client_):
    indicator = IndicatorFactory(frequency="monthly")
    target = TargetFactory(indicator=indicator, effective_from=D(2026, 4, 1), value=Decimal("20"))
    form = admin_client_.get(reverse("indicators:target_update", args=[target.pk])).content.decode()
    assert 'name="effective_to-day"' in form
    response = admin_client_.post(reverse("indicators:target_update", args=[target.pk]), _post(end=("15", "3", "2027")))
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.effective_to == D(2027, 3, 1)
    assert [h.effective_to for h in target.history.order_by("history_id")] == [None, D(2027, 3, 1)]


def test_a_ten_year_series_is_drawn_as_a_line_without_a_bead_on_every_month():
    # Looked at with 120 monthly values at 375 px (issue 17): a marker on every point hid the line.
    def months(count):
        return [
            Target(effective_from=D(2016 + (3 + i) // 12, (3 + i) % 12 + 1, 1), value=Decimal(i)) for i in range(count)
        ]

    def value_trace(count):
        points = [type("M", (), {"period": t.effective_from, "value": t.value})() for t in months(count)]
        return charts._value_trace(points, "monthly")

    assert value_trace(36)["mode"] == "lines+markers"
    assert value_trace(120)["mode"] == "lines"
    assert len(value_trace(120)["y"]) == 120  # every value still there for the hover
