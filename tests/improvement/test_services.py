from datetime import date

import pytest

from improvement.models import Action, ActionUpdate, TargetDateRevision
from improvement.permissions import can_update_action
from improvement.services import StaleActionError, record_update
from tests.factories.improvement import ActionFactory

pytestmark = pytest.mark.django_db


def record(action, **kwargs):
    values = {
        "action": action,
        "author": action.lead_officer,
        "expected_version": action.version,
        "date": date(2026, 1, 15),
        "status": "in_progress",
        "progress": "on_track",
        "narrative": "Audit completed.",
        "evidence_of_impact": "",
    }
    return record_update(**{**values, **kwargs})


def test_record_update_saves_the_entry_and_the_actions_current_state():
    action = ActionFactory()
    entry = record(action, progress="at_risk", rag_override="red", rag_override_reason="Partner withdrew")
    action.refresh_from_db()
    assert (entry.computed_rag, entry.rag_override, entry.author, entry.date) == (
        "amber",
        "red",
        action.lead_officer,
        date(2026, 1, 15),
    )
    assert (action.status, action.progress, action.rag_override, action.rag_override_reason) == (
        "in_progress",
        "at_risk",
        "red",
        "Partner withdrew",
    )
    assert (action.last_update_on, action.version) == (date(2026, 1, 15), 1)


def test_record_update_with_a_stale_version_saves_nothing():
    action = ActionFactory()
    first = record(action)
    stale = Action.objects.get(pk=action.pk)
    stale.version = 0
    with pytest.raises(StaleActionError) as raised:
        record(stale, expected_version=0, narrative="Second")
    assert raised.value.latest_update == first
    assert ActionUpdate.objects.count() == 1
    assert Action.objects.get(pk=action.pk).version == 1


def test_record_update_revising_the_target_keeps_the_original():
    action = ActionFactory(original_target_date=date(2026, 3, 31), target_date=date(2026, 3, 31))
    record(action, revised_target_date=date(2026, 6, 30), revision_reason="Recruitment", revision_agreed_by="Board")
    action.refresh_from_db()
    record(action, revised_target_date=date(2026, 9, 30), revision_reason="Again", revision_agreed_by="DCS")
    action.refresh_from_db()
    assert (action.original_target_date, action.target_date) == (date(2026, 3, 31), date(2026, 9, 30))
    assert list(TargetDateRevision.objects.values_list("previous_date", "new_date", "agreed_by")) == [
        (date(2026, 3, 31), date(2026, 6, 30), "Board"),
        (date(2026, 6, 30), date(2026, 9, 30), "DCS"),
    ]


def test_record_update_back_dated_entry_does_not_replace_the_newer_state():
    action = ActionFactory()
    record(action, date=date(2026, 2, 1), status="complete", progress="")
    action.refresh_from_db()
    record(action, date=date(2026, 1, 1), progress="off_track")
    action.refresh_from_db()
    assert (action.status, action.last_update_on, action.version) == ("complete", date(2026, 2, 1), 2)


def test_record_update_is_in_the_audit_history():
    action = ActionFactory()
    record(action, progress="at_risk")
    assert action.history.first().progress == "at_risk"


@pytest.mark.parametrize(
    "who, expected",
    [
        ("lead", True),
        ("delegate", True),
        ("admin", True),
        ("other_officer", False),
        ("board", False),
        ("board_delegate", False),
    ],
)
def test_can_update_action_only_lead_delegate_or_admin(who, expected, make_user):
    action = ActionFactory()
    users = {
        "lead": action.lead_officer,
        "delegate": make_user("officer"),
        "admin": make_user("admin"),
        "other_officer": make_user("officer"),
        "board": make_user("board"),
        "board_delegate": make_user("board"),
    }
    action.delegates.add(users["delegate"], users["board_delegate"])
    assert can_update_action(users[who], action) == expected
