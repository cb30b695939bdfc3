import datetime

from tests.access import READ_ALL, Rule
from tests.factories.improvement import ActionFactory

# Clerks and admins publish visit briefs, as they publish board packs; everyone with a role reads them.
PUBLISHERS = {"admin": 200, "officer": 403, "other_officer": 403, "board": 403, "clerk": 200, "outsider": 403}


def _a_plan(users):
    ActionFactory()  # something to compare: with no plan the Word download sends the reader to the page
    return {}


def _a_visit():
    from improvement.models import Inspection
    from tests.factories.improvement import InspectionFactory

    ActionFactory()
    return InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=datetime.date(2026, 7, 1), end_date=None)


def _no_kwargs_but_a_visit(users):
    _a_visit()  # something to publish from: the page's URL takes no arguments
    return {}


def _a_brief(users):
    from dashboard.progress import Period
    from dashboard.services import publish_visit_brief
    from improvement.models import Inspection
    from improvement.queries import plans_newest_first

    visit = _a_visit()
    brief = publish_visit_brief(
        period=Period(start=visit.last_day, end=datetime.date(2026, 11, 1), start_visit=visit),
        inspections=list(Inspection.objects.all()),
        plans=list(plans_newest_first()),
        published_by=users["clerk"],
    )
    return {"pk": brief.pk}


def _period_from_a_date(users):
    # Harmless: a brief must start at a visit, so a publisher is shown the refusal and nothing is published.
    return {"from_date-day": "1", "from_date-month": "6", "from_date-year": "2026"}


RULES = [
    Rule("progress", READ_ALL),
    Rule("progress", READ_ALL, query="from_date-day=1&from_date-month=6&from_date-year=2026", kwargs=_a_plan),
    Rule("progress_print", READ_ALL, query="from_date-day=1&from_date-month=6&from_date-year=2026", kwargs=_a_plan),
    Rule("progress_docx", READ_ALL, query="from_date-day=1&from_date-month=6&from_date-year=2026", kwargs=_a_plan),
    Rule("home", READ_ALL, query="as_at-day=1&as_at-month=9&as_at-year=2026", note="the dashboard as at a past date"),
    Rule("progress_publish", PUBLISHERS, kwargs=_no_kwargs_but_a_visit, note="GET: the confirmation page"),
    Rule("progress_publish", PUBLISHERS, method="post", data=_period_from_a_date, kwargs=_no_kwargs_but_a_visit),
    Rule("published_visit_brief", READ_ALL, kwargs=_a_brief),
    Rule("published_visit_brief_docx", READ_ALL, kwargs=_a_brief),
]
