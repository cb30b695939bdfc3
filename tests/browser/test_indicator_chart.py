"""The indicator chart and the scorecard in a browser (issue 17, "Charts" and "Mobile"): numbered visit
labels that never overlap, the board meetings' checkbox, and at 375 px a scorecard whose RAG and
direction of travel stay on screen, with no page scrolling sideways."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

INDICATOR = "Assessments completed within 45 working days"

_MEETING_VISIBILITY = """() => document.getElementById("indicator-chart").data
    .filter(trace => trace.legendgroup === "meetings").map(trace => trace.visible)"""

_LABEL_BOXES = """() => Array.from(document.querySelectorAll("#indicator-chart g.annotation"))
    .map(label => { const box = label.getBoundingClientRect();
                    return [box.left, box.top, box.right, box.bottom, label.textContent]; })"""


def _overlapping(boxes):
    return [
        (a[4], b[4])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]


def _open_indicator(page):
    page.get_by_role("link", name="Indicators", exact=True).click()
    page.get_by_role("link", name=INDICATOR).click()
    page.wait_for_selector("#indicator-chart .main-svg")


def _no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_visit_labels_are_readable_and_board_meetings_toggle(demo_readonly, sign_in, assert_accessible):
    page = sign_in("board")
    _open_indicator(page)

    labels = page.evaluate(_LABEL_BOXES)
    assert len(labels) >= 3  # the demo's monitoring visits and other events, numbered in order
    assert [label[4] for label in labels] == [str(number) for number in range(1, len(labels) + 1)]
    assert _overlapping(labels) == []
    key = page.locator("#chart-key").inner_text()
    assert key.startswith("Numbered lines on the chart: 1, ") and f"; {len(labels)}, " in key
    assert ", Monitoring visit 1 (" in key

    # The demo's monthly board makes more meetings than the chart shows from the start.
    toggle = page.get_by_role("checkbox", name="board meetings on the chart")
    expect(toggle).to_be_visible()
    expect(toggle).not_to_be_checked()
    assert page.evaluate(_MEETING_VISIBILITY) == ["legendonly", "legendonly"]
    toggle.check()
    assert page.evaluate(_MEETING_VISIBILITY) == [True, True]
    # The legend entry does the same, and the checkbox follows it.
    page.locator("#indicator-chart .legend .traces", has_text="Board meetings").locator(".legendtoggle").click()
    page.wait_for_function(
        "() => document.getElementById('indicator-chart').data.some(t => t.visible === 'legendonly')"
    )
    assert not toggle.is_checked()
    assert_accessible(page)


def test_at_375_px_the_scorecard_keeps_its_rag_and_direction_and_nothing_scrolls_sideways(
    demo_readonly, sign_in, live_server, assert_accessible
):
    page = sign_in("board")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/indicators/")  # the navigation is behind the menu button at this width
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators scorecard")
    assert _no_sideways_scroll(page)

    rows = page.locator("table.app-scorecard tbody tr")
    assert rows.count() > 20
    for index in range(rows.count()):
        row = rows.nth(index)
        for cell in (row.locator(".app-card__rag .govuk-tag"), row.locator(".app-card__direction")):
            box = cell.bounding_box()
            assert cell.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 375, (index, box)
        # In words, each card's RAG comes straight after the indicator's name.
        name, rag = row.locator(".app-card__title").bounding_box(), row.locator(".app-card__rag").bounding_box()
        assert name["y"] < rag["y"] < row.locator(".app-card__direction").bounding_box()["y"]
    assert "Since last period:" in rows.first.locator(".app-card__direction").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name=INDICATOR).click()
    page.wait_for_selector("#indicator-chart .main-svg")
    assert _no_sideways_scroll(page)
    assert _overlapping(page.evaluate(_LABEL_BOXES)) == []
    assert_accessible(page)
