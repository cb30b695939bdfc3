"""Issue 17 in the browser: an officer records "you said, we did", and a red KPI value without
commentary is refused; the pages are axe-clean and never scroll sideways at 375 px."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


@pytest.mark.parametrize("width", [1280, 375])
def test_an_officer_adds_what_children_said_and_everyone_reads_it(demo, sign_in, page, width, assert_accessible):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in("officer")
    page.goto(page.url + "plan/you-said-we-did/")
    _no_sideways_scroll(page)
    assert_accessible(page)
    page.get_by_role("link", name="Add what children and young people said").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter who said it: a group, never a named child").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("4. Children in care and care leavers").check()
    page.get_by_label("Who said it").fill("Children in care council")
    page.get_by_label("What they said").fill("We want to see our records")
    page.get_by_label("Day").first.fill("2")
    page.get_by_label("Month").first.fill("11")
    page.get_by_label("Year").first.fill("2026")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="What Children in care council said")).to_be_visible()
    _no_sideways_scroll(page)
    assert_accessible(page)


@pytest.mark.parametrize("width", [1280, 375])
def test_my_indicators_and_the_dashboards_risks_fit_a_phone(demo_readonly, sign_in, page, width, assert_accessible):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in("officer")
    expect(page.get_by_role("heading", name="Risks to delivery")).to_be_visible()
    home = page.url
    page.goto(home + "plan/risks/")  # the navigation's "Risks" (behind "Menu" at 375 px)
    expect(page.get_by_role("heading", name="Risks to delivery", level=1)).to_be_visible()
    _no_sideways_scroll(page)
    page.goto(home + "indicators/enter/")
    _no_sideways_scroll(page)
    assert_accessible(page)
