"""The plan page's lists (improvement.queries filter_states, sort_states, group_states): pure functions
of the as-at states, shared by the plan page, its print view and the plan export."""

from datetime import date
from types import SimpleNamespace

import pytest

from improvement.queries import filter_states, group_states, sort_states


def _state(ref, *, theme=1, rag="green", status="in_progress", target=None, overdue=0, updated=None):
    theme_obj = SimpleNamespace(pk=theme, order=theme, reference=str(theme))
    action = SimpleNamespace(theme=theme_obj, theme_id=theme, order=int(ref.split(".")[1]), reference=ref)
    last_update = SimpleNamespace(date=updated) if updated else None
    return SimpleNamespace(
        action=action, rag=rag, status=status, target_date=target, days_overdue=overdue, last_update=last_update
    )


STATES = [
    _state("1.1", rag="red", target=date(2026, 10, 1), overdue=52, updated=date(2026, 9, 1)),
    _state("1.2", rag="amber", target=date(2026, 12, 1), updated=date(2026, 11, 1)),
    _state("2.1", theme=2, rag="green", target=date(2027, 3, 1)),
    _state("2.2", theme=2, rag="blue", status="complete", target=date(2026, 6, 1), updated=date(2026, 6, 1)),
    _state("2.3", theme=2, rag="grey", status="not_started"),
]


def _refs(states):
    return [s.action.reference for s in states]


@pytest.mark.parametrize(
    "criteria, expected",
    [
        ({}, ["1.1", "1.2", "2.1", "2.2", "2.3"]),
        ({"rag": "red"}, ["1.1"]),
        ({"status": "complete"}, ["2.2"]),
        ({"overdue": "yes"}, ["1.1"]),
        ({"overdue": "no"}, ["1.2", "2.1", "2.2", "2.3"]),
        ({"due_before": date(2026, 12, 1)}, ["1.1", "2.2"]),  # strictly before; no target date never matches
        ({"rag": "amber", "due_before": date(2027, 1, 1)}, ["1.2"]),
        ({"rag": "", "status": "", "overdue": "", "due_before": None}, ["1.1", "1.2", "2.1", "2.2", "2.3"]),
    ],
)
def test_filter_states(criteria, expected):
    assert _refs(filter_states(STATES, **criteria)) == expected


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("reference", ["1.1", "1.2", "2.1", "2.2", "2.3"]),
        ("target_date", ["2.2", "1.1", "1.2", "2.1", "2.3"]),  # no target date last
        ("rag", ["1.1", "1.2", "2.1", "2.3", "2.2"]),  # red, amber, green, grey, blue
        ("last_update", ["2.1", "2.3", "2.2", "1.1", "1.2"]),  # never updated first, then the oldest
    ],
)
def test_sort_states(sort, expected):
    assert _refs(sort_states(STATES, sort)) == expected


def test_group_states_by_theme_in_plan_order_or_one_group_when_sorted_otherwise():
    by_theme = group_states(STATES, "reference")
    assert [(theme.pk, _refs(states)) for theme, states in by_theme] == [
        (1, ["1.1", "1.2"]),
        (2, ["2.1", "2.2", "2.3"]),
    ]
    [(theme, states)] = group_states(STATES, "rag")
    assert (theme, _refs(states)) == (None, _refs(STATES))
