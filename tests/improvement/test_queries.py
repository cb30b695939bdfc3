from datetime import date, datetime, timezone

import pytest

from improvement.models import Plan
from improvement.queries import (
    GAP_NO_ACTION,
    GAP_NO_SUCCESS_MEASURE,
    changes_between,
    current_plan,
    plan_as_at,
    recommendation_progress,
)
from tests.factories.improvement import (
    ActionFactory,
    ActionUpdateFactory,
    PlanFactory,
    RecommendationFactory,
    TargetDateRevisionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def at(day, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def update(action, day, status="in_progress", progress="on_track", hour=9, **kwargs):
    return ActionUpdateFactory(
        action=action, date=day, created_at=at(day, hour), status=status, progress=progress, **kwargs
    )


def state_on(action, day):
    (state,) = plan_as_at(action.theme.plan, day, actions=[action])
    return state


@pytest.fixture
def action():
    return ActionFactory(
        original_target_date=date(2026, 3, 31), target_date=date(2026, 3, 31), added_on=date(2025, 4, 1)
    )


def test_plan_as_at_before_any_update_is_not_started(action):
    state = state_on(action, date(2025, 5, 1))
    assert (state.status, state.rag, state.last_update) == ("not_started", "grey", None)


@pytest.mark.parametrize(
    "as_at, expected_status, expected_progress, expected_rag",
    [
        (date(2025, 5, 31), "not_started", "", "grey"),
        (date(2025, 6, 1), "in_progress", "on_track", "green"),
        (date(2025, 9, 15), "in_progress", "at_risk", "amber"),
        (date(2025, 12, 1), "complete", "", "blue"),
        (date(2026, 2, 1), "in_progress", "off_track", "red"),  # reopened
        (date(2026, 6, 1), "complete", "", "blue"),
    ],
)
def test_plan_as_at_follows_the_update_log_including_a_reopened_action(
    action, as_at, expected_status, expected_progress, expected_rag
):
    update(action, date(2025, 6, 1))
    update(action, date(2025, 9, 15), progress="at_risk")
    update(action, date(2025, 12, 1), status="complete", progress="")
    update(action, date(2026, 1, 10), progress="off_track")
    update(action, date(2026, 5, 1), status="complete", progress="")
    state = state_on(action, as_at)
    assert (state.status, state.progress, state.rag) == (expected_status, expected_progress, expected_rag)


def test_plan_as_at_two_updates_on_the_same_day_takes_the_later_recorded(action):
    later = update(action, date(2025, 6, 1), progress="at_risk", hour=15)
    update(action, date(2025, 6, 1), progress="on_track", hour=10)
    state = state_on(action, date(2025, 6, 1))
    assert (state.last_update, state.rag) == (later, "amber")


def test_plan_as_at_same_day_same_time_breaks_the_tie_by_id(action):
    update(action, date(2025, 6, 1), progress="on_track")
    second = update(action, date(2025, 6, 1), progress="off_track")
    assert state_on(action, date(2025, 6, 1)).last_update == second


def test_plan_as_at_ignores_an_update_dated_after_the_date(action):
    first = update(action, date(2025, 6, 1))
    update(action, date(2025, 7, 1), status="complete", progress="")
    state = state_on(action, date(2025, 6, 30))
    assert (state.last_update, state.status) == (first, "in_progress")


def test_plan_as_at_leaves_out_an_action_added_after_the_date(action):
    later = ActionFactory(theme=action.theme, added_on=date(2025, 10, 1))
    assert [s.action for s in plan_as_at(action.theme.plan, date(2025, 9, 30))] == [action]
    assert [s.action for s in plan_as_at(action.theme.plan, date(2025, 10, 1))] == [action, later]


@pytest.mark.parametrize(
    "as_at, expected_target, expected_slipped, expected_rag, expected_overdue",
    [
        (date(2026, 3, 31), date(2026, 3, 31), False, "green", 0),
        (date(2026, 4, 30), date(2026, 3, 31), False, "amber", 30),
        (date(2026, 5, 1), date(2026, 6, 30), True, "green", 0),  # revised on 1 May
        (date(2026, 7, 31), date(2026, 6, 30), True, "red", 31),
        (date(2026, 8, 1), date(2026, 9, 30), True, "green", 0),  # revised again
    ],
)
def test_plan_as_at_uses_the_target_date_in_force_on_the_date(
    action, as_at, expected_target, expected_slipped, expected_rag, expected_overdue
):
    update(action, date(2025, 6, 1))
    TargetDateRevisionFactory(
        action=action, previous_date=date(2026, 3, 31), new_date=date(2026, 6, 30), effective_on=date(2026, 5, 1)
    )
    TargetDateRevisionFactory(
        action=action, previous_date=date(2026, 6, 30), new_date=date(2026, 9, 30), effective_on=date(2026, 8, 1)
    )
    state = state_on(action, as_at)
    assert (state.target_date, state.original_target_date, state.has_slipped, state.rag, state.days_overdue) == (
        expected_target,
        date(2026, 3, 31),
        expected_slipped,
        expected_rag,
        expected_overdue,
    )


def test_plan_as_at_shows_the_officers_override_beside_the_computed_rag(action):
    update(action, date(2025, 6, 1), rag_override="amber", rag_override_reason="Partner capacity")
    state = state_on(action, date(2025, 6, 2))
    assert (state.computed_rag, state.rag_override, state.rag, state.rag_override_reason) == (
        "green",
        "amber",
        "amber",
        "Partner capacity",
    )


def test_plan_as_at_keeps_plan_order_and_only_its_own_plan():
    plan = PlanFactory()
    second_theme = ThemeFactory(plan=plan, order=2, reference="2")
    first_theme = ThemeFactory(plan=plan, order=1, reference="1")
    b = ActionFactory(theme=second_theme, order=1, reference="2.1")
    a2 = ActionFactory(theme=first_theme, order=2, reference="1.2")
    a1 = ActionFactory(theme=first_theme, order=1, reference="1.1")
    ActionFactory()  # another plan
    assert [s.action for s in plan_as_at(plan, date(2026, 1, 1))] == [a1, a2, b]


def _plan_with(n):
    plan = PlanFactory()
    theme = ThemeFactory(plan=plan)
    for _i in range(n):
        action = ActionFactory(theme=theme)
        update(action, date(2025, 6, 1))
        update(action, date(2025, 7, 1), progress="at_risk")
        TargetDateRevisionFactory(action=action, effective_on=date(2025, 7, 1))
    return plan


@pytest.mark.parametrize("size", [1, 6])
def test_plan_as_at_runs_a_fixed_number_of_queries(size, django_assert_num_queries):
    plan = _plan_with(size)
    # 1 the stored state periods in force, with action, theme, lead, update and author, RAG in SQL
    with django_assert_num_queries(1):
        states = plan_as_at(plan, date(2025, 8, 1))
        assert [s.last_update.author.username for s in states] == [s.action.lead_officer.username for s in states]
        assert [s.action.theme.title for s in states] == ["Children in need of help and protection"] * size


def test_changes_between_reports_completed_moves_reds_slips_and_additions():
    plan = PlanFactory()
    theme = ThemeFactory(plan=plan)
    finished = ActionFactory(theme=theme, reference="1.1")
    worsened = ActionFactory(theme=theme, reference="1.2")
    slipped = ActionFactory(theme=theme, reference="1.3")
    for a in (finished, worsened, slipped):
        update(a, date(2025, 6, 1))
    update(finished, date(2025, 8, 1), status="complete", progress="")
    update(worsened, date(2025, 8, 1), progress="off_track")
    TargetDateRevisionFactory(action=slipped, effective_on=date(2025, 8, 1))
    added = ActionFactory(theme=theme, reference="1.4", added_on=date(2025, 7, 1))
    changes = changes_between(plan_as_at(plan, date(2025, 6, 30)), plan_as_at(plan, date(2025, 9, 1)))
    assert [s.action for s in changes.completed] == [finished]
    assert [(b.rag, a.rag, a.action) for b, a in changes.rag_moves] == [
        ("green", "blue", finished),
        ("green", "red", worsened),
    ]
    assert [s.action for s in changes.new_reds] == [worsened]
    assert [(b.target_date, a.target_date) for b, a in changes.slipped] == [(date(2026, 3, 31), date(2026, 6, 30))]
    assert [s.action for s in changes.added] == [added]


def test_current_plan_prefers_the_newest_active_plan():
    PlanFactory(status=Plan.Status.CLOSED, start_date=date(2023, 1, 1))
    active = PlanFactory(status=Plan.Status.ACTIVE, start_date=date(2025, 1, 1))
    PlanFactory(status=Plan.Status.DRAFT, start_date=date(2027, 1, 1))
    assert current_plan() == active


def test_current_plan_falls_back_to_the_newest_plan():
    PlanFactory(status=Plan.Status.CLOSED, start_date=date(2023, 1, 1))
    newest = PlanFactory(status=Plan.Status.DRAFT, start_date=date(2025, 1, 1))
    assert current_plan() == newest


def test_current_plan_is_none_without_plans():
    assert current_plan() is None


def test_recommendation_progress_counts_by_rag_and_flags_gaps():
    plan = PlanFactory()
    theme = ThemeFactory(plan=plan)
    covered, unanswered, unmeasured, done = RecommendationFactory.create_batch(4)
    a = ActionFactory(theme=theme, success_measure="80% of assessments in 45 days")
    b = ActionFactory(theme=theme)
    c = ActionFactory(theme=theme)
    d = ActionFactory(theme=theme, success_measure="All plans audited")
    a.recommendations.add(covered)
    b.recommendations.add(covered, unmeasured)
    c.recommendations.add(unmeasured)
    d.recommendations.add(done)
    update(a, date(2025, 6, 1), status="complete", progress="")
    update(b, date(2025, 6, 1), progress="at_risk")
    update(d, date(2025, 6, 1), status="complete", progress="")
    results = {
        p.recommendation: p
        for p in recommendation_progress([covered, unanswered, unmeasured, done], as_at=date(2025, 7, 1))
    }
    assert dict(results[covered].counts) == {"red": 0, "amber": 1, "green": 0, "grey": 0, "blue": 1}
    assert (results[covered].complete, results[covered].gap) == (False, "")
    assert (results[unanswered].total, results[unanswered].gap) == (0, GAP_NO_ACTION)
    assert results[unmeasured].gap == GAP_NO_SUCCESS_MEASURE
    assert (results[done].complete, results[done].completed_count) == (True, 1)


@pytest.mark.parametrize("size", [1, 5])
def test_recommendation_progress_runs_a_fixed_number_of_queries(size, django_assert_num_queries):
    plan = PlanFactory()
    theme = ThemeFactory(plan=plan)
    recommendations = RecommendationFactory.create_batch(size)
    for recommendation in recommendations:
        action = ActionFactory(theme=theme)
        action.recommendations.add(recommendation)
        update(action, date(2025, 6, 1))
    # 1 links, 2 actions as at (the plan is given)
    with django_assert_num_queries(2):
        assert len(recommendation_progress(recommendations, plan=plan, as_at=date(2025, 7, 1))) == size


@pytest.mark.parametrize("size", [1, 5])
def test_recommendation_progress_from_the_plan_as_at_reads_only_the_links(size, django_assert_num_queries):
    plan = PlanFactory()
    theme = ThemeFactory(plan=plan)
    recommendations = RecommendationFactory.create_batch(size)
    for index, recommendation in enumerate(recommendations):
        action = ActionFactory(theme=theme, success_measure="Measured" if index else "")
        action.recommendations.add(recommendation)
        update(action, date(2025, 6, 1), progress="at_risk" if index % 2 else "on_track")
    ActionFactory(theme=ThemeFactory(plan=PlanFactory())).recommendations.add(recommendations[0])  # another plan
    as_at = date(2025, 7, 1)
    expected = recommendation_progress(recommendations, plan=plan, as_at=as_at)
    states = plan_as_at(plan, as_at)

    with django_assert_num_queries(1):  # the recommendation-action links
        given = recommendation_progress(recommendations, plan=plan, as_at=as_at, plan_states=states)

    def summary(results):
        return [(p.recommendation.pk, p.counts, p.complete, p.gap, [s.action.pk for s in p.states]) for p in results]

    assert summary(given) == summary(expected)


def test_plan_as_at_gives_model_instances_that_need_no_further_query(action, officer_user, django_assert_num_queries):
    # plan_as_at builds its objects from one row each, without Model.__init__: they must still be the
    # action, theme, lead and update themselves, with what pages read already there, and save like any other.
    action.lead_officer = officer_user
    action.save()
    entry = update(action, date(2025, 6, 1), narrative="Front door audited")
    with django_assert_num_queries(1):
        (state,) = plan_as_at(action.theme.plan, date(2025, 6, 2))
        assert state.action == action and state.action.theme == action.theme and state.last_update == entry
        assert (state.action.get_absolute_url(), str(state.action.theme)) == (
            action.get_absolute_url(),
            str(action.theme),
        )
        assert (state.action.lead_officer, state.action.lead_officer.get_full_name()) == (
            officer_user,
            officer_user.get_full_name(),
        )
        assert (state.last_update.narrative, state.last_update.date) == ("Front door audited", date(2025, 6, 1))
        assert state.action.success_measure == action.success_measure and not state.action._state.adding
    with django_assert_num_queries(1):  # a field left out (the long description) is read when first used
        assert state.action.detail == action.detail
    import pickle

    again = pickle.loads(pickle.dumps(state))  # the page cache stores states
    assert again.action == action and again.action.lead_officer == officer_user


def test_a_state_makes_its_action_and_update_only_when_read(action, django_assert_num_queries):
    # Most of a large plan's states are only counted: what counting and matching read is there without
    # making the action or the update, and what is made when read needs no further query.
    entry = update(action, date(2025, 6, 1), evidence_of_impact="Fewer repeat referrals")
    with django_assert_num_queries(2):  # one each
        (unread,) = plan_as_at(action.theme.plan, date(2025, 6, 2))
        (none_yet,) = plan_as_at(action.theme.plan, date(2025, 5, 2))
        assert (unread.action_id, unread.theme_id, unread.last_update_on) == (action.pk, action.theme_id, entry.date)
        assert unread._action is None  # not made by reading those
        assert unread.last_update == entry and unread.action == action
        assert unread.last_update.evidence_of_impact == "Fewer repeat referrals"
        assert unread.last_update_on == entry.date
        assert none_yet.last_update_on is None and none_yet.last_update is None
    with pytest.raises(AttributeError):
        unread.rag = "red"
