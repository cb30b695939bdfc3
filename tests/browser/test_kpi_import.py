"""An admin imports a messy scorecard: section headings skipped, rows old -> new, filters, the
"clear reported values" choice, then the import; axe-core finds nothing and nothing scrolls sideways
at 375px."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from indicators.models import Measurement
from tests.factories.indicators import IndicatorFactory, MeasurementFactory
from tests.imports import fixtures
from tests.imports.test_kpi_messy_scorecards import Q1, Q2

pytestmark = pytest.mark.browser


def _scorecard(path):
    rows = [
        ["Riverford scorecard"],
        ["Ref", "Measure", "Good is", "Target", "Q1 2026/27", "Q2 2026/27"],
        ["FRONT DOOR", "FRONT DOOR", "FRONT DOOR", "FRONT DOOR", "FRONT DOOR", "FRONT DOOR"],
        ["BRW-REREF", "Re-referrals within 12 months (%)", "Lower is better", "Less than 22%", "n/a", "24.9%"],
        ["BRW-CASE", "Average caseload per social worker", "", "Between 8 and 12", 13, 11],
    ]
    path.write_bytes(fixtures.xlsx_bytes({"Scorecard": rows}))
    return path


def _no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_admin_previews_rows_clears_a_reported_value_and_imports(
    demo, sign_in, live_server, assert_accessible, tmp_path
):
    indicator = IndicatorFactory(
        code="BRW-REREF", title="Re-referrals within 12 months (%)", unit="percentage", frequency="quarterly"
    )
    MeasurementFactory(indicator=indicator, period=Q1, value=Decimal("30"))
    MeasurementFactory(indicator=indicator, period=Q2, value=Decimal("25.8"))
    page = sign_in("admin")
    page.goto(live_server.url + reverse("imports:upload_indicators"))
    page.locator("input[type=file][name=file]").set_input_files(str(_scorecard(tmp_path / "scorecard.xlsx")))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("link", name="See what the import would do").click()

    expect(page.get_by_role("heading", name="Check the import of scorecard.xlsx")).to_be_visible()
    expect(page.get_by_text("Row 3: FRONT DOOR")).to_be_visible()
    rows = page.locator("table.imports-rows")
    expect(rows).to_contain_text("Q2 2026/27 value: 25.8% \u2192 24.9%")
    expect(rows).to_contain_text("Target from Q1 2026/27: (none) \u2192 8 to 12")
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    _no_sideways_scroll(page, 375)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Problems only").click()
    expect(rows).to_contain_text("Left unchanged: the file says \u201cn/a\u201d for Q1 2026/27")
    expect(rows).not_to_contain_text("25.8% \u2192 24.9%")
    page.get_by_role("link", name=re.compile(r"^Changes only \(\d+\)$")).click()
    expect(rows).to_contain_text("25.8% \u2192 24.9%")

    page.get_by_label("Clear reported values").check()
    page.get_by_role("button", name="Check again with this choice").click()
    page.get_by_role("link", name="See what the import would do").click()
    expect(page.locator("table.imports-rows")).to_contain_text("30.0% \u2192 No value (not applicable)")
    assert_accessible(page)
    page.get_by_role("button", name="Import now").click()
    expect(page.get_by_role("heading", name="Import complete")).to_be_visible()
    page.get_by_role("link", name="See the import log").click()
    expect(page.get_by_text("Q2 2026/27 value: 25.8% \u2192 24.9%")).to_be_visible()
    assert_accessible(page)
    assert Measurement.objects.get(indicator=indicator, period=Q1).missing_reason == "not_applicable"
    assert Measurement.objects.get(indicator=indicator, period=Q2).value == Decimal("24.9")
