"""Browser: a board member opens a meeting's pack, its print view and a published copy; a clerk publishes."""

from io import BytesIO
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from meetings.models import Meeting

pytestmark = pytest.mark.browser

SECTIONS = [
    "1. Exceptions",
    "2. What changed since the previous meeting",
    "3. Due before the next meeting",
    "4. Indicator scorecard",
    "5. Actions arising from previous meetings",
]


def _latest_held_meeting():
    return (
        Meeting.objects.select_related("board")
        .filter(board__kind="improvement_board", status=Meeting.Status.HELD)
        .order_by("-starts_at")
        .first()
    )


def test_board_member_opens_the_pack_the_print_view_and_a_published_pack(
    demo_readonly, sign_in, live_server, assert_accessible
):
    meeting = _latest_held_meeting()
    page = sign_in("board")
    hosts = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))

    page.get_by_role("link", name="Meetings", exact=True).click()
    page.get_by_role("link", name="Children's Improvement Board", exact=True).click()
    page.get_by_role("link", name=f"{meeting.date.day} {meeting.date:%B %Y}", exact=True).first.click()
    page.get_by_role("link", name="(live)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Children's Improvement Board, {meeting.date.day} {meeting.date:%B %Y}"
    )
    for section in SECTIONS:
        expect(page.get_by_role("heading", name=section, level=2)).to_be_visible()
    expect(page.get_by_role("table", name="Actions needing the board's attention")).to_be_visible()
    expect(page.get_by_text("Red - off track").first).to_be_visible()
    expect(page.get_by_role("link", name="Publish this pack")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Print view (A4)").click()
    expect(page.get_by_role("heading", name="4. Indicator scorecard")).to_be_visible()
    # Once the print view is there: a count of none passes at once on a page still arriving.
    expect(page.locator(".govuk-service-navigation")).to_have_count(0)
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Back to the board pack")).not_to_be_visible()  # screen-only help
    # The cover (agenda and contents) has a page of its own; the sections then follow on without
    # forced breaks, so no page is left half empty before a small section.
    assert page.locator(".app-pack-cover").evaluate("e => getComputedStyle(e).breakAfter") == "page"
    breaks = page.locator(".app-pack__section").evaluate_all("es => es.map(e => getComputedStyle(e).breakBefore)")
    assert len(breaks) >= 8 and set(breaks) == {"auto"}  # sections 1 to 8, and papers when there are some
    page.emulate_media(media="screen")

    page.go_back()
    page.get_by_role("link", name="published by").first.click()
    expect(page.get_by_text("published by Priya Shah")).to_be_visible()
    expect(page.get_by_role("heading", name="1. Exceptions")).to_be_visible()
    assert_accessible(page)

    assert set(hosts) == {urlsplit(live_server.url).netloc}


def test_clerk_publishes_a_pack(demo, sign_in, live_server, assert_accessible):
    meeting = _latest_held_meeting()
    page = sign_in("clerk")
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/pack/")
    page.get_by_role("link", name="Publish this pack").click()  # a link styled as a button
    expect(page.get_by_role("heading", name="Publish this board pack?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Publish the pack").click()
    expect(page.get_by_text("Pack published as at")).to_be_visible()
    expect(page.get_by_text(f"As at {meeting.date.day} {meeting.date:%B %Y}, published by Priya Shah")).to_be_visible()
    assert_accessible(page)


def test_the_printed_pack_has_a_cover_and_numbered_pages_with_a_running_header(demo_readonly, sign_in, live_server):
    """Chromium prints the print view to PDF as a browser's Print command would (A4 from the page's CSS):
    every page is headed with the board, the date and "page n of m", and the cover lists the agenda."""
    meeting = _latest_held_meeting()
    agenda = list(meeting.agenda_items.order_by("order", "pk").values_list("title", flat=True))
    page = sign_in("board")
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/pack/print/")

    pages = PdfReader(BytesIO(page.pdf(prefer_css_page_size=True))).pages

    texts = [" ".join(p.extract_text().split()) for p in pages]
    heading = f"Children's Improvement Board, {meeting.date.day} {meeting.date:%B %Y}"
    assert texts[0].startswith(f"{heading} \u2014 page 1 of {len(pages)}")
    assert texts[-1].startswith(f"{heading} \u2014 page {len(pages)} of {len(pages)}")
    assert agenda and all(title in texts[0] for title in agenda)
    assert "Contents 1. Exceptions 2. What changed since the previous meeting" in texts[0]
    assert "1. Exceptions" in texts[1]  # the sections start after the cover
    assert round(float(pages[0].mediabox.width) / 72 * 25.4) == 210  # A4 portrait, in mm
