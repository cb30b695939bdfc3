"""Exports in the importer's layout (round trip), formula neutralising, and the two commands."""

import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from imports.exports import neutralise
from imports.models import ImportJob
from improvement.models import Plan
from tests.factories.improvement import ActionFactory, ActionUpdateFactory, PlanFactory, ThemeFactory
from tests.factories.indicators import IndicatorFactory, MeasurementFactory
from tests.imports import fixtures
from tests.imports.helpers import domain_counts, run_import

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+cmd|x", "'+cmd|x"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=SUM(A1)", "'\t=SUM(A1)"),  # some spreadsheets skip a leading tab or return, then run the formula
        ("\r=SUM(A1)", "'\r=SUM(A1)"),
        ("Line\x0bbreak", "Line\nbreak"),  # and what an xlsx cannot hold is cleaned
        ("Plain", "Plain"),
        (3, 3),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_plan_export_round_trip_changes_nothing(admin_client_, fmt):
    job = run_import(fixtures.messy_plan_xlsx())
    plan_id = job.result["plan_id"]
    response = admin_client_.get(reverse("imports:export_plan", args=[fmt]) + f"?plan={plan_id}")
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    before = domain_counts()
    again = run_import(data, f"export.{fmt}", options={"plan_id": plan_id})
    assert again.state == ImportJob.State.DONE, again.preview
    assert (again.result["counts"]["created"], again.result["counts"]["updated"]) == (0, 0)
    assert domain_counts() == before


def test_plan_export_neutralises_formula_text(admin_client_):
    run_import(fixtures.messy_plan_xlsx())
    response = admin_client_.get(reverse("imports:export_plan", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    titles = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://evil")' in titles


def test_plan_export_neutralises_a_formula_behind_a_tab(admin_client_):
    plan = PlanFactory()
    action = ActionFactory(theme=ThemeFactory(plan=plan), reference="1.1")
    type(action).objects.filter(pk=action.pk).update(title='\t=HYPERLINK("http://evil")')
    response = admin_client_.get(reverse("imports:export_plan", args=["csv"]) + f"?plan={plan.pk}")
    assert '"\'\t=HYPERLINK(""http://evil"")"' in response.content.decode("utf-8-sig")


@pytest.mark.parametrize("plan_param", ["\u00b2", "\u0663", "1x", "-1", "99999999999999999999999"])
def test_plan_export_with_a_plan_that_is_not_a_number_is_not_found(admin_client_, plan_param):
    PlanFactory()
    response = admin_client_.get(reverse("imports:export_plan", args=["csv"]), {"plan": plan_param})
    assert response.status_code == 404


def test_plan_list_csv_uses_plan_page_filters(admin_client_):
    plan = PlanFactory()
    theme, other = ThemeFactory(plan=plan), ThemeFactory(plan=plan)
    ActionFactory(theme=theme, reference="1.1")
    ActionFactory(theme=other, reference="2.1")
    response = admin_client_.get(reverse("imports:export_plan", args=["csv"]) + f"?plan={plan.pk}&theme={theme.pk}")
    text = response.content.decode("utf-8-sig")
    assert [line.split(",")[2] for line in text.splitlines()[1:]] == ["1.1"]


def test_indicator_export_round_trip_changes_nothing(admin_client_):
    indicator = IndicatorFactory(code="CSC-01")
    MeasurementFactory(indicator=indicator)
    MeasurementFactory(indicator=indicator, period="2025-10-01", value=None, missing_reason="suppressed")
    for fmt in ("xlsx", "csv"):
        data = admin_client_.get(reverse("imports:export_indicators", args=[fmt])).content
        before = domain_counts()
        again = run_import(data, f"values.{fmt}", kind="indicators")
        assert (again.result["counts"]["created"], again.result["counts"]["updated"]) == (0, 0), again.result
        assert domain_counts() == before


def test_import_plan_command_json_and_dry_run(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(fixtures.messy_plan_xlsx())
    out = io.StringIO()
    call_command("import_plan", str(path), "--dry-run", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["dry_run"], result["counts"]["created"]) == (True, 8)
    assert Plan.objects.count() == 0
    out = io.StringIO()
    call_command("import_plan", str(path), "--new-plan-title", "From the command line", stdout=out)
    assert out.getvalue().startswith("8 created, 0 updated, 0 unchanged")
    plan = Plan.objects.get()
    out = io.StringIO()
    call_command("import_plan", str(path), "--plan", str(plan.pk), stdout=out)
    assert out.getvalue().startswith("0 created, 0 updated, 5 unchanged")


def test_import_plan_command_refusal_exits_non_zero(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"%PDF-1.4")
    before = domain_counts()
    with pytest.raises(CommandError) as error:
        call_command("import_plan", str(path), stdout=io.StringIO())
    assert (
        str(error.value)
        == "\u201cplan.xlsx\u201d is a PDF, not a spreadsheet. Upload it as an Excel (.xlsx) or CSV file."
    )
    assert domain_counts() == before


def test_import_plan_command_duplicate_refs_exit_non_zero(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(fixtures.csv_bytes([["Ref", "Action"], ["1", "A"], ["1", "B"]]))
    with pytest.raises(CommandError) as error:
        call_command("import_plan", str(path), "--json", stdout=io.StringIO())
    assert str(error.value) == (
        "The file has 1 problem that must be fixed in the spreadsheet before it can be imported. Nothing was saved."
    )


def test_import_indicators_command(tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(fixtures.long_kpi_csv())
    out = io.StringIO()
    call_command("import_indicators", str(path), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["state"], result["counts"]["values_created"]) == ("done", 3)


def test_progress_update_round_trips_with_existing_update(admin_client_):
    action = ActionFactory(reference="1.1")
    ActionUpdateFactory(action=action, narrative="=cmd typed by a user")
    data = admin_client_.get(reverse("imports:export_plan", args=["csv"]) + f"?plan={action.theme.plan_id}").content
    before = domain_counts()
    again = run_import(data, "export.csv", options={"plan_id": action.theme.plan_id})
    assert (again.result["counts"]["created"], again.result["counts"]["updated"]) == (0, 0), again.result
    assert domain_counts() == before
