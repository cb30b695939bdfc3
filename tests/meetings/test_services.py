"""Writes, reads and rules for boards, meetings and actions arising, without the pages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.templatetags.core_tags import govuk_time
from meetings import queries, services
from meetings.dates import add_months, after_one_cycle
from meetings.models import Board, Meeting, MeetingAction
from meetings.rules import days_overdue, overdue_words, resolution_wording
from meetings.templatetags.meetings_tags import asked_of
from tests.dates import TODAY
from tests.factories.core import UserFactory
from tests.factories.improvement import ThemeFactory
from tests.factories.meetings import AgendaItemFactory, BoardFactory, MeetingActionFactory, MeetingFactory


def at(day, hour=14, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


# Rules (no database) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "status", "words", "days"),
    [
        (datetime.date(2026, 11, 10), "open", "12 days overdue", 12),
        (datetime.date(2026, 11, 21), "open", "1 day overdue", 1),
        (TODAY, "open", "Due today", 0),
        (datetime.date(2026, 11, 23), "open", "Due in 1 day", 0),
        (datetime.date(2026, 12, 9), "open", "Due in 17 days", 0),
        (None, "open", "No due date", 0),
        (datetime.date(2026, 11, 10), "done", "Done", 0),
        (datetime.date(2026, 11, 10), "dropped", "Dropped", 0),
    ],
)
def test_overdue_in_words(due, status, words, days):
    action = MeetingAction(due_date=due, status=status)
    assert (overdue_words(action, TODAY), days_overdue(action, TODAY)) == (words, days)


@pytest.mark.parametrize(
    ("written", "wording"),
    [
        ("the report be noted.", "the report be noted."),
        ("That the report be noted.", "the report be noted."),
        ("RESOLVED that the report be noted.", "the report be noted."),
        ("RESOLVED: That the report be noted.", "the report be noted."),
        ("Resolved - that the plan be agreed", "the plan be agreed"),
        ("Thatcham's plan be noted", "Thatcham's plan be noted"),
        ("RESOLVED that", ""),
    ],
)
def test_resolution_wording_drops_the_words_the_page_prints(written, wording):
    assert resolution_wording(written) == wording


@pytest.mark.parametrize(
    ("cadence", "after"),
    [
        (Board.Cadence.MONTHLY, datetime.date(2026, 2, 28)),
        (Board.Cadence.QUARTERLY, datetime.date(2026, 4, 30)),
        (Board.Cadence.SIX_MONTHLY, datetime.date(2026, 7, 31)),
        (Board.Cadence.FOUR_WEEKLY, datetime.date(2026, 2, 28)),
        (Board.Cadence.SIX_WEEKLY, datetime.date(2026, 3, 14)),
        (Board.Cadence.AS_NEEDED, datetime.date(2026, 2, 28)),
    ],
)
def test_one_cycle_after_a_meeting(cadence, after):
    assert after_one_cycle(datetime.date(2026, 1, 31), cadence) == after


def test_add_months_crosses_years():
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)


@pytest.mark.parametrize(
    ("hour", "minute", "words"), [(14, 0, "2pm"), (10, 30, "10:30am"), (12, 0, "midday"), (0, 15, "12:15am")]
)
def test_govuk_time(hour, minute, words):
    assert govuk_time(at(TODAY, hour, minute)) == words


def test_asked_of_prefers_the_minutes_wording():
    user = UserFactory.build(pk=5, first_name="Sam", last_name="Okafor")
    assert asked_of(MeetingAction(owner=user, owner_name="Head of Service")) == "Head of Service"
    assert asked_of(MeetingAction(owner=user)) == "Sam Okafor"
    assert asked_of(MeetingAction()) == "Not recorded"


# Services and queries ------------------------------------------------------------------------------


@pytest.fixture
def board(db):
    return BoardFactory(cadence=Board.Cadence.MONTHLY, standing_items="Apologies\n\nImprovement plan update\n")


@pytest.mark.django_db
def test_create_board_sets_members_and_what_it_reviews():
    member = UserFactory()
    theme = ThemeFactory()
    board = services.create_board(name="Scrutiny", kind=Board.Kind.SCRUTINY, members=[member], themes=[theme])
    assert (list(board.members.all()), list(board.themes.all())) == ([member], [theme])


@pytest.mark.django_db
def test_create_board_refuses_an_unknown_kind():
    with pytest.raises(ValidationError):
        services.create_board(name="Scrutiny", kind="gossip")
    assert Board.objects.count() == 0


def test_schedule_meeting_adds_the_standing_items_in_order(board):
    meeting = services.schedule_meeting(board=board, starts_at=at(datetime.date(2027, 1, 12)))
    assert [(i.order, i.title) for i in meeting.agenda_items.all()] == [
        (1, "Apologies"),
        (2, "Improvement plan update"),
    ]
    bare = services.schedule_meeting(board=board, starts_at=at(datetime.date(2027, 2, 9)), add_standing_items=False)
    assert bare.agenda_items.count() == 0


def test_agenda_items_go_last_unless_placed(board):
    meeting = services.schedule_meeting(board=board, starts_at=at(datetime.date(2027, 1, 12)))
    assert services.add_agenda_item(meeting=meeting, title="Any other business").order == 3
    assert services.add_agenda_item(meeting=meeting, title="Urgent item", order=1).order == 1


def test_resolutions_are_numbered_per_item(board):
    item = AgendaItemFactory(meeting=MeetingFactory(board=board))
    other = AgendaItemFactory(meeting=item.meeting)
    numbers = [services.record_resolution(item=item, text=t).number for t in ("a", "b")]
    assert numbers == [1, 2]
    assert services.record_resolution(item=other, text="c").number == 1


def test_action_arising_is_due_by_the_boards_next_meeting(board):
    held = MeetingFactory(board=board, starts_at=at(datetime.date(2026, 10, 14)))
    MeetingFactory(board=board, starts_at=at(datetime.date(2026, 11, 11)), status=Meeting.Status.CANCELLED)
    MeetingFactory(board=board, starts_at=at(datetime.date(2026, 12, 9)))
    MeetingFactory(starts_at=at(datetime.date(2026, 10, 20)))  # another board's meeting does not count
    owner = UserFactory(first_name="Sam", last_name="Okafor")
    action = services.record_action_arising(meeting=held, description=" A written update ", owner=owner)
    assert (action.due_date, action.description, action.owner_name) == (
        datetime.date(2026, 12, 9),
        "A written update",
        "Sam Okafor",
    )


def test_action_arising_without_a_next_meeting_is_due_one_cycle_later(board):
    held = MeetingFactory(board=board, starts_at=at(datetime.date(2026, 10, 14)))
    action = services.record_action_arising(meeting=held, description="Data", owner_name="Head of Service")
    assert action.due_date == datetime.date(2026, 11, 14)


def test_action_arising_refuses_another_meetings_item(board):
    held = MeetingFactory(board=board)
    with pytest.raises(ValueError):
        services.record_action_arising(meeting=held, description="x", item=AgendaItemFactory())


def test_responding_closes_and_dates_an_action(board):
    action = MeetingActionFactory(meeting=MeetingFactory(board=board))
    services.respond_to_action_arising(action_arising=action, status=MeetingAction.Status.DONE, response=" Sent ")
    action.refresh_from_db()
    assert (action.status, action.response, action.responded_on) == ("done", "Sent", TODAY)
    services.respond_to_action_arising(action_arising=action, status=MeetingAction.Status.OPEN, response="Reopened")
    action.refresh_from_db()
    assert (action.status, action.responded_on) == ("open", None)


def test_matters_arising_are_earlier_open_actions_of_the_same_board(board):
    first = MeetingFactory(board=board, starts_at=at(datetime.date(2026, 9, 9)))
    second = MeetingFactory(board=board, starts_at=at(datetime.date(2026, 10, 14)))
    third = MeetingFactory(board=board, starts_at=at(datetime.date(2026, 11, 11)))
    carried = MeetingActionFactory(meeting=first, due_date=datetime.date(2026, 10, 14))
    closed_between = MeetingActionFactory(meeting=first, status="done", responded_on=datetime.date(2026, 10, 20))
    closed_before = MeetingActionFactory(meeting=first, status="done", responded_on=datetime.date(2026, 10, 1))
    from_second = MeetingActionFactory(meeting=second, due_date=datetime.date(2026, 11, 11))
    MeetingActionFactory(meeting=MeetingFactory(starts_at=at(datetime.date(2026, 9, 1))))  # another board

    assert list(queries.matters_arising(first)) == []
    assert set(queries.matters_arising(second)) == {carried, closed_between}
    assert set(queries.matters_arising(third)) == {carried, from_second}
    assert closed_before not in queries.matters_arising(second)


def test_register_is_overdue_first_and_open_only(board):
    meeting = MeetingFactory(board=board)
    later = MeetingActionFactory(meeting=meeting, due_date=datetime.date(2026, 12, 1))
    undated = MeetingActionFactory(meeting=meeting, due_date=None)
    sooner = MeetingActionFactory(meeting=meeting, due_date=datetime.date(2026, 10, 1))
    MeetingActionFactory(meeting=meeting, status="dropped")
    assert list(queries.open_actions_register()) == [sooner, later, undated]


def test_boards_summary_counts_open_actions_and_finds_the_next_meeting(board):
    MeetingFactory(board=board, starts_at=at(datetime.date(2026, 12, 20)))
    soonest = MeetingFactory(board=board, starts_at=at(datetime.date(2026, 11, 22), 18))
    MeetingFactory(board=board, starts_at=at(datetime.date(2026, 11, 23)), status=Meeting.Status.CANCELLED)
    past = MeetingFactory(board=board, starts_at=at(datetime.date(2026, 10, 1)))
    MeetingActionFactory.create_batch(2, meeting=past)
    MeetingActionFactory(meeting=past, status="done")
    empty = BoardFactory()

    summary = {b.pk: b for b in queries.boards_with_summary(TODAY)}

    assert (summary[board.pk].next_meeting_id, summary[board.pk].open_actions_count) == (soonest.pk, 2)
    assert (summary[empty.pk].next_meeting_id, summary[empty.pk].open_actions_count) == (None, None)


class _HistoryFailed(Exception):
    pass


@pytest.mark.django_db
def test_a_failure_mid_write_leaves_neither_the_change_nor_half_of_it(monkeypatch):
    """Each write saves a row and then its history row; when the second fails, the first is undone."""
    from simple_history.models import HistoricalRecords

    from tests.factories.meetings import ResolutionFactory

    meeting = MeetingFactory(place="Town Hall")
    resolution = ResolutionFactory(text="The report be noted.")
    action = MeetingActionFactory(meeting=meeting, description="A written update")
    writes = [
        (meeting, "place", lambda: services.update_meeting(meeting=meeting, place="Civic Centre")),
        (resolution, "text", lambda: services.update_resolution(resolution=resolution, text="The report be received.")),
        (
            action,
            "description",
            lambda: services.update_action_arising(
                action_arising=action, description="A report", kind=action.kind, due_date=datetime.date(2026, 1, 1)
            ),
        ),
        (
            action,
            "status",
            lambda: services.respond_to_action_arising(action_arising=action, status="done", response="Sent"),
        ),
    ]

    def fail(*args, **kwargs):
        raise _HistoryFailed

    monkeypatch.setattr(HistoricalRecords, "create_historical_record", fail)
    for instance, field, write in writes:
        before = getattr(type(instance).objects.get(pk=instance.pk), field)
        with pytest.raises(_HistoryFailed):
            write()
        assert getattr(type(instance).objects.get(pk=instance.pk), field) == before, field
    count = MeetingAction.objects.count()
    with pytest.raises(_HistoryFailed):
        services.record_action_arising(meeting=meeting, description="New", due_date=meeting.date)
    assert MeetingAction.objects.count() == count
