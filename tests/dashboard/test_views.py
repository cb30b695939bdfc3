import datetime

import pytest
import time_machine
from django.urls import reverse

from improvement.models import ActionStatus, Inspection, Progress, Rag
from tests.factories.improvement import (
    ActionFactory,
    ActionUpdateFactory,
    InspectionFactory,
    PlanFactory,
    ThemeFactory,
)

TODAY = datetime.date(2026, 11, 22)


def _plan_with_actions(n):
    plan = PlanFactory()
    theme = ThemeFactory(plan=plan, reference="1", title="Front door")
    for i in range(n):
        action = ActionFactory(
            theme=theme,
            reference=f"1.{i + 1}",
            original_target_date=datetime.date(2026, 9, 30),
            target_date=datetime.date(2026, 9, 30),
        )
        ActionUpdateFactory(
            action=action,
            date=datetime.date(2026, 6, 1),
            status=ActionStatus.IN_PROGRESS,
            progress=Progress.ON_TRACK,
            computed_rag=Rag.GREEN,
        )
    return plan


@time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0), tick=False)
def test_dashboard_shows_red_actions_and_counts(board_client):
    _plan_with_actions(2)
    html = board_client.get(reverse("home")).content.decode()
    # Both actions are 53 days past 30 September 2026 with the default 30-day amber window: red.
    assert "53 days past its target date of 30 September 2026" in html
    assert "Red - off track" in html


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0), tick=False)
@pytest.mark.parametrize("url_name", ["home", "progress"])
def test_dashboard_pages_run_the_same_queries_at_two_sizes(url_name, board_client):
    plan = _plan_with_actions(1)
    InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 7, 1))
    InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 10, 1))
    url = reverse(url_name)
    board_client.get(url)  # warm the session and permission caches
    small = _count_queries(board_client, url)
    theme = plan.themes.get()
    for i in range(8):
        action = ActionFactory(theme=theme, reference=f"2.{i}", target_date=datetime.date(2026, 12, 1))
        ActionUpdateFactory(action=action, date=datetime.date(2026, 8, 1), computed_rag=Rag.GREEN)
    assert _count_queries(board_client, url) == small
    # The page budget, session and permissions included.
    assert small <= 15, small


@time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0), tick=False)
def test_progress_between_two_visits_lists_completed_action(board_client):
    plan = _plan_with_actions(1)
    action = plan.themes.get().actions.get()
    ActionUpdateFactory(
        action=action, date=datetime.date(2026, 8, 1), status=ActionStatus.COMPLETE, progress="", computed_rag=Rag.BLUE
    )
    first = InspectionFactory(
        kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 7, 1), end_date=None, sequence=1
    )
    second = InspectionFactory(
        kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 10, 1), end_date=None, sequence=2
    )
    html = board_client.get(reverse("progress"), {"from_visit": first.pk, "to_visit": second.pk}).content.decode()
    completed = html.split("Completed (1)")[1].split("</table>")[0]
    assert action.title in completed


def test_progress_with_dates_in_the_wrong_order_explains(board_client):
    PlanFactory()
    dates = {"from_date-day": "1", "from_date-month": "9", "from_date-year": "2026"}
    dates.update({"to_date-day": "1", "to_date-month": "8", "to_date-year": "2026"})
    html = board_client.get(reverse("progress"), dates).content.decode()
    assert "The date to compare from must be before the date to compare to" in html


@time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0), tick=False)
def test_dashboard_lists_actions_due_before_the_next_meeting_of_any_board(board_client):
    from django.utils import timezone

    from tests.factories.meetings import MeetingFactory

    plan = PlanFactory()
    theme = ThemeFactory(plan=plan, reference="1")
    ActionFactory(theme=theme, reference="1.1", title="Due soon", original_target_date=datetime.date(2026, 12, 1))
    ActionFactory(theme=theme, reference="1.2", title="Due later", original_target_date=datetime.date(2027, 3, 1))
    at_two = lambda day: timezone.make_aware(datetime.datetime.combine(day, datetime.time(14)))  # noqa: E731
    MeetingFactory(board__name="Cancelled board", starts_at=at_two(datetime.date(2026, 11, 25)), status="cancelled")
    MeetingFactory(board__name="Scrutiny Committee", starts_at=at_two(datetime.date(2026, 12, 3)))
    MeetingFactory(board__name="Held last week", starts_at=at_two(datetime.date(2026, 11, 15)), status="held")

    html = board_client.get(reverse("home")).content.decode()

    assert "Scrutiny Committee, 3 December 2026" in html
    assert "1.1 Due soon</a>, due 1 December 2026" in html
    assert "Due later" not in html.split("Due before the next meeting")[1].split("Indicators off target")[0]


@time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0), tick=False)
def test_a_meeting_held_today_is_not_the_next_meeting(board_client):
    from django.utils import timezone

    from tests.factories.meetings import MeetingFactory

    _plan_with_actions(1)
    at = lambda day, hour: timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))  # noqa: E731
    MeetingFactory(board__name="Held this morning", starts_at=at(TODAY, 9), status="held")
    MeetingFactory(board__name="Scrutiny Committee", starts_at=at(datetime.date(2026, 12, 3), 14))

    html = board_client.get(reverse("home")).content.decode()

    # (It is on the RAG-by-month table's events, as a meeting held; not as the next meeting.)
    assert "Held this morning" not in html.split("Due before the next meeting")[1].split("Indicators off target")[0]
    assert "Next meeting: " in html and "Scrutiny Committee, 3 December 2026" in html


@time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0), tick=False)
def test_count_cards_use_the_govuk_font_classes(board_client):
    # The numbers sat outside any GOV.UK typography class, so they showed in the browser's serif
    # font; tests/browser/test_dashboard.py checks the font Chromium actually uses.
    _plan_with_actions(1)
    html = board_client.get(reverse("home")).content.decode()
    assert '<ul class="govuk-list app-count-cards" aria-label="Number of actions by RAG rating">' in html
