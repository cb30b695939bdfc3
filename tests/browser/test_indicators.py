from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_board_member_reads_scorecard_then_an_indicator_with_chart_and_table(
    demo_readonly, sign_in, live_server, assert_accessible
):
    page = sign_in("board")
    hosts = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))

    page.get_by_role("link", name="Indicators", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators scorecard")
    expect(page.get_by_text("Red - outside tolerance").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Assessments completed within 45 working days").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessments completed within 45 working days")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 2
    expect(page.get_by_role("table", name="The same figures as a table, newest first")).to_be_visible()
    # The inspections, visits and board meetings marked on the chart, in words.
    page.get_by_text("Inspections, visits and board meetings on the chart").click()
    events = page.get_by_role("table", name="Events marked on the chart, oldest first")
    expect(events.get_by_role("link", name="Monitoring visit 1")).to_be_visible()
    expect(page.get_by_role("link", name="Enter a value")).to_have_count(0)
    assert_accessible(page)

    assert set(hosts) == {urlsplit(live_server.url).netloc}


def test_officer_enters_a_value_and_sees_the_rag_change(demo, sign_in, assert_accessible):
    page = sign_in("officer")
    page.get_by_role("link", name="Indicators", exact=True).click()
    page.get_by_role("link", name="Enter values for the indicators you own").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter indicator values")
    assert_accessible(page)

    page.get_by_role("link", name="Assessments completed within 45 working days", exact=True).click()
    assert page.locator("#rag-explanation").inner_text().endswith("so it is amber.")
    page.get_by_role("link", name="Enter a value").click()
    assert_accessible(page)

    page.get_by_role("textbox", name="Value").fill("150")
    page.get_by_role("button", name="Save value").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    expect(page.get_by_role("link", name="A percentage must be between 0 and 100")).to_be_visible()
    assert_accessible(page)

    period = page.locator("#id_period option").nth(1)
    page.get_by_label("Period").select_option(period.get_attribute("value"))
    page.get_by_role("textbox", name="Value").fill("92.5")
    page.get_by_label("Commentary").fill("Two extra assessment social workers started in October.")
    page.get_by_role("button", name="Save value").click()

    banner = page.locator(".govuk-notification-banner--success").inner_text()
    assert "92.5%. RAG: Green - on or better than target." in banner
    assert (
        page.locator("#rag-explanation").inner_text()
        == "92.5% is above the target of 90.0% (higher is better), so it is green."
    )
    assert_accessible(page)
