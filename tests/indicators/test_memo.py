"""The indicators' computations are memoised by the indicator tables' versions (indicators/queries.py,
core/cache.py memo): an officer's action update leaves them cached, a KPI value write moves them on."""

import datetime
import pickle
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from improvement.services import record_update
from indicators import queries
from indicators.models import Indicator
from indicators.services import record_measurement
from tests.dates import TODAY
from tests.factories.improvement import ActionFactory, PlanFactory, ThemeFactory
from tests.factories.indicators import BenchmarkFactory, IndicatorFactory, MeasurementFactory, TargetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def caching_on(settings):
    settings.PAGE_CACHE = True
    cache.clear()


@pytest.fixture
def kpi(officer_user):
    indicator = IndicatorFactory(owner=officer_user, code="CIN-ASSESS-45", title="Assessments within 45 days")
    TargetFactory(indicator=indicator, effective_from=datetime.date(2025, 1, 1), value=Decimal("90"))
    BenchmarkFactory(indicator=indicator, period=datetime.date(2025, 4, 1), value=Decimal("82"))
    for month in range(1, 11):
        MeasurementFactory(indicator=indicator, period=datetime.date(2026, month, 1), value=Decimal(60 + month))
    return indicator


@pytest.fixture
def action(officer_user):
    return ActionFactory(theme=ThemeFactory(plan=PlanFactory()), reference="1.1", lead_officer=officer_user)


def _update_action(action):
    """An officer's update, through the service the update form uses."""
    return record_update(
        action=action,
        author=action.lead_officer,
        expected_version=action.version,
        date=TODAY,
        status="in_progress",
        progress="off_track",
        narrative="Recruitment failed.",
        evidence_of_impact="",
    )


def _scorecard(client) -> str:
    response = client.get(reverse("indicators:scorecard"))
    assert response.status_code == 200
    return response.content.decode()


def _computations(monkeypatch) -> list[str]:
    """The names of the memoised computations worked out (not served from the cache) from now on."""
    worked_out = []
    for name in ("_scorecard_as_at", "_off_target_as_at", "_scorecard_at_two_dates", "_kpi_rags_on_dates"):
        real = getattr(queries, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            worked_out.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(queries, name, spy)
    return worked_out


@pytest.mark.usefixtures("caching_on")
def test_an_action_update_leaves_the_scorecard_cached_and_a_kpi_value_moves_it_on(
    board_client, kpi, action, officer_user, monkeypatch
):
    assert "70.0%" in _scorecard(board_client)
    assert queries.scorecard_as_at(TODAY)[0].value_display == "70.0%"  # memoised apart: the page's is filtered
    worked_out = _computations(monkeypatch)

    _update_action(action)
    assert "70.0%" in _scorecard(board_client)
    assert queries.scorecard_as_at(TODAY)[0].value_display == "70.0%"
    assert worked_out == []  # neither the page's fragment nor the memo was worked out again

    record_measurement(indicator=kpi, period=datetime.date(2026, 10, 1), value=Decimal("93.4"), entered_by=officer_user)
    page = _scorecard(board_client)
    assert "93.4%" in page and "was 70.0%" in page  # October's figure corrected
    assert queries.scorecard_as_at(TODAY)[0].value_display == "93.4%"
    assert worked_out == ["_scorecard_as_at", "_scorecard_as_at"]  # the page's and the whole scorecard, once each
    assert queries.scorecard_as_at(TODAY)[0].value_display == "93.4%" and len(worked_out) == 2


@pytest.mark.usefixtures("caching_on")
def test_the_dashboards_and_progress_kpis_survive_an_action_update_but_not_a_target_change(kpi, action, monkeypatch):
    start, end = datetime.date(2026, 3, 1), TODAY
    off_target = queries.off_target_as_at(TODAY)
    pairs = queries.scorecard_at_two_dates(start, end)
    rags = queries.kpi_rags_on_dates([start, end])
    assert [row.rag for row in off_target] == ["red"]
    worked_out = _computations(monkeypatch)

    _update_action(action)
    assert queries.off_target_as_at(TODAY) == off_target
    assert queries.scorecard_at_two_dates(start, end) == pairs
    assert queries.kpi_rags_on_dates([end, start]) == rags
    assert worked_out == []

    TargetFactory(indicator=kpi, effective_from=datetime.date(2026, 10, 1), value=Decimal("70"))
    assert queries.off_target_as_at(TODAY) == []  # 70.0% meets the new target of 70
    assert queries.kpi_rags_on_dates([start, end])[kpi.pk][end] == "green"
    assert sorted(worked_out) == ["_kpi_rags_on_dates", "_off_target_as_at"]


@pytest.mark.usefixtures("caching_on")
def test_a_narrowed_scorecard_is_memoised_apart_from_the_whole_one(officer_user, kpi):
    other = IndicatorFactory(owner=officer_user, code="CP-REPEAT", title="Repeat child protection plans")
    whole = queries.scorecard_as_at(TODAY)
    narrowed = queries.scorecard_as_at(TODAY, indicators=Indicator.objects.filter(pk=other.pk))
    assert [row.indicator for row in whole] == [kpi, other]
    assert [row.indicator for row in narrowed] == [other]
    assert queries.scorecard_as_at(TODAY, indicators=Indicator.objects.filter(pk=kpi.pk))[0].indicator == kpi


@pytest.mark.parametrize("caching", [True, False])
def test_a_scorecard_narrowed_to_no_indicators_is_empty(settings, kpi, caching):
    settings.PAGE_CACHE = caching
    assert queries.scorecard_as_at(TODAY, indicators=Indicator.objects.none()) == []
    assert queries.scorecard_at_two_dates(TODAY, TODAY, indicators=Indicator.objects.filter(pk__in=[])) == []
    assert len(queries.scorecard_as_at(TODAY)) == 1


def test_the_memoised_results_pickle_and_read_back_equal(kpi):
    start, end = datetime.date(2026, 3, 1), TODAY
    for value in (
        queries.scorecard_as_at(TODAY),
        queries.scorecard_as_at(TODAY, knowledge=queries.Knowledge.AS_KNOWN_THEN),
        queries.off_target_as_at(TODAY),
        queries.scorecard_at_two_dates(start, end),
        queries.kpi_rags_on_dates([start, end]),
    ):
        assert value
        assert pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL)) == value
    row = pickle.loads(pickle.dumps(queries.scorecard_as_at(TODAY)))[0]
    # What the pages read from a row's indicator after the round trip: its prefetched targets and benchmarks.
    assert [target.value for target in row.indicator.targets_sorted] == [Decimal("90")]
    assert row.england_display and row.spc is not None
