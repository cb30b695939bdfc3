"""The dashboard's figures worked out by the database (improvement.queries.plan_summary_as_at): the SQL
twins of needs_update, is_due_before_meeting and complete_without_evidence agree with the Python rules on
every boundary, and the summary equals what the whole plan as at a date (plan_as_at) says, in two queries
at any size."""

import itertools
import sys
from collections import Counter
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper
from django.test.utils import CaptureQueriesContext

from improvement.models import ActionStatePeriod, ActionStatus, ActionUpdate
from improvement.queries import (
    SUMMARY_LISTED,
    action_rag_counts,
    plan_as_at,
    plan_summary_as_at,
    recommendation_progress,
)
from improvement.rules import (
    WHITESPACE,
    complete_without_evidence,
    complete_without_evidence_condition,
    due_before_meeting_condition,
    is_due_before_meeting,
    needs_update,
    needs_update_condition,
)
from tests.dates import TODAY
from tests.factories.improvement import (
    ActionFactory,
    ActionUpdateFactory,
    PlanFactory,
    RecommendationFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in ActionStatus]


def _periods(action, combos, make):
    """One stored period per combination (each on its own valid_from), made by make(combo) -> fields."""
    ActionStatePeriod.objects.filter(action=action).delete()
    ActionStatePeriod.objects.bulk_create(
        ActionStatePeriod(
            action=action,
            plan_id=action.theme.plan_id,
            theme_id=action.theme_id,
            lineage_root=action,
            valid_from=date(2000, 1, 1) + timedelta(days=n),
            **make(combo),
        )
        for n, combo in enumerate(combos)
    )


def _flags(action, condition) -> list[bool]:
    return list(
        ActionStatePeriod.objects.filter(action=action)
        .annotate(flag=ExpressionWrapper(condition, output_field=BooleanField()))
        .order_by("valid_from")
        .values_list("flag", flat=True)
    )


def test_sql_needs_update_agrees_with_the_python_rule_on_every_boundary():
    due = settings.ACTION_UPDATE_DUE_DAYS
    action = ActionFactory()
    update_days = [None, *(TODAY - timedelta(days=due + n) for n in (-1, 0, 1)), TODAY]
    updates = {
        day: ActionUpdate.objects.create(action=action, date=day, status="in_progress") for day in update_days if day
    }
    targets = [None, *(TODAY + timedelta(days=due + n) for n in (-1, 0, 1)), TODAY - timedelta(days=400)]
    combos = list(itertools.product(STATUSES, update_days, targets))
    _periods(action, combos, lambda c: {"status": c[0], "update": updates.get(c[1]), "target_date": c[2]})
    expected = [
        needs_update(finished=status in ("complete", "closed"), last_update_on=day, target_date=target, today=TODAY)
        for status, day, target in combos
    ]
    assert _flags(action, needs_update_condition(TODAY)) == expected
    assert True in expected and False in expected


def test_sql_due_before_meeting_agrees_with_the_python_rule_on_every_boundary():
    meeting = TODAY + timedelta(days=10)
    action = ActionFactory()
    targets = [None, *(TODAY + timedelta(days=n) for n in (-1, 0, 1, 9, 10, 11))]
    combos = list(itertools.product(STATUSES, targets))
    _periods(action, combos, lambda c: {"status": c[0], "target_date": c[1]})
    expected = [
        is_due_before_meeting(
            finished=status in ("complete", "closed"), target_date=target, as_at=TODAY, meeting_date=meeting
        )
        for status, target in combos
    ]
    assert _flags(action, due_before_meeting_condition(TODAY, meeting)) == expected
    assert True in expected and False in expected


class _State:
    def __init__(self, status, update):
        self.status, self.last_update = status, update


def test_sql_complete_without_evidence_agrees_with_the_python_rule_on_every_boundary():
    action = ActionFactory()
    evidence = ["", " ", "\t\n\r", "\x0b\x0c", "\xa0", "\u3000\u2028", "x", " x ", "\u200b"]
    updates = [None] + [
        ActionUpdate.objects.create(action=action, date=TODAY, status="complete", evidence_of_impact=text)
        for text in evidence
    ]
    combos = list(itertools.product(STATUSES, updates))
    _periods(action, combos, lambda c: {"status": c[0], "update": c[1]})
    expected = [complete_without_evidence(_State(status, update)) for status, update in combos]
    assert _flags(action, complete_without_evidence_condition()) == expected
    assert True in expected and False in expected


def test_the_whitespace_sql_strips_is_what_python_strips():
    assert set(WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def _plan(size, lead):
    """A plan of `size` actions across three themes: overdue reds, due soon, complete with and without
    evidence, some led by `lead`, all linked to one of two recommendations."""
    plan = PlanFactory()
    themes = [ThemeFactory(plan=plan, reference=str(n + 1), order=n) for n in range(3)]
    recommendations = [RecommendationFactory(), RecommendationFactory()]
    RecommendationFactory()  # answered by no action: a gap
    for n in range(size):
        action = ActionFactory(
            theme=themes[n % 3],
            reference=f"{n % 3 + 1}.{n}",
            lead_officer=lead if n % 2 else None,
            target_date=TODAY + timedelta(days=[-80, -10, 5, 20, 90][n % 5] + n),
            original_target_date=TODAY - timedelta(days=100),
            success_measure="" if n % 4 else "Fewer re-referrals",
        )
        action.recommendations.add(recommendations[n % 2])
        status = ["in_progress", "complete", "not_started", "in_progress"][n % 4]
        ActionUpdateFactory(
            action=action,
            date=TODAY - timedelta(days=[5, 45, 31, 30][n % 4] + n % 3),
            status=status,
            progress="off_track" if n % 7 == 0 else "on_track",
            evidence_of_impact="Fewer children waiting" if n % 8 == 1 else "",
        )
    return plan


@pytest.mark.parametrize("size", [3, 40])
def test_the_summary_is_what_the_whole_plan_says_in_two_queries(size, officer_user):
    plan = _plan(size, officer_user)
    meeting = TODAY + timedelta(days=30)
    for day in (TODAY - timedelta(days=20), TODAY):
        states = plan_as_at(plan, day)
        with CaptureQueriesContext(connection) as queries:
            summary = plan_summary_as_at(plan, day, meeting_date=meeting)
        assert len(queries) == 2
        assert summary.counts == action_rag_counts(states)
        by_theme = {}
        for s in states:
            by_theme.setdefault(s.action.theme_id, []).append(s)
        assert [(t.theme.pk, str(t.theme), t.counts, t.total) for t in summary.themes] == [
            (items[0].action.theme.pk, str(items[0].action.theme), action_rag_counts(items), len(items))
            for items in by_theme.values()
        ]
        reds = sorted((s for s in states if s.rag == "red"), key=lambda s: (-s.days_overdue, s.action.reference))
        assert summary.reds == reds[:SUMMARY_LISTED]
        assert summary.due_before_meeting == [
            s
            for s in states
            if is_due_before_meeting(finished=s.is_finished, target_date=s.target_date, as_at=day, meeting_date=meeting)
        ]
        unfinished = [s for s in states if not s.is_finished and s.action.lead_officer_id]
        needing = [
            s
            for s in unfinished
            if needs_update(
                finished=False,
                last_update_on=s.last_update.date if s.last_update else None,
                target_date=s.target_date,
                today=day,
            )
        ]
        assert summary.open_by_lead == dict(Counter(s.action.lead_officer_id for s in unfinished))
        assert summary.needing_count_by_lead == dict(Counter(s.action.lead_officer_id for s in needing))
        assert summary.needing_by_lead.get(officer_user.pk, []) == needing[:SUMMARY_LISTED]
        unevidenced = [s for s in states if complete_without_evidence(s)]
        assert summary.complete_without_evidence_count == len(unevidenced)
        assert summary.complete_without_evidence == unevidenced[:SUMMARY_LISTED]
        recent = sorted(
            (s.last_update for s in states if s.last_update), key=lambda u: (u.date, u.created_at, u.pk), reverse=True
        )
        assert [(u.pk, u.action.reference, u.author) for u in summary.recent_updates] == [
            (u.pk, next(s.action.reference for s in states if s.last_update == u), u.author) for u in recent[:8]
        ]
        from_states = recommendation_progress(
            [r.recommendation for r in summary.recommendations], plan=plan, as_at=day, plan_states=states
        )
        assert [(r.recommendation.pk, r.counts, r.total, r.completed_count, r.complete, r.gap)
                for r in summary.recommendations] == [
            (p.recommendation.pk, p.counts, p.total, p.completed_count, p.complete, p.gap) for p in from_states
        ]  # fmt: skip
        assert len(reds) > SUMMARY_LISTED or size == 3


def test_no_plan_has_an_empty_summary_and_reads_nothing():
    with CaptureQueriesContext(connection) as queries:
        summary = plan_summary_as_at(None, TODAY)
    assert (len(queries), summary.counts, summary.reds) == (0, [], [])
