from tests.access import ADMIN_ONLY, Rule
from tests.factories.imports import ImportJobFactory
from tests.factories.improvement import PlanFactory

ADMIN_REDIRECT = {"admin": 302, "officer": 403, "board": 403, "clerk": 403, "outsider": 403}


def _job(users, **kwargs):
    return {"pk": ImportJobFactory(uploaded_by=users["admin"], **kwargs).pk}


def _plan_csv(users):
    PlanFactory()
    return {"fmt": "csv"}


RULES = [
    Rule("imports:start", ADMIN_ONLY),
    Rule("imports:upload_plan", ADMIN_ONLY),
    Rule("imports:upload_indicators", ADMIN_ONLY),
    Rule("imports:job_preview", ADMIN_ONLY, kwargs=_job),
    Rule(
        "imports:job_confirm",
        ADMIN_REDIRECT,
        kwargs=lambda users: _job(users, preview={"can_confirm": False}),
        method="post",
        data=lambda users: {},
        note="a job whose preview found problems: the admin is sent back to the preview; nothing is imported",
    ),
    Rule("imports:job_status", ADMIN_ONLY, kwargs=_job),
    Rule("imports:job_status_json", ADMIN_ONLY, kwargs=_job),
    Rule("imports:job_log", ADMIN_ONLY, kwargs=lambda users: _job(users, state="done")),
    Rule("imports:export_plan", ADMIN_ONLY, kwargs=_plan_csv, note="the current plan as CSV"),
    Rule("imports:export_indicators", ADMIN_ONLY, kwargs=lambda users: {"fmt": "xlsx"}),
]
