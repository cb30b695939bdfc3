"""Admins enter inspections, visits (held and planned), findings, recommendations and intervention
steps in the app; everyone reads them; a finding nothing in the plan answers is a gap."""

import pytest
from django.urls import reverse

from improvement.models import Inspection, InterventionEvent, Plan, Recommendation, VisitFinding
from improvement.rules import (
    GAP_FINDING_UNANSWERED,
    GAP_FINDING_UNLINKED,
    finding_gap,
    latest_held_visit,
    next_planned_visit,
    visit_date_problem,
)
from tests.dates import TODAY, days_ago, days_ahead
from tests.factories.improvement import (
    ActionFactory,
    InspectionFactory,
    PlanFactory,
    RecommendationFactory,
    ThemeFactory,
    VisitFindingFactory,
)
from tests.forms import date_parts

pytestmark = pytest.mark.django_db


def _visit_post(**overrides):
    data = {"kind": "monitoring_visit", "title": "Monitoring visit 4", **date_parts("start_date", days_ago(10))}
    data |= date_parts("end_date", days_ago(9))
    data |= overrides
    return data


# ---- rules


def _visit(pk, start, end=None, planned=False):
    return Inspection(pk=pk, kind="monitoring_visit", start_date=start, end_date=end, is_planned=planned)


def test_the_latest_visit_is_the_latest_held_by_its_last_day_and_never_a_planned_one():
    long = _visit(1, days_ago(40), days_ago(5))  # started first, ended last
    short = _visit(2, days_ago(20), days_ago(20))
    planned_overdue = _visit(3, days_ago(2), planned=True)  # its date passed, nobody marked it held
    planned = _visit(4, days_ahead(30), planned=True)
    future_unmarked = _visit(5, days_ahead(1))
    visits = [long, short, planned_overdue, planned, future_unmarked]
    assert latest_held_visit(visits, TODAY) == long
    assert next_planned_visit(visits, TODAY) == planned
    assert latest_held_visit([planned], TODAY) is None
    assert next_planned_visit([long, short], TODAY) is None


def test_a_visit_on_today_counts_as_held_and_as_next_when_planned():
    assert latest_held_visit([_visit(1, TODAY)], TODAY).pk == 1
    assert next_planned_visit([_visit(2, TODAY, planned=True)], TODAY).pk == 2


@pytest.mark.parametrize(
    ("planned", "start", "end", "problem"),
    [
        (False, days_ago(3), days_ago(2), ""),
        (False, TODAY, None, ""),
        (False, days_ahead(1), None, "planned visit"),
        (True, days_ahead(1), None, ""),
        (True, TODAY, None, ""),
        (True, days_ago(1), None, "cannot start in the past"),
        (False, days_ago(3), days_ago(4), "last day must be the same as or after"),
    ],
)
def test_visit_dates_rule(planned, start, end, problem):
    result = visit_date_problem(is_planned=planned, start=start, end=end, today=TODAY)
    assert (problem in result) if problem else result == ""


@pytest.mark.parametrize(
    ("linked", "answered", "gap"),
    [(False, False, GAP_FINDING_UNLINKED), (True, False, GAP_FINDING_UNANSWERED), (True, True, "")],
)
def test_finding_gap_rule(linked, answered, gap):
    assert finding_gap(linked=linked, answered=answered) == gap


# ---- entering visits


def test_admin_adds_a_monitoring_visit_with_govuk_date_boxes(admin_client_):
    page = admin_client_.get(reverse("improvement:inspection_create"))
    html = page.content.decode()
    assert 'name="start_date-day"' in html and 'name="start_date-month"' in html and 'name="start_date-year"' in html
    assert 'type="date"' not in html
    response = admin_client_.post(
        reverse("improvement:inspection_create"),
        _visit_post(progress_label="Expected progress", report_url="https://reports.ofsted.gov.uk/x", sequence="4"),
    )
    visit = Inspection.objects.get(title="Monitoring visit 4")
    assert response.status_code == 302 and response["Location"] == visit.get_absolute_url()
    assert (visit.start_date, visit.end_date, visit.sequence) == (days_ago(10), days_ago(9), 4)
    assert visit.progress_label == "Expected progress" and not visit.is_planned
    detail = admin_client_.get(visit.get_absolute_url()).content.decode()
    assert "Expected progress" in detail and "Read the published report" in detail


def test_a_planned_visit_is_listed_apart_and_is_never_the_latest(admin_client_, board_client):
    InspectionFactory(
        kind="monitoring_visit", title="Monitoring visit 1", start_date=days_ago(60), end_date=days_ago(59)
    )
    admin_client_.post(
        reverse("improvement:inspection_create"),
        {
            "kind": "monitoring_visit",
            "title": "Monitoring visit 2",
            "is_planned": "on",
            **date_parts("start_date", days_ahead(40)),
        },
    )
    assert Inspection.objects.get(title="Monitoring visit 2").is_planned
    page = board_client.get(reverse("improvement:inspection_list"))
    assert page.context["latest_visit"].title == "Monitoring visit 1"
    assert page.context["next_visit"].title == "Monitoring visit 2"
    assert [v.title for v in page.context["planned"]] == ["Monitoring visit 2"]
    assert all(obj.title != "Monitoring visit 2" for kind, obj in page.context["timeline"] if kind == "inspection")
    assert "Planned visits" in page.content.decode()
    assert "Add an inspection or visit" not in page.content.decode()  # read-only for a board member


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start_date-month": ""}, "First day must include a month"),
        ({"start_date-day": "", "start_date-month": ""}, "First day must include a day and month"),
        ({"start_date-day": "31", "start_date-month": "2"}, "First day must be a real date"),
        ({"start_date-year": "26"}, "First day must include a year with 4 numbers"),
        ({"start_date-day": "\u0663"}, "First day must be a real date"),  # an Arabic-Indic digit
        (
            date_parts("start_date", days_ahead(3)) | {"end_date-day": "", "end_date-month": "", "end_date-year": ""},
            "planned visit",
        ),
        (date_parts("end_date", days_ago(20)), "last day must be the same as or after"),
    ],
)
def test_bad_visit_dates_are_refused_with_a_clear_message_and_nothing_saved(admin_client_, fields, message):
    response = admin_client_.post(reverse("improvement:inspection_create"), _visit_post(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Inspection.objects.exists()


def test_the_error_summary_links_to_the_day_box(admin_client_):
    response = admin_client_.post(reverse("improvement:inspection_create"), _visit_post(**{"start_date-month": ""}))
    assert 'href="#id_start_date-day"' in response.content.decode()
    assert 'id="id_start_date-day"' in response.content.decode()


def test_admin_changes_a_visit_and_links_the_themes_and_recommendations_it_looked_at(admin_client_):
    plan = PlanFactory(status=Plan.Status.ACTIVE)
    theme = ThemeFactory(plan=plan, reference="2", title="Front door")
    recommendation = RecommendationFactory(reference="R1")
    visit = InspectionFactory(kind="monitoring_visit", title="MV1", start_date=days_ago(30), end_date=days_ago(29))
    form = admin_client_.get(reverse("improvement:inspection_edit", args=[visit.pk])).content.decode()
    assert (
        'value="MV1"' in form
        and f'name="start_date-day" type="text" inputmode="numeric" value="{days_ago(30).day}"' in form
    )
    data = _visit_post(
        title="MV1", focus="The front door", focus_themes=[theme.pk], focus_recommendations=[recommendation.pk]
    )
    data |= date_parts("start_date", days_ago(30)) | date_parts("end_date", days_ago(29))
    admin_client_.post(reverse("improvement:inspection_edit", args=[visit.pk]), data)
    visit.refresh_from_db()
    assert visit.focus == "The front door"
    assert list(visit.focus_themes.all()) == [theme] and list(visit.focus_recommendations.all()) == [recommendation]
    page = admin_client_.get(visit.get_absolute_url()).content.decode()
    assert "Looked at" in page and "2 Front door" in page


def test_recommendations_are_added_and_changed_and_a_duplicate_reference_is_refused(admin_client_):
    inspection = InspectionFactory()
    url = reverse("improvement:recommendation_create", args=[inspection.pk])
    admin_client_.post(url, {"reference": "R1", "text": "Strategy meetings", "kind": "recommendation"})
    response = admin_client_.post(url, {"reference": "r1", "text": "Again", "kind": "recommendation"})
    assert "already has a recommendation r1" in response.content.decode()
    assert list(inspection.recommendations.values_list("reference", "text")) == [("R1", "Strategy meetings")]
    recommendation = inspection.recommendations.get()
    admin_client_.post(
        reverse("improvement:recommendation_edit", args=[recommendation.pk]),
        {"reference": "R1", "text": "Strategy meetings with police", "kind": "priority_action", "order": "2"},
    )
    recommendation.refresh_from_db()
    assert (recommendation.text, recommendation.kind, recommendation.order) == (
        "Strategy meetings with police",
        Recommendation.Kind.PRIORITY_ACTION,
        2,
    )


def test_findings_show_which_the_plan_answers_and_flag_the_gaps(admin_client_, board_client):
    plan = PlanFactory(status=Plan.Status.ACTIVE)
    answered_rec = RecommendationFactory(reference="R1")
    unanswered_rec = RecommendationFactory(reference="R2")
    ActionFactory(theme=ThemeFactory(plan=plan)).recommendations.add(answered_rec)
    visit = InspectionFactory(kind="monitoring_visit", start_date=days_ago(30), end_date=days_ago(29))
    url = reverse("improvement:finding_create", args=[visit.pk])
    admin_client_.post(url, {"kind": "improvement", "text": "Answered finding", "recommendations": [answered_rec.pk]})
    admin_client_.post(
        url, {"kind": "improvement", "text": "Unanswered finding", "recommendations": [unanswered_rec.pk]}
    )
    admin_client_.post(url, {"kind": "strength", "text": "Unlinked finding", "order": "3"})
    assert VisitFinding.objects.filter(inspection=visit).count() == 3
    page = board_client.get(visit.get_absolute_url())
    gaps = {item.finding.text: item.gap for item in page.context["findings"]}
    assert gaps == {
        "Answered finding": "",
        "Unanswered finding": GAP_FINDING_UNANSWERED,
        "Unlinked finding": GAP_FINDING_UNLINKED,
    }
    html = page.content.decode()
    assert html.count('govuk-tag--red">Gap</strong>') == 2
    assert "Change<span" not in html  # a board member reads; only admins change


def test_admin_changes_a_finding(admin_client_):
    finding = VisitFindingFactory()
    recommendation = RecommendationFactory()
    admin_client_.post(
        reverse("improvement:finding_edit", args=[finding.pk]),
        {"kind": "priority", "text": "Changed words", "recommendations": [recommendation.pk]},
    )
    finding.refresh_from_db()
    assert (finding.kind, finding.text) == ("priority", "Changed words")
    assert list(finding.recommendations.all()) == [recommendation]


def test_admin_deletes_a_finding_after_confirming_and_its_recommendation_stays(admin_client_, board_client):
    recommendation = RecommendationFactory(reference="R7")
    finding = VisitFindingFactory(text="Entered against the wrong visit")
    finding.recommendations.add(recommendation)
    visit = finding.inspection
    page = admin_client_.get(visit.get_absolute_url()).content.decode()
    delete_url = reverse("improvement:finding_delete", args=[finding.pk])
    assert f'href="{delete_url}"' in page
    assert f'href="{delete_url}"' not in board_client.get(visit.get_absolute_url()).content.decode()

    confirm = admin_client_.get(delete_url)
    assert "Delete this finding?" in confirm.content.decode()
    assert "Entered against the wrong visit" in confirm.content.decode()
    assert VisitFinding.objects.filter(pk=finding.pk).exists()  # asking changes nothing

    response = admin_client_.post(delete_url, follow=True)
    assert response.redirect_chain[-1][0] == visit.get_absolute_url()
    assert "The finding has been deleted." in response.content.decode()
    assert not VisitFinding.objects.filter(pk=finding.pk).exists()
    assert Recommendation.objects.filter(pk=recommendation.pk).exists()
    # The record of changes keeps the deleted finding's words.
    deleted = VisitFinding.history.filter(id=finding.pk, history_type="-").get()
    assert deleted.text == "Entered against the wrong visit"


def test_a_board_member_cannot_delete_a_finding(board_client):
    finding = VisitFindingFactory()
    response = board_client.post(reverse("improvement:finding_delete", args=[finding.pk]))
    assert response.status_code == 403
    assert VisitFinding.objects.filter(pk=finding.pk).exists()


def test_intervention_steps_are_entered_in_the_app_and_cannot_be_in_the_future(admin_client_):
    url = reverse("improvement:event_create")
    future = admin_client_.post(url, {"kind": "improvement_notice", **date_parts("date", days_ahead(1))})
    assert "must be today or in the past" in future.content.decode()
    assert not InterventionEvent.objects.exists()
    admin_client_.post(url, {"kind": "improvement_notice", "person": "DfE", **date_parts("date", days_ago(5))})
    event = InterventionEvent.objects.get()
    assert (event.date, event.person) == (days_ago(5), "DfE")
    admin_client_.post(
        reverse("improvement:event_edit", args=[event.pk]), {"kind": "notice_lifted", **date_parts("date", days_ago(4))}
    )
    event.refresh_from_db()
    assert (event.kind, event.date) == ("notice_lifted", days_ago(4))


def test_the_progress_page_default_skips_a_planned_visit(board_client):
    PlanFactory(status=Plan.Status.ACTIVE)
    first = InspectionFactory(kind="monitoring_visit", start_date=days_ago(200), end_date=days_ago(199))
    second = InspectionFactory(kind="monitoring_visit", start_date=days_ago(50), end_date=days_ago(49))
    InspectionFactory(kind="monitoring_visit", start_date=days_ahead(30), end_date=None, is_planned=True)
    response = board_client.get(reverse("progress"))
    assert response.context["form"].is_valid()
    # The latest held visit (by its last day) to today: the planned one is never the latest.
    period = response.context["period"]
    assert (period.start_visit, period.start, period.end) == (second, second.last_day, days_ago(0))
    assert first.last_day < period.start


@pytest.mark.parametrize("size", [1, 6])
def test_a_visit_page_with_findings_runs_the_same_queries_at_two_sizes(size, board_client, django_assert_num_queries):
    plan = PlanFactory(status=Plan.Status.ACTIVE)
    theme = ThemeFactory(plan=plan)
    visit = InspectionFactory(kind="monitoring_visit", start_date=days_ago(30), end_date=days_ago(29))
    for i in range(size):
        recommendation = RecommendationFactory(inspection=visit)
        ActionFactory(theme=theme).recommendations.add(recommendation)
        VisitFindingFactory(inspection=visit, text=f"Finding {i}").recommendations.add(recommendation)
        visit.focus_recommendations.add(recommendation)
        visit.focus_themes.add(theme)
    board_client.get(visit.get_absolute_url())
    # 1 session, 2 user, 3 permissions, 4 visit, 5-6 focus themes and recommendations, 7 its
    # recommendations, 8 current plan, 9 findings with "answered", 10 their recommendations,
    # 11 recommendation-action links, 12 actions as at today, 13 the visit briefs published from it (the
    # dashboard's panel) (the session, touched within the minute, is not saved)
    with django_assert_num_queries(13):
        response = board_client.get(visit.get_absolute_url())
    assert len(response.context["findings"]) == size
