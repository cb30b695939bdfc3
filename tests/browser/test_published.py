"""An admin loads a DfE release and maps one indicator; a board member sees the benchmarks and the quartile."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories.indicators import IndicatorFactory
from tests.imports import published_data as data

pytestmark = pytest.mark.browser


def test_admin_loads_a_release_and_a_board_member_sees_benchmarks_and_quartile(
    demo, sign_in, live_server, assert_accessible, settings, tmp_path
):
    settings.COUNCIL_LA_CODE = data.OWN[0]
    settings.STATISTICAL_NEIGHBOURS = data.NEIGHBOUR_CODES
    indicator = IndicatorFactory(
        code="CLA-STAB-PUB", title="Children looked after in stable placements", frequency="annual", polarity="higher"
    )
    release = tmp_path / "cla_placement_stability_2024.csv"
    release.write_bytes(data.release_csv(bom=True))

    page = sign_in("admin")
    page.goto(live_server.url + reverse("imports:start"))
    page.get_by_role("link", name="Load published statistics").click()
    expect(page.get_by_role("heading", name="Load published statistics")).to_be_visible()
    assert_accessible(page)
    page.locator("input[type=file][name=file]").set_input_files(str(release))
    page.get_by_role("button", name="Check the file").click()
    # The worker reads the file; tests run it at once, so the status page already links on.
    page.get_by_role("link", name="Choose the mapping and check again").click()

    # Nothing is mapped yet: the page says so and offers the columns and filter values found in the file.
    expect(page.get_by_role("heading", name="Check the release cla_placement_stability_2024.csv")).to_be_visible()
    expect(page.locator("#refusal")).to_contain_text("No indicator is mapped")
    assert_accessible(page)
    page.get_by_label("Indicator (optional)", exact=True).select_option("CLA-STAB-PUB")
    page.get_by_label("Column with the figure (optional)").select_option("percentage")
    expect(page.get_by_label("Filter \u201cage\u201d (optional)")).to_have_value("Total")
    page.get_by_role("button", name="Check again").click()
    page.get_by_role("link", name="See what the import would do").click()

    expect(page.get_by_role("cell", name="62.0% (mean of 3 of 3 neighbours)").first).to_be_visible()
    expect(page.get_by_role("cell", name="1 of 8, quartile 1").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm and load").click()
    expect(page.get_by_role("heading", name="Import complete")).to_be_visible()

    page.context.clear_cookies()
    page = sign_in("board")
    page.goto(live_server.url + reverse("indicators:indicator_detail", args=[indicator.pk]))
    expect(page.get_by_role("heading", name="Compared with all councils")).to_be_visible()
    expect(page.locator("#published-rank")).to_have_text("1st quartile (best): 1st of 8 councils in 2023/24")
    row = page.get_by_role("row", name="2023/24 72.0%")
    expect(row.get_by_role("cell", name="64.0% (London)")).to_be_visible()
    expect(page.locator(".js-plotly-plot, .plot-container").first).to_be_visible()
    assert_accessible(page)

    page.goto(live_server.url + reverse("indicators:scorecard"))
    expect(page.get_by_role("columnheader", name="Quartile among councils")).to_be_visible()
    expect(page.get_by_text("1st quartile (best): 1st of 8 councils in 2023/24")).to_be_visible()
    assert_accessible(page)
