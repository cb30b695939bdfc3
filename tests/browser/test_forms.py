"""The GOV.UK form patterns in a real browser (issues 12 and 17): the date input, radios that reveal
what they need, checkboxes with a filter for long lists, and axe-core on every form they changed."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from improvement.models import ActionUpdate
from meetings.models import Meeting
from tests.browser.conftest import fill_date
from tests.dates import TODAY

pytestmark = pytest.mark.browser


def test_officer_updates_an_action_with_the_date_input_and_progress_revealed_under_in_progress(
    demo, sign_in, live_server, assert_accessible
):
    page = sign_in("officer")
    page.goto(f"{live_server.url}/plan/my-actions/")
    row = page.get_by_role("table", name="Needing an update").locator("tbody tr").first
    reference = row.locator("th a").inner_text().split(" ", 1)[0]
    row.get_by_role("link", name=f"Record update for {reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a progress update")
    expect(page.locator('input[type="date"], input[type="time"], select[multiple]')).to_have_count(0)
    assert_accessible(page)

    # Progress is asked only under "In progress": GOV.UK's conditional reveal.
    progress = page.get_by_role("group", name="Progress")
    page.get_by_role("radio", name="Not started").check()
    expect(progress).to_be_hidden()
    page.get_by_role("radio", name="In progress").check()
    expect(progress).to_be_visible()
    # Needed when red or amber, so not marked "(optional)"; its hint says when.
    expect(page.get_by_text("What has been done (optional)")).to_have_count(0)
    assert_accessible(page)

    # A date with no real day: the error names it and only the day box is marked.
    group = page.get_by_role("group", name="Date of this update")
    group.get_by_label("Day").fill("31")
    group.get_by_label("Month").fill("9")
    group.get_by_label("Year").fill(str(TODAY.year))
    progress.get_by_role("radio", name="At risk").check()
    page.get_by_label("What has been done").fill("Two of the three workshops held; the third moved to January.")
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_role("alert")).to_contain_text("The date of this update must be a real date")
    group = page.get_by_role("group", name="Date of this update")
    expect(group.get_by_label("Day")).to_have_class(re.compile(r"govuk-input--error"))
    expect(group.get_by_label("Month")).not_to_have_class(re.compile(r"govuk-input--error"))
    # What was typed stays, including the revealed answer.
    expect(page.get_by_role("group", name="Progress")).to_be_visible()
    expect(page.get_by_role("radio", name="At risk")).to_be_checked()
    assert_accessible(page)

    fill_date(page, "Date of this update", TODAY - timedelta(days=1))
    page.get_by_role("button", name="Save update").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"Your update to {reference}")
    update = ActionUpdate.objects.filter(action__reference=reference).latest("created_at")
    assert (update.date, update.status, update.progress) == (TODAY - timedelta(days=1), "in_progress", "at_risk")


def test_clerk_forms_reveal_the_referred_board_filter_long_lists_and_take_a_time(
    demo_readonly, sign_in, live_server, assert_accessible
):
    meeting = Meeting.objects.filter(status=Meeting.Status.HELD).select_related("board").latest("starts_at")
    page = sign_in("clerk")

    page.goto(f"{live_server.url}{meeting.get_absolute_url()}actions/add/")
    board = page.get_by_label("Referred to board")
    expect(board).to_be_hidden()
    page.get_by_role("radio", name="Referral to another board").check()
    expect(board).to_be_visible()
    options = board.locator("option").all_inner_texts()
    assert options[0] == "Choose a board" and "---------" not in options
    page.get_by_role("button", name="Record the action arising").click()
    expect(page.get_by_role("link", name="Choose the board it was referred to")).to_be_visible()
    assert_accessible(page)

    # A long list of checkboxes gets a filter; a ticked box stays in view whatever is typed.
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}items/add/")
    actions = page.get_by_role("group", name="Plan actions discussed")
    boxes = actions.get_by_role("checkbox")
    total = boxes.count()
    assert total > 8
    boxes.first.check()
    first_label = actions.locator(".govuk-checkboxes__label").first.inner_text()
    filter_box = actions.get_by_role("searchbox", name=f"Filter the {total} choices")
    filter_box.fill("zzzz no action is called this")
    expect(actions.get_by_role("status")).to_have_text(f"1 of {total} shown")
    expect(actions.get_by_text(first_label, exact=True)).to_be_visible()
    filter_box.fill("")
    expect(boxes.nth(total - 1)).to_be_visible()
    # "Add an agenda item" shows the number it will accept, never 0.
    assert int(page.get_by_label("Item number").input_value()) >= 1
    assert_accessible(page)

    page.goto(f"{live_server.url}/meetings/boards/{meeting.board_id}/meetings/add/")
    time = page.get_by_role("group", name="Start time")
    expect(time.get_by_label("Hour")).to_have_value(re.compile(r"^\d{1,2}$"))
    time.get_by_label("Hour").fill("25")
    page.get_by_role("button", name="Schedule the meeting").click()
    expect(page.get_by_role("alert")).to_contain_text("The start time must be a real time")
    assert_accessible(page)


def test_other_changed_forms_pass_axe_and_the_count_cards_are_sans_serif(
    demo_readonly, sign_in, live_server, assert_accessible
):
    page = sign_in("admin")
    for path in ("/plan/risks/add/", "/plan/inspections/new/", "/?as_at=2026-06-04"):
        page.goto(f"{live_server.url}{path}")
        assert page.locator('input[type="date"], select[multiple]').count() == 0, path
        assert_accessible(page)
    # The ISO date in the link is shown in the three boxes.
    as_at = page.get_by_role("group", name="As at")
    assert [as_at.get_by_label(part).input_value() for part in ("Day", "Month", "Year")] == ["4", "6", "2026"]

    page.goto(f"{live_server.url}/plan/?due_before=2027-03-31")
    details = page.locator("details", has_text="Filter and sort actions")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    due = page.get_by_role("group", name="Due before")
    assert [due.get_by_label(part).input_value() for part in ("Day", "Month", "Year")] == ["31", "3", "2027"]
    assert_accessible(page)
    count = page.locator(".app-count-cards .app-count").first
    assert "serif" not in count.evaluate("e => getComputedStyle(e).fontFamily").replace("sans-serif", "")
