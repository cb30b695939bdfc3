"""At 375 px, no page any role reaches from the dashboard scrolls sideways, and axe-core finds nothing
on any of them (issue 17, "Mobile"; the crawl is in tests/browser/phone_crawl.py)."""

import pytest

from tests.browser.phone_crawl import PHONE_WIDTH, crawl

pytestmark = pytest.mark.browser

# The admin's crawl opens pages that change data (demo_readonly would say so), so it goes last, on the
# one demo the four share.
ROLES = ["board", "clerk", "officer", "admin"]


def test_no_page_any_role_reaches_scrolls_sideways_on_a_phone_or_fails_axe(demo, sign_in, live_server, page):
    """One test for the four roles, so that a page built the same for two of them (a board member's
    and a clerk's view of a meeting, say) is checked by axe-core once; each role's every page is still
    measured for sideways scrolling."""
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    axed: set[str] = set()
    problems = []
    for role in ROLES:
        page.context.clear_cookies()
        sign_in(role)
        opened, found = crawl(page, live_server.url, axed=axed)
        # The dashboard links to the plan, the indicators and the meetings for every role: a crawl that
        # opened only a handful of pages lost its way (a sign-in page, a broken link).
        assert len(opened) >= 10, (role, opened)
        problems.extend(f"{role}: {problem}" for problem in found)
    assert problems == [], "\n".join(problems)
