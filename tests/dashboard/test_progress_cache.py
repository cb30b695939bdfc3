"""The progress page's print view keeps its sections in the page cache as the page does (core/cache.py):
printing the period again reads neither the plan's states nor the KPIs, and a write shows at once."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from improvement.models import ActionStatus, Inspection
from tests.core.test_page_cache import one_action  # noqa: F401 (a fixture)
from tests.dates import TODAY
from tests.factories.improvement import ActionUpdateFactory, InspectionFactory

pytestmark = pytest.mark.django_db


def test_the_print_views_sections_come_from_the_cache_until_the_data_changes(
    board_client,
    one_action,  # noqa: F811
    settings,
):
    settings.PAGE_CACHE = True
    cache.clear()
    InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 7, 1))
    url = reverse("progress_print")
    first = board_client.get(url).content.decode()
    assert "Redesign the MASH" in first
    with CaptureQueriesContext(connection) as captured:
        response = board_client.get(url)
    again = response.content.decode()
    assert again == first
    assert "dashboard/includes/progress_body.html" not in [t.name for t in response.templates]  # not rendered
    read = " ".join(q["sql"] for q in captured.captured_queries)
    assert "improvement_actionstateperiod" not in read and "indicators_indicator" not in read

    ActionUpdateFactory(action=one_action, date=TODAY, status=ActionStatus.COMPLETE, progress="")
    assert board_client.get(url).content.decode() != first  # a write moves the key on
