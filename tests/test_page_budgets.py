"""Every main page keeps issue 11's query budget: the same number of queries at two data sizes, and at
most 15, session and permissions included, with every cache off (a cached page would hide the cost).

Signed in as a board member, except "my actions", which is an officer's page, the dashboard as an
admin (whose first screen adds the import status) and publishing a visit brief, a clerk's page. Each page is requested
once to warm the session, counted on a small council, then counted again after the plan, the
indicators and the board's papers have grown.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from improvement.models import ActionStatus, Inspection, Progress, Risk
from tests.factories.improvement import (
    ActionFactory,
    ActionUpdateFactory,
    InspectionFactory,
    PlanFactory,
    RecommendationFactory,
    TargetDateRevisionFactory,
    ThemeFactory,
)
from tests.factories.indicators import IndicatorFactory, MeasurementFactory, TargetFactory
from tests.factories.meetings import AgendaItemFactory, BoardFactory, MeetingActionFactory, MeetingFactory

BUDGET = 15
GROWTH = 8  # more actions, indicators, values and papers for the second count


def _at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(14, 0)))


@pytest.fixture
def council(db, officer_user):
    """A small council: a plan with an action the officer leads, an indicator, two monitoring visits,
    and a board that met in September and October 2026 and meets again in December."""
    plan = PlanFactory(start_date=datetime.date(2025, 4, 1))
    theme = ThemeFactory(plan=plan, reference="1", title="Front door")
    action = ActionFactory(theme=theme, reference="1.1", lead_officer=officer_user)
    ActionUpdateFactory(action=action, date=datetime.date(2026, 5, 4))  # before both visits: a history
    ActionUpdateFactory(action=action, date=datetime.date(2026, 8, 3))
    recommendation = RecommendationFactory()
    action.recommendations.add(recommendation)
    indicator = IndicatorFactory(code="CIN-ASSESS-45")
    TargetFactory(indicator=indicator, value=Decimal("85"))
    MeasurementFactory(indicator=indicator, period=datetime.date(2026, 9, 1), value=Decimal("80"))
    visits = [
        InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 6, 2), sequence=1),
        InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 10, 6), sequence=2),
    ]
    board = BoardFactory(name="Children's Improvement Board")
    previous = MeetingFactory(board=board, starts_at=_at(datetime.date(2026, 9, 15)), status="held")
    meeting = MeetingFactory(board=board, starts_at=_at(datetime.date(2026, 10, 13)), status="held")
    MeetingFactory(board=board, starts_at=_at(datetime.date(2026, 12, 8)))
    item = AgendaItemFactory(meeting=meeting)
    item.themes.add(theme)
    item.indicators.add(indicator)
    MeetingActionFactory(meeting=previous, due_date=datetime.date(2026, 10, 1))
    return {
        "plan": plan, "theme": theme, "action": action, "indicator": indicator, "recommendation": recommendation,
        "board": board, "previous": previous, "meeting": meeting, "item": item, "officer": officer_user,
        "visits": visits,
    }  # fmt: skip


def _grow(council, n=GROWTH):
    """n more of everything a main page lists: actions (the officer leads half) with updates and a
    moved date, indicators with targets and values, agenda items and actions arising."""
    for i in range(n):
        action = ActionFactory(
            theme=council["theme"],
            reference=f"1.{i + 2}",
            lead_officer=council["officer"] if i % 2 else None,
            original_target_date=datetime.date(2026, 9, 30),
        )
        ActionUpdateFactory(action=action, date=datetime.date(2026, 5, 1))
        ActionUpdateFactory(
            action=action,
            date=datetime.date(2026, 9, 1),
            status=ActionStatus.COMPLETE if i % 3 == 0 else ActionStatus.IN_PROGRESS,
            progress="" if i % 3 == 0 else Progress.AT_RISK,
        )
        TargetDateRevisionFactory(action=action, effective_on=datetime.date(2026, 7, 1))
        action.recommendations.add(council["recommendation"])
        ActionUpdateFactory(action=council["action"], date=datetime.date(2026, 6, 1) + datetime.timedelta(days=i))
        indicator = IndicatorFactory()
        TargetFactory(indicator=indicator)
        for month in (7, 8, 9):
            MeasurementFactory(indicator=indicator, period=datetime.date(2026, month, 1), value=Decimal(60 + i))
        MeasurementFactory(indicator=council["indicator"], period=datetime.date(2025, 1 + i, 1), value=Decimal(70 + i))
        council["item"].indicators.add(indicator)
        council["item"].themes.add(ThemeFactory(plan=council["plan"], reference=f"{i + 2}"))
        AgendaItemFactory(meeting=council["meeting"])
        MeetingActionFactory(meeting=council["previous"], due_date=datetime.date(2026, 11, 1))
        MeetingActionFactory(meeting=council["meeting"], due_date=datetime.date(2026, 12, 1))
        risk = Risk.objects.create(title=f"Risk {i}", likelihood=1 + i % 5, impact=3, owner_name="Head of service")
        risk.themes.add(council["theme"])
    for _ in range(2):  # more briefs for the visit page, the packs and the first screen to list
        _a_brief(council)


PAGES = {
    "dashboard": ("board", lambda c: reverse("home")),
    "plan": ("board", lambda c: reverse("improvement:plan")),
    "scorecard": ("board", lambda c: reverse("indicators:scorecard")),
    "indicator page": ("board", lambda c: reverse("indicators:indicator_detail", args=[c["indicator"].pk])),
    "board pack": ("board", lambda c: reverse("meetings:pack", args=[c["meeting"].pk])),
    "progress between the last two visits": ("board", lambda c: reverse("progress")),
    "my actions": ("officer", lambda c: reverse("improvement:my_actions")),
    "action page": ("board", lambda c: reverse("improvement:action_detail", args=[c["action"].pk])),
    "meeting page": ("board", lambda c: reverse("meetings:meeting_detail", args=[c["meeting"].pk])),
    "dashboard as an admin": ("admin", lambda c: reverse("home")),
    "visit page": ("board", lambda c: reverse("improvement:inspection_detail", args=[c["visits"][-1].pk])),
    "publishing a visit brief": ("clerk", lambda c: reverse("progress_publish")),
    "published visit brief": ("board", lambda c: _a_brief(c).get_absolute_url()),
}


def _a_brief(council):
    from dashboard.progress import Period
    from dashboard.services import publish_visit_brief
    from improvement.queries import plans_newest_first

    visit = council["visits"][-1]
    return publish_visit_brief(
        period=Period(start=visit.last_day, end=datetime.date(2026, 11, 1), start_visit=visit),
        inspections=list(Inspection.objects.all()),
        plans=list(plans_newest_first()),
        published_by=council["officer"],
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


@pytest.fixture
def no_cache(settings):
    """Every cache off: Django's dummy cache stores nothing, so each request does all its work."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_runs_the_same_queries_at_two_sizes_within_the_budget(page, council, no_cache, request):
    role, url_of = PAGES[page]
    client = request.getfixturevalue("admin_client_" if role == "admin" else f"{role}_client")
    url = url_of(council)
    client.get(url)  # warm the session

    small = _queries(client, url)
    _grow(council)
    large = _queries(client, url)

    assert (small, large) == (small, small), f"{page}: {small} queries on the small council, {large} when larger"
    assert small <= BUDGET, f"{page}: {small} queries, over the budget of {BUDGET}"
