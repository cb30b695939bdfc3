"""Random update logs and target date revisions: the stored state history, read by plan_as_at, says what a
straightforward replay of the log says on any date."""

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from improvement.models import ActionStatus, ActionUpdate, Progress, Rag, TargetDateRevision
from improvement.queries import plan_as_at
from improvement.rules import compute_action_rag, effective_rag, is_past_target
from improvement.services import refresh_action_state
from tests.factories.improvement import ActionFactory

pytestmark = pytest.mark.django_db

START = date(2025, 1, 1)
# Few distinct dates and moments, so entries often share a date (and sometimes the moment they were recorded:
# then the id decides), and revisions are often back-dated before entries recorded earlier.
days = st.integers(min_value=0, max_value=40).map(lambda n: START + timedelta(days=12 * n))
moments = st.integers(min_value=0, max_value=20)  # minutes after the start: the order entries were recorded

updates = st.lists(
    st.fixed_dictionaries(
        {
            "date": days,
            "recorded": moments,
            "status": st.sampled_from([s.value for s in ActionStatus]),
            "progress": st.sampled_from(["", *(p.value for p in Progress)]),
            "rag_override": st.sampled_from(["", *(r.value for r in Rag)]),
        }
    ),
    max_size=8,
)
revisions = st.lists(
    st.fixed_dictionaries(
        {"effective_on": days, "recorded": moments, "new_date": days, "previous_date": st.none() | days}
    ),
    max_size=4,
)


def _moment(minutes):
    return datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=minutes)


def _replay(action, logged, revised, day):
    """What the log says on `day`, straight from the definitions."""
    in_force = [u for u in logged if u.date <= day]
    latest = max(in_force, key=lambda u: (u.date, u.created_at, u.pk), default=None)
    effective = [r for r in revised if r.effective_on <= day]
    latest_revision = max(effective, key=lambda r: (r.effective_on, r.recorded_at, r.pk), default=None)
    first = min(revised, key=lambda r: (r.effective_on, r.recorded_at, r.pk), default=None)
    candidates = [
        latest_revision.new_date if latest_revision else None,
        action.original_target_date,
        first.previous_date if first else None,
        action.target_date,
    ]
    target = next((d for d in candidates if d is not None), None)
    status = latest.status if latest else ActionStatus.NOT_STARTED
    progress = latest.progress if latest else ""
    override = latest.rag_override if latest else ""
    computed = compute_action_rag(status=status, progress=progress, target_date=target, as_at=day)
    past = is_past_target(status=status, target_date=target, as_at=day)
    return {
        "status": status,
        "progress": progress,
        "target_date": target,
        "rag_override": override,
        "computed_rag": computed,
        "rag": effective_rag(computed, override, past_target=past),
        "update": latest.pk if latest else None,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    log=updates,
    history=revisions,
    original=st.none() | days,
    asked=st.lists(st.integers(min_value=-10, max_value=520), min_size=1, max_size=6),
)
def test_stored_state_equals_a_replay_of_the_log_on_random_dates(log, history, original, asked):
    action = ActionFactory(original_target_date=original, target_date=original, added_on=START)
    for entry in log:
        ActionUpdate.objects.create(
            action=action,
            date=entry["date"],
            created_at=_moment(entry["recorded"]),
            status=entry["status"],
            progress=entry["progress"],
            computed_rag="green",
            rag_override=entry["rag_override"],
            rag_override_reason="Given" if entry["rag_override"] else "",
        )
    for entry in history:
        TargetDateRevision.objects.create(
            action=action,
            previous_date=entry["previous_date"],
            new_date=entry["new_date"],
            reason="Moved",
            agreed_by="Board",
            effective_on=entry["effective_on"],
            recorded_at=_moment(entry["recorded"]),
        )
    refresh_action_state([action])
    action.refresh_from_db()
    logged, revised = list(action.updates.all()), list(action.target_date_revisions.all())
    for offset in asked:
        day = START + timedelta(days=offset)
        states = plan_as_at(action.theme.plan, day, actions=[action])
        if day < START:
            assert states == []  # not yet part of the plan
            continue
        (state,) = states
        stored = {
            "status": state.status,
            "progress": state.progress,
            "target_date": state.target_date,
            "rag_override": state.rag_override,
            "computed_rag": state.computed_rag,
            "rag": state.rag,
            "update": state.last_update.pk if state.last_update else None,
        }
        assert stored == _replay(action, logged, revised, day), day
