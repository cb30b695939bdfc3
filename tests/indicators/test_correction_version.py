"""A KPI correction form loaded before someone else's correction is refused, saving nothing."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Measurement
from tests.indicators.test_pages import assessments_indicator, text_of

pytestmark = pytest.mark.django_db
PERIOD = datetime.date(2025, 3, 1)


def _loaded_version(client, indicator):
    page = client.get(reverse("indicators:measurement_entry", args=[indicator.pk]) + "?period=2025-03-01")
    return re.search(r'name="expected_version"[^>]*? value="([^"]*)"', page.content.decode()).group(1)


def test_a_correction_from_a_stale_form_is_refused_and_the_first_stands(officer_client, officer_user):
    indicator = assessments_indicator(officer_user)
    url = reverse("indicators:measurement_entry", args=[indicator.pk])
    loaded = _loaded_version(officer_client, indicator)
    first = officer_client.post(url, {"period": "2025-03-01", "value": "88.1", "expected_version": loaded})
    assert first.status_code == 302
    history_rows = Measurement.history.filter(indicator_id=indicator.pk, period=PERIOD).count()

    late = officer_client.post(url, {"period": "2025-03-01", "value": "86.0", "expected_version": loaded})

    assert late.status_code == 200
    text = text_of(late)
    assert "Someone else changed the value for Mar 2025 after you opened the page: it is now 88.1%." in text
    assert "Your correction was not saved." in text
    saved = Measurement.objects.get(indicator=indicator, period=PERIOD)
    assert saved.value == Decimal("88.1")
    assert Measurement.history.filter(indicator_id=indicator.pk, period=PERIOD).count() == history_rows
    # Submitted again from the page that said so, knowingly, the correction is saved.
    again_version = re.search(r'name="expected_version"[^>]*? value="([^"]*)"', late.content.decode()).group(1)
    again = officer_client.post(url, {"period": "2025-03-01", "value": "86.0", "expected_version": again_version})
    assert again.status_code == 302
    assert Measurement.objects.get(indicator=indicator, period=PERIOD).value == Decimal("86.0")


def test_a_correction_from_a_current_form_is_saved(officer_client, officer_user):
    indicator = assessments_indicator(officer_user)
    url = reverse("indicators:measurement_entry", args=[indicator.pk])
    loaded = _loaded_version(officer_client, indicator)
    assert (
        officer_client.post(url, {"period": "2025-03-01", "value": "88.4", "expected_version": loaded}).status_code
        == 302
    )
    assert Measurement.objects.get(indicator=indicator, period=PERIOD).value == Decimal("88.4")
