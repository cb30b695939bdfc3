"""The stored state history (ActionStatePeriod): the SQL RAG agrees with the Python rule on every boundary,
the aggregates agree with plan_as_at in a fixed number of queries, and actions keep their lineage."""

import itertools
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from improvement.models import Action, ActionStatePeriod, ActionStatus, Plan, Rag
from improvement.queries import (
    action_rag_counts,
    action_rag_counts_by_theme,
    action_rag_counts_on_dates,
    action_rag_counts_on_plans_dates,
    changes_between,
    month_ends,
    plan_as_at,
)
from improvement.rules import (
    action_rag_expression,
    compute_action_rag,
    effective_rag,
    effective_rag_expression,
    is_past_target,
)
from improvement.services import link_new_actions, refresh_action_state
from tests.dates import TODAY
from tests.factories.improvement import (
    ActionFactory,
    ActionUpdateFactory,
    PlanFactory,
    TargetDateRevisionFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in ActionStatus]
PROGRESS = ["", "on_track", "at_risk", "off_track"]
OVERRIDES = ["", *(r.value for r in Rag)]


def test_sql_rag_agrees_with_the_python_rule_on_every_boundary():
    grace = settings.ACTION_RAG_AMBER_DAYS_LATE
    targets = [None, *(TODAY + timedelta(days=n) for n in range(-grace - 1, 2))]
    action = ActionFactory()
    combos = list(itertools.product(targets, STATUSES, PROGRESS, OVERRIDES))
    ActionStatePeriod.objects.filter(action=action).delete()
    ActionStatePeriod.objects.bulk_create(
        ActionStatePeriod(
            action=action,
            plan_id=action.theme.plan_id,
            theme_id=action.theme_id,
            lineage_root=action,
            valid_from=date(2000, 1, 1) + timedelta(days=n),
            status=status,
            progress=progress,
            rag_override=override,
            target_date=target,
        )
        for n, (target, status, progress, override) in enumerate(combos)
    )
    rows = (
        ActionStatePeriod.objects.filter(action=action)
        .annotate(computed=action_rag_expression(TODAY), shown=effective_rag_expression(TODAY))
        .order_by("valid_from")
        .values_list("computed", "shown")
    )
    expected = []
    for target, status, progress, override in combos:
        computed = compute_action_rag(status=status, progress=progress, target_date=target, as_at=TODAY)
        past = is_past_target(status=status, target_date=target, as_at=TODAY)
        expected.append((computed, effective_rag(computed, override, past_target=past)))
    assert list(rows) == expected
    assert len(expected) == len(targets) * 4 * 4 * 6


def test_an_override_better_than_computed_is_not_shown_once_past_the_target():
    action = ActionFactory(original_target_date=TODAY - timedelta(days=3), target_date=TODAY - timedelta(days=3))
    ActionUpdateFactory(
        action=action, date=TODAY - timedelta(days=10), rag_override="green", rag_override_reason="Nearly there"
    )
    (before,) = plan_as_at(action.theme.plan, TODAY - timedelta(days=4), actions=[action])
    (after,) = plan_as_at(action.theme.plan, TODAY, actions=[action])
    assert (before.computed_rag, before.rag) == ("green", "green")
    assert (after.computed_rag, after.rag, after.rag_override) == ("amber", "amber", "green")


def test_refresh_writes_one_period_per_change_of_state():
    action = ActionFactory(original_target_date=date(2026, 3, 31), target_date=date(2026, 3, 31))
    ActionUpdateFactory(action=action, date=date(2025, 6, 1))
    ActionUpdateFactory(action=action, date=date(2025, 9, 1), status="complete", progress="")
    TargetDateRevisionFactory(action=action, new_date=date(2026, 6, 30), effective_on=date(2025, 7, 1))
    refresh_action_state([action])
    periods = list(
        ActionStatePeriod.objects.filter(action=action).values_list("valid_from", "valid_to", "status", "target_date")
    )
    assert periods == [
        (ActionStatePeriod.BEGINNING, date(2025, 6, 1), "not_started", date(2026, 3, 31)),
        (date(2025, 6, 1), date(2025, 7, 1), "in_progress", date(2026, 3, 31)),
        (date(2025, 7, 1), date(2025, 9, 1), "in_progress", date(2026, 6, 30)),
        (date(2025, 9, 1), None, "complete", date(2026, 6, 30)),
    ]


def _plan_of_size(size):
    plan = PlanFactory()
    themes = [ThemeFactory(plan=plan, order=n) for n in range(3)]
    for n in range(size):
        action = ActionFactory(
            theme=themes[n % 3],
            original_target_date=TODAY - timedelta(days=40 * (n % 4)),
            target_date=TODAY - timedelta(days=40 * (n % 4)),
            added_on=date(2025, 4, 1) + timedelta(days=30 * n),
        )
        ActionUpdateFactory(
            action=action,
            date=date(2025, 5, 1) + timedelta(days=45 * n),
            status=["in_progress", "complete", "not_started"][n % 3],
            progress="at_risk" if n % 3 == 0 else "",
            rag_override="green" if n % 5 == 0 else "",
            rag_override_reason="Board agreed",
        )
        if n % 2:
            TargetDateRevisionFactory(action=action, new_date=TODAY + timedelta(days=20), effective_on=date(2026, 1, 1))
    return plan


@pytest.mark.parametrize("size", [2, 12])
def test_trend_counts_equal_plan_as_at_on_each_date_in_one_query(size):
    plan = _plan_of_size(size)
    dates = month_ends(date(2025, 1, 1), TODAY)
    with CaptureQueriesContext(connection) as queries:
        trend = action_rag_counts_on_dates(plan, dates)
    assert len(queries) == 1
    assert list(trend) == dates
    for day in dates:
        assert [(rag, trend[day][rag]) for rag, _ in action_rag_counts([])] == action_rag_counts(
            plan_as_at(plan, day)
        ), day


def test_a_trend_across_plan_versions_counts_each_date_on_its_own_plan_in_one_query():
    """The dashboard's and progress page's chart counts each month on the version in force then: however
    many versions, one query, and each date's counts are that version's (plan_as_at's) alone."""
    old, new = _plan_of_size(3), _plan_of_size(7)
    old_dates = month_ends(date(2025, 1, 1), date(2025, 9, 30))
    new_dates = month_ends(date(2025, 10, 1), TODAY)
    with CaptureQueriesContext(connection) as queries:
        trend = action_rag_counts_on_plans_dates({old: old_dates, new: new_dates})
    assert len(queries) == 1
    assert list(trend) == old_dates + new_dates
    for plan, dates in ((old, old_dates), (new, new_dates)):
        for day in dates:
            assert [(rag, trend[day][rag]) for rag, _ in action_rag_counts([])] == action_rag_counts(
                plan_as_at(plan, day)
            ), (plan, day)
    assert sum(trend[old_dates[-1]].values()) != sum(trend[new_dates[0]].values())  # two plans' sizes


MONTH_END = date(2021, 6, 30)


@pytest.mark.parametrize(
    "dates",
    [
        month_ends(date(2016, 12, 5), TODAY),
        # Closer than the amber grace: a period's run of dates turns late and very late some dates apart.
        [MONTH_END + timedelta(days=5 * n) for n in range(-60, 60)],
    ],
    ids=["ten years of month ends", "every five days"],
)
def test_a_trend_equals_plan_as_at_on_each_of_its_120_dates_in_one_query(dates):
    """Target dates, updates and listing dates on and either side of a date of the trend and of the amber
    grace boundary, and periods covering many dates that turn late and very late inside them: where the
    trend cuts a period's run of dates, it must still give plan_as_at's count on every date."""
    grace = settings.ACTION_RAG_AMBER_DAYS_LATE
    plan = PlanFactory()
    theme = ThemeFactory(plan=plan)
    month_end = MONTH_END
    boundaries = [month_end + timedelta(days=n) for n in (-grace - 1, -grace, -grace + 1, -1, 0, 1)]
    for n, target in enumerate([None, *boundaries, date(2017, 3, 15), TODAY]):
        action = ActionFactory(
            theme=theme,
            original_target_date=target,
            target_date=target,
            added_on=[date(2016, 1, 1), date(2016, 12, 31), date(2017, 1, 1), date(2020, 2, 29)][n % 4],
        )
        for k, day in enumerate([date(2019, 5, 31), date(2019, 6, 1), month_end, date(2023, 1, 31)][: n % 5]):
            ActionUpdateFactory(
                action=action,
                date=day,
                status=["in_progress", "not_started", "in_progress", "complete"][(n + k) % 4],
                progress=["on_track", "at_risk", "off_track", ""][(n + k) % 4],
                rag_override=["", "green", "red", ""][(n + k) % 4],
                rag_override_reason="Board agreed",
            )
        if n % 3 == 2:
            TargetDateRevisionFactory(action=action, new_date=month_end, effective_on=date(2020, 12, 31))
    assert len(dates) == 120
    with CaptureQueriesContext(connection) as queries:
        trend = action_rag_counts_on_dates(plan, dates)
    assert len(queries) == 1
    for day in dates:
        assert [(rag, trend[day][rag]) for rag, _ in action_rag_counts([])] == action_rag_counts(
            plan_as_at(plan, day)
        ), day


@pytest.mark.parametrize("size", [2, 12])
def test_counts_by_theme_equal_plan_as_at_in_one_query(size):
    plan = _plan_of_size(size)
    for day in (date(2025, 12, 31), TODAY):
        expected: dict = {}
        for state in plan_as_at(plan, day):
            by_rag = expected.setdefault(state.action.theme_id, {})
            by_rag[state.rag] = by_rag.get(state.rag, 0) + 1
        with CaptureQueriesContext(connection) as queries:
            counts = action_rag_counts_by_theme(plan, day)
        assert len(queries) == 1
        assert counts == expected


def test_month_ends_cover_ten_years_and_end_on_the_last_date():
    days = month_ends(date(2016, 12, 5), date(2026, 11, 22))
    assert (len(days), days[0], days[1], days[-1]) == (120, date(2016, 12, 31), date(2017, 1, 31), TODAY)
    assert date(2024, 2, 29) in days
    with pytest.raises(ValueError):
        month_ends(date(2016, 11, 1), TODAY)


def test_a_new_action_is_carried_from_the_same_reference_in_the_previous_version():
    old_plan = PlanFactory()
    old = ActionFactory(theme=ThemeFactory(plan=old_plan, reference="1"), reference="1.2")
    ActionFactory(theme=ThemeFactory(plan=old_plan, reference="2"), reference="2.1")
    new_plan = PlanFactory(previous_version=old_plan)
    carried = Action.objects.create(theme=ThemeFactory(plan=new_plan, reference="1"), reference="1.2", title="x")
    fresh = Action.objects.create(theme=carried.theme, reference="1.9", title="y")
    link_new_actions([carried, fresh])
    assert dict(Action.objects.filter(theme__plan=new_plan).values_list("reference", "carried_from")) == {
        "1.2": old.pk,
        "1.9": None,
    }
    roots = dict(ActionStatePeriod.objects.filter(plan=new_plan).values_list("action__reference", "lineage_root"))
    assert roots == {"1.2": old.pk, "1.9": fresh.pk}


def test_changes_between_follows_an_action_into_the_next_plan_version():
    old_plan = PlanFactory(status=Plan.Status.CLOSED)
    old = ActionFactory(theme=ThemeFactory(plan=old_plan, reference="1"), reference="1.1")
    ActionUpdateFactory(action=old, date=date(2025, 6, 1), progress="off_track")
    new_plan = PlanFactory(previous_version=old_plan)
    new = Action.objects.create(
        theme=ThemeFactory(plan=new_plan, reference="1"), reference="1.1", title="x", added_on=date(2026, 1, 1)
    )
    link_new_actions([new])
    ActionUpdateFactory(action=new, date=date(2026, 2, 1), status="complete", progress="")
    changes = changes_between(plan_as_at(old_plan, date(2025, 12, 31)), plan_as_at(new_plan, TODAY))
    assert [s.action.pk for s in changes.completed] == [new.pk]
    assert changes.added == []
    assert [(then.rag, now.rag) for then, now in changes.rag_moves] == [("red", "blue")]
