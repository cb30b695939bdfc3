"""Browser journey: a board member sets the dashboard as at the last visit, opens the progress page
from the visit, reads the chart's table and prints it; no axe-core violations, nothing scrolls
sideways at 375 px."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page):
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_board_member_reads_progress_since_the_last_visit_and_prints_it(
    demo_readonly, sign_in, live_server, assert_accessible
):
    from improvement.models import Inspection
    from improvement.rules import latest_held_visit
    from tests.dates import TODAY

    visit = latest_held_visit(Inspection.objects.all(), TODAY)
    page = sign_in("board")
    assert_accessible(page)
    page.get_by_role("link", name=f"As at the latest visit ({visit.last_day.day} {visit.last_day:%B %Y})").click()
    expect(page.get_by_text(f"As at {visit.last_day.day} {visit.last_day:%B %Y}", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="RAG ratings month by month")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}{visit.get_absolute_url()}")
    page.get_by_role("link", name="See progress since this monitoring visit").click()
    expect(page.get_by_role("heading", name="Progress between monitoring visits")).to_be_visible()
    expect(page.get_by_role("heading", name="What Ofsted looked at and said")).to_be_visible()
    table = page.get_by_role("table", name="Actions by RAG rating at the end of each month")
    expect(table).to_be_visible()
    assert table.get_by_role("row").count() > 2
    page.wait_for_selector("#progress-chart .main-svg")  # plotly drew the chart from our static file
    assert_accessible(page)

    page.get_by_role("link", name="Print view").click()
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="Progress between monitoring visits")).to_be_visible()
    expect(page.get_by_role("table", name="Actions by RAG rating at the end of each month")).to_be_visible()
    page.emulate_media(media="screen")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", "/progress/", "/?as_at-day=1&as_at-month=6&as_at-year=2026"])
def test_dashboard_and_progress_do_not_scroll_sideways_on_a_phone(demo_readonly, sign_in, live_server, page, path):
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in("board")
    page.goto(f"{live_server.url}{path}")
    _no_sideways_scroll(page)
