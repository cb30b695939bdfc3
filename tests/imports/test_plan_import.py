"""Plan imports against the database: what is created, updated, linked and refused."""

import datetime

import pytest

from imports.models import ImportChange, ImportJob
from improvement.models import Action, ActionStatus, Plan, Progress, TargetDateRevision, Theme
from tests.factories.core import UserFactory
from tests.factories.improvement import (
    ActionFactory,
    InspectionFactory,
    PlanFactory,
    RecommendationFactory,
    ThemeFactory,
)
from tests.imports import fixtures
from tests.imports.helpers import domain_counts, preview, run_import

pytestmark = pytest.mark.django_db


def test_messy_plan_preview_counts_and_saves_nothing():
    before = domain_counts()
    job = preview(fixtures.messy_plan_xlsx())
    assert job.state == ImportJob.State.PREVIEWED
    # plan + 2 themes + 5 actions
    assert job.preview["counts"]["created"] == 8
    assert job.preview["ignored_sheets"] == ["Colour key"]
    assert domain_counts() == before


def test_messy_plan_import_creates_themes_actions_and_first_updates():
    job = run_import(fixtures.messy_plan_xlsx())
    assert job.state == ImportJob.State.DONE
    plan = Plan.objects.get(pk=job.result["plan_id"])
    assert plan.title == "Imported plan"
    assert list(Theme.objects.filter(plan=plan).values_list("reference", "title")) == [
        ("1", "Leadership, management and governance"),
        ("2", "Children in need of help and protection"),
    ]
    actions = {a.reference: a for a in Action.objects.filter(theme__plan=plan)}
    assert sorted(actions) == ["1.1", "2.1", "2.2", "2.3", "4.2"]
    done = actions["1.1"]
    assert (done.status, done.target_date, done.target_date_note) == (
        ActionStatus.COMPLETE,
        datetime.date(2019, 3, 31),
        "",
    )
    update = done.updates.get()
    assert (update.date, update.narrative) == (
        datetime.date(2019, 3, 12),
        "12/03/19: Board met three times.\nTerms of reference agreed.",
    )
    assert update.computed_rag == "blue"
    slipped = actions["2.1"]
    assert (slipped.status, slipped.progress, slipped.target_date, slipped.target_date_note) == (
        ActionStatus.IN_PROGRESS,
        Progress.OFF_TRACK,
        datetime.date(2019, 8, 31),
        "Summer 2019",
    )
    assert slipped.updates.get().date == datetime.date(2019, 3, 31)
    assert slipped.lead_job_title == "Head of CIN / Head of CLA"
    assert actions["2.2"].status == ActionStatus.NOT_STARTED
    assert actions["2.2"].updates.count() == 0
    assert actions["2.3"].target_date_note == "Ongoing"
    assert actions["2.3"].title == '=HYPERLINK("http://evil")'
    assert actions["2.3"].detail == "+cmd|' /C calc'!A0"


def test_import_is_idempotent():
    first = run_import(fixtures.messy_plan_xlsx())
    before = domain_counts()
    again = run_import(fixtures.messy_plan_xlsx(), options={"plan_id": first.result["plan_id"]})
    assert (
        again.result["counts"]["created"],
        again.result["counts"]["updated"],
        again.result["counts"]["unchanged"],
    ) == (0, 0, 5)
    assert domain_counts() == before
    assert again.changes.count() == 0


def test_newer_version_updates_by_reference_and_records_changes():
    first = run_import(fixtures.messy_plan_xlsx())
    plan_id = first.result["plan_id"]
    rows = fixtures.messy_plan_rows()
    rows[6] = [
        4.2,
        "Publish a monthly performance scorecard",
        "",
        "Head of Performance",
        "June 2019",
        "Done",
        "B",
        "R1/R4",
        "Scorecard published",
    ]
    newer = run_import(fixtures.xlsx_bytes({"Plan": rows}), "plan v2.xlsx", options={"plan_id": plan_id})
    assert newer.result["counts"]["created"] == 0
    assert newer.result["counts"]["updated"] == 1
    action = Action.objects.get(theme__plan_id=plan_id, reference="4.2")
    assert (action.title, action.status, action.target_date, action.original_target_date) == (
        "Publish a monthly performance scorecard",
        ActionStatus.COMPLETE,
        datetime.date(2019, 6, 30),
        datetime.date(2019, 3, 31),
    )
    assert TargetDateRevision.objects.get(action=action).new_date == datetime.date(2019, 6, 30)
    assert action.updates.first().narrative == "Scorecard published"
    change = ImportChange.objects.get(job=newer)
    assert change.object_type == "Action"
    assert {
        "field": "title",
        "before": "Publish a performance scorecard",
        "after": "Publish a monthly performance scorecard",
    } in change.fields
    assert action.history.first().history_change_reason == "Import plan v2.xlsx"


def test_progress_text_becomes_update_only_when_it_differs():
    first = run_import(fixtures.messy_plan_xlsx())
    plan_id = first.result["plan_id"]
    rows = fixtures.messy_plan_rows()
    rows[5][-1] = (
        "12/03/19: Board met three times.\nTerms of reference agreed.\n01/04/19: Board reviewed the scorecard."
    )
    # The 2019 entry is dated before the plan (created by the first import, today) started: it needs a reason.
    options = {"plan_id": plan_id, "backdate_reason": "The tracker's 2019 history"}
    run_import(fixtures.xlsx_bytes({"Plan": rows}), options=options)
    action = Action.objects.get(theme__plan_id=plan_id, reference="1.1")
    assert list(action.updates.values_list("date", flat=True)) == [
        datetime.date(2019, 4, 1),
        datetime.date(2019, 3, 12),
    ]
    assert action.last_update_on == datetime.date(2019, 4, 1)


def test_recommendations_linked_with_any_separator():
    inspection = InspectionFactory()
    for ref in ("R1", "R2", "R3", "R4", "R5", "R6"):
        RecommendationFactory(inspection=inspection, reference=ref)
    job = run_import(fixtures.messy_plan_xlsx(), options={"new_plan_title": "P", "inspection_id": inspection.pk})
    actions = {a.reference: a for a in Action.objects.filter(theme__plan_id=job.result["plan_id"])}
    assert sorted(r.reference for r in actions["4.2"].recommendations.all()) == ["R1", "R4"]
    assert sorted(r.reference for r in actions["2.1"].recommendations.all()) == ["R1", "R3", "R5"]
    assert sorted(r.reference for r in actions["2.2"].recommendations.all()) == ["R2", "R6"]


def test_unknown_recommendation_is_a_warning():
    inspection = InspectionFactory()
    RecommendationFactory(inspection=inspection, reference="R1")
    job = preview(fixtures.messy_plan_xlsx(), options={"new_plan_title": "P", "inspection_id": inspection.pk})
    messages = [p["message"] for p in job.preview["problems"]]
    assert (
        "Action 4.2: recommendation 4 is not one of the chosen inspection's recommendations, so it was not linked."
        in messages
    )
    assert job.preview["can_confirm"] is True


def test_lead_linked_when_name_or_email_matches_one_user():
    jo = UserFactory(first_name="Jo", last_name="Bloggs")
    rows = [
        ["Ref", "Action", "Lead officer"],
        ["1.1", "A", "Jo Bloggs (Head of Safeguarding)"],
        ["1.2", "B", f"{jo.email}"],
        ["1.3", "C", "Head of CIN / Head of CLA"],
    ]
    job = run_import(fixtures.xlsx_bytes({"Plan": rows}))
    leads = dict(
        Action.objects.filter(theme__plan_id=job.result["plan_id"]).values_list("reference", "lead_officer_id")
    )
    assert leads == {"1.1": jo.pk, "1.2": jo.pk, "1.3": None}
    assert Action.objects.get(reference="1.1").lead_job_title == "Jo Bloggs (Head of Safeguarding)"


def test_existing_plan_themes_matched_by_title():
    plan = PlanFactory()
    theme = ThemeFactory(plan=plan, reference="A", title="Leadership, management and governance")
    ActionFactory(theme=theme, reference="1.1", title="Establish an improvement board")
    job = run_import(fixtures.messy_plan_xlsx(), options={"plan_id": plan.pk, "backdate_reason": "2019 history"})
    assert Action.objects.get(theme__plan=plan, reference="1.1").theme_id == theme.pk
    assert job.result["counts"]["themes_created"] == 1


def test_unmapped_column_mapped_on_preview():
    rows = [["Ref", "Action", "Officer notes"], ["1.1", "A", "Talk to the police"]]
    data = fixtures.xlsx_bytes({"Plan": rows})
    job = preview(data)
    assert job.preview["unmapped_columns"] == [{"key": "officer notes", "header": "Officer notes"}]
    job = run_import(data, mappings={"columns": {"officer notes": "detail"}})
    assert Action.objects.get(reference="1.1").detail == "Talk to the police"


def test_unmapped_status_value_mapped_on_preview():
    rows = [["Ref", "Action", "Status"], ["1.1", "A", "Purple"]]
    data = fixtures.xlsx_bytes({"Plan": rows})
    assert preview(data).preview["unmapped_values"] == [{"key": "purple", "text": "Purple"}]
    run_import(data, mappings={"values": {"purple": "complete"}})
    assert Action.objects.get(reference="1.1").status == ActionStatus.COMPLETE


def test_csv_plan_in_windows_1252():
    data = fixtures.csv_bytes(
        [["Ref", "Action", "Partner agency"], ["1.1", "Caf\u00e9 \u00a3 fund", "Pol\u00edce"]], encoding="cp1252"
    )
    run_import(data, "plan.csv")
    assert Action.objects.get(reference="1.1").title == "Caf\u00e9 \u00a3 fund"


def test_revised_date_column_records_a_revision():
    rows = [["Ref", "Action", "Target date", "Revised target date"], ["1.1", "A", "31/03/2019", "30/06/2019"]]
    run_import(fixtures.xlsx_bytes({"Plan": rows}))
    action = Action.objects.get(reference="1.1")
    assert (action.original_target_date, action.target_date) == (datetime.date(2019, 3, 31), datetime.date(2019, 6, 30))
    assert TargetDateRevision.objects.filter(action=action).count() == 1


# -- Refusals: a clear message, and nothing saved ---------------------------------------------


def _refused(data, name="plan.xlsx", **kwargs):
    before = domain_counts()
    job = run_import(data, name, **kwargs)
    assert domain_counts() == before
    return job


def test_refuses_empty_workbook():
    job = _refused(fixtures.xlsx_bytes({"Plan": []}))
    assert (job.state, job.message) == (
        ImportJob.State.REFUSED,
        "The file has no rows in it. Check you chose the right file.",
    )


def test_refuses_header_only():
    job = _refused(fixtures.xlsx_bytes({"Plan": [fixtures.PLAN_HEADER]}))
    assert job.message == "The sheet \u201cPlan\u201d has a header row but no actions below it."


def test_refuses_pdf():
    job = _refused(b"%PDF-1.4 junk", "plan.xlsx")
    assert (
        job.message == "\u201cplan.xlsx\u201d is a PDF, not a spreadsheet. Upload it as an Excel (.xlsx) or CSV file."
    )


def test_refuses_zip_of_junk():
    job = _refused(fixtures.zip_of_junk(), "plan.xlsx")
    assert job.message == (
        "\u201cplan.xlsx\u201d is a zip file with no Excel workbook inside. Upload it as an Excel (.xlsx) or CSV file."
    )


def test_xlsx_named_csv_is_imported():
    job = run_import(fixtures.messy_plan_xlsx(), "plan.csv")
    assert job.state == ImportJob.State.DONE


def test_refuses_missing_required_column():
    job = _refused(fixtures.xlsx_bytes({"Plan": [["Ref", "Who?", "When?"], ["1.1", "Head of CIN", "Mar-19"]]}))
    assert job.message == (
        "The action title column is missing from the header row (row 1 of \u201cPlan\u201d, which has \u201cRef\u201d, "
        "\u201cWho?\u201d, \u201cWhen?\u201d). Rename the column, or choose it on the preview."
    )


def test_refuses_duplicate_references():
    rows = [["Ref", "Action"], ["1.1", "A"], ["1.2", "B"], ["1.1", "C"]]
    job = _refused(fixtures.xlsx_bytes({"Plan": rows}))
    assert job.state == ImportJob.State.REFUSED
    assert [p["message"] for p in job.preview["problems"] if p["severity"] == "error"] == [
        "Action reference 1.1 is used twice, in rows 2 and 4. Each action needs its own reference."
    ]


def test_refuses_impossible_dates():
    rows = [["Ref", "Action", "Target date"], ["1.1", "A", "31/02/2019"]]
    job = _refused(fixtures.xlsx_bytes({"Plan": rows}))
    assert job.preview["problems"][0] == {
        "sheet": "Plan",
        "row": 2,
        "column": "C (Target date)",
        "message": "Action 1.1: \u201c31/02/2019\u201d is not a real date.",
        "severity": "error",
    }


def test_refusal_into_existing_plan_changes_nothing():
    first = run_import(fixtures.messy_plan_xlsx())
    rows = fixtures.messy_plan_rows()
    rows[6][1] = "Changed title"
    rows.insert(11, ["1.1", "Duplicate", "", "", "", "", "", "", ""])
    _refused(fixtures.xlsx_bytes({"Plan": rows}), options={"plan_id": first.result["plan_id"]})
    assert Action.objects.get(reference="4.2").title == "Publish a performance scorecard"


def test_failure_during_apply_rolls_back_and_marks_job_failed(monkeypatch):
    from imports import bulk

    real_insert = bulk.insert

    def explode_at_the_last_write(model, objects):
        if model is ImportChange:  # the log is written last: everything before it must be undone
            raise RuntimeError("disk full")
        real_insert(model, objects)

    monkeypatch.setattr(bulk, "insert", explode_at_the_last_write)
    before = domain_counts()
    job = run_import(fixtures.messy_plan_xlsx())
    assert job.state == ImportJob.State.FAILED
    assert job.message.startswith("The import stopped because of an unexpected problem, and nothing was saved.")
    assert domain_counts() == before
