from tests.access import READ_ALL, Rule
from tests.factories.improvement import ActionFactory


def _a_plan(users):
    ActionFactory()  # something to compare: with no plan the Word download sends the reader to the page
    return {}


RULES = [
    Rule("progress", READ_ALL),
    Rule("progress", READ_ALL, query="from_date-day=1&from_date-month=6&from_date-year=2026", kwargs=_a_plan),
    Rule("progress_print", READ_ALL, query="from_date-day=1&from_date-month=6&from_date-year=2026", kwargs=_a_plan),
    Rule("progress_docx", READ_ALL, query="from_date-day=1&from_date-month=6&from_date-year=2026", kwargs=_a_plan),
    Rule("home", READ_ALL, query="as_at-day=1&as_at-month=9&as_at-year=2026", note="the dashboard as at a past date"),
]
