"""Browser: an admin reaches the Admin area from the navigation, adds an indicator and gives it a target,
at desktop width and on a phone, with axe-core finding nothing on each page."""

import pytest
from playwright.sync_api import expect

from indicators.models import Indicator
from meetings.models import Board

pytestmark = pytest.mark.browser


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_admin_adds_an_indicator_and_its_target_from_the_admin_area(demo, sign_in, assert_accessible):
    page = sign_in("admin")
    page.get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Admin")
    assert_accessible(page)

    page.get_by_role("link", name="Indicator definitions and targets").click()
    expect(page.get_by_role("table").get_by_role("link")).to_have_count(Indicator.objects.count())
    assert_accessible(page)

    page.get_by_role("link", name="Add an indicator").click()
    page.get_by_role("button", name="Save the indicator").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()  # no code or name: errors, nothing saved
    assert_accessible(page)
    page.get_by_label("Code").fill("CP-REPEAT-2Y")
    page.get_by_label("Name").fill("Repeat child protection plans")
    page.get_by_label("Lower is better").check()
    page.get_by_role("button", name="Save the indicator").click()
    saved = "The indicator \u201cCP-REPEAT-2Y Repeat child protection plans\u201d has been saved."
    expect(page.get_by_text(saved)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add a target").click()
    starts = page.get_by_role("group", name="Starts from")  # the last period's boxes are left empty
    starts.get_by_label("Day").fill("1")
    starts.get_by_label("Month").fill("4")
    starts.get_by_label("Year").fill("2026")
    page.get_by_label("Target value").fill("18")
    page.get_by_label("Absolute (points)").check()
    page.get_by_label("Amber tolerance", exact=True).fill("2")
    assert_accessible(page)
    page.get_by_role("button", name="Save the target").click()
    expect(page.get_by_text("The target from Apr 2026 has been saved.")).to_be_visible()
    expect(page.get_by_role("cell", name="From Apr 2026, no end")).to_be_visible()
    assert Indicator.objects.get(code="CP-REPEAT-2Y").targets.get().value == 18


def test_admin_pages_do_not_scroll_sideways_on_a_phone(demo_readonly, sign_in, live_server, assert_accessible):
    page = sign_in("admin")
    page.set_viewport_size({"width": 375, "height": 800})
    indicator = Indicator.objects.exclude(targets=None).order_by("pk").first()
    target = indicator.targets.first()
    board = Board.objects.order_by("pk").first()
    for path in (
        # The board form's person-and-role rows and the board page's roles (issue 17).
        f"/meetings/boards/{board.pk}/edit/",
        f"/meetings/boards/{board.pk}/",
        "/manage/",
        "/indicators/definitions/",
        "/indicators/definitions/add/",
        f"/indicators/{indicator.pk}/targets/",
        f"/indicators/{indicator.pk}/edit/",
        f"/indicators/targets/{target.pk}/edit/",
    ):
        page.goto(live_server.url + path)
        assert _fits(page), path
        assert_accessible(page)
