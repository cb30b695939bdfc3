"""The boards, meetings and actions arising pages: what each role sees and may do, the clerk's forms,
validation that saves nothing, matters arising carried forward, and fixed query counts."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import AgendaItem, Board, Meeting, MeetingAction, PublishedPack, Resolution
from tests.dates import TODAY
from tests.factories.core import UserFactory
from tests.factories.improvement import ActionFactory, ThemeFactory
from tests.factories.indicators import IndicatorFactory
from tests.factories.meetings import (
    AgendaItemFactory,
    BoardFactory,
    MeetingActionFactory,
    MeetingFactory,
    ResolutionFactory,
)
from tests.forms import date_parts, time_parts

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The words a reader sees: tags and scripts removed, whitespace collapsed."""
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def at(day: datetime.date, hour=14, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def board():
    return BoardFactory(
        name="Children's Improvement Board",
        cadence=Board.Cadence.MONTHLY,
        chair_name="Dr Ruth Hale, DfE adviser",
        external_members="Det Supt Claire Hollis, Police\nDr Amir Siddiqui, Designated Doctor",
        terms_of_reference="Holds leaders to account for the improvement plan.",
    )


@pytest.fixture
def past_meeting(board):
    return MeetingFactory(board=board, starts_at=at(datetime.date(2026, 10, 14)), status=Meeting.Status.HELD)


@pytest.fixture
def next_meeting(board):
    return MeetingFactory(board=board, starts_at=at(datetime.date(2026, 12, 9), 10))


def meeting_url(meeting):
    return reverse("meetings:meeting_detail", args=[meeting.pk])


# Boards list and board page ----------------------------------------------------------------------


def test_boards_list_shows_kind_chair_cadence_next_meeting_and_open_actions(
    board_client, board, past_meeting, next_meeting
):
    MeetingActionFactory(meeting=past_meeting, due_date=datetime.date(2026, 11, 1))
    MeetingActionFactory(meeting=past_meeting, status=MeetingAction.Status.DONE)
    BoardFactory(name="Corporate Parenting Board", kind=Board.Kind.CORPORATE_PARENTING, cadence=Board.Cadence.QUARTERLY)

    response = board_client.get(reverse("meetings:board_list"))
    text = text_of(response)

    assert [b.name for b in response.context["boards"]] == ["Children's Improvement Board", "Corporate Parenting Board"]
    assert "Children's Improvement Board Improvement board Dr Ruth Hale, DfE adviser Monthly 9 December 2026" in text
    assert "Corporate Parenting Board Corporate parenting board Not recorded Quarterly None scheduled 0" in text
    first = response.context["boards"][0]
    assert (first.open_actions_count, first.next_meeting_id) == (1, next_meeting.pk)
    assert reverse("meetings:action_register") in response.content.decode()


def test_board_page_shows_members_what_it_reviews_meetings_and_open_actions(
    board_client, board, past_meeting, next_meeting
):
    member = UserFactory(first_name="Jo", last_name="Pearce")
    board.members.add(member)
    theme = ThemeFactory(title="Front door and early help")
    board.themes.add(theme)
    board.indicators.add(IndicatorFactory(code="CIN-01", title="Re-referrals within 12 months"))
    MeetingActionFactory(
        meeting=past_meeting, description="A report on placements far from home", due_date=datetime.date(2026, 11, 10)
    )

    text = text_of(board_client.get(board.get_absolute_url()))

    assert "Next meeting Wednesday 9 December 2026, 10am" in text
    assert "Chair Dr Ruth Hale, DfE adviser" in text
    assert "Members Jo Pearce, member Det Supt Claire Hollis, Police Dr Amir Siddiqui, Designated Doctor" in text
    assert f"Themes it reviews {theme}" in text
    assert "Indicators it reviews CIN-01: Re-referrals within 12 months" in text
    assert "Holds leaders to account for the improvement plan." in text
    assert (
        "A report on placements far from home Written update 14 Oct 2026 Director of Children's Services "
        "10 Nov 2026 12 days overdue" in text
    )
    assert "Past meetings" in text and "14 October 2026 Held Draft" in text


# Meeting page -------------------------------------------------------------------------------------


def test_meeting_page_shows_agenda_minutes_resolutions_actions_and_published_packs(
    board_client, past_meeting, clerk_user
):
    theme = ThemeFactory(reference="2", title="Front door")
    plan_action = ActionFactory(theme=theme, reference="2.1", title="Strategy meetings with police")
    indicator = IndicatorFactory(code="CIN-01", title="Re-referrals")
    second = AgendaItemFactory(
        meeting=past_meeting,
        order=2,
        title="Improvement plan: exceptions report",
        purpose="To note the exceptions",
        presenter="Improvement Programme Manager",
        minutes="Members challenged the revised dates.",
    )
    second.themes.add(theme)
    second.actions.add(plan_action)
    second.indicators.add(indicator)
    AgendaItemFactory(meeting=past_meeting, order=1, title="Apologies")
    ResolutionFactory(item=second, number=1, text="the exceptions report be noted.")
    ResolutionFactory(item=second, number=2, text="That a further report come to the next meeting.")
    MeetingActionFactory(
        meeting=past_meeting,
        item=second,
        description="Figures for strategy meetings without police",
        kind=MeetingAction.Kind.DATA_REQUEST,
        owner_name="Head of Service",
        due_date=datetime.date(2026, 12, 9),
    )
    PublishedPack.objects.create(
        meeting=past_meeting,
        as_at=past_meeting.date,
        published_by=clerk_user,
        published_by_name="Cara Clerk",
        content={},
        html="",
    )

    response = board_client.get(meeting_url(past_meeting))
    text = text_of(response)

    assert [item.title for item in response.context["items"]] == ["Apologies", "Improvement plan: exceptions report"]
    assert (
        "Date and time Wednesday 14 October 2026, 2pm Place Committee Room 1, Town Hall Status Held Minutes Draft"
        in text
    )
    assert (
        "2. Improvement plan: exceptions report Purpose To note the exceptions Presented by Improvement Programme "
        f"Manager Themes {theme} Plan actions 2.1 Strategy meetings with police Indicators CIN-01: Re-referrals"
    ) in text
    assert "Minutes Members challenged the revised dates." in text
    assert "2.1 RESOLVED that the exceptions report be noted. 2.2 RESOLVED that a further report come" in text
    assert "Figures for strategy meetings without police Data request Head of Service 9 Dec 2026 Due in 17 days" in text
    assert "Published board pack , as at 14 October 2026, published by Cara Clerk" in text


def test_meeting_page_links_the_board_pack_when_its_url_exists(board_client, past_meeting):
    response = board_client.get(meeting_url(past_meeting))
    assert response.context["pack_url"] == reverse("meetings:pack", args=[past_meeting.pk])
    assert f'href="{response.context["pack_url"]}"' in response.content.decode()


EDIT_LINK_TEXTS = [
    "Edit meeting details",
    "Add an agenda item",
    "Record an action arising",
    "Record a resolution",
    "Edit item 1",
]


@pytest.mark.parametrize("role", ["admin", "clerk"])
def test_clerk_and_admin_see_the_edit_links(role, role_clients, past_meeting):
    AgendaItemFactory(meeting=past_meeting, order=1)
    _, client = role_clients[role]
    text = text_of(client.get(meeting_url(past_meeting)))
    assert [link for link in EDIT_LINK_TEXTS if link in text] == EDIT_LINK_TEXTS


@pytest.mark.parametrize("role", ["board", "officer"])
def test_readers_see_no_edit_links_or_forms(role, role_clients, board, past_meeting):
    item = AgendaItemFactory(meeting=past_meeting, order=1)
    ResolutionFactory(item=item)
    action = MeetingActionFactory(meeting=past_meeting)
    _, client = role_clients[role]

    pages = [
        reverse("meetings:board_list"),
        board.get_absolute_url(),
        meeting_url(past_meeting),
        action.get_absolute_url(),
    ]
    for url in pages:
        response = client.get(url)
        main = response.content.decode().split("<main")[1].split("</main>")[0]  # the header has a sign-out form
        assert response.status_code == 200
        assert 'method="post"' not in main
        assert [
            link
            for link in EDIT_LINK_TEXTS
            + ["Add a board", "Schedule a meeting", "Edit the board", "Record the response", "Edit what was asked"]
            if link in text_of(response)
        ] == []


@pytest.mark.parametrize("role", ["board", "officer", "outsider"])
def test_readers_and_outsiders_cannot_post_changes(role, role_clients, board, past_meeting):
    item = AgendaItemFactory(meeting=past_meeting, order=1)
    action = MeetingActionFactory(meeting=past_meeting)
    _, client = role_clients[role]
    posts = {
        reverse("meetings:board_create"): {"name": "Shadow board", "kind": "other", "cadence": "monthly"},
        reverse("meetings:meeting_create", args=[board.pk]): {
            **date_parts("meeting_date", datetime.date(2027, 1, 12)),
            **time_parts("start_time", datetime.time(14, 0)),
        },
        reverse("meetings:item_create", args=[past_meeting.pk]): {"title": "Extra item"},
        reverse("meetings:resolution_create", args=[item.pk]): {"text": "the report be noted"},
        reverse("meetings:action_create", args=[past_meeting.pk]): {
            "kind": "training",
            "description": "x",
            "owner_name": "Y",
        },
        reverse("meetings:action_respond", args=[action.pk]): {"status": "done", "response": "Sent"},
        reverse("meetings:action_update", args=[action.pk]): {
            "kind": "training",
            "description": "x",
            "owner_name": "Y",
        },
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert Board.objects.count() == 1
    assert Meeting.objects.count() == 1
    assert AgendaItem.objects.count() == 1
    assert Resolution.objects.count() == 0
    assert MeetingAction.objects.get().status == MeetingAction.Status.OPEN
    assert MeetingAction.objects.get().description == action.description


def test_outsider_cannot_read_meetings(outsider_client, past_meeting):
    assert outsider_client.get(reverse("meetings:board_list")).status_code == 403
    assert outsider_client.get(meeting_url(past_meeting)).status_code == 403


# The clerk's workflows ------------------------------------------------------------------------------


def test_clerk_adds_a_board_with_members_and_what_it_reviews(clerk_client, officer_user):
    theme = ThemeFactory()
    indicator = IndicatorFactory()
    response = clerk_client.post(
        reverse("meetings:board_create"),
        {
            "name": "Scrutiny Committee",
            "kind": "scrutiny",
            "cadence": "quarterly",
            "member_0": officer_user.pk,
            "role_0": "chair",
            "external_members": "Mrs A Parent, co-opted member",
            "standing_items": "Apologies\nImprovement plan update",
            "themes": [theme.pk],
            "indicators": [indicator.pk],
        },
    )

    board = Board.objects.get()
    assert response.status_code == 302 and response["Location"] == board.get_absolute_url()
    assert (board.name, board.kind, board.cadence, board.chair) == (
        "Scrutiny Committee",
        "scrutiny",
        "quarterly",
        officer_user,
    )
    assert list(board.members.all()) == [officer_user]
    assert list(board.themes.all()) == [theme] and list(board.indicators.all()) == [indicator]
    assert board.standing_items_list == ["Apologies", "Improvement plan update"]


def test_clerk_edits_a_board(clerk_client, board):
    response = clerk_client.post(
        reverse("meetings:board_update", args=[board.pk]),
        {
            "name": "Improvement Board",
            "kind": "improvement_board",
            "cadence": "six_weekly",
            "chair_name": "Independent chair",
        },
    )
    board.refresh_from_db()
    assert response.status_code == 302
    assert (board.name, board.cadence, board.chair_name) == ("Improvement Board", "six_weekly", "Independent chair")


def test_clerk_schedules_a_meeting_with_the_standing_items(clerk_client, board):
    board.standing_items = "Apologies\nImprovement plan update"
    board.save()
    response = clerk_client.post(
        reverse("meetings:meeting_create", args=[board.pk]),
        {
            **date_parts("meeting_date", datetime.date(2027, 1, 12)),
            **time_parts("start_time", datetime.time(10, 30)),
            "place": "Council Chamber",
            "add_standing_items": "on",
        },
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M") == "2027-01-12 10:30"
    assert [str(item) for item in meeting.agenda_items.all()] == ["1. Apologies", "2. Improvement plan update"]


def test_clerk_edits_the_meeting_status_and_minutes(clerk_client, past_meeting):
    clerk_client.post(
        reverse("meetings:meeting_update", args=[past_meeting.pk]),
        {
            **date_parts("meeting_date", datetime.date(2026, 10, 14)),
            **time_parts("start_time", datetime.time(14, 0)),
            "place": "Room 2",
            "status": "held",
            "minutes_status": "approved",
        },
    )
    past_meeting.refresh_from_db()
    assert (past_meeting.place, past_meeting.minutes_status) == ("Room 2", "approved")


def test_clerk_adds_an_item_at_the_end_then_edits_its_minutes_and_links(clerk_client, past_meeting):
    AgendaItemFactory(meeting=past_meeting, order=1)
    theme = ThemeFactory()
    plan_action = ActionFactory(theme=theme)
    indicator = IndicatorFactory()
    clerk_client.post(reverse("meetings:item_create", args=[past_meeting.pk]), {"title": "Performance scorecard"})
    item = AgendaItem.objects.get(title="Performance scorecard")
    assert item.order == 2

    response = clerk_client.post(
        reverse("meetings:item_update", args=[item.pk]),
        {
            "order": "",
            "title": "Performance scorecard",
            "presenter": "Head of Performance",
            "minutes": "Members asked for plain-English definitions.",
            "themes": [theme.pk],
            "actions": [plan_action.pk],
            "indicators": [indicator.pk],
        },
    )

    item.refresh_from_db()
    assert response["Location"] == item.get_absolute_url()
    assert (item.order, item.minutes) == (2, "Members asked for plain-English definitions.")
    assert (list(item.themes.all()), list(item.actions.all()), list(item.indicators.all())) == (
        [theme],
        [plan_action],
        [indicator],
    )


def test_clerk_records_numbered_resolutions_and_corrects_one(clerk_client, past_meeting):
    item = AgendaItemFactory(meeting=past_meeting, order=3)
    url = reverse("meetings:resolution_create", args=[item.pk])
    clerk_client.post(url, {"text": "RESOLVED that the report be noted."})
    clerk_client.post(url, {"text": "That a written update come to the next meeting."})
    assert [(r.number, r.text) for r in item.resolutions.all()] == [
        (1, "the report be noted."),
        (2, "a written update come to the next meeting."),
    ]
    first = item.resolutions.get(number=1)
    clerk_client.post(reverse("meetings:resolution_update", args=[first.pk]), {"text": "the report be received."})
    first.refresh_from_db()
    assert (first.number, first.text) == (1, "the report be received.")


def test_an_action_arising_shows_as_matters_arising_at_the_next_meeting_until_closed(
    clerk_client, past_meeting, next_meeting
):
    item = AgendaItemFactory(meeting=past_meeting, order=1)
    clerk_client.post(
        reverse("meetings:action_create", args=[past_meeting.pk]),
        {
            "kind": "written_update",
            "description": "A written update on the 30 September targets",
            "item": item.pk,
            "owner_name": "Director of Children's Services",
            **date_parts("due_date", None),
        },
    )
    action = MeetingAction.objects.get()
    assert action.due_date == next_meeting.date  # by default, the board's next meeting

    matters = clerk_client.get(meeting_url(next_meeting)).context["matters_arising"]
    assert matters == [action]
    assert clerk_client.get(meeting_url(past_meeting)).context["matters_arising"] == []

    response = clerk_client.post(
        reverse("meetings:action_respond", args=[action.pk]),
        {
            "status": "done",
            "response": "Circulated to members on 20 November.",
            **date_parts("responded_on", None),
            **date_parts("due_date", None),
        },
    )
    action.refresh_from_db()
    assert response["Location"] == action.get_absolute_url()
    assert (action.status, action.responded_on, action.due_date) == ("done", TODAY, next_meeting.date)
    assert clerk_client.get(meeting_url(next_meeting)).context["matters_arising"] == []


def test_an_action_closed_after_a_meeting_still_shows_in_that_meetings_matters_arising(
    board_client, board, past_meeting
):
    earlier = MeetingFactory(board=board, starts_at=at(datetime.date(2026, 9, 9)))
    action = MeetingActionFactory(
        meeting=earlier, status=MeetingAction.Status.DONE, responded_on=datetime.date(2026, 11, 1)
    )
    assert board_client.get(meeting_url(past_meeting)).context["matters_arising"] == [action]


def test_clerk_corrects_what_was_asked_of_whom_and_by_when(clerk_client, past_meeting, next_meeting):
    action = MeetingActionFactory(meeting=past_meeting, status=MeetingAction.Status.DONE, response="Sent")
    owner = UserFactory(first_name="Dev", last_name="Patel")
    url = reverse("meetings:action_update", args=[action.pk])
    assert clerk_client.get(url).context["form"].initial["description"] == action.description

    response = clerk_client.post(url, {"kind": "data_request", "description": "Figures by team", "owner": owner.pk})

    action.refresh_from_db()
    assert response["Location"] == action.get_absolute_url()
    assert (action.kind, action.description, action.owner, action.owner_name, action.due_date) == (
        "data_request",
        "Figures by team",
        owner,
        "Dev Patel",
        next_meeting.date,
    )
    assert (action.status, action.response) == ("done", "Sent")  # the response is left as it was


def test_correcting_an_action_arising_checks_it_like_recording_one(clerk_client, past_meeting):
    action = MeetingActionFactory(meeting=past_meeting)
    response = clerk_client.post(
        reverse("meetings:action_update", args=[action.pk]), {"kind": "training", "description": ""}
    )
    assert error_summary(response) == [
        "Describe what the board asked for",
        "Choose who was asked, or enter their name or job title",
    ]
    action.refresh_from_db()
    assert (action.kind, action.description) == ("written_update", "A written update on the 30 September targets")


def test_referral_records_the_board_it_was_referred_to(clerk_client, past_meeting):
    other = BoardFactory(name="Corporate Parenting Board")
    clerk_client.post(
        reverse("meetings:action_create", args=[past_meeting.pk]),
        {
            "kind": "referral",
            "description": "Monitor health assessments",
            "owner_name": "Chair",
            "referred_to": other.pk,
            **date_parts("due_date", datetime.date(2027, 1, 31)),
        },
    )
    action = MeetingAction.objects.get()
    assert (action.referred_to, action.due_date) == (other, datetime.date(2027, 1, 31))


# Bad input: a clear error summary and nothing saved -------------------------------------------------


def error_summary(response) -> list[str]:
    html = response.content.decode()
    assert 'class="govuk-error-summary"' in html
    summary = html.split('govuk-error-summary__list"')[1].split("</ul>")[0]
    return [
        unescape(re.sub(r"<[^>]+>", "", line)).strip() for line in re.findall(r"<li>(.*?)</li>", summary, flags=re.S)
    ]


def test_action_arising_form_explains_every_problem_and_saves_nothing(clerk_client, past_meeting):
    response = clerk_client.post(
        reverse("meetings:action_create", args=[past_meeting.pk]),
        {
            "kind": "referral",
            "description": "  ",
            **date_parts("due_date", datetime.date(2026, 10, 1)),
        },
    )
    assert response.status_code == 200
    assert error_summary(response) == [
        "Describe what the board asked for",
        "Choose who was asked, or enter their name or job title",
        "The due date cannot be before the meeting",
        "Choose the board it was referred to",
    ]
    assert response.context["form"].is_bound
    assert "Error: Record an action arising" in response.content.decode()
    assert MeetingAction.objects.count() == 0


def test_board_form_requires_a_name_and_kind(clerk_client):
    response = clerk_client.post(reverse("meetings:board_create"), {"cadence": "monthly"})
    assert error_summary(response) == ["Enter the name of the board", "Select what kind of board it is"]
    assert Board.objects.count() == 0


def test_board_form_refuses_a_chair_who_is_both_chosen_and_named(clerk_client, board, officer_user):
    response = clerk_client.post(
        reverse("meetings:board_update", args=[board.pk]),
        {
            "name": "Renamed",
            "kind": "other",
            "cadence": "monthly",
            "member_0": officer_user.pk,
            "role_0": "chair",
            "chair_name": "Someone else",
        },
    )
    assert error_summary(response) == ["A member is already the chair: leave this empty, or change their role"]
    board.refresh_from_db()
    assert board.name == "Children's Improvement Board"
    assert "Edit Children's Improvement Board" in text_of(response)


def test_schedule_form_refuses_a_bad_date_and_time(clerk_client, board):
    response = clerk_client.post(
        reverse("meetings:meeting_create", args=[board.pk]),
        {
            "meeting_date-day": "30",
            "meeting_date-month": "2",
            "meeting_date-year": "2027",
            "start_time-hour": "2pm",
            "start_time-minute": "",
        },
    )
    assert error_summary(response) == [
        "The date of the meeting must be a real date",
        "The start time must be a real time, for example 14 00 for 2pm",
    ]
    assert Meeting.objects.count() == 0
    # Only the box that is wrong is marked: 30 is no day in February; the month and year are fine.
    html = response.content.decode()
    assert re.search(r'class="[^"]*govuk-input--error[^"]*" id="id_meeting_date-day"', html)
    assert not re.search(r'class="[^"]*govuk-input--error[^"]*" id="id_meeting_date-(month|year)"', html)
    assert 'href="#id_meeting_date-day"' in html and 'href="#id_start_time-hour"' in html


def test_schedule_form_says_what_is_missing_from_a_date_and_time(clerk_client, board):
    response = clerk_client.post(
        reverse("meetings:meeting_create", args=[board.pk]),
        {"meeting_date-day": "12", "meeting_date-month": "", "meeting_date-year": "", **time_parts("start_time", None)},
    )
    assert error_summary(response) == ["The date of the meeting must include a month and year", "Enter the start time"]
    assert Meeting.objects.count() == 0


def test_minutes_of_a_meeting_not_held_cannot_be_approved(clerk_client, next_meeting):
    response = clerk_client.post(
        reverse("meetings:meeting_update", args=[next_meeting.pk]),
        {
            **date_parts("meeting_date", datetime.date(2026, 12, 9)),
            **time_parts("start_time", datetime.time(10, 0)),
            "status": "scheduled",
            "minutes_status": "approved",
        },
    )
    assert error_summary(response) == ["Only the minutes of a meeting that was held can be approved"]
    next_meeting.refresh_from_db()
    assert next_meeting.minutes_status == "draft"


def test_agenda_item_needs_a_title_and_a_sensible_number(clerk_client, past_meeting):
    response = clerk_client.post(reverse("meetings:item_create", args=[past_meeting.pk]), {"order": "0", "title": ""})
    assert error_summary(response) == [
        "Enter an item number of 1 or more",
        "Enter the title of the agenda item",
    ]
    assert AgendaItem.objects.count() == 0


def test_resolution_needs_wording(clerk_client, past_meeting):
    item = AgendaItemFactory(meeting=past_meeting)
    response = clerk_client.post(reverse("meetings:resolution_create", args=[item.pk]), {"text": "RESOLVED that "})
    assert error_summary(response) == ["Enter what was resolved"]
    assert Resolution.objects.count() == 0


def test_closing_an_action_needs_a_response_and_a_date_not_in_the_future(clerk_client, past_meeting):
    action = MeetingActionFactory(meeting=past_meeting, due_date=datetime.date(2026, 11, 1))
    response = clerk_client.post(
        reverse("meetings:action_respond", args=[action.pk]),
        {
            "status": "dropped",
            "response": "",
            **date_parts("responded_on", datetime.date(2026, 12, 25)),
        },
    )
    assert error_summary(response) == [
        "Enter why the action was dropped",
        "The date of the response cannot be in the future",
    ]
    action.refresh_from_db()
    assert (action.status, action.response, action.responded_on) == ("open", "", None)
    assert "21 days overdue" in text_of(response)


# Actions arising register -------------------------------------------------------------------------


@pytest.fixture
def register_data(board, past_meeting):
    scrutiny = BoardFactory(name="Scrutiny Committee", kind=Board.Kind.SCRUTINY)
    scrutiny_meeting = MeetingFactory(board=scrutiny, starts_at=at(datetime.date(2026, 9, 1)))
    return {
        "due_later": MeetingActionFactory(
            meeting=past_meeting, description="Later", due_date=datetime.date(2026, 12, 9), owner_name="Head of Service"
        ),
        "overdue_12": MeetingActionFactory(
            meeting=scrutiny_meeting,
            description="Twelve",
            due_date=datetime.date(2026, 11, 10),
            kind=MeetingAction.Kind.TRAINING,
            owner_name="Director",
        ),
        "overdue_40": MeetingActionFactory(
            meeting=past_meeting, description="Forty", due_date=datetime.date(2026, 10, 13), owner_name="Director"
        ),
        "closed": MeetingActionFactory(meeting=past_meeting, description="Closed", status=MeetingAction.Status.DONE),
        "scrutiny": scrutiny,
    }


def test_register_lists_open_actions_overdue_first_in_words(board_client, register_data):
    response = board_client.get(reverse("meetings:action_register"))
    text = text_of(response)
    assert [a.description for a in response.context["actions_arising"]] == ["Forty", "Twelve", "Later"]
    assert "3 open actions arising, 2 overdue" in text
    assert "Forty Written update Children's Improvement Board 14 Oct 2026 Director 13 Oct 2026 40 days overdue" in text
    assert "Twelve Training Scrutiny Committee 1 Sep 2026 Director 10 Nov 2026 12 days overdue" in text
    assert "Due in 17 days" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"board": "scrutiny"}, ["Twelve"]),
        ({"owner": "Director"}, ["Forty", "Twelve"]),
        ({"kind": "training"}, ["Twelve"]),
        ({"overdue": "no"}, ["Later"]),
        ({"owner": "Director", "kind": "written_update"}, ["Forty"]),
    ],
)
def test_register_filters_by_board_owner_and_kind_from_the_url(board_client, register_data, query, expected):
    if query.get("board") == "scrutiny":
        query = {**query, "board": register_data["scrutiny"].pk}
    response = board_client.get(reverse("meetings:action_register"), query)
    assert [a.description for a in response.context["actions_arising"]] == expected
    assert "matching open action" in text_of(response)
    assert "Clear filters" in text_of(response)


def test_register_explains_a_filter_it_cannot_use(board_client, register_data):
    response = board_client.get(reverse("meetings:action_register"), {"kind": "gossip", "owner": "Director"})
    assert error_summary(response) == ["Select a valid choice. gossip is not one of the available choices."]
    assert [a.description for a in response.context["actions_arising"]] == ["Forty", "Twelve"]


# Query counts do not grow with the data --------------------------------------------------------------


def build_boards(size: int, clerk):
    """`size` boards, each with `size` meetings, items, resolutions, plan links, actions arising and packs."""
    themes = [ThemeFactory() for _ in range(size)]
    plan_actions = [ActionFactory(theme=themes[0]) for _ in range(size)]
    indicators = [IndicatorFactory() for _ in range(size)]
    members = [UserFactory() for _ in range(size)]
    boards = []
    for b in range(size):
        board = BoardFactory(chair=members[0])
        board.members.set(members)
        board.themes.set(themes)
        board.indicators.set(indicators)
        for m in range(size):
            meeting = MeetingFactory(board=board, starts_at=at(datetime.date(2026, 1 + m, 10 + b)))
            for i in range(size):
                item = AgendaItemFactory(meeting=meeting, order=i + 1)
                item.themes.set(themes)
                item.actions.set(plan_actions)
                item.indicators.set(indicators)
                ResolutionFactory(item=item, number=1)
                ResolutionFactory(item=item, number=2)
                MeetingActionFactory(
                    meeting=meeting, item=item, owner=members[i], due_date=datetime.date(2026, 2 + m, 1)
                )
                MeetingActionFactory(meeting=meeting, referred_to=board, kind=MeetingAction.Kind.REFERRAL)
            PublishedPack.objects.create(
                meeting=meeting,
                as_at=meeting.date,
                published_by=clerk,
                published_by_name="Cara Clerk",
                content={},
                html="",
            )
        MeetingFactory(board=board, starts_at=at(datetime.date(2026, 12, 1 + b)))
        boards.append(board)
    return boards


# Every page: 1 session, 2 user, 3 permissions (users and groups in one query), and at the end three more saving the
# session (its idle timeout is renewed on each request).
@pytest.mark.parametrize("size", [1, 4])
def test_boards_list_query_count_does_not_grow(size, clerk_client, clerk_user, django_assert_num_queries):
    build_boards(size, clerk_user)
    clerk_client.get(reverse("meetings:board_list"))  # warm the session
    # 5 boards with chair, next meeting and open count.
    with django_assert_num_queries(4):
        response = clerk_client.get(reverse("meetings:board_list"))
    assert len(response.context["boards"]) == size


@pytest.mark.parametrize("size", [1, 4])
def test_board_page_query_count_does_not_grow(size, clerk_client, clerk_user, django_assert_num_queries):
    board = build_boards(size, clerk_user)[0]
    clerk_client.get(board.get_absolute_url())  # warm the session
    # 5 board and chair, 6-8 members, themes, indicators, 9 meetings, 10 open actions arising,
    # 11 matters referred to it.
    with django_assert_num_queries(10):
        response = clerk_client.get(board.get_absolute_url())
    assert len(response.context["past"]) == size


@pytest.mark.parametrize("size", [1, 4])
def test_meeting_page_query_count_does_not_grow(size, clerk_client, clerk_user, django_assert_num_queries):
    board = build_boards(size, clerk_user)[0]
    meeting = board.meetings.order_by("starts_at")[size - 1]
    clerk_client.get(meeting_url(meeting))  # warm the session
    # 5 meeting with board and chair, 6 items, 7-10 item themes, actions, indicators, resolutions,
    # 11 actions arising, 12 published packs, 13 matters arising, 14-15 previous and next meetings.
    with django_assert_num_queries(14):
        response = clerk_client.get(meeting_url(meeting))
    assert len(response.context["items"]) == size
    assert len(response.context["matters_arising"]) == 2 * size * (size - 1)


@pytest.mark.parametrize("size", [1, 4])
def test_register_query_count_does_not_grow(size, clerk_client, clerk_user, django_assert_num_queries):
    board = build_boards(size, clerk_user)[0]
    clerk_client.get(reverse("meetings:action_register"))  # warm the session
    # 5 validating the board choice, 6 open actions, 7 boards for the filter, 8 owner names for the filter.
    with django_assert_num_queries(7):
        response = clerk_client.get(reverse("meetings:action_register"), {"board": board.pk, "kind": "referral"})
    assert len(response.context["actions_arising"]) == size * size


@pytest.mark.parametrize("size", [1, 4])
def test_action_arising_form_query_count_does_not_grow(size, clerk_client, clerk_user, django_assert_num_queries):
    board = build_boards(size, clerk_user)[0]
    meeting = board.meetings.order_by("starts_at").first()
    clerk_client.get(reverse("meetings:action_create", args=[meeting.pk]))  # warm the session
    # 5 meeting and board, 6 its items, 7 next meeting (default due date), 8 people, 9 other boards,
    # 10-12 what it is about: the current plan and its actions, recommendations, indicators.
    with django_assert_num_queries(12):
        response = clerk_client.get(reverse("meetings:action_create", args=[meeting.pk]))
    assert response.status_code == 200


def test_schedule_form_suggests_one_cadence_after_the_latest_meeting(clerk_client, board, past_meeting):
    form = clerk_client.get(reverse("meetings:meeting_create", args=[board.pk])).context["form"]
    assert form.initial == {
        "meeting_date": datetime.date(2026, 11, 14),
        "start_time": datetime.time(14, 0),
        "place": "Committee Room 1, Town Hall",
    }


def test_clerk_removes_an_agenda_item_not_taken(clerk_client, past_meeting):
    item = AgendaItemFactory(meeting=past_meeting, title="Any other business")
    url = reverse("meetings:item_delete", args=[item.pk])
    assert "Remove item" in text_of(clerk_client.get(url))
    response = clerk_client.post(url)
    assert response["Location"] == f"{meeting_url(past_meeting)}#agenda"
    assert AgendaItem.objects.count() == 0


def test_an_item_with_resolutions_or_actions_arising_is_not_removed(clerk_client, past_meeting):
    with_resolution = ResolutionFactory(item__meeting=past_meeting).item
    with_action = MeetingActionFactory(meeting=past_meeting, item=AgendaItemFactory(meeting=past_meeting)).item
    for item in (with_resolution, with_action):
        response = clerk_client.post(reverse("meetings:item_delete", args=[item.pk]))
        assert error_summary(response) == [
            "This item has resolutions or actions arising, so it is part of the record and cannot be removed"
        ]
    assert AgendaItem.objects.count() == 2


# Issue 17 bugs: upcoming and past, minutes of a meeting not yet held, the agenda item number ------


def test_a_meeting_held_today_is_past_and_one_still_scheduled_today_is_upcoming(board_client, board):
    MeetingFactory(board=board, starts_at=at(TODAY, 10), status=Meeting.Status.HELD)
    other = BoardFactory(name="Scrutiny Committee")
    MeetingFactory(board=other, starts_at=at(TODAY, 18))

    text = text_of(board_client.get(board.get_absolute_url()))
    upcoming, past = text.split("Upcoming meetings")[1].split("Past meetings", 1)
    assert "No meetings are scheduled." in upcoming and "22 November 2026" not in upcoming
    assert "22 November 2026 Held Draft" in past
    assert "Next meeting None scheduled" in text

    boards = board_client.get(reverse("meetings:board_list")).context["boards"]
    assert {b.name: b.next_meeting_id is not None for b in boards} == {board.name: False, other.name: True}

    other_text = text_of(board_client.get(other.get_absolute_url()))
    assert "Sunday 22 November 2026, 6pm" in other_text.split("Upcoming meetings")[1].split("Past meetings")[0]
    assert "This board has not met yet." in other_text


def test_a_meeting_not_yet_held_shows_no_minutes_status(board_client, board, past_meeting, next_meeting):
    assert "Minutes Not yet held" in text_of(board_client.get(meeting_url(next_meeting)))
    assert "Minutes Draft" in text_of(board_client.get(meeting_url(past_meeting)))
    overdue = MeetingFactory(board=board, starts_at=at(datetime.date(2026, 11, 4)))  # never marked held
    assert "4 November 2026 Scheduled Not yet held" in text_of(board_client.get(board.get_absolute_url()))
    assert "Minutes Not yet held" in text_of(board_client.get(meeting_url(overdue)))


def test_add_an_agenda_item_shows_the_next_free_number_and_accepts_it(clerk_client, past_meeting):
    AgendaItemFactory(meeting=past_meeting, order=1)
    AgendaItemFactory(meeting=past_meeting, order=2)
    url = reverse("meetings:item_create", args=[past_meeting.pk])

    html = clerk_client.get(url).content.decode()
    shown = re.search(r'<input[^>]*name="order"[^>]*>', html).group(0)
    assert 'value="3"' in shown
    assert "The number shown puts it last." in text_of(clerk_client.get(url))

    response = clerk_client.post(url, {"order": "3", "title": "Performance scorecard"})
    item = AgendaItem.objects.get(title="Performance scorecard")
    assert (response.status_code, response["Location"], item.order) == (302, item.get_absolute_url(), 3)
    assert 'value="4"' in re.search(r'<input[^>]*name="order"[^>]*>', clerk_client.get(url).content.decode()).group(0)


def test_add_an_agenda_item_to_an_empty_agenda_shows_1(clerk_client, board):
    meeting = MeetingFactory(board=board, starts_at=at(datetime.date(2026, 12, 9)))
    url = reverse("meetings:item_create", args=[meeting.pk])
    assert 'value="1"' in re.search(r'<input[^>]*name="order"[^>]*>', clerk_client.get(url).content.decode()).group(0)


def test_editing_an_item_numbered_0_shows_no_number_to_refuse_and_keeps_its_place(clerk_client, past_meeting):
    # An item can be numbered 0 by Django admin or an old import; the form refuses 0, so it must not show it.
    item = AgendaItemFactory(meeting=past_meeting, order=0, title="Apologies")
    url = reverse("meetings:item_update", args=[item.pk])
    shown = re.search(r'<input[^>]*name="order"[^>]*>', clerk_client.get(url).content.decode()).group(0)
    assert "value=" not in shown
    response = clerk_client.post(url, {"order": "", "title": "Apologies for absence", "expected_version": item.version})
    item.refresh_from_db()
    assert (response.status_code, item.order, item.title) == (302, 0, "Apologies for absence")
