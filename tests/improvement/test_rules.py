from datetime import date, timedelta

import pytest

from improvement.models import Rag
from improvement.rules import compute_action_rag, effective_rag, is_due_before_meeting, needs_update, rag_label

TODAY = date(2026, 11, 22)
DUE_TODAY = TODAY


def days_ago(n):
    return TODAY - timedelta(days=n)


@pytest.mark.parametrize(
    "status, progress, target_date, expected",
    [
        ("complete", "", days_ago(400), "blue"),
        ("complete", "off_track", days_ago(400), "blue"),
        ("closed", "", days_ago(10), "blue"),
        ("closed", "at_risk", None, "blue"),
        ("not_started", "", TODAY + timedelta(days=90), "grey"),
        ("not_started", "", DUE_TODAY, "grey"),
        ("not_started", "", None, "grey"),
        ("not_started", "", days_ago(1), "amber"),
        ("not_started", "", days_ago(30), "amber"),
        ("not_started", "", days_ago(31), "red"),
        ("in_progress", "on_track", TODAY + timedelta(days=10), "green"),
        ("in_progress", "", TODAY + timedelta(days=10), "green"),
        ("in_progress", "on_track", DUE_TODAY, "green"),
        ("in_progress", "on_track", None, "green"),
        ("in_progress", "on_track", days_ago(1), "amber"),
        ("in_progress", "on_track", days_ago(30), "amber"),
        ("in_progress", "on_track", days_ago(31), "red"),
        ("in_progress", "at_risk", TODAY + timedelta(days=100), "amber"),
        ("in_progress", "at_risk", days_ago(31), "red"),
        ("in_progress", "off_track", TODAY + timedelta(days=100), "red"),
        ("in_progress", "off_track", None, "red"),
        ("not_started", "off_track", TODAY + timedelta(days=100), "red"),
    ],
)
def test_compute_action_rag_follows_the_brag_table(status, progress, target_date, expected):
    assert compute_action_rag(status=status, progress=progress, target_date=target_date, as_at=TODAY) == expected


@pytest.mark.parametrize(
    "days_late, amber_days, expected",
    [(0, 0, "green"), (1, 0, "red"), (7, 7, "amber"), (8, 7, "red"), (60, 60, "amber"), (61, 60, "red")],
)
def test_compute_action_rag_uses_the_given_grace_period(days_late, amber_days, expected):
    rag = compute_action_rag(
        status="in_progress", progress="on_track", target_date=days_ago(days_late), as_at=TODAY, amber_days=amber_days
    )
    assert rag == expected


@pytest.mark.parametrize("days_late, expected", [(14, "amber"), (15, "red")])
def test_compute_action_rag_reads_the_grace_period_from_settings(settings, days_late, expected):
    settings.ACTION_RAG_AMBER_DAYS_LATE = 14
    rag = compute_action_rag(status="in_progress", progress="on_track", target_date=days_ago(days_late), as_at=TODAY)
    assert rag == expected


@pytest.mark.parametrize(
    "computed, override, expected",
    [("green", "", "green"), ("green", "amber", "amber"), ("red", "green", "green"), ("grey", "", "grey")],
)
def test_effective_rag_prefers_the_officers_choice_before_the_target_date(computed, override, expected):
    assert effective_rag(computed, override, past_target=False) == expected


@pytest.mark.parametrize(
    "computed, override, expected",
    [
        ("red", "green", "red"),  # better than computed: not once past the target
        ("amber", "green", "amber"),
        ("amber", "blue", "amber"),
        ("amber", "red", "red"),  # worse than computed: always
        ("red", "", "red"),
    ],
)
def test_effective_rag_past_the_target_date_is_never_better_than_computed(computed, override, expected):
    assert effective_rag(computed, override, past_target=True) == expected


def test_rag_label_reads_the_configured_words(settings):
    settings.ACTION_RAG_LABELS = {**settings.ACTION_RAG_LABELS, "red": "Red - behind plan"}
    assert rag_label("red") == "Red - behind plan"
    assert rag_label("blue") == "Blue - complete"
    assert Rag.RED.words == "Red - behind plan"


def test_rags_are_listed_worst_first_whatever_order_the_forms_offer_them():
    assert [rag.value for rag in Rag.in_order()] == ["red", "amber", "green", "grey", "blue"]
    assert [Rag.rank(rag) for rag in ("red", "amber", "green", "grey", "blue")] == [0, 1, 2, 3, 4]
    assert sorted(["blue", "green", "red", "grey", "amber"], key=Rag.rank) == ["red", "amber", "green", "grey", "blue"]
    assert [value for value, _ in Rag.choices] == ["blue", "green", "amber", "red", "grey"]  # as migrated


MY_ACTIONS_DAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    "finished, last_update_on, target_date, expected",
    [
        (False, None, None, True),  # never updated
        (False, date(2026, 5, 20), date(2027, 1, 1), False),  # updated lately, due later
        (False, date(2026, 5, 2), date(2027, 1, 1), False),  # exactly 30 days ago: not yet stale
        (False, date(2026, 5, 1), date(2027, 1, 1), True),  # 31 days ago
        (False, date(2026, 5, 30), date(2026, 7, 1), True),  # due within 30 days
        (False, date(2026, 5, 30), date(2026, 4, 1), True),  # past its date
        (True, None, date(2026, 4, 1), False),  # finished actions never need one
    ],
)
def test_needs_update(settings, finished, last_update_on, target_date, expected):
    settings.ACTION_UPDATE_DUE_DAYS = 30
    assert (
        needs_update(finished=finished, last_update_on=last_update_on, target_date=target_date, today=MY_ACTIONS_DAY)
        is expected
    )


MEETING_DAY = date(2026, 12, 3)


# One rule for the dashboard and the board pack: as_at <= target date <= meeting date, unfinished only.
@pytest.mark.parametrize(
    "finished, target_date, expected",
    [
        (False, days_ago(1), False),  # already overdue: an exception, not "due before the meeting"
        (False, TODAY, True),  # due today: still due, not yet overdue
        (False, TODAY + timedelta(days=5), True),
        (False, MEETING_DAY, True),  # due on the meeting's day
        (False, MEETING_DAY + timedelta(days=1), False),
        (False, None, False),
        (True, TODAY + timedelta(days=5), False),  # finished: nothing is due
    ],
)
def test_is_due_before_meeting(finished, target_date, expected):
    assert (
        is_due_before_meeting(finished=finished, target_date=target_date, as_at=TODAY, meeting_date=MEETING_DAY)
        is expected
    )


_REASONS = [
    (dict(rag="red", computed_rag="red", progress="on_track", days_overdue=94),
     "94 days overdue; the officer said on track on 20 October"),
    (dict(rag="red", computed_rag="red", progress="off_track"), "the officer said off track on 20 October"),
    (dict(rag="amber", computed_rag="amber", progress="on_track", days_overdue=1),
     "1 day overdue; the officer said on track on 20 October"),
    (dict(rag="green", computed_rag="green", progress="on_track"), "the officer said on track on 20 October"),
    (dict(rag="grey", computed_rag="grey", status="not_started", updated_on=None), "not started, not yet due"),
    (dict(rag="blue", computed_rag="blue", status="complete", evidence_of_impact="Fewer repeat referrals"),
     "complete"),
    (dict(rag="blue", computed_rag="blue", status="complete"), "complete, no evidence of impact recorded"),
    (dict(rag="blue", computed_rag="blue", status="closed"), "closed or superseded"),
    (dict(rag="red", computed_rag="green", rag_override="red", rag_override_reason="Partner funding withdrawn"),
     "the officer's own rating: Partner funding withdrawn"),
    (dict(rag="red", computed_rag="red", rag_override="green", days_overdue=40),
     "40 days overdue; the officer said green, but it is past its target date"),
]  # fmt: skip


@pytest.mark.parametrize("kwargs, expected", _REASONS)
def test_rag_reason_says_why_the_one_rag_is_what_it_is(kwargs, expected):
    from improvement.rules import rag_reason

    given = {"rag_override": "", "rag_override_reason": "", "status": "in_progress", "progress": "",
             "days_overdue": 0, "updated_on": date(2026, 10, 20), **kwargs}  # fmt: skip
    assert rag_reason(**given) == expected
