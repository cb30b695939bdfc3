"""The first screen's shared part is rendered once per data version, day and as-at date (dashboard.views.home):
never a stale figure, never one reader's own figures on another's page, and a cached request that neither
reads the plan nor grows with it."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from improvement.models import ActionStatus, Progress
from tests.dates import LONDON, TODAY
from tests.factories.improvement import ActionFactory, ActionUpdateFactory, PlanFactory, ThemeFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def caching_on(settings):
    settings.PAGE_CACHE = True
    cache.clear()


@pytest.fixture
def theme(db):
    return ThemeFactory(plan=PlanFactory(start_date=D(2025, 4, 1)), reference="1", title="Front door")


def _main(client, **query) -> str:
    response = client.get(reverse("home"), query)
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def _as_at(day) -> dict:
    return {"as_at-day": str(day.day), "as_at-month": str(day.month), "as_at-year": str(day.year)}


def test_a_write_changes_the_next_render_today_and_as_at_a_past_date(board_client, theme):
    action = ActionFactory(theme=theme, reference="1.1", title="Redesign the MASH", original_target_date=D(2027, 3, 1))
    ActionUpdateFactory(action=action, date=D(2026, 9, 1), progress=Progress.ON_TRACK, narrative="Going well")
    past = _as_at(D(2026, 10, 1))
    before, before_then = _main(board_client), _main(board_client, **past)
    assert _main(board_client) == before and _main(board_client, **past) == before_then  # from the cache
    assert "No actions are red." in before and "Going well" in before

    # A back-dated entry changes both today's dashboard and the one as at 1 October.
    ActionUpdateFactory(action=action, date=D(2026, 9, 20), progress=Progress.OFF_TRACK, narrative="Stalled")

    after, after_then = _main(board_client), _main(board_client, **past)
    assert "No actions are red." not in after and "Stalled" in after
    assert "No actions are red." not in after_then.split("Red actions")[1].split("Due before")[0]


@pytest.mark.time_machine(datetime.datetime.combine(TODAY, datetime.time(23, 40), tzinfo=LONDON), tick=False)
def test_the_day_after_with_no_write_an_officers_action_comes_due_for_an_update(
    officer_client, board_client, officer_user, theme, time_machine
):
    # Updated yesterday and due in 31 days: not yet due for an update (ACTION_UPDATE_DUE_DAYS is 30). At
    # midnight it is due in 30 days, and the officer's own list has it, with nothing written. (Twenty
    # minutes either side of midnight, so the sessions are still alive.)
    action = ActionFactory(
        theme=theme, reference="1.1", title="Redesign the MASH", lead_officer=officer_user,
        original_target_date=TODAY + datetime.timedelta(days=31),
    )  # fmt: skip
    ActionUpdateFactory(action=action, date=TODAY - datetime.timedelta(days=1), status=ActionStatus.IN_PROGRESS)
    assert 'id="my-updates"' not in _main(officer_client)
    assert 'id="my-updates"' not in _main(officer_client)  # from the cache

    time_machine.move_to(datetime.datetime.combine(TODAY, datetime.time(23, 40), tzinfo=LONDON)
                         + datetime.timedelta(minutes=40))  # fmt: skip
    mine = _main(officer_client)
    assert 'id="my-updates"' in mine and "1.1 Redesign the MASH" in mine.split('id="my-updates"')[1]
    # The same shared render serves the board member, without the officer's own list.
    assert 'id="my-updates"' not in _main(board_client)


def test_a_cached_first_screen_does_not_read_the_plan_and_costs_the_same_at_two_sizes(
    board_client, officer_client, officer_user, theme, monkeypatch
):
    def add_actions(start, n):
        for i in range(start, start + n):
            action = ActionFactory(theme=theme, reference=f"1.{i}", lead_officer=officer_user)
            ActionUpdateFactory(action=action, date=D(2026, 10, 1), progress=Progress.AT_RISK)

    def cached_count(client) -> int:
        client.get(reverse("home"))  # fills the cache (and warms the session)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured.captured_queries)

    add_actions(1, 2)
    small = cached_count(board_client), cached_count(officer_client)
    add_actions(3, 12)
    import dashboard.views

    # Filled once for the new data version, then the plan is never read again until the next write or day.
    board_client.get(reverse("home"))
    monkeypatch.setattr(dashboard.views, "plan_summary_as_at", lambda *a, **k: pytest.fail("the plan was read"))
    with CaptureQueriesContext(connection) as captured:
        assert board_client.get(reverse("home")).status_code == 200
    assert (len(captured.captured_queries), cached_count(officer_client)) == small
    # Session, user, permissions, the reader's meetings, the data version and the cache read.
    assert small[0] <= 7, small


def test_an_import_jobs_records_leave_the_shared_part_cached_and_an_action_update_does_not(
    board_client, admin_user, theme, monkeypatch
):
    from dashboard import views
    from imports.models import ImportJob
    from tests.factories.imports import ImportJobFactory

    builds = []
    real = views._dashboard_page
    monkeypatch.setattr(views, "_dashboard_page", lambda *args: builds.append(args) or real(*args))
    action = ActionFactory(theme=theme, reference="1.1", title="Redesign the MASH", original_target_date=D(2027, 3, 1))
    first = _main(board_client)
    # An import queued and previewed writes only its own records, which the shared part does not show.
    job = ImportJobFactory(uploaded_by=admin_user)
    job.state = ImportJob.State.PREVIEWED
    job.save()
    assert _main(board_client) == first
    assert len(builds) == 1

    ActionUpdateFactory(action=action, date=D(2026, 9, 1), progress=Progress.OFF_TRACK, narrative="Stalled")
    assert "Stalled" in _main(board_client)
    assert len(builds) == 2
