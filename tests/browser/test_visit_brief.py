"""Browser journey (issue 14): a clerk publishes the visit brief from the progress page, a board member
opens it from the visit's page and downloads its Word copy; axe-core finds nothing on the new pages, and
nothing scrolls sideways at 375 px."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth"), page.url


def test_a_clerk_publishes_the_visit_brief_and_a_board_member_opens_it_from_the_visit(
    demo, sign_in, live_server, assert_accessible
):
    from improvement.models import Inspection
    from improvement.rules import latest_held_visit
    from tests.dates import TODAY

    visit = latest_held_visit(Inspection.objects.all(), TODAY)
    page = sign_in("clerk")
    page.goto(f"{live_server.url}/progress/")
    page.get_by_role("link", name="Publish as a visit brief").click()
    expect(page.get_by_role("heading", name="Publish a visit brief?")).to_be_visible()
    expect(page.get_by_text(f"{visit} ({visit.last_day.day} {visit.last_day:%B %Y})").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Publish the visit brief").click()
    expect(page.get_by_text("Visit brief published as at")).to_be_visible()
    expect(page.get_by_role("heading", name="Progress between monitoring visits")).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    page = sign_in("board")
    page.goto(f"{live_server.url}{visit.get_absolute_url()}")
    briefs = page.locator("#visit-briefs + p, #visit-briefs ~ ul").first
    expect(briefs).to_be_visible()
    expect(page.get_by_role("link", name="Publish a visit brief")).to_have_count(0)  # board members read only
    page.get_by_role("link", name=f"From {visit}").first.click()
    stamp = page.locator("#brief-stamp")
    assert "published by" in stamp.inner_text()
    assert f"Published on {TODAY.day} {TODAY:%B %Y}" in stamp.inner_text()
    expect(page.get_by_role("table", name="Actions by RAG rating at the end of each month")).to_be_visible()
    page.wait_for_selector("#progress-chart .main-svg")  # the stored chart drawn from our static plotly
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this visit brief as a Word document (.docx)").click()
    assert download.value.suggested_filename.endswith(".docx")

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    _no_sideways_scroll(page)
