"""seed_demo builds the three boards with a year of meetings, minutes, actions arising and published packs."""

import datetime

from meetings.models import Board, Meeting, MeetingAction, PublishedPack
from tests.dates import TODAY


def test_seed_demo_builds_the_boards(demo_council):
    # The session's one seed (tests/demo_snapshot.py) checked four ways.
    _boards_have_a_year_of_meetings()
    _actions_arising_include_overdue_and_done()
    _published_packs_are_as_at_their_meeting()
    _actions_store_the_state_their_log_gives()


def _boards_have_a_year_of_meetings():
    today = TODAY
    boards = {board.kind: board for board in Board.objects.all()}
    assert set(boards) == {"improvement_board", "scrutiny", "corporate_parenting"}
    assert boards["improvement_board"].cadence == "monthly" and boards["scrutiny"].cadence == "quarterly"
    for board in boards.values():
        meetings = list(board.meetings.order_by("starts_at"))
        past = [m for m in meetings if m.date <= today]
        future = [m for m in meetings if m.date > today]
        assert past[0].date <= today - datetime.timedelta(days=300)  # about a year of meetings
        assert len(future) == 2 and all(m.status == Meeting.Status.SCHEDULED for m in future)
        assert all(m.status == Meeting.Status.HELD for m in past)
        assert all(m.minutes_status == Meeting.MinutesStatus.APPROVED for m in past[:-1])
        assert past[-1].minutes_status == Meeting.MinutesStatus.DRAFT  # approved at the next meeting
        item = past[-2].agenda_items.prefetch_related("resolutions").order_by("-order").first()
        assert "Members of the Board asked questions" in item.minutes
        assert [r.number for r in item.resolutions.all()] == [1, 2]
        assert PublishedPack.objects.filter(meeting__board=board).count() == len(past)


def _actions_arising_include_overdue_and_done():
    today = TODAY
    actions = MeetingAction.objects.all()
    assert actions.filter(status=MeetingAction.Status.OPEN, due_date__lt=today).count() >= 3
    assert actions.filter(status=MeetingAction.Status.DONE).exclude(response="").count() >= 10
    assert actions.filter(kind=MeetingAction.Kind.REFERRAL, referred_to__kind="corporate_parenting").exists()


def _published_packs_are_as_at_their_meeting():
    for published in PublishedPack.objects.select_related("meeting"):
        assert published.as_at == published.meeting.date
        assert published.content["as_at"] == published.meeting.date.isoformat()
        assert published.published_at < published.meeting.starts_at
        assert "1. Exceptions" in published.html


def _actions_store_the_state_their_log_gives():
    """The demo writes its history in bulk and leaves the current state to refresh_action_state, the one
    writer: what each action stores is what plan_as_at says today."""
    from improvement.models import Plan
    from improvement.queries import plan_as_at

    today = TODAY
    for plan in Plan.objects.all():
        for state in plan_as_at(plan, today):
            action = state.action
            stored = (action.status, action.progress, action.rag_override, action.target_date)
            assert stored == (state.status, state.progress, state.rag_override, state.target_date), action
