import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NAV_BY_ROLE = {
    "admin": ["Dashboard", "Progress", "Plan", "Risks", "Indicators", "Meetings", "Import", "Admin"],
    "officer": ["Dashboard", "Progress", "Plan", "Risks", "Indicators", "Meetings"],
    "board": ["Dashboard", "Progress", "Plan", "Risks", "Indicators", "Meetings"],
    "clerk": ["Dashboard", "Progress", "Plan", "Risks", "Indicators", "Meetings"],
}


@pytest.fixture
def sign_in(sign_in_through_the_form):
    # These journeys are about signing in: through the form, not the other journeys' ready session.
    return sign_in_through_the_form


@pytest.mark.parametrize("username", list(NAV_BY_ROLE))
def test_each_demo_role_signs_in_and_sees_its_navigation(username, demo, sign_in, assert_accessible):
    page = sign_in(username)
    expect(page.get_by_role("heading", level=1).first).to_have_text("Dashboard")
    nav_items = page.locator("#navigation .govuk-service-navigation__link").all_inner_texts()
    assert [item.strip() for item in nav_items] == NAV_BY_ROLE[username]
    assert_accessible(page)


def test_public_pages_pass_axe(live_server, page, transactional_db, assert_accessible):
    for path, heading in [
        ("/sign-in/", "Sign in"),
        ("/accessibility/", "Accessibility statement"),
        ("/no-such-page/", "Page not found"),
    ]:
        page.goto(live_server.url + path)
        assert page.get_by_role("heading", level=1).inner_text().startswith(heading)
        assert_accessible(page)


def test_page_is_styled_in_arial_without_gds_font(live_server, page, transactional_db):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    page.goto(live_server.url + "/sign-in/")
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "GDS Transport" not in font
    assert "arial" in font.lower()
    assert failed == []
