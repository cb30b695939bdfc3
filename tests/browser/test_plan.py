from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core.formats import date_words
from tests.browser.conftest import fill_date
from tests.dates import TODAY

pytestmark = pytest.mark.browser


def plan_counts(page):
    """{rag: count} from the counts at the top of the plan page."""
    counts = {}
    for rag in ("red", "amber", "green", "grey", "blue"):
        counts[rag] = int(page.locator(f".app-count-cards .app-count-card--{rag} .app-count").inner_text())
    return counts


def test_officer_records_an_amber_update_with_a_revised_date(demo, sign_in, live_server, assert_accessible):
    page = sign_in("officer")
    page.get_by_role("link", name="Plan", exact=True).click()
    before = plan_counts(page)
    assert_accessible(page)

    page.get_by_role("link", name="My actions").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    assert_accessible(page)
    # An action needing an update that is not amber now, so the plan's amber count must go up by one.
    needing = page.get_by_role("table", name="Needing an update")
    row = needing.locator("tbody tr").filter(has_not_text="Amber").first
    reference, title = row.locator("th a").inner_text().split(" ", 1)
    was = row.locator(".govuk-tag").first.inner_text().split(" ")[0].lower()  # "Red - off track" -> "red"
    row.get_by_role("link", name=f"Record update for {reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a progress update")
    assert_accessible(page)

    # At risk without a narrative: the error summary explains, nothing is saved.
    page.get_by_role("radio", name="In progress").check()
    page.get_by_role("radio", name="At risk").check()
    page.get_by_role("button", name="Save update").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    expect(page.get_by_role("link", name="a narrative is required when the RAG is red or amber")).to_be_visible()
    assert_accessible(page)

    revised = TODAY + timedelta(days=120)
    page.get_by_label("What has been done").fill("Recruitment to the new team is slower than planned.")
    page.get_by_label("Evidence of impact").fill("Audit: 55% of plans now have a contingency.")
    fill_date(page, "Revised target date", revised)  # GOV.UK's date input: day, month and year
    page.get_by_label("Why the target date changed").fill("Two team manager posts vacant until the spring")
    page.get_by_label("Who agreed the new date").fill("Improvement board")
    page.get_by_role("button", name="Save update").click()

    # The action page: the banner, RAG in words, the date history and the newest update first.
    assert (
        page.locator(".govuk-notification-banner--success")
        .inner_text()
        .endswith(f"Your update to {reference} has been recorded.")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main .govuk-tag").first).to_have_text("Amber - at risk")
    history = page.get_by_role("table", name="Changes to the target date, oldest first")
    last_change = history.locator("tbody tr").last.inner_text()
    assert date_words(revised) in last_change and "Two team manager posts vacant" in last_change
    assert "Improvement board" in last_change
    newest = page.locator(".app-timeline__entry").first
    assert "Recruitment to the new team is slower than planned." in newest.inner_text()
    assert "Audit: 55% of plans now have a contingency." in newest.inner_text()
    expect(newest.locator(".govuk-tag")).to_have_text("Amber - at risk")
    assert_accessible(page)

    page.get_by_role("link", name="Plan", exact=True).click()
    after = plan_counts(page)
    assert after["amber"] == before["amber"] + 1
    assert after[was] == before[was] - 1
    assert sum(after.values()) == sum(before.values())


def test_plan_pages_pass_axe(demo_readonly, sign_in, live_server, assert_accessible):
    page = sign_in("board")
    page.goto(f"{live_server.url}/plan/?rag=red&sort=target_date&overdue=yes")
    expect(page.locator("details.govuk-details[open]")).to_have_count(1)
    assert "matching action" in page.get_by_role("heading", level=2).first.inner_text()
    assert_accessible(page)

    page.locator(".govuk-table tbody tr th + td a").first.click()
    expect(page.get_by_role("heading", name="Progress updates, newest first")).to_be_visible()
    expect(page.get_by_role("link", name="Record a progress update")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_role("link", name="My actions").click()
    expect(page.get_by_text("Your role lets you read the plan, but not record progress on it")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Inspections and recommendations").click()
    assert_accessible(page)
    page.get_by_role("link", name="Inspection of children's social care services").first.click()
    expect(page.get_by_role("heading", name="Judgements")).to_be_visible()
    assert_accessible(page)

    page.locator("table a.govuk-link").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def _no_sideways_scroll(page):
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


@pytest.mark.parametrize("width", [1280, 375])
def test_plan_page_opens_a_theme_and_pages_through_a_filter(
    width, demo_readonly, sign_in, live_server, assert_accessible, monkeypatch
):
    # The demo plan has 48 actions: a page of 10 shows the GOV.UK pagination without a large demo.
    monkeypatch.setattr("improvement.views.PLAN_PAGE_SIZE", 10)
    page = sign_in("board")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/plan/")  # at 375 px the navigation is behind the Menu button
    # Collapsed: every theme with its counts in words, no table of actions.
    themes = page.locator(".app-theme-summary")
    expect(themes).to_have_count(6)
    expect(page.locator("main table")).to_have_count(0)
    assert "Red - off track" in themes.first.locator(".app-theme-counts").inner_text()
    _no_sideways_scroll(page)
    assert_accessible(page)

    second = themes.nth(1)
    title = second.locator("h3").inner_text()
    second.get_by_role("link", name=f"in {title}").click()
    opened = page.locator(".app-theme-summary--open")
    expect(opened.locator("h3")).to_have_text(title)
    expect(opened.locator("table tbody tr")).to_have_count(8)
    expect(page.locator(".app-theme-summary table")).to_have_count(1)  # the other themes stay collapsed
    _no_sideways_scroll(page)
    assert_accessible(page)
    opened.get_by_role("link", name=f"Close the theme {title}").click()
    expect(page.locator("main table")).to_have_count(0)

    page.get_by_text("Filter and sort actions").click()
    page.get_by_label("Status").select_option("in_progress")
    page.get_by_role("button", name="Apply").click()
    heading = page.get_by_role("heading", level=2).first.inner_text()
    matching = int(heading.split(" ")[0])
    assert matching > 10 and "matching action" in heading
    expect(page.locator("main table tbody tr")).to_have_count(10)
    _no_sideways_scroll(page)
    assert_accessible(page)
    page.get_by_role("navigation", name="Pages of matching actions").get_by_role("link", name="Next page").click()
    assert "status=in_progress" in page.url and "page=2" in page.url
    expect(page.get_by_text(f"Showing actions 11 to {min(20, matching)} of {matching}.")).to_be_visible()
    expect(page.locator("main .govuk-table tbody tr")).to_have_count(min(10, matching - 10))
    assert page.get_by_label("Status").input_value() == "in_progress"  # the filter travelled with the page link
    _no_sideways_scroll(page)
    assert_accessible(page)

    page.get_by_role("link", name=f"Print all {matching} matching actions").click()
    expect(page.locator("main table tbody tr")).to_have_count(matching)  # never paged
    assert_accessible(page)
