"""At 375 px, no page any role reaches from the dashboard scrolls sideways, and axe-core finds nothing
on any of them (issue 17, "Mobile"; the crawl is in tests/browser/phone_crawl.py)."""

import pytest

from tests.browser.phone_crawl import PHONE_WIDTH, crawl

pytestmark = pytest.mark.browser


@pytest.fixture
def crawl_demo(role, request):
    """The demo for one role's crawl: shared by the roles whose crawl only reads; the admin's opens pages
    that change data (demo_readonly says so), so it has a demo of its own."""
    return request.getfixturevalue("demo" if role == "admin" else "demo_readonly")


@pytest.mark.parametrize("role", ["admin", "officer", "board", "clerk"])
def test_no_page_a_role_reaches_scrolls_sideways_on_a_phone_or_fails_axe(role, crawl_demo, sign_in, live_server, page):
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    sign_in(role)
    opened, problems = crawl(page, live_server.url)
    # The dashboard links to the plan, the indicators and the meetings for every role: a crawl that
    # opened only a handful of pages lost its way (a sign-in page, a broken link).
    assert len(opened) >= 10, opened
    assert problems == [], "\n".join(problems)
