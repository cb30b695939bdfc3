import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_board_member_compares_two_monitoring_visits(demo_readonly, sign_in, live_server, assert_accessible):
    page = sign_in("board")
    expect(page.get_by_role("heading", name="Actions by RAG rating")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="See progress between two monitoring visits").click()
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="Progress between monitoring visits")).to_be_visible()
    expect(page.get_by_text("Actions by RAG rating in each theme, at the start and now")).to_be_visible()
    assert_accessible(page)


@pytest.fixture
def board_member_with_a_plan(transactional_db):
    from core.roles import BOARD_MEMBER
    from tests.browser.conftest import DEMO_PASSWORD
    from tests.factories.core import UserFactory
    from tests.factories.improvement import ActionFactory, PlanFactory, ThemeFactory

    user = UserFactory(username="board", role=BOARD_MEMBER)
    user.set_password(DEMO_PASSWORD)
    user.save()
    ActionFactory(theme=ThemeFactory(plan=PlanFactory(), reference="1"), reference="1.1")


@pytest.mark.parametrize("width", [1280, 375])
def test_count_card_numbers_are_in_the_service_font(board_member_with_a_plan, sign_in, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in("board")
    number = page.locator(".app-count-cards .app-count").first
    expect(number).to_be_visible()
    # Outside GOV.UK's typography classes the numbers fell back to the browser's serif font.
    assert number.evaluate("n => getComputedStyle(n).fontFamily").lower().startswith("arial")
