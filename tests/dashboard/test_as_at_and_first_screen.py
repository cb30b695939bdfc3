"""The dashboard as at a past date, its RAG-by-month table, and the first screen each role sees.
Today is tests.dates.TODAY (22 November 2026)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from improvement.models import ActionStatus, Inspection, Progress
from tests.factories.improvement import ActionFactory, ActionUpdateFactory, InspectionFactory, PlanFactory, ThemeFactory
from tests.factories.meetings import BoardFactory, MeetingFactory

D = datetime.date


@pytest.fixture
def plan_with_history(db, officer_user):
    plan = PlanFactory(start_date=D(2025, 4, 1))
    theme = ThemeFactory(plan=plan, reference="1", title="Front door")
    late = ActionFactory(
        theme=theme,
        reference="1.1",
        title="Late action",
        lead_officer=officer_user,
        original_target_date=D(2026, 8, 20),
    )
    ActionUpdateFactory(action=late, date=D(2026, 10, 20), progress=Progress.ON_TRACK)
    done = ActionFactory(theme=theme, reference="1.2", title="Done quietly", original_target_date=D(2026, 12, 1))
    ActionUpdateFactory(action=done, date=D(2026, 7, 1), status=ActionStatus.COMPLETE, progress="")
    InspectionFactory(
        kind=Inspection.Kind.MONITORING_VISIT, title="Second monitoring visit", start_date=D(2026, 6, 2),
        end_date=D(2026, 6, 4),
    )  # fmt: skip
    return {"late": late, "done": done}


def _as_at(day):
    return {"as_at-day": str(day.day), "as_at-month": str(day.month), "as_at-year": str(day.year)}


def test_the_whole_dashboard_as_at_a_past_date(board_client, plan_with_history):
    today = board_client.get(reverse("home")).content.decode()
    assert "As at 22 November 2026 (today)" in today
    assert "As at the latest visit (4 June 2026)" in today
    assert "?as_at-day=4&amp;as_at-month=6&amp;as_at-year=2026" in today

    then = board_client.get(reverse("home"), _as_at(D(2026, 6, 4))).content.decode()
    assert "As at 4 June 2026" in then and "(today)" not in then.split("</h1>")[0]
    assert "Back to today" in then
    # On 4 June neither action was red, nor was 1.2 complete yet.
    assert "Late action" not in then.split("Red actions")[1].split("</ul>")[0]
    assert "Done quietly" not in then.split("Red actions")[1].split("Due before")[0]


def test_one_rag_with_its_reason_and_no_evidence_flagged(board_client, plan_with_history):
    html = board_client.get(reverse("home")).content.decode()
    reds = html.split("Red actions")[1].split("Due before the next meeting")[0]
    # Red on the date rule although the officer said on track: said once, with why.
    assert "94 days overdue; the officer said on track on 20 October" in reds
    assert "Officer's RAG" not in html
    assert 'id="no-evidence"' in html and "1.2 Done quietly" in html.split('id="no-evidence"')[1]


def test_the_rag_by_month_table_runs_from_the_plans_start_to_the_date(board_client, plan_with_history):
    html = board_client.get(reverse("home")).content.decode()
    table = html[html.index('id="dashboard-chart-table"') :]
    assert "April 2025" in table and "March 2025" not in table and "November 2026" in table
    assert "Second monitoring visit" in table
    assert 'data-chart-figure="dashboard-chart-figure"' in html


def test_bad_as_at_dates_are_explained_and_change_nothing(board_client, plan_with_history):
    html = board_client.get(reverse("home"), _as_at(D(2027, 1, 1))).content.decode()
    assert "The date must be today or in the past" in html and "As at 22 November 2026 (today)" in html
    html = board_client.get(reverse("home"), {"as_at-day": "31", "as_at-month": "2", "as_at-year": "2026"})
    assert "must be a real date" in html.content.decode()


def test_a_board_member_sees_their_boards_next_meetings_with_packs(board_client, board_user, plan_with_history):
    mine = BoardFactory(name="Scrutiny Committee")
    mine.members.add(board_user)
    theirs = BoardFactory(name="Corporate Parenting Board")
    at = lambda day: timezone.make_aware(datetime.datetime.combine(day, datetime.time(14)))  # noqa: E731
    meeting = MeetingFactory(board=mine, starts_at=at(D(2026, 12, 3)))
    MeetingFactory(board=mine, starts_at=at(D(2027, 1, 7)))
    MeetingFactory(board=theirs, starts_at=at(D(2026, 12, 1)))
    html = board_client.get(reverse("home")).content.decode()
    section = html.split('id="my-meetings"')[1].split("</ul>")[0]
    assert "Scrutiny Committee, 3 December 2026" in section
    assert reverse("meetings:pack", args=[meeting.pk]) in section
    assert "7 January 2027" not in section and "Corporate Parenting" not in section


def test_an_officer_sees_their_actions_needing_an_update(officer_client, plan_with_history):
    html = officer_client.get(reverse("home")).content.decode()
    section = html.split('id="my-updates"')[1].split("</ul>")[0]
    assert "1.1 Late action" in section
    assert reverse("improvement:action_update", args=[plan_with_history["late"].pk]) in section


def test_an_admin_sees_import_status_and_a_stuck_job(admin_client_, plan_with_history):
    from imports.models import ImportJob
    from tests.factories.imports import ImportJobFactory

    ImportJobFactory(state=ImportJob.State.QUEUED, file_name="kpis-november.xlsx")
    html = admin_client_.get(reverse("home")).content.decode()
    section = html.split('id="imports"')[1]
    assert "kpis-november.xlsx" in section and "Waiting to start" in section
    assert "1 import waiting or running while the background worker is not running" in section


def test_other_roles_do_not_see_the_admins_import_status(board_client, officer_client, plan_with_history):
    for client in (board_client, officer_client):
        assert 'id="imports"' not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("query", [{}, {"as_at-day": "4", "as_at-month": "6", "as_at-year": "2026"}])
def test_the_as_at_dashboard_keeps_the_budget_at_two_sizes(board_client, plan_with_history, settings, query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert board_client.get(reverse("home"), query).status_code == 200
        return len(captured.captured_queries)

    board_client.get(reverse("home"), query)
    small = count()
    theme = ThemeFactory(plan=plan_with_history["late"].theme.plan, reference="2")
    for i in range(8):
        action = ActionFactory(theme=theme, reference=f"2.{i}", original_target_date=D(2026, 5, 1))
        ActionUpdateFactory(action=action, date=D(2026, 4, 1 + i), status=ActionStatus.COMPLETE, progress="")
        InspectionFactory(start_date=D(2025, 6, 1 + i), end_date=None)
        MeetingFactory(starts_at=timezone.make_aware(datetime.datetime(2026, 3, 1 + i, 14)))
    assert count() == small
    assert small <= 15, small


def test_an_iso_date_in_the_address_works_as_the_date_boxes(board_client, plan_with_history):
    html = board_client.get(reverse("home"), {"as_at": "2026-06-04"}).content.decode()
    assert "As at 4 June 2026" in html and 'value="4"' in html
    html = board_client.get(reverse("progress"), {"from_date": "2026-06-04"}).content.decode()
    assert "From 4 June 2026 to today (22 November 2026)" in html
