"""Indicator definitions and targets kept by admins in the app (issue 17): add and change an indicator,
add and change its targets, and what is refused, with what the admin sees and what the database holds."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Indicator, Target
from tests.factories.improvement import PlanFactory, ThemeFactory
from tests.factories.indicators import IndicatorFactory, MeasurementFactory, TargetFactory


def _definition(**changes) -> dict:
    data = {
        "code": "CP-REPEAT",
        "title": "Repeat child protection plans",
        "what_it_measures": "Of the children who started a child protection plan, how many had one before.",
        "why_it_matters": "",
        "how_calculated": "",
        "polarity": "lower",
        "unit": "percentage",
        "decimal_places": "1",
        "frequency": "monthly",
        "period_type": "rolling_12m",
        "source": "Local case system",
        "owner": "",
        "order": "5",
        "is_active": "on",
    }
    return {**data, **changes}


def _target(day=1, month=4, year=2026, **changes) -> dict:
    data = {
        "effective_from-day": str(day),
        "effective_from-month": str(month),
        "effective_from-year": str(year),
        "value": "20",
        "band_lower": "",
        "band_upper": "",
        "tolerance_kind": "absolute",
        "tolerance": "2",
        "expected_direction_note": "",
    }
    return {**data, **changes}


def _text(response) -> str:
    """What the page says, tags left out, as one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_admin_adds_an_indicator_with_its_owner_and_themes(admin_client_, admin_user, officer_user):
    theme = ThemeFactory(plan=PlanFactory(status="active"), reference="3", title="Child protection")
    response = admin_client_.post(
        reverse("indicators:definition_create"), _definition(owner=str(officer_user.pk), themes=[str(theme.pk)])
    )
    indicator = Indicator.objects.get(code="CP-REPEAT")
    assert response.status_code == 302
    assert response["Location"] == reverse("indicators:target_list", args=[indicator.pk])
    assert (indicator.title, indicator.polarity, indicator.period_type, indicator.owner, indicator.is_active) == (
        "Repeat child protection plans",
        "lower",
        "rolling_12m",
        officer_user,
        True,
    )
    assert list(indicator.themes.all()) == [theme]
    assert indicator.history.get().history_user == admin_user

    page = _text(admin_client_.get(response["Location"]))
    assert "Lower is better" in page and "3. Child protection" in page
    assert "No target has been set: the indicator has no RAG until one is." in page


def test_a_second_indicator_with_the_same_code_is_refused_with_a_message(admin_client_):
    IndicatorFactory(code="CP-REPEAT")
    response = admin_client_.post(reverse("indicators:definition_create"), _definition())
    assert response.status_code == 200
    assert "An indicator with this code already exists" in _text(response)
    assert Indicator.objects.filter(code="CP-REPEAT").count() == 1


def test_admin_changes_an_indicator_and_makes_it_inactive(admin_client_):
    indicator = IndicatorFactory(code="CP-REPEAT", polarity="higher")
    data = _definition(polarity="lower", title="Repeat plans within two years")
    del data["is_active"]  # an unticked checkbox is not sent
    response = admin_client_.post(reverse("indicators:definition_update", args=[indicator.pk]), data)
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.title, indicator.polarity) == ("Repeat plans within two years", "lower")
    assert indicator.is_active is False
    assert indicator.history.count() == 2  # the earlier definition is kept


def test_the_frequency_of_an_indicator_with_values_cannot_change(admin_client_):
    indicator = IndicatorFactory(code="CP-REPEAT", frequency="monthly")
    MeasurementFactory(indicator=indicator, period=datetime.date(2026, 4, 1), value=Decimal("20"))
    MeasurementFactory(indicator=indicator, period=datetime.date(2026, 5, 1), value=Decimal("21"))
    response = admin_client_.post(
        reverse("indicators:definition_update", args=[indicator.pk]), _definition(frequency="quarterly")
    )
    assert response.status_code == 200
    assert "You cannot change how often it is measured: it has 2 monthly values" in _text(response)
    indicator.refresh_from_db()
    assert indicator.frequency == "monthly"


def test_admin_adds_a_target_from_the_period_the_date_falls_in(admin_client_):
    indicator = IndicatorFactory(frequency="quarterly", polarity="lower")
    response = admin_client_.post(reverse("indicators:target_create", args=[indicator.pk]), _target(day=15, month=5))
    assert response.status_code == 302
    target = indicator.targets.get()
    assert (target.effective_from, target.value, target.tolerance_kind, target.tolerance) == (
        datetime.date(2026, 4, 1),  # the quarter 15 May falls in
        Decimal("20"),
        "absolute",
        Decimal("2"),
    )
    page = _text(admin_client_.get(response["Location"]))
    assert "The target from Q1 2026/27 has been saved." in page
    assert "From Q1 2026/27, no end 20.0% 2 points" in page


def test_a_band_sets_the_target_to_its_middle(admin_client_):
    indicator = IndicatorFactory(polarity="close")
    admin_client_.post(
        reverse("indicators:target_create", args=[indicator.pk]), _target(value="", band_lower="8", band_upper="12")
    )
    target = indicator.targets.get()
    assert (target.band_lower, target.band_upper, target.value) == (Decimal("8"), Decimal("12"), Decimal("10"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value": ""}, "Enter the target value, or the lowest and highest values on target"),
        ({"band_lower": "8"}, "Give both the lowest and the highest value on target, or neither"),
        ({"band_lower": "12", "band_upper": "8"}, "The highest value on target must be at least the lowest"),
        ({"tolerance": "-1"}, "The amber tolerance must be 0 or more"),
        ({"effective_from-month": "13"}, "Starts from must be a real date"),
        ({"effective_from-day": "", "effective_from-month": "", "effective_from-year": ""}, "Enter the date"),
    ],
)
def test_a_target_with_bad_input_is_refused_with_a_message_and_nothing_saved(admin_client_, changes, message):
    indicator = IndicatorFactory()
    response = admin_client_.post(reverse("indicators:target_create", args=[indicator.pk]), _target(**changes))
    assert response.status_code == 200
    assert message in _text(response)
    assert not Target.objects.exists()


def test_a_second_target_from_the_same_period_is_refused(admin_client_):
    indicator = IndicatorFactory()
    TargetFactory(indicator=indicator, effective_from=datetime.date(2026, 4, 1))
    response = admin_client_.post(reverse("indicators:target_create", args=[indicator.pk]), _target(day=20))
    assert "There is already a target from Apr 2026: change that one instead" in _text(response)
    assert indicator.targets.count() == 1


def test_admin_changes_a_target_and_the_trajectory_shows_when_each_runs(admin_client_):
    indicator = IndicatorFactory(polarity="higher")
    first = TargetFactory(indicator=indicator, effective_from=datetime.date(2025, 4, 1), value=Decimal("80"))
    TargetFactory(indicator=indicator, effective_from=datetime.date(2026, 4, 1), value=Decimal("85"))

    edit = admin_client_.get(reverse("indicators:target_update", args=[first.pk]))
    assert 'value="80"' in edit.content.decode()  # not 80.0000
    response = admin_client_.post(
        reverse("indicators:target_update", args=[first.pk]), _target(year=2025, value="82.5", tolerance="5")
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.value, first.tolerance) == (Decimal("82.5"), Decimal("5"))
    assert first.history.count() == 2
    page = _text(admin_client_.get(response["Location"]))
    assert "From Apr 2025 until the next target (to Mar 2026) 82.5% 5 points" in page
    assert "From Apr 2026, no end 85.0%" in page


def test_list_shows_every_indicator_with_its_owner_values_and_status(admin_client_, officer_user):
    active = IndicatorFactory(code="A-1", title="Assessments on time", owner=officer_user)
    MeasurementFactory(indicator=active, period=datetime.date(2026, 4, 1), value=Decimal("70"))
    TargetFactory(indicator=active)
    IndicatorFactory(code="B-2", title="Old measure", is_active=False)
    page = _text(admin_client_.get(reverse("indicators:definition_list")))
    assert "2 indicators, in scorecard order" in page
    assert "A-1: Assessments on time" in page and "1 value, 1 target Active" in page
    assert "B-2: Old measure" in page and "No owner yet 0 values, 0 targets Inactive" in page


def test_admin_area_lists_the_admin_pages(admin_client_):
    page = admin_client_.get(reverse("admin_area")).content.decode()
    for url in ("/users/", "/audit/", "/import/", "/indicators/definitions/", "/meetings/", "/plan/inspections/"):
        assert f'href="{url}"' in page


@pytest.mark.parametrize("extra", [0, 6])
def test_definition_pages_run_the_same_queries_at_two_sizes(
    admin_client_, officer_user, extra, django_assert_num_queries
):
    theme = ThemeFactory()
    indicator = IndicatorFactory(owner=officer_user)
    indicator.themes.add(theme)
    TargetFactory(indicator=indicator)
    for i in range(extra):
        other = IndicatorFactory(owner=officer_user)
        MeasurementFactory(indicator=other, period=datetime.date(2026, 4, 1), value=Decimal(i))
        TargetFactory(indicator=other)
        TargetFactory(indicator=indicator, effective_from=datetime.date(2025 + i + 1, 4, 1))
        indicator.themes.add(ThemeFactory(plan=theme.plan))
    pages = {
        # session, user, permissions (3 in all), then: the page's indicators with counts and owners (1)
        reverse("indicators:definition_list"): 4,
        # the indicator with its owner (1), its themes (1), its targets (1)
        reverse("indicators:target_list", args=[indicator.pk]): 6,
        reverse("admin_area"): 3,
    }
    for url in pages:
        admin_client_.get(url)  # warm the session
    for url, expected in pages.items():
        with django_assert_num_queries(expected):
            assert admin_client_.get(url).status_code == 200
