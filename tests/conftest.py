"""Shared by every test: the suite's fixed clock, and one signed-in client per role plus an outsider."""

import os

import pytest
from django.test import Client

from core.roles import ADMIN, BOARD_MEMBER, CLERK, OFFICER
from tests.dates import NOW
from tests.demo_snapshot import NEXT_TEST, Snapshot, end_transactional_tests_with, seed_once
from tests.factories.core import UserFactory


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """Note the test that runs next on this worker, for fixtures that can leave the database to it
    (tests/browser/conftest.py, demo_readonly)."""
    item.stash[NEXT_TEST] = nextitem


# Sync Playwright runs an event loop in the test thread; the ORM calls in browser tests are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def fixed_clock(request, time_machine):
    """Every test starts at tests.dates.NOW, whatever the machine's date.

    The clock ticks on from there (seconds, never past midnight), so two things done one after the
    other still happen in that order, as they would for a user.

    A test that needs another moment travels: `@pytest.mark.time_machine(...)` (kept as given),
    `time_machine.move_to(...)` inside the test, or `@time_machine.travel(...)`. Browser tests
    replace this fixture (tests/browser/conftest.py): their server is given a date instead.
    """
    if request.node.get_closest_marker("time_machine") is None:
        time_machine.move_to(NOW, tick=True)
    return time_machine


@pytest.fixture(scope="session")
def base_snapshot(django_db_setup, django_db_blocker):
    """The migrated, empty test database, copied before any test commits to it; a transactional test
    ends by restoring it rather than by Django's slower flush (tests/demo_snapshot.py)."""
    with django_db_blocker.unblock():
        base = Snapshot("base").take()
    with end_transactional_tests_with(base):
        yield base


@pytest.fixture
def transactional_db(base_snapshot, transactional_db):
    """pytest-django's, once the base snapshot is taken (live_server and the browser tests ask for it)."""
    return transactional_db


@pytest.fixture(scope="session")
def demo_snapshot(base_snapshot, django_db_blocker):
    """The demo council, seeded once per session (per xdist worker); see tests/demo_snapshot.py."""
    with django_db_blocker.unblock():
        return seed_once(base_snapshot)


@pytest.fixture
def demo_council(demo_snapshot, db):
    """The demo council in this test's database (rolled back after it)."""
    demo_snapshot.restore()


ROLE_KEYS = {"admin": ADMIN, "officer": OFFICER, "board": BOARD_MEMBER, "clerk": CLERK, "outsider": None}


@pytest.fixture
def make_user(db):
    def make(role_key="officer", **kwargs):
        return UserFactory(role=ROLE_KEYS[role_key], **kwargs)

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", username="alice.admin")


@pytest.fixture
def officer_user(make_user):
    return make_user("officer", username="oscar.officer")


@pytest.fixture
def board_user(make_user):
    return make_user("board", username="bella.board")


@pytest.fixture
def clerk_user(make_user):
    return make_user("clerk", username="cara.clerk")


@pytest.fixture
def outsider_user(make_user):
    return make_user("outsider", username="olly.outsider")


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client_(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def officer_client(officer_user):
    return _client_for(officer_user)


@pytest.fixture
def board_client(board_user):
    return _client_for(board_user)


@pytest.fixture
def clerk_client(clerk_user):
    return _client_for(clerk_user)


@pytest.fixture
def outsider_client(outsider_user):
    return _client_for(outsider_user)


@pytest.fixture
def role_clients(admin_user, officer_user, board_user, clerk_user, outsider_user):
    """{role key: (user, signed-in client)} for every persona."""
    users = {
        "admin": admin_user,
        "officer": officer_user,
        "board": board_user,
        "clerk": clerk_user,
        "outsider": outsider_user,
    }
    return {key: (user, _client_for(user)) for key, user in users.items()}
