import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse

from core.formats import date_words
from improvement.models import Action, ActionUpdate, Inspection, TargetDateRevision
from tests.dates import TODAY
from tests.factories.improvement import (
    ActionFactory,
    ActionUpdateFactory,
    InspectionFactory,
    InterventionEventFactory,
    PlanFactory,
    RecommendationFactory,
    TargetDateRevisionFactory,
    ThemeFactory,
)
from tests.forms import date_parts

pytestmark = pytest.mark.django_db

# Recording an update with a revised date: 1 session, 2 user, 3 permissions, 4 action, 5 delegates,
# 6 state as at today, 7 published packs (the back-dating rule), 8 savepoint, 9 claim the version,
# 10 re-read the action, 11-12 the revision and its history row, 13-14 the update and its history row,
# 15-16 refreshing the action's current state from the log and reading it back, 17-20 its state history
# (the updates, the revisions, deleting and inserting the periods), 21-22 saving it with its history row,
# 23 release. The session is not saved: it was touched within the minute (core.middleware) and the
# success message travels in a cookie.
QUERIES_TO_RECORD_AN_UPDATE = 23


def today():
    return TODAY


def text_of(response):
    """The words a reader sees: tags and scripts removed, whitespace collapsed."""
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def plan():
    return PlanFactory(start_date=date(2025, 4, 1))


def officer_action(officer, plan, **kwargs):
    values = {
        "theme": ThemeFactory(plan=plan),
        "lead_officer": officer,
        "original_target_date": today() + timedelta(days=120),
        "target_date": today() + timedelta(days=120),
    }
    return ActionFactory(**{**values, **kwargs})


def valid_post(action, **overrides):
    """The update form's fields as posted; a date is given as a date (or None, or a dict of the
    boxes as typed) and posted as the date input's three boxes."""
    data = {
        "expected_version": action.version,
        "date": today(),
        "status": "in_progress",
        "progress": "on_track",
        "narrative": "Workshops held.",
        "evidence_of_impact": "",
        "rag_override": "",
        "rag_override_reason": "",
        "revised_target_date": None,
        "revision_reason": "",
        "revision_agreed_by": "",
    }
    data = {**data, **overrides}
    for name in ("date", "revised_target_date"):
        value = data.pop(name)
        data.update(value if isinstance(value, dict) else date_parts(name, value))
    return data


# ---- the plan page


def test_plan_page_shows_actions_with_rag_words_and_the_original_date_when_slipped(officer_client, plan):
    action = ActionFactory(
        theme=ThemeFactory(plan=plan, title="Front door"),
        title="Redesign the MASH",
        original_target_date=today() - timedelta(days=90),
        target_date=today() + timedelta(days=60),
    )
    TargetDateRevisionFactory(
        action=action,
        previous_date=action.original_target_date,
        new_date=action.target_date,
        effective_on=today() - timedelta(days=95),
    )
    ActionUpdateFactory(action=action, date=today() - timedelta(days=3), progress="at_risk")
    page = text_of(officer_client.get(reverse("improvement:plan"), {"theme": action.theme_id}))
    assert "Redesign the MASH" in page
    assert "Amber - at risk" in page
    assert f"Originally {date_words(action.original_target_date, 'short')}" in page


def test_plan_page_counts_and_filters_by_computed_rag(officer_client, plan):
    theme = ThemeFactory(plan=plan)
    late = ActionFactory(
        theme=theme,
        title="Late action",
        original_target_date=today() - timedelta(days=60),
        target_date=today() - timedelta(days=60),
    )
    ActionUpdateFactory(action=late, date=today() - timedelta(days=1))
    fine = ActionFactory(
        theme=theme,
        title="Fine action",
        original_target_date=today() + timedelta(days=60),
        target_date=today() + timedelta(days=60),
    )
    ActionUpdateFactory(action=fine, date=today() - timedelta(days=1))
    response = officer_client.get(reverse("improvement:plan"), {"rag": "red"})
    page = text_of(response)
    assert "Late action" in page and "Fine action" not in page
    assert dict(response.context["body"]["counts"]) == {"red": 1, "amber": 0, "green": 0, "grey": 0, "blue": 0}
    assert "1 matching action" in page


def test_plan_page_filters_overdue_and_sorts_by_target_date(officer_client, plan):
    theme = ThemeFactory(plan=plan)
    for title, days in [("Later", 90), ("Sooner", 10), ("Overdue", -5)]:
        ActionFactory(
            theme=theme,
            title=title,
            original_target_date=today() + timedelta(days=days),
            target_date=today() + timedelta(days=days),
        )
    response = officer_client.get(reverse("improvement:plan"), {"sort": "target_date"})
    assert [s.action.title for s in response.context["body"]["groups"][0][1]] == ["Overdue", "Sooner", "Later"]
    response = officer_client.get(reverse("improvement:plan"), {"overdue": "no", "sort": "target_date"})
    assert [s.action.title for s in response.context["body"]["groups"][0][1]] == ["Sooner", "Later"]


def test_plan_page_filters_by_recommendation_and_lead(officer_client, officer_user, plan):
    theme = ThemeFactory(plan=plan)
    recommendation = RecommendationFactory()
    answering = ActionFactory(theme=theme, title="Answers it", lead_officer=officer_user)
    answering.recommendations.add(recommendation)
    ActionFactory(theme=theme, title="Something else")
    response = officer_client.get(reverse("improvement:plan"), {"recommendation": recommendation.pk})
    assert [s.action.title for _, states in response.context["body"]["groups"] for s in states] == ["Answers it"]
    response = officer_client.get(reverse("improvement:plan"), {"lead_officer": officer_user.pk})
    assert [s.action.title for _, states in response.context["body"]["groups"] for s in states] == ["Answers it"]


def test_plan_page_shows_an_older_version_when_chosen(officer_client, plan):
    old = PlanFactory(title="The old plan", status="closed", start_date=date(2024, 1, 1))
    ActionFactory(theme=ThemeFactory(plan=old, title="Old theme"), title="Old action")
    ActionFactory(theme=ThemeFactory(plan=plan, title="Current theme"), title="Current action")
    assert "Current theme" in text_of(officer_client.get(reverse("improvement:plan")))
    page = text_of(officer_client.get(reverse("improvement:plan"), {"plan": old.pk}))
    assert "Old theme" in page and "Current theme" not in page
    page = text_of(officer_client.get(reverse("improvement:plan"), {"plan": old.pk, "status": "not_started"}))
    assert "Old action" in page and "Current action" not in page


def test_plan_page_unknown_version_is_not_found(officer_client, plan):
    assert officer_client.get(reverse("improvement:plan"), {"plan": 99999}).status_code == 404


def test_plan_page_with_no_plan_says_so(officer_client):
    assert "There is no improvement plan yet" in text_of(officer_client.get(reverse("improvement:plan")))


def _plan_of_size(plan, n):
    theme = ThemeFactory(plan=plan)
    recommendation = RecommendationFactory()
    for _i in range(n):
        action = ActionFactory(theme=theme)
        action.recommendations.add(recommendation)
        ActionUpdateFactory(action=action, date=today() - timedelta(days=5))
        TargetDateRevisionFactory(action=action, effective_on=today() - timedelta(days=10))
    return recommendation


@pytest.mark.parametrize("size", [1, 5])
def test_plan_page_query_count_does_not_grow(size, officer_client, plan, django_assert_num_queries):
    recommendation = _plan_of_size(plan, size)
    officer_client.get(reverse("improvement:plan"))  # warm the session
    # 1 session, 2 user, 3-4 user and group permissions, 5 plans, 6-8 filter choices (themes, leads,
    # recommendations: validating a choice needs no query), 9 actions as at today with their
    # updates (the session, touched within the minute, is not saved)
    with django_assert_num_queries(8):
        response = officer_client.get(reverse("improvement:plan"), {"recommendation": recommendation.pk, "sort": "rag"})
    assert response.context["body"]["total"] == size


# ---- the action page


def test_action_page_shows_everything_about_the_action(board_client, plan):
    recommendation = RecommendationFactory(reference="R3", text="Supervision and management oversight")
    action = ActionFactory(
        theme=ThemeFactory(plan=plan),
        title="Reflective supervision training",
        success_measure="70% of records show reflective supervision",
        original_target_date=date(2026, 3, 31),
        target_date=date(2026, 9, 30),
    )
    action.recommendations.add(recommendation)
    TargetDateRevisionFactory(
        action=action,
        previous_date=date(2026, 3, 31),
        new_date=date(2026, 9, 30),
        reason="Trainer unavailable",
        agreed_by="Improvement board",
        effective_on=date(2026, 2, 1),
    )
    first = ActionUpdateFactory(action=action, date=date(2026, 1, 10), narrative="Course designed.")
    ActionUpdateFactory(
        action=action,
        date=date(2026, 2, 10),
        progress="on_track",
        narrative="First cohort trained.",
        evidence_of_impact="Audit: 40% show reflective supervision",
        rag_override="amber",
        rag_override_reason="Take-up is low",
        corrects=first,
    )
    response = board_client.get(reverse("improvement:action_detail", args=[action.pk]))
    page = text_of(response)
    assert "R3: Supervision and management oversight" in page
    assert "Original target date: 31 March 2026" in page
    assert "Trainer unavailable" in page and "Improvement board" in page
    assert "Evidence of impact: Audit: 40% show reflective supervision" in page
    assert "Corrects the entry of 10 January 2026" in page
    assert "Amber - at risk" in page and "Take-up is low" in page
    assert page.index("First cohort trained.") < page.index("Course designed.")
    assert "Record a progress update" not in page


def test_action_page_offers_the_update_button_to_the_lead(officer_client, officer_user, plan):
    action = officer_action(officer_user, plan)
    assert "Record a progress update" in text_of(
        officer_client.get(reverse("improvement:action_detail", args=[action.pk]))
    )


def test_action_page_hides_the_button_from_other_officers(officer_client, plan):
    action = ActionFactory(theme=ThemeFactory(plan=plan))
    assert "Record a progress update" not in text_of(
        officer_client.get(reverse("improvement:action_detail", args=[action.pk]))
    )


@pytest.mark.parametrize("size", [1, 5])
def test_action_page_query_count_does_not_grow(size, officer_client, officer_user, plan, django_assert_num_queries):
    action = officer_action(officer_user, plan)
    for i in range(size):
        action.recommendations.add(RecommendationFactory())
        action.delegates.add(ActionFactory().lead_officer)
        ActionUpdateFactory(action=action, date=today() - timedelta(days=i + 1))
        TargetDateRevisionFactory(action=action, effective_on=today() - timedelta(days=i + 1))
    officer_client.get(reverse("improvement:action_detail", args=[action.pk]))
    # 1 session, 2 user, 3 action with theme, plan and lead, 4-8 prefetches (delegates, indicators,
    # recommendations with inspections, revisions with recorders, updates with authors), 9 state as at
    # today (the stored state period with its update), 10-11 permissions (the session, touched within
    # the minute, is not saved)
    with django_assert_num_queries(11):
        response = officer_client.get(reverse("improvement:action_detail", args=[action.pk]))
    assert len(response.context["updates"]) == size


# ---- my actions


def test_my_actions_lists_those_needing_an_update_first(officer_client, officer_user, plan):
    stale = officer_action(officer_user, plan, title="Stale action")
    ActionUpdateFactory(action=stale, date=today() - timedelta(days=45))
    fresh = officer_action(officer_user, plan, title="Fresh action")
    ActionUpdateFactory(action=fresh, date=today() - timedelta(days=2))
    due = officer_action(
        officer_user,
        plan,
        title="Due soon",
        target_date=today() + timedelta(days=10),
        original_target_date=today() + timedelta(days=10),
    )
    ActionUpdateFactory(action=due, date=today() - timedelta(days=2))
    later = today() + timedelta(days=150)
    delegated = ActionFactory(
        theme=ThemeFactory(plan=plan), title="Delegated to me", original_target_date=later, target_date=later
    )
    delegated.delegates.add(officer_user)
    ActionFactory(theme=ThemeFactory(plan=plan), title="Someone else's")
    response = officer_client.get(reverse("improvement:my_actions"))
    assert [s.action.title for s in response.context["needing_update"]] == [
        "Due soon",
        "Stale action",
        "Delegated to me",
    ]
    assert [s.action.title for s in response.context["up_to_date"]] == ["Fresh action"]
    assert "Someone else&#x27;s" not in response.content.decode()
    assert reverse("improvement:action_update", args=[stale.pk]) in response.content.decode()


def test_my_actions_explains_to_board_members_that_they_lead_none(board_client, plan):
    ActionFactory(theme=ThemeFactory(plan=plan))
    page = text_of(board_client.get(reverse("improvement:my_actions")))
    assert "You do not lead any actions. Your role lets you read the plan, but not record progress on it" in page


@pytest.mark.parametrize("size", [1, 5])
def test_my_actions_query_count_does_not_grow(size, officer_client, officer_user, plan, django_assert_num_queries):
    for _i in range(size):
        action = officer_action(officer_user, plan)
        ActionUpdateFactory(action=action, date=today() - timedelta(days=40))
    officer_client.get(reverse("improvement:my_actions"))
    # 1 session, 2 user, 3 permissions, 4 current plan, 5 actions as at today (the session, touched
    # within the minute, is not saved)
    with django_assert_num_queries(5):
        response = officer_client.get(reverse("improvement:my_actions"))
    assert len(response.context["needing_update"]) == size


# ---- recording an update


def test_update_form_shows_the_computed_rag(officer_client, officer_user, plan):
    action = officer_action(officer_user, plan)
    ActionUpdateFactory(action=action, date=today() - timedelta(days=3), progress="at_risk")
    page = text_of(officer_client.get(reverse("improvement:action_update", args=[action.pk])))
    assert "Computed RAG today Amber - at risk" in page


def test_update_records_an_amber_update_with_a_revised_date(officer_client, officer_user, plan):
    action = officer_action(officer_user, plan)
    new_date = today() + timedelta(days=200)
    response = officer_client.post(
        reverse("improvement:action_update", args=[action.pk]),
        valid_post(
            action,
            progress="at_risk",
            narrative="Recruitment delayed.",
            revised_target_date=new_date,
            revision_reason="No project lead",
            revision_agreed_by="Improvement board",
        ),
    )
    assert response.status_code == 302 and response["Location"] == action.get_absolute_url()
    action.refresh_from_db()
    update = action.updates.get()
    assert (update.status, update.progress, update.computed_rag, update.author) == (
        "in_progress",
        "at_risk",
        "amber",
        officer_user,
    )
    assert (action.target_date, action.original_target_date, action.version) == (
        new_date,
        today() + timedelta(days=120),
        1,
    )
    assert TargetDateRevision.objects.get().agreed_by == "Improvement board"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"progress": "at_risk", "narrative": ""}, "narrative", "a narrative is required when the RAG is red or amber"),
        ({"progress": "", "narrative": "x"}, "progress", "Select whether the action is on track, at risk or off track"),
        (
            {"rag_override": "red", "rag_override_reason": ""},
            "rag_override_reason",
            "Enter why the RAG is Red - off track when the computed RAG is Green - on track",
        ),
        ({"revised_target_date": date(2030, 1, 1)}, "revision_reason", "Enter why the target date changed"),
        ({"revised_target_date": date(2030, 1, 1)}, "revision_agreed_by", "Enter who agreed the new target date"),
        ({"date": date(2099, 1, 1)}, "date", "The date of the update cannot be in the future"),
        ({"date": {"date-day": "31", "date-month": "2", "date-year": "2026"}}, "date", "must be a real date"),
        ({"date": {"date-day": "3", "date-month": "", "date-year": "2026"}}, "date", "must include a month"),
        ({"date": None}, "date", "Enter the date of this update"),
        ({"status": ""}, "status", "Select the status of the action"),
    ],
)
def test_update_with_bad_input_shows_the_error_and_saves_nothing(
    overrides, field, message, officer_client, officer_user, plan
):
    action = officer_action(officer_user, plan)
    response = officer_client.post(
        reverse("improvement:action_update", args=[action.pk]), valid_post(action, **overrides)
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert ActionUpdate.objects.count() == 0 and TargetDateRevision.objects.count() == 0
    assert Action.objects.get(pk=action.pk).version == 0


def test_update_choosing_the_computed_rag_needs_no_reason(officer_client, officer_user, plan):
    action = officer_action(officer_user, plan)
    response = officer_client.post(
        reverse("improvement:action_update", args=[action.pk]), valid_post(action, rag_override="green")
    )
    assert response.status_code == 302
    assert action.updates.get().rag_override == ""


def test_update_after_someone_else_updated_explains_and_saves_nothing(officer_client, officer_user, make_user, plan):
    action = officer_action(officer_user, plan)
    colleague = make_user("officer", first_name="Helen", last_name="Marsh")
    action.delegates.add(colleague)
    form_version = action.version
    from improvement.services import record_update

    record_update(
        action=action,
        author=colleague,
        expected_version=form_version,
        date=today(),
        status="in_progress",
        progress="on_track",
        narrative="Helen's update",
        evidence_of_impact="",
    )
    response = officer_client.post(
        reverse("improvement:action_update", args=[action.pk]),
        valid_post(action, expected_version=form_version, narrative="Mine"),
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "Helen Marsh recorded an update to this action on" in page
    assert "Nothing has been saved" in page
    assert list(action.updates.values_list("narrative", flat=True)) == ["Helen's update"]


def test_update_form_refused_to_board_members_and_other_officers(board_client, officer_client, plan):
    action = ActionFactory(theme=ThemeFactory(plan=plan))
    url = reverse("improvement:action_update", args=[action.pk])
    assert board_client.get(url).status_code == 403
    assert officer_client.post(url, valid_post(action)).status_code == 403
    assert ActionUpdate.objects.count() == 0


def test_update_form_open_to_a_delegate(officer_client, officer_user, plan):
    action = ActionFactory(theme=ThemeFactory(plan=plan))
    action.delegates.add(officer_user)
    assert officer_client.get(reverse("improvement:action_update", args=[action.pk])).status_code == 200


@pytest.mark.parametrize("size", [1, 5])
def test_update_form_query_count_does_not_grow(size, officer_client, officer_user, plan, django_assert_num_queries):
    action = officer_action(officer_user, plan)
    for i in range(size):
        action.delegates.add(ActionFactory().lead_officer)
        ActionUpdateFactory(action=action, date=today() - timedelta(days=i + 1))
        TargetDateRevisionFactory(action=action, effective_on=today() - timedelta(days=i + 1))
    url = reverse("improvement:action_update", args=[action.pk])
    officer_client.get(url)
    # 1 session, 2 user, 3 action with theme, plan and lead, 4 delegates, 5-6 permissions,
    # 7 state as at today (the stored state period, with its update), 8 published packs (the back-dating
    # rule; with packs, their boards' themes and the plans too) (the session, touched within the minute, is not saved)
    with django_assert_num_queries(7):
        response = officer_client.get(url)
    assert response.context["form"].initial["expected_version"] == action.version


@pytest.mark.parametrize("size", [1, 5])
def test_recording_an_update_query_count_does_not_grow(
    size, officer_client, officer_user, plan, django_assert_num_queries
):
    action = officer_action(officer_user, plan)
    for i in range(size):
        ActionUpdateFactory(action=action, date=today() - timedelta(days=i + 1))
        TargetDateRevisionFactory(action=action, effective_on=today() - timedelta(days=i + 1))
    url = reverse("improvement:action_update", args=[action.pk])
    officer_client.get(url)
    data = valid_post(
        action,
        revised_target_date=today() + timedelta(days=300),
        revision_reason="Staff shortage",
        revision_agreed_by="Director",
    )
    with django_assert_num_queries(QUERIES_TO_RECORD_AN_UPDATE):
        response = officer_client.post(url, data)
    assert response.status_code == 302
    assert action.updates.count() == size + 1


# ---- inspections and recommendations


def test_inspection_list_merges_inspections_and_events_newest_first(board_client):
    InspectionFactory(title="Full inspection", start_date=date(2025, 1, 13), lead_inspector="Jane Whitfield HMI")
    InterventionEventFactory(kind="statutory_direction", date=date(2025, 4, 1), person="Secretary of State")
    InspectionFactory(
        kind="monitoring_visit",
        title="Monitoring visit 1",
        start_date=date(2025, 8, 1),
        overall_judgement="",
        focus="The front door",
    )
    page = text_of(board_client.get(reverse("improvement:inspection_list")))
    assert page.index("Monitoring visit 1") < page.index("Statutory direction") < page.index("Full inspection")
    assert "Focus: The front door" in page and "Lead inspector: Jane Whitfield HMI" in page
    assert "Overall: Inadequate" in page


def test_inspection_page_shows_every_judgement_and_recommendation_gaps(board_client, plan):
    inspection = InspectionFactory(overall_judgement="inadequate", leaders_judgement="inadequate", in_care_judgement="")
    answered = RecommendationFactory(inspection=inspection, reference="R1", text="Front door")
    RecommendationFactory(inspection=inspection, reference="R2", text="Homelessness")
    action = ActionFactory(theme=ThemeFactory(plan=plan), success_measure="95% in 24 hours")
    action.recommendations.add(answered)
    page = text_of(board_client.get(reverse("improvement:inspection_detail", args=[inspection.pk])))
    assert "Overall judgement Inadequate" in page
    assert "Impact of leaders Inadequate" in page
    assert "Children in care Not given" in page
    assert "Ofsted stopped giving an overall judgement in April 2026" in page
    assert "Gap: no action in the plan answers this recommendation" in page
    assert "0 of 1 action complete" in page


def test_monitoring_visit_page_shows_its_focus_and_areas(board_client):
    visit = InspectionFactory(
        kind=Inspection.Kind.MONITORING_VISIT,
        overall_judgement="",
        sequence=2,
        focus="Care leavers",
        areas_reviewed="Pathway plans\nAccommodation",
        headline_findings="Pace is too slow.",
    )
    page = text_of(board_client.get(reverse("improvement:inspection_detail", args=[visit.pk])))
    assert "Number 2" in page and "Care leavers" in page and "Pathway plans" in page and "Pace is too slow." in page


def test_recommendation_page_shows_actions_counts_and_the_no_success_measure_gap(board_client, plan):
    recommendation = RecommendationFactory(text="Use of audit")
    for title in ("Audit programme", "Scorecard"):
        action = ActionFactory(theme=ThemeFactory(plan=plan), title=title, success_measure="")
        action.recommendations.add(recommendation)
    page = text_of(board_client.get(reverse("improvement:recommendation_detail", args=[recommendation.pk])))
    assert "Audit programme" in page and "Scorecard" in page
    assert "Gap: it has actions, but none of them has a success measure" in page


@pytest.mark.parametrize("size", [1, 5])
def test_inspection_list_query_count_does_not_grow(size, board_client, django_assert_num_queries):
    for _i in range(size):
        InspectionFactory()
        InterventionEventFactory()
    board_client.get(reverse("improvement:inspection_list"))
    # 1 session, 2 user, 3 permissions, 4 inspections, 5 events (the session, touched within the minute, is not saved)
    with django_assert_num_queries(5):
        response = board_client.get(reverse("improvement:inspection_list"))
    assert len(response.context["timeline"]) == 2 * size


@pytest.mark.parametrize("size", [1, 5])
def test_inspection_page_query_count_does_not_grow(size, board_client, plan, django_assert_num_queries):
    inspection = InspectionFactory()
    theme = ThemeFactory(plan=plan)
    for _i in range(size):
        recommendation = RecommendationFactory(inspection=inspection)
        action = ActionFactory(theme=theme)
        action.recommendations.add(recommendation)
        ActionUpdateFactory(action=action, date=today() - timedelta(days=1))
    board_client.get(reverse("improvement:inspection_detail", args=[inspection.pk]))
    # 1 session, 2 user, 3 permissions, 4 inspection, 5-6 focus themes and recommendations, 7 its
    # recommendations, 8 current plan, 9 findings, 10 recommendation-action links, 11 actions as at
    # today with their updates (the session, touched within the minute, is not saved)
    with django_assert_num_queries(12):
        response = board_client.get(reverse("improvement:inspection_detail", args=[inspection.pk]))
    assert len(response.context["progress"]) == size


@pytest.mark.parametrize("size", [1, 5])
def test_recommendation_page_query_count_does_not_grow(size, board_client, plan, django_assert_num_queries):
    recommendation = RecommendationFactory()
    theme = ThemeFactory(plan=plan)
    for _i in range(size):
        action = ActionFactory(theme=theme)
        action.recommendations.add(recommendation)
        ActionUpdateFactory(action=action, date=today() - timedelta(days=1))
    board_client.get(reverse("improvement:recommendation_detail", args=[recommendation.pk]))
    # 1 session, 2 user, 3 permissions, 4 recommendation with inspection, 5 current plan, 6 links,
    # 7 actions as at today (with their updates) (the session, touched within the minute, is not saved)
    with django_assert_num_queries(8):
        response = board_client.get(reverse("improvement:recommendation_detail", args=[recommendation.pk]))
    assert response.context["progress"].total == size


# ---- who sees what on each plan page


def _plan_page_urls(officer_user, plan):
    action = officer_action(officer_user, plan)
    recommendation = RecommendationFactory()
    action.recommendations.add(recommendation)
    return {
        "plan": reverse("improvement:plan"),
        "action": reverse("improvement:action_detail", args=[action.pk]),
        "my actions": reverse("improvement:my_actions"),
        "inspections": reverse("improvement:inspection_list"),
        "inspection": reverse("improvement:inspection_detail", args=[recommendation.inspection.pk]),
        "recommendation": reverse("improvement:recommendation_detail", args=[recommendation.pk]),
    }


@pytest.mark.parametrize("page_name", ["plan", "action", "my actions", "inspections", "inspection", "recommendation"])
def test_plan_pages_by_role(page_name, role_clients, officer_user, plan, client):
    """The lead officer reads and may update; a board member reads with no way to update; an outsider
    is refused; an anonymous visitor is sent to sign in."""
    url = _plan_page_urls(officer_user, plan)[page_name]
    update_link = "/update"
    officer = role_clients["officer"][1].get(url)
    board = role_clients["board"][1].get(url)
    assert officer.status_code == 200 and board.status_code == 200
    assert update_link not in board.content.decode()
    if page_name in ("action", "my actions"):
        assert update_link in officer.content.decode()
    assert role_clients["outsider"][1].get(url).status_code == 403
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
