"""The rest of the mess in issue 5: synonyms, Excel's own file layout, formula cells, merged headings,
KPI header kinds, refusals of indicator files, command-line refusals, and what the log records."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from imports.models import ImportJob
from imports.parsing.plan import parse_plan
from imports.parsing.workbook import read_workbook
from improvement.models import Action, ActionStatus, ActionUpdate, Progress
from indicators.models import Measurement
from tests.dates import TODAY
from tests.imports import fixtures
from tests.imports.helpers import domain_counts, preview, run_import

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.mark.parametrize(
    "lead, when, status",
    [
        ("Lead officer", "Target date", "RAG"),
        ("Who?", "When?", "Status"),
        ("Responsible officer", "Timescale", "Current status"),
        ("Responsible Officer(s)", "Timescales", "RAG status"),
        ("Lead\u00a0officer", "Target  date", "Current Status"),
    ],
)
def test_header_synonyms_from_the_issue(lead, when, status):
    rows = [["Ref", "Action", lead, when, status], ["1.1", "Audit case files", "Head of QA", "31/03/2019", "Green"]]
    parse = parse_plan(read_workbook(fixtures.xlsx_bytes({"Plan": rows}), "plan.xlsx"))
    assert sorted(parse.columns) == sorted(["reference", "title", "lead", "target_date", status_field(status)])
    action = parse.actions[0]
    assert (action.lead, action.target_date) == ("Head of QA", D(2019, 3, 31))


def status_field(header):
    return "rag" if header.lower().startswith("rag") else "status"


def test_excel_saved_workbook_shared_strings_dates_formula_results_and_merged_heading():
    """The layout Excel writes (openpyxl writes a simpler one): every kind of cell the reader meets."""
    job = run_import(fixtures.excel_style_xlsx(), "Action plan.xlsx")
    assert job.state == ImportJob.State.DONE, job.preview
    assert job.preview["header_row"] == 4
    actions = {a.reference: a for a in Action.objects.all()}
    assert sorted(actions) == ["4.1", "4.2"]
    assert {a.theme.title for a in actions.values()} == {"Children in care"}
    # Rich text runs joined, the phonetic guide left out, £ and é intact.
    assert actions["4.1"].title == "Review caf\u00e9 \u00a3 budgets"
    # A real date (built-in format 14) and a date formatted as a month (a custom "mmm-yy").
    assert (actions["4.1"].target_date, actions["4.1"].target_date_note) == (D(2019, 3, 31), "")
    assert (actions["4.2"].target_date, actions["4.2"].target_date_note) == (D(2019, 4, 30), "April 2019")
    # A formula's saved text result is read as the RAG; the formula is not run.
    assert (actions["4.1"].status, actions["4.1"].progress) == (ActionStatus.IN_PROGRESS, Progress.ON_TRACK)
    assert "Action 4.2: \u201cApril 2019\u201d (a month) read as 30 April 2019." in [
        p["message"] for p in job.preview["problems"]
    ]


def test_formula_date_cell_uses_the_saved_result():
    rows = [["Ref", "Action", "Target date"], ["1.1", "A", "=DATE(2019,3,31)"]]
    data = fixtures.xlsx_bytes({"Plan": rows}, formats={"Plan": {"C2": "dd/mm/yyyy"}})
    run_import(fixtures.with_cached_values(data, {"C2": "43555"}))
    action = Action.objects.get()
    assert (action.target_date, action.target_date_note) == (D(2019, 3, 31), "")


def test_formula_without_saved_result_is_kept_as_text_and_reported():
    rows = [["Ref", "Action", "Target date"], ["1.1", "A", "=DATE(2019,3,31)"]]
    job = run_import(fixtures.xlsx_bytes({"Plan": rows}))
    problems = {p["message"]: p for p in job.preview["problems"]}
    message = (
        "This cell holds a formula with no saved result. Formulas are never run: its text was kept as it is written."
    )
    assert (problems[message]["row"], problems[message]["column"]) == (2, "C (Target date)")
    action = Action.objects.get()
    assert (action.target_date, action.target_date_note) == (None, "=DATE(2019,3,31)")


def test_theme_heading_merged_across_the_table_is_not_an_action():
    rows = [
        ["Ref", "Action", "Lead", "Target date"],
        ["Priority 1: Leadership and governance", None, None, None],
        ["1.1", "Board meets monthly", "DCS", "Mar-19"],
        ["Priority 2: Help and protection"],
        ["2.1", "Audit strategy meetings", "Head of QA", "Q2 2019/20"],
        [],
        ["Notes: dates agreed at the March board"],
    ]
    data = fixtures.xlsx_bytes({"Plan": rows}, merges={"Plan": ["A2:D2", "A4:D4"]})
    run_import(data)
    assert list(Action.objects.order_by("reference").values_list("reference", "theme__reference", "theme__title")) == [
        ("1.1", "1", "Leadership and governance"),
        ("2.1", "2", "Help and protection"),
    ]
    assert Action.objects.get(reference="2.1").target_date == D(2019, 9, 30)


def test_references_typed_as_numbers_with_stray_spaces():
    rows = [["Ref", "Action"], [4.1, "A"], ["\u00a04.2 ", "B"], [5, "C"]]
    run_import(fixtures.xlsx_bytes({"Plan": rows}))
    assert sorted(Action.objects.values_list("reference", flat=True)) == ["4.1", "4.2", "5"]


def test_reference_clash_from_a_number_column_explains_the_lost_zero():
    rows = [["Ref", "Action"], [4.1, "A"], [4.10, "B"]]
    job = run_import(fixtures.xlsx_bytes({"Plan": rows}))
    assert job.state == ImportJob.State.REFUSED
    assert job.preview["problems"][0]["message"] == (
        "Action reference 4.1 is used twice, in rows 2 and 3. Each action needs its own reference. A reference typed "
        "as a number loses its last zero (4.10 becomes 4.1): format the column as text."
    )
    assert Action.objects.count() == 0


def test_csv_with_utf8_bom_keeps_pound_and_e_acute():
    data = b"\xef\xbb\xbf" + fixtures.csv_bytes([["Ref", "Action"], ["1.1", "Caf\u00e9 \u00a3 fund"]])
    run_import(data, "plan.csv")
    assert Action.objects.get().title == "Caf\u00e9 \u00a3 fund"


def test_progress_text_without_a_date_is_dated_today_and_status_words_mapped():
    rows = [["Ref", "Action", "Status", "Progress"], ["1.1", "A", "Behind schedule", "Recruitment under way"]]
    run_import(fixtures.xlsx_bytes({"Plan": rows}))
    update = ActionUpdate.objects.get()
    assert (update.date, update.narrative, update.status, update.progress) == (
        TODAY,
        "Recruitment under way",
        ActionStatus.IN_PROGRESS,
        Progress.OFF_TRACK,
    )


def test_confirm_applies_the_stored_preview_and_then_clears_it():
    job = preview(fixtures.messy_plan_xlsx())
    assert len(job.parsed["actions"]) == 5
    job.file_bytes = b"%PDF-1.4 replaced after the preview"  # confirming must not read the file again
    job.save(update_fields=["file_bytes"])
    from imports import services

    services.apply_job(ImportJob.objects.get(pk=job.pk))
    job.refresh_from_db()
    assert (job.state, job.parsed, Action.objects.count()) == (ImportJob.State.DONE, None, 5)


def test_history_records_created_and_changed_actions_with_the_file_name():
    first = run_import(fixtures.messy_plan_xlsx(), "v1.xlsx")
    rows = fixtures.messy_plan_rows()
    rows[6][1] = "Publish the scorecard every month"
    run_import(fixtures.xlsx_bytes({"Plan": rows}), "v2.xlsx", options={"plan_id": first.result["plan_id"]})
    action = Action.objects.get(reference="4.2")
    assert [(h.history_type, h.history_change_reason, h.title) for h in action.history.order_by("history_id")] == [
        ("+", "Import v1.xlsx", "Publish a performance scorecard"),
        ("~", "Import v2.xlsx", "Publish the scorecard every month"),
    ]
    update = ActionUpdate.objects.filter(action__reference="1.1").get()
    assert update.history.get().history_change_reason == "Import v1.xlsx"


# -- KPIs ------------------------------------------------------------------------------------------


def test_wide_scorecard_with_real_date_and_text_period_headers():
    rows = [
        ["Code", "Indicator", datetime.datetime(2019, 1, 1), "Feb 2019", "2019-03", "Trend", "Comments"],
        ["CIN-1", "Children in need", 410, "415", "1,020", "\u2191", "Rising"],
    ]
    run_import(fixtures.xlsx_bytes({"KPIs": rows}, formats={"KPIs": {"C1": "mmm-yy"}}), "s.xlsx", kind="indicators")
    values = dict(Measurement.objects.values_list("period", "value"))
    assert values == {D(2019, 1, 1): Decimal("410"), D(2019, 2, 1): Decimal("415"), D(2019, 3, 1): Decimal("1020")}
    assert Measurement.objects.get(period=D(2019, 3, 1)).commentary == "Rising"


def test_wide_scorecard_blank_is_no_value_never_zero():
    rows = [["Code", "Apr 2019", "May 2019", "Jun 2019"], ["A", 5, None, ""]]
    run_import(fixtures.xlsx_bytes({"KPIs": rows}), "s.xlsx", kind="indicators")
    assert list(Measurement.objects.values_list("period", "value")) == [(D(2019, 4, 1), Decimal("5"))]


@pytest.mark.parametrize(
    "data, name, message",
    [
        (fixtures.xlsx_bytes({"KPIs": []}), "s.xlsx", "The file has no rows in it. Check you chose the right file."),
        (
            fixtures.xlsx_bytes({"KPIs": [["Code", "Indicator", "Apr 2019"]]}),
            "s.xlsx",
            "The sheet \u201cKPIs\u201d has a header row but no indicators below it.",
        ),
        (
            b"%PDF-1.4",
            "scorecard.xlsx",
            "\u201cscorecard.xlsx\u201d is a PDF, not a spreadsheet. Upload it as an Excel (.xlsx) or CSV file.",
        ),
    ],
)
def test_indicator_file_refusals_change_nothing(data, name, message):
    before = domain_counts()
    job = run_import(data, name, kind="indicators")
    assert (job.state, job.message) == (ImportJob.State.REFUSED, message)
    assert domain_counts() == before


def test_indicator_file_with_duplicate_rows_is_refused():
    rows = [["Code", "Apr 2019"], ["A", 1], ["A", 2]]
    before = domain_counts()
    job = run_import(fixtures.xlsx_bytes({"KPIs": rows}), "s.xlsx", kind="indicators")
    assert job.state == ImportJob.State.REFUSED
    assert job.preview["problems"][0]["message"] == "A appears twice, in rows 2 and 3. Each indicator needs one row."
    assert domain_counts() == before


# -- The admin's pages and the command line --------------------------------------------------------


def test_preview_maps_an_unrecognised_status_value(admin_client_):
    rows = [["Ref", "Action", "RAG"], ["1.1", "A", "Purple - escalated"]]
    admin_client_.post(
        reverse("imports:upload_plan"),
        {"file": SimpleUploadedFile("plan.xlsx", fixtures.xlsx_bytes({"Plan": rows})), "new_plan_title": "T"},
    )
    job = ImportJob.objects.get()
    page = admin_client_.get(reverse("imports:job_preview", args=[job.pk])).content.decode()
    assert "Status or RAG \u201cPurple - escalated\u201d" in page
    admin_client_.post(reverse("imports:job_preview", args=[job.pk]), {"value_0": "off_track"})
    page = admin_client_.get(reverse("imports:job_preview", args=[job.pk])).content.decode()
    assert "<li>Purple - escalated: In progress, off track (red)</li>" in page
    admin_client_.post(reverse("imports:job_confirm", args=[job.pk]))
    action = Action.objects.get()
    assert (action.status, action.progress) == (ActionStatus.IN_PROGRESS, Progress.OFF_TRACK)


def test_import_indicators_command_dry_run_saves_nothing(tmp_path):
    path = tmp_path / "scorecard.xlsx"
    path.write_bytes(fixtures.wide_scorecard_xlsx())
    out = io.StringIO()
    call_command("import_indicators", str(path), "--dry-run", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["dry_run"], result["counts"]["indicators_created"]) == (True, 3)
    assert (Measurement.objects.count(), ImportJob.objects.count()) == (0, 0)


def test_import_command_refuses_a_file_over_the_limit_before_reading_it(tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1_048_576
    path = tmp_path / "huge.csv"
    path.write_bytes(b"Ref,Action\n" + b"1,x\n" * 300_000)
    before = domain_counts()
    with pytest.raises(CommandError) as error:
        call_command("import_plan", str(path), stdout=io.StringIO())
    assert str(error.value).startswith("The file is 1.1 MB. The largest file you can import is 1 MB.")
    assert (domain_counts(), ImportJob.objects.count()) == (before, 0)


def test_import_indicators_command_refusal_exits_non_zero(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_bytes(fixtures.csv_bytes([["Indicator", "Owner"], ["A", "B"]]))
    with pytest.raises(CommandError) as error:
        call_command("import_indicators", str(path), stdout=io.StringIO())
    assert str(error.value).startswith("The header row names the indicators but no periods")


def test_csv_plan_export_neutralises_formula_text(admin_client_):
    run_import(fixtures.messy_plan_xlsx())
    text = admin_client_.get(reverse("imports:export_plan", args=["csv"])).content.decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://evil"")"' in text
    assert "'+cmd|' /C calc'!A0" in text
    assert "'@SUM(1+1)" in text
