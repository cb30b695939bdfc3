from tests.access import ADMIN_ONLY, Rule
from tests.factories.imports import ImportJobFactory
from tests.factories.improvement import PlanFactory

ADMIN_REDIRECT = {"admin": 302, "officer": 403, "other_officer": 403, "board": 403, "clerk": 403, "outsider": 403}


def _job(users, **kwargs):
    return {"pk": ImportJobFactory(uploaded_by=users["admin"], **kwargs).pk}


def _plan_csv(users):
    PlanFactory()
    return {"fmt": "csv"}


def _published_job(users):
    from tests.imports import published_data

    return _job(users, kind="published", file_name="release.csv", file_bytes=published_data.release_csv())


RULES = [
    Rule("imports:upload_published", ADMIN_ONLY, note="upload a DfE release"),
    Rule("imports:published_preview", ADMIN_ONLY, kwargs=_published_job, note="map indicators, preview"),
    Rule(
        "imports:published_preview",
        ADMIN_ONLY,
        kwargs=_published_job,
        method="post",
        data=lambda users: {"m0_indicator": "__new__", "m0_new_code": ""},
        note="POST a mapping with a missing code: the form is shown again with an error (200), nothing saved",
    ),
    Rule("imports:council_settings", ADMIN_ONLY, note="the council's code and neighbours"),
    Rule(
        "imports:council_settings",
        ADMIN_ONLY,
        method="post",
        data=lambda users: {"la_code": "not a code"},
        note="POST an invalid code: the form is shown again with an error (200), nothing saved",
    ),
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
    Rule(
        "imports:job_plan_choices",
        ADMIN_ONLY,
        kwargs=lambda users: _job(users, state="previewed", preview={"creates_plan": True}),
        method="post",
        data=lambda users: {"inspection_choice": "new"},
        note="POST choices missing the start date and the inspection's kind: shown again with errors (200), "
        "nothing saved",
    ),
    Rule("imports:job_status", ADMIN_ONLY, kwargs=_job),
    Rule("imports:job_status_json", ADMIN_ONLY, kwargs=_job),
    Rule(
        "imports:job_retry",
        ADMIN_REDIRECT,
        kwargs=lambda users: _job(users, state="done"),
        method="post",
        data=lambda users: {},
        note="retry a job that did not fail: the admin is sent back to its status page; nothing is queued",
    ),
    Rule("imports:job_log", ADMIN_ONLY, kwargs=lambda users: _job(users, state="done")),
    Rule(
        "imports:kpi_clear_reported",
        ADMIN_REDIRECT,
        kwargs=lambda users: _job(
            users, kind="indicators", file_name="s.csv", file_bytes=b"Code,Apr 2019\nA,n/a\n", options={}
        ),
        method="post",
        data=lambda users: {"clear_reported": "on"},
        note="the KPI preview's 'clear reported values' choice: saved, and the file is checked again",
    ),
    Rule("imports:export_plan", ADMIN_ONLY, kwargs=_plan_csv, note="the current plan as CSV"),
    Rule("imports:export_indicators", ADMIN_ONLY, kwargs=lambda users: {"fmt": "xlsx"}),
]
