import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SIGNAL_WORDS = re.compile(
    r"^(Signal: .+ \u2014 .+|No signal: the (rise|fall|latest value) is within normal variation)$"
)


def test_board_member_sees_the_signal_in_words_on_the_scorecard_and_the_indicator(
    demo_readonly, sign_in, assert_accessible
):
    page = sign_in("board")
    page.get_by_role("link", name="Indicators", exact=True).click()
    expect(page.get_by_role("columnheader", name="Change or normal variation")).to_be_visible()
    cells = page.locator("td.app-scorecard__signal").all_inner_texts()
    assert cells and all(
        SIGNAL_WORDS.match(text) or text.startswith("Not enough data yet") or text == "Not for annual figures"
        for text in cells
    ), cells
    assert any(SIGNAL_WORDS.match(text) for text in cells)
    assert_accessible(page)

    page.get_by_role("link", name="Assessments completed within 45 working days").click()
    # inner_text() does not wait for the new page: wait for the indicator page itself before reading it.
    expect(page.get_by_role("heading", name="Change or normal variation")).to_be_visible()
    assert SIGNAL_WORDS.match(page.locator("#spc-signal").inner_text())
    assert page.locator("#spc-assurance").inner_text().startswith("The target lies ")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    expect(page.locator(".js-plotly-plot .legendtext", has_text="Process limits")).to_have_count(1)
    expect(page.get_by_role("table", name="Mean, process limits and signals, newest first")).to_be_visible()
    expect(page.get_by_role("link", name="Change the baseline or re-base the chart")).to_have_count(0)
    assert_accessible(page)


def test_owner_rebases_the_chart_after_a_known_change(demo, sign_in, assert_accessible):
    page = sign_in("officer")
    page.get_by_role("link", name="Indicators", exact=True).click()
    page.get_by_role("link", name="Assessments completed within 45 working days").click()
    page.get_by_role("link", name="Change the baseline or re-base the chart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Baseline for the SPC chart")
    assert_accessible(page)

    period = page.locator("#id_rebase_period option").nth(3)
    page.get_by_label("Re-base from (optional)").select_option(period.get_attribute("value"))
    page.get_by_role("button", name="Save baseline").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    expect(
        page.get_by_role("link", name="Say what changed, so board members know why the chart starts again")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("What changed").fill("New case system went live")
    page.get_by_role("button", name="Save baseline").click()
    assert page.locator(".govuk-notification-banner--success").inner_text().count("new baseline from") == 1
    expect(page.locator("#spc-signal")).to_have_text("Not enough data yet (3 of 12 points)")
    assert_accessible(page)

    page.get_by_role("link", name="Change the baseline or re-base the chart").click()
    page.get_by_role("button", name=re.compile("Withdraw the re-base")).click()
    assert "is withdrawn" in page.locator(".govuk-notification-banner--success").inner_text()
    assert (
        "Withdrawn"
        in page.get_by_role("table", name="Every re-base, oldest first, including withdrawn ones").inner_text()
    )
    assert_accessible(page)
