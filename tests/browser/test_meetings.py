"""The clerk records an action arising at a meeting and finds it under matters arising at the board's
next meeting; every boards and meetings page and form passes axe-core.

The data is built here with services (not the demo's meetings), so the journey does not change when
the demo does.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.formats import date_words
from core.roles import BOARD_MEMBER, CLERK
from meetings import services
from meetings.models import Board, Meeting, MeetingAction
from tests.browser.conftest import DEMO_PASSWORD
from tests.dates import TODAY
from tests.factories.core import UserFactory

pytestmark = pytest.mark.browser


def _at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


@pytest.fixture
def improvement_board(transactional_db):
    clerk = UserFactory(username="clerk", first_name="Priya", last_name="Shah", role=CLERK)
    reader = UserFactory(username="board", first_name="Jo", last_name="Pearce", role=BOARD_MEMBER)
    for user in (clerk, reader):  # sign_in uses the demo password
        user.set_password(DEMO_PASSWORD)
        user.save()
    today = TODAY
    board = services.create_board(
        name="Children's Improvement Board",
        kind=Board.Kind.IMPROVEMENT_BOARD,
        cadence=Board.Cadence.MONTHLY,
        chair_name="Martin Crowe, DfE adviser",
        external_members="Det Supt Claire Hollis, Riverford Police",
        standing_items="Apologies\nImprovement plan: exceptions report",
        members=[clerk],
    )
    held = services.schedule_meeting(
        board=board,
        starts_at=_at(today - datetime.timedelta(days=28), 10),
        place="Committee Room 1",
        status=Meeting.Status.HELD,
    )
    following = services.schedule_meeting(board=board, starts_at=_at(today + datetime.timedelta(days=14), 10))
    services.record_resolution(item=held.agenda_items.get(order=2), text="the exceptions report be noted")
    return {"board": board, "held": held, "following": following}


def test_clerk_records_an_action_arising_and_it_carries_to_the_next_meeting(
    improvement_board, sign_in, live_server, assert_accessible
):
    held, following = improvement_board["held"], improvement_board["following"]
    page = sign_in("clerk")

    page.get_by_role("link", name="Meetings", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Boards and meetings")
    assert_accessible(page)

    page.get_by_role("link", name="Children's Improvement Board", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Children's Improvement Board")
    assert_accessible(page)

    page.get_by_role("link", name=date_words(held.date), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Meeting on {date_words(held.date, 'weekday')}")
    expect(page.get_by_text("2.1 RESOLVED that the exceptions report be noted")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record an action arising from item 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an action arising")
    assert_accessible(page)

    page.get_by_role("button", name="Record the action arising").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_role("link", name="Describe what the board asked for")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Written update").check()
    page.get_by_label("Describe the request").fill("A written update on the actions due by 30 September")
    page.get_by_label("Asked of (as written in the minutes)").fill("Director of Children's Services")
    page.get_by_role("button", name="Record the action arising").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"due by {date_words(following.date)}")
    expect(page.locator("#actions-arising-table")).to_contain_text(
        "A written update on the actions due by 30 September"
    )
    assert MeetingAction.objects.get().item.order == 2

    page.get_by_role("link", name=date_words(following.date), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Meeting on {date_words(following.date, 'weekday')}")
    matters = page.locator("#matters-arising-table")
    expect(matters).to_contain_text("A written update on the actions due by 30 September")
    expect(matters).to_contain_text("Due in 14 days")
    assert_accessible(page)

    page.get_by_role("link", name="A written update on the actions due by 30 September").click()
    expect(page.get_by_role("heading", level=2, name="Record the response")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Done").check()
    page.get_by_label("Response", exact=True).fill("Circulated to members by email.")
    page.get_by_role("button", name="Save the response").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("now done")

    page.goto(f"{live_server.url}{following.get_absolute_url()}")
    expect(page.get_by_text("No actions arising from earlier meetings were open at this meeting.")).to_be_visible()


def test_every_meetings_page_and_form_passes_axe(improvement_board, sign_in, live_server, assert_accessible):
    board, held = improvement_board["board"], improvement_board["held"]
    overdue = services.record_action_arising(
        meeting=held,
        description="Figures for strategy meetings held without police",
        owner_name="Head of Service",
        due_date=TODAY - datetime.timedelta(days=12),
        kind=MeetingAction.Kind.DATA_REQUEST,
    )
    item = held.agenda_items.get(order=2)
    resolution = item.resolutions.get()
    page = sign_in("clerk")

    page.goto(f"{live_server.url}/meetings/actions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions arising register")
    expect(page.locator("#register")).to_contain_text("12 days overdue")
    assert_accessible(page)
    page.get_by_label("What was asked for").select_option("data_request")
    page.get_by_role("button", name="Apply filters").click()
    assert re.search(r"kind=data_request", page.url)
    expect(page.get_by_role("link", name="Clear filters")).to_be_visible()
    assert_accessible(page)

    forms = {
        "/meetings/boards/add/": "Add a board",
        f"/meetings/boards/{board.pk}/edit/": "Edit Children's Improvement Board",
        f"/meetings/boards/{board.pk}/meetings/add/": "Schedule a meeting",
        f"/meetings/{held.pk}/edit/": "Edit meeting details",
        f"/meetings/{held.pk}/items/add/": "Add an agenda item",
        f"/meetings/items/{item.pk}/edit/": f"Edit agenda item 2: {item.title}",
        f"/meetings/items/{item.pk}/remove/": f"Remove item 2: {item.title}?",
        f"/meetings/items/{item.pk}/resolutions/add/": "Record a resolution",
        f"/meetings/resolutions/{resolution.pk}/edit/": "Edit resolution 2.1",
        f"/meetings/actions/{overdue.pk}/edit/": "Edit an action arising",
    }
    for path, heading in forms.items():
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)

    # A form with errors, and the board member's read-only meeting page.
    page.goto(f"{live_server.url}/meetings/boards/add/")
    page.get_by_role("button", name="Add the board").click()
    expect(page.get_by_role("link", name="Enter the name of the board")).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    page = sign_in("board")
    page.goto(f"{live_server.url}{held.get_absolute_url()}")
    expect(page.get_by_role("link", name="Record an action arising")).to_have_count(0)
    assert_accessible(page)
