"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.test import Client
from playwright.sync_api import expect

from core.dataversion import read_version
from demo.users import DEMO_LOGINS
from tests.dates import TODAY
from tests.demo_snapshot import DEMO_PASSWORD, NEXT_TEST, CommittedDemo

# Assertions wait for the page rather than read it at once: a click on a link returns as soon as the
# next page has committed, and a large page (the pack is 0.8 MB) may still be arriving. Ten seconds,
# not Playwright's five, because CI runs two workers on two busy cores.
expect.set_options(timeout=10_000)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Never `playwright install`: use the distribution's Chromium (see README, Tests).
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(autouse=True)
def fixed_clock(settings):
    """The server's "today" is the suite's (SERVICE_TODAY, which core.clock honours), not the machine's.

    Replaces the suite-wide time travel: Chromium keeps the real clock, and a server frozen in
    another year would hand it session cookies that have already expired.
    """
    settings.SERVICE_TODAY = TODAY


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # live_server serves /static/ from the finders, so hashed manifest names would 404.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.DEBUG = False


# The fixtures that restore the committed demo or share it.
_DEMO_FIXTURES = frozenset({"demo", "demo_readonly"})


def _next_test_uses_the_demo(request) -> bool:
    following = request.node.stash.get(NEXT_TEST, None)
    return following is not None and bool(_DEMO_FIXTURES & set(following.fixturenames))


@pytest.fixture
def demo(transactional_db, demo_snapshot, request):
    """The demo council, committed for the live server (seeded once per session: tests/demo_snapshot.py),
    for a journey that changes it."""
    demo_snapshot.restore()
    CommittedDemo.intact = False
    yield DEMO_LOGINS
    CommittedDemo.keep = _next_test_uses_the_demo(request)


@pytest.fixture
def demo_readonly(transactional_db, demo_snapshot, request):
    """The demo council for a journey that only reads: restored only if the test before changed it, and
    shared with the next read-only journey. Fails a test that changes the service's data (the data
    version, core/dataversion.py, moved), so no test can silently hand a changed demo to the next:
    such a test asks for `demo`. Sessions are not data: each test still signs in afresh."""
    if not CommittedDemo.intact:
        demo_snapshot.restore()
    CommittedDemo.intact = False
    before = read_version()
    yield DEMO_LOGINS
    changed = read_version() != before
    CommittedDemo.intact = not changed
    CommittedDemo.keep = _next_test_uses_the_demo(request)
    assert not changed, (
        f"{request.node.nodeid} uses demo_readonly but changed the service's data: give it `demo` instead"
    )


@pytest.fixture
def sign_in_through_the_form(page, live_server):
    """sign_in_through_the_form("officer") signs in on the sign-in page, as a person does, and returns
    the page on the dashboard. The journeys about signing in use it (tests/browser/test_foundation.py)."""

    def do(username):
        page.goto(f"{live_server.url}/sign-in/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return do


@pytest.fixture
def sign_in(page, live_server, request):
    """sign_in("officer") gives the page a signed-in session for that user and opens the dashboard.

    The session is made in the test (Django's force_login, through the configured backends, as the
    non-browser tests sign in) rather than through the form: the form's page load, post and redirect
    cost every journey about a second and are tested once, by the journeys that sign in through it.
    """

    def do(username):
        client = Client()
        user = get_user_model().objects.get(username=username)
        if "demo_readonly" in request.fixturenames:
            # The demo is shared with the next read-only journey: signing in must not stamp last_login.
            user_logged_in.disconnect(dispatch_uid="update_last_login")
            try:
                client.force_login(user)
            finally:
                user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")
        else:
            client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        page.goto(f"{live_server.url}/")
        return page

    return do


def fill_date(page, legend: str, day):
    """Type a date into the GOV.UK date input whose legend starts with `legend`, as a person would."""
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def axe_violations(page):
    """Run axe-core (from node_modules, offline) for WCAG 2.2 AA; return its violations."""
    # A click on a link returns once the next page's navigation has committed, when its document may
    # still be empty: axe then fails on a null documentElement (seen once in CI). Checking the page
    # means checking it whole, so wait for it to load.
    page.wait_for_load_state("load")
    # Evaluated through the DevTools protocol: a <script> tag would be (rightly) refused by our CSP.
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        "options => axe.run(document, options)",
        {
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
            # Only violations are read: axe then skips collecting every passing node's details, which
            # was most of its time on a long page. Violations are reported in full as before.
            "resultTypes": ["violations"],
        },
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


@pytest.fixture
def assert_accessible():
    def check(page):
        violations = axe_violations(page)
        assert violations == [], f"axe-core found problems on {page.url}: {violations}"

    return check


@pytest.fixture(autouse=True)
def _no_content_security_policy_violations(request):
    """Fail any browser test whose pages broke the Content-Security-Policy (an inline script, say)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield
    assert violations == [], violations
