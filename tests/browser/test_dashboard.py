import pytest

pytestmark = pytest.mark.browser


def test_board_member_compares_two_monitoring_visits(demo, sign_in, live_server, assert_accessible):
    page = sign_in("board")
    assert page.get_by_role("heading", name="Actions by RAG rating").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="See progress between two monitoring visits").click()
    page.get_by_role("button", name="Compare").click()
    assert page.get_by_role("heading", name="Progress between two dates").is_visible()
    assert page.get_by_text("Each practice area at the start and the end").is_visible()
    assert_accessible(page)
