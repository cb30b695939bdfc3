"""The progress page on a crafted case: every list has known members (a reopened action, an action
carried across plan versions, a moved date with a reason, an indicator that turned red) and the page
lists exactly those. Today is tests.dates.TODAY (22 November 2026)."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from improvement.models import ActionStatus, Inspection, InterventionEvent, Plan, Progress, Rag
from tests.factories.improvement import (
    ActionFactory,
    ActionUpdateFactory,
    InspectionFactory,
    InterventionEventFactory,
    PlanFactory,
    RecommendationFactory,
    TargetDateRevisionFactory,
    ThemeFactory,
    VisitFindingFactory,
)
from tests.factories.indicators import IndicatorFactory, MeasurementFactory, TargetFactory
from tests.factories.meetings import BoardFactory, MeetingFactory

D = datetime.date


def _update(action, day, status=ActionStatus.IN_PROGRESS, progress=Progress.ON_TRACK, **kwargs):
    return ActionUpdateFactory(action=action, date=day, status=status, progress=progress, **kwargs)


@pytest.fixture
def case(db):
    old = PlanFactory(version="v1", status=Plan.Status.CLOSED, start_date=D(2025, 4, 1))
    new = PlanFactory(version="v2", status=Plan.Status.ACTIVE, start_date=D(2026, 9, 1), previous_version=old)
    old_theme = ThemeFactory(plan=old, reference="1", title="Front door")
    new_theme = ThemeFactory(plan=new, reference="1", title="Front door")
    inspection = InspectionFactory(start_date=D(2025, 1, 13), end_date=D(2025, 1, 24))
    r1 = RecommendationFactory(inspection=inspection, reference="R1", text="Timely strategy meetings")
    r2 = RecommendationFactory(inspection=inspection, reference="R2", text="Supervision that makes a difference")
    visit = InspectionFactory(
        kind=Inspection.Kind.MONITORING_VISIT,
        title="Third monitoring visit",
        start_date=D(2026, 6, 2),
        end_date=D(2026, 6, 4),
        focus="The front door",
        headline_findings="Thresholds are better understood.",
        progress_label="Some progress",
    )
    visit.focus_themes.add(old_theme)
    visit.focus_recommendations.add(r1)
    linked = VisitFindingFactory(inspection=visit, text="Strategy meetings lack the police.", order=1)
    linked.recommendations.add(r1)
    VisitFindingFactory(inspection=visit, text="Return home interviews are rare.", order=2)
    planned = InspectionFactory(
        kind=Inspection.Kind.MONITORING_VISIT, title="Fourth monitoring visit", start_date=D(2027, 1, 20),
        end_date=None, is_planned=True,
    )  # fmt: skip

    def pair(reference, title, *, target=D(2027, 3, 31)):
        before = ActionFactory(theme=old_theme, reference=reference, title=f"{title} (v1)", original_target_date=target)
        after = ActionFactory(
            theme=new_theme, reference=reference, title=title, original_target_date=target,
            added_on=D(2026, 9, 1), carried_from=before,
        )  # fmt: skip
        return before, after

    carried_old, carried = pair("1.1", "Carried and completed")
    _update(carried_old, D(2026, 5, 1))
    _update(carried, D(2026, 10, 1), ActionStatus.COMPLETE, "", evidence_of_impact="Re-referrals fell to 18%")
    carried_old.recommendations.add(r1)
    carried.recommendations.add(r1)

    reopened_old, reopened = pair("1.2", "Reopened after audit")
    _update(reopened_old, D(2026, 5, 1), ActionStatus.COMPLETE, "")
    _update(reopened, D(2026, 10, 10), ActionStatus.IN_PROGRESS, Progress.OFF_TRACK)

    red_old, red = pair("1.3", "Turned red")
    _update(red_old, D(2026, 5, 1))
    _update(red, D(2026, 10, 15), progress=Progress.OFF_TRACK)

    moved_old, moved = pair("1.4", "Date moved", target=D(2026, 12, 1))
    _update(moved_old, D(2026, 5, 1))
    _update(moved, D(2026, 9, 2))
    TargetDateRevisionFactory(
        action=moved, previous_date=D(2026, 12, 1), new_date=D(2027, 2, 28), effective_on=D(2026, 10, 20),
        reason="Waiting for two social workers to start", agreed_by="Improvement board, 14 October",
    )  # fmt: skip

    steady_old, steady = pair("1.6", "Steady", target=D(2026, 12, 20))
    _update(steady_old, D(2026, 5, 1))
    _update(steady, D(2026, 9, 2))

    added = ActionFactory(
        theme=new_theme,
        reference="1.5",
        title="Added in v2",
        added_on=D(2026, 9, 1),
        original_target_date=D(2027, 6, 30),
    )
    _update(added, D(2026, 9, 3))

    focus_kpi = IndicatorFactory(code="CIN-1", title="Strategy meetings within 3 days")
    focus_kpi.themes.add(old_theme)
    TargetFactory(indicator=focus_kpi, value=Decimal("85"))
    MeasurementFactory(indicator=focus_kpi, period=D(2026, 5, 1), value=Decimal("90"))
    MeasurementFactory(indicator=focus_kpi, period=D(2026, 10, 1), value=Decimal("60"))
    other_kpi = IndicatorFactory(code="LAC-9", title="Children in care with three moves")
    MeasurementFactory(indicator=other_kpi, period=D(2026, 10, 1), value=Decimal("9"))

    InterventionEventFactory(kind=InterventionEvent.Kind.IMPROVEMENT_NOTICE, date=D(2025, 5, 12), person="DfE")
    MeetingFactory(
        board=BoardFactory(name="Children's Improvement Board"),
        starts_at=timezone.make_aware(datetime.datetime(2026, 7, 14, 14)),
        status="held",
    )
    return {"visit": visit, "planned": planned, "r1": r1, "r2": r2, "focus_kpi": focus_kpi, "other_kpi": other_kpi,
            "new_theme": new_theme}  # fmt: skip


def _section(html, anchor):
    """The text of one list: from its heading to the next heading."""
    start = html.index(f'id="{anchor}"')
    rest = html[start:]
    end = min(i for i in (rest.find("<h4", 1), rest.find("<h2", 1)) if i > 0)
    return re.sub(r"\s+", " ", rest[:end])


def _titles(section):
    return sorted(set(re.findall(r"1\.\d [A-Z][a-z]+(?: [a-z]+)*(?: [a-z0-9]+)*", section)))


def test_by_default_the_latest_visit_to_today_lists_exactly_the_known_members(board_client, case):
    html = board_client.get(reverse("progress")).content.decode()

    assert "From Third monitoring visit (June 2026) (4 June 2026) to today (22 November 2026)" in html
    assert _titles(_section(html, "completed")) == ["1.1 Carried and completed"]
    assert _titles(_section(html, "reopened")) == ["1.2 Reopened after audit"]
    assert _titles(_section(html, "new-reds")) == ["1.3 Turned red"]
    assert "None." in _section(html, "rag-moves")
    assert _titles(_section(html, "added")) == ["1.5 Added in v"]
    moved = _section(html, "moved")
    assert _titles(moved) == ["1.4 Date moved"]
    assert "1 December 2026" in moved and "28 February 2027" in moved
    assert "Waiting for two social workers to start (agreed by Improvement board, 14 October)" in moved
    # Carried from the earlier version: the same action, not an added one.
    assert "Carried from 1.1 in an earlier plan version" in _section(html, "completed")


def test_what_ofsted_said_beside_what_changed_and_the_gaps(board_client, case):
    html = board_client.get(reverse("progress")).content.decode()
    ofsted = _section(html, "ofsted")
    assert "Thresholds are better understood." in ofsted and "Some progress" in ofsted
    findings = html[html.index('id="findings"') : html.index('id="focus-changes"')]
    assert "Strategy meetings lack the police." in findings
    assert "Gap: not linked to a recommendation, so no action answers it" in findings
    changes = html[html.index('id="focus-changes"') :].split("</ul>")[0]
    # The focus theme was the old version's; its actions are followed into the new one.
    assert "1. Front door</a>: 1 completed, 1 newly red, 1 with a moved date" in changes
    assert "Recommendation" in changes and "R1</a>: 1 of 1 actions complete (+1 complete)" in changes


def test_by_recommendation_and_by_theme(board_client, case):
    html = board_client.get(reverse("progress")).content.decode()
    recs = _section(html, "recommendations")
    assert "Re-referrals fell to 18%" in recs
    assert "Gap: no action in the plan answers this recommendation" in recs  # R2
    assert recs.index("R1") < recs.index("R2")  # the visit's focus first
    themes = _section(html, "themes")
    assert f'href="/plan/?theme={case["new_theme"].pk}"' in themes
    assert themes.count("then,") == 5  # all five RAGs


def test_kpis_of_the_visits_focus_with_one_turned_red_and_all_on_request(board_client, case):
    html = board_client.get(reverse("progress")).content.decode()
    kpis = _section(html, "kpis")
    assert "Strategy meetings within 3 days" in kpis and "Children in care with three moves" not in kpis
    assert "Turned red in the period" in html and "90.0%" in kpis and "60.0%" in kpis
    assert "What this measures" in kpis
    everything = board_client.get(reverse("progress"), {"kpis": "all"}).content.decode()
    assert "Children in care with three moves" in _section(everything, "kpis")


def test_chart_table_marks_visits_notices_and_meetings_and_due_before_the_next_visit(board_client, case):
    html = board_client.get(reverse("progress")).content.decode()
    table = html[html.index('id="progress-chart-table"') :]
    assert "January 2025" in table and "November 2026" in table  # from the first inspection to today
    assert "Improvement notice, DfE" in table and "Children&#x27;s Improvement Board" in table
    assert "Third monitoring visit" in table
    due = _section(html, "due")
    assert "20 January 2027" in due
    assert _titles(due) == ["1.6 Steady"]  # 1.4 moved past the visit; 1.3 and 1.5 are due later


def test_one_side_blank_and_bad_input(board_client, case):
    visit = case["visit"]
    # Only the end given: the start is the latest visit.
    html = board_client.get(reverse("progress"), {"to_visit": "today"}).content.decode()
    assert "From Third monitoring visit" in html
    html = board_client.get(
        reverse("progress"),
        {"from_visit": visit.pk, "from_date-day": "1", "from_date-month": "6", "from_date-year": "2026"},
    ).content.decode()
    assert "Choose a visit or enter a date to compare from, not both" in html and 'id="completed"' not in html
    html = board_client.get(
        reverse("progress"), {"from_date-day": "1", "from_date-month": "12", "from_date-year": "2026"}
    ).content.decode()
    assert "The date to compare from must be today or in the past" in html
    html = board_client.get(
        reverse("progress"), {"from_date-day": "31", "from_date-month": "2", "from_date-year": "2026"}
    )
    assert "must be a real date" in html.content.decode()
    html = board_client.get(reverse("progress"), {"from_visit": "999999"}).content.decode()
    assert "Select a valid choice" in html


def test_print_view_and_word_download_say_the_same(board_client, case):
    printed = board_client.get(reverse("progress_print")).content.decode()
    assert "Back to the progress page" in printed and "1.2 Reopened after audit" in printed
    response = board_client.get(reverse("progress_docx"))
    assert response["Content-Disposition"] == 'attachment; filename="progress-2026-06-04-to-2026-11-22.docx"'
    from docx import Document

    text = "\n".join(
        cell.text for table in Document(io.BytesIO(response.content)).tables for row in table.rows for cell in row.cells
    )
    assert "1.2 Reopened after audit" in text and "Waiting for two social workers to start" in text


def test_print_view_and_word_download_have_what_children_and_young_people_told_us(board_client, officer_user, case):
    from docx import Document

    from improvement.services import save_you_said

    save_you_said(
        theme=case["new_theme"],
        said_by="Children in care council",
        what_was_said="We have to tell our story again to every new worker",
        said_on=D(2026, 7, 1),
        what_changed="A named back-up worker for every child in care",
        changed_on=D(2026, 10, 1),
        written_by=officer_user,
    )
    printed = " ".join(board_client.get(reverse("progress_print")).content.decode().split())
    assert "What children and young people told us" in printed
    assert "We have to tell our story again to every new worker" in printed
    document = Document(io.BytesIO(board_client.get(reverse("progress_docx")).content))
    assert "What children and young people told us" in [p.text for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Children in care council, 1 July 2026" in cells
    assert "A named back-up worker for every child in care (1 October 2026)" in cells


def test_the_visit_page_links_to_progress_since_it(board_client, case):
    html = board_client.get(case["visit"].get_absolute_url()).content.decode()
    assert f'href="/progress/?from_visit={case["visit"].pk}"' in html


def test_rag_reason_words(case):
    from improvement.models import Action
    from improvement.queries import plan_as_at
    from improvement.rules import rag_with_reason

    new_plan = Plan.objects.get(version="v2")
    states = {s.action.reference: s for s in plan_as_at(new_plan, D(2026, 11, 22))}
    assert rag_with_reason(states["1.3"]) == "Red: the officer said off track on 15 October"
    assert rag_with_reason(states["1.1"]) == "Blue: complete"
    assert Action.objects.get(reference="1.5", theme__plan=new_plan)
    assert states["1.5"].rag == Rag.GREEN
    assert rag_with_reason(states["1.5"]) == "Green: the officer said on track on 3 September"


def _count(client, url, params=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "params", [{}, {"kpis": "all"}, {"from_date-day": "1", "from_date-month": "3", "from_date-year": "2026"}]
)
def test_the_same_queries_at_two_sizes_within_the_budget(board_client, case, settings, params):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    url = reverse("progress")
    board_client.get(url, params)
    small = _count(board_client, url, params)
    new_plan = Plan.objects.get(version="v2")
    theme = ThemeFactory(plan=new_plan, reference="2", title="Children in care")
    for i in range(8):
        action = ActionFactory(
            theme=theme, reference=f"2.{i}", added_on=D(2026, 9, 1), original_target_date=D(2026, 12, 1)
        )
        _update(action, D(2026, 10, 1), evidence_of_impact="Better")
        TargetDateRevisionFactory(action=action, effective_on=D(2026, 10, 2), new_date=D(2027, 1, 1))
        action.recommendations.add(case["r1"], case["r2"])
        finding = VisitFindingFactory(inspection=case["visit"], text=f"Finding {i}")
        finding.recommendations.add(case["r2"])
        RecommendationFactory(inspection=case["visit"], reference=f"V{i}")
        kpi = IndicatorFactory()
        kpi.themes.add(theme)
        MeasurementFactory(indicator=kpi, period=D(2026, 9, 1), value=Decimal(50 + i))
        InterventionEventFactory(date=D(2025, 6, 1 + i))
        MeetingFactory(starts_at=timezone.make_aware(datetime.datetime(2026, 8, 1 + i, 14)))
    large = _count(board_client, url, params)
    assert (small, large) == (small, small)
    assert small <= 15, small
