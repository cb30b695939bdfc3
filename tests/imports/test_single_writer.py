"""One writer of an action's current state: a form, an import and the demo all refresh it from the log,
so the action page, the plan export and plan_as_at can never disagree."""

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse

from improvement.models import Action, ActionStatus
from improvement.queries import plan_as_at
from improvement.rules import rag_label
from tests.factories.improvement import ActionFactory, ActionUpdateFactory, PlanFactory, ThemeFactory
from tests.imports import fixtures
from tests.imports.helpers import run_import

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def _sheet_saying_off_track_on_1_march():
    return fixtures.xlsx_bytes(
        {
            "Plan": [
                fixtures.PLAN_HEADER,
                ["1. Leadership, management and governance"],
                [
                    "1.1",
                    "Establish an improvement board",
                    "",
                    "Director of Children's Services",
                    datetime.datetime(2026, 3, 31),
                    "Off track",
                    "R",
                    "",
                    "01/03/26: Recruitment to the board stalled.",
                ],
            ]
        }
    )


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, 0), tick=False)
def test_importing_an_older_entry_over_a_newer_complete_update_keeps_every_view_in_agreement(admin_client_):
    plan = PlanFactory(start_date=datetime.date(2025, 4, 1))
    theme = ThemeFactory(plan=plan, reference="1", title="Leadership, management and governance")
    action = ActionFactory(
        theme=theme,
        reference="1.1",
        title="Establish an improvement board",
        original_target_date=datetime.date(2026, 3, 31),
    )
    ActionUpdateFactory(
        action=action, date=datetime.date(2026, 5, 20), status=ActionStatus.COMPLETE, progress="", computed_rag="blue"
    )
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.COMPLETE, last_update_on=datetime.date(2026, 5, 20))

    job = run_import(_sheet_saying_off_track_on_1_march(), options={"plan_id": plan.pk})

    assert job.state == "done", job.preview
    assert {
        "sheet": "Plan",
        "row": 3,
        "column": "Progress update",
        "message": "Action 1.1: the progress entry is dated 1 March 2026, before the action's latest update "
        "(20 May 2026). It is added to the history; the action's current status stays as its latest update says.",
        "severity": "guess",
    } in job.result["problems"]
    # The imported entry is in the log, on the date it describes...
    assert list(action.updates.values_list("date", "status")) == [
        (datetime.date(2026, 5, 20), ActionStatus.COMPLETE),
        (datetime.date(2026, 3, 1), ActionStatus.IN_PROGRESS),
    ]
    # ...and the newer "complete" still says what the action's state is, everywhere.
    action.refresh_from_db()
    assert (action.status, action.progress, action.last_update_on) == (
        ActionStatus.COMPLETE,
        "",
        datetime.date(2026, 5, 20),
    )
    (state,) = plan_as_at(plan, TODAY)
    assert (state.status, state.rag) == (ActionStatus.COMPLETE, "blue")

    page = admin_client_.get(reverse("improvement:action_detail", args=[action.pk])).content.decode()
    assert '<dd class="govuk-summary-list__value">Complete</dd>' in page

    export = admin_client_.get(reverse("imports:export_plan", args=["csv"]), {"plan": plan.pk})
    (row,) = csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")))
    assert (row["Status"], row["RAG"]) == ("Complete", rag_label("blue"))


@time_machine.travel(datetime.datetime(2026, 6, 15, 12, 0), tick=False)
def test_refresh_action_state_rebuilds_a_stale_stored_state_from_the_log():
    from improvement.services import refresh_action_state
    from tests.factories.improvement import TargetDateRevisionFactory

    action = ActionFactory(original_target_date=datetime.date(2026, 3, 31))
    other = ActionFactory(theme=action.theme)
    ActionUpdateFactory(action=action, date=datetime.date(2026, 5, 1), status="in_progress", progress="at_risk")
    ActionUpdateFactory(
        action=action,
        date=datetime.date(2026, 4, 1),
        status="in_progress",
        progress="off_track",
        rag_override="red",
        rag_override_reason="Older entry",
    )
    TargetDateRevisionFactory(
        action=action, new_date=datetime.date(2026, 9, 30), effective_on=datetime.date(2026, 4, 1)
    )
    Action.objects.filter(pk=action.pk).update(status="complete", progress="", rag_override="blue")

    refresh_action_state(Action.objects.filter(pk__in=[action.pk, other.pk]))

    action.refresh_from_db()
    other.refresh_from_db()
    assert (action.status, action.progress, action.rag_override, action.last_update_on, action.target_date) == (
        "in_progress",
        "at_risk",
        "",
        datetime.date(2026, 5, 1),
        datetime.date(2026, 9, 30),
    )
    # No update at all: not started, with the original target date.
    assert (other.status, other.last_update_on, other.target_date) == ("not_started", None, other.original_target_date)
