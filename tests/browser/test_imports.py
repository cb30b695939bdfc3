"""An admin imports a plan spreadsheet: upload, map a column on the preview, confirm, progress, the plan."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from imports.models import ImportJob
from tests.factories.imports import ImportJobFactory
from tests.imports import fixtures

pytestmark = pytest.mark.browser


def _plan_workbook(path):
    rows = [
        ["Riverford Borough Council: improvement plan"],
        [],
        ["Ref", "What?", "Who?", "When?", "RAG", "Officer notes"],
        ["1. Leadership and governance"],
        [
            "1.1",
            "Chair a monthly improvement board",
            "Director of Children's Services",
            "Q2 2026/27",
            "G",
            "Terms of reference agreed",
        ],
        [
            "1.2",
            "Publish the performance scorecard",
            "Head of Performance",
            datetime.datetime(2026, 12, 31),
            "A",
            "Draft with the board",
        ],
        ["2. Help and protection"],
        [
            "2.1",
            "Audit every strategy discussion",
            "Head of Quality Assurance",
            "Summer 2026",
            "R",
            "Audit tool being written",
        ],
    ]
    path.write_bytes(fixtures.xlsx_bytes({"Plan": rows, "Colour key": [["G", "On track"]]}))
    return path


def test_admin_imports_a_plan_maps_a_column_and_sees_progress_then_the_plan(
    demo, sign_in, live_server, assert_accessible, tmp_path
):
    page = sign_in("admin")
    page.goto(live_server.url + reverse("imports:start"))
    assert_accessible(page)
    page.get_by_role("link", name="Import a plan").click()
    expect(page.get_by_role("heading", name="Import a plan")).to_be_visible()
    assert_accessible(page)
    page.locator("input[type=file][name=file]").set_input_files(str(_plan_workbook(tmp_path / "improvement plan.xlsx")))
    page.get_by_label("Title of the new plan").fill("Riverford plan from the spreadsheet")
    page.get_by_role("button", name="Check the file").click()
    # The worker reads the file; tests run it at once, so the status page already links on.
    page.get_by_role("link", name="See what the import would do").click()

    # The preview: what was recognised, what would be created, and the column to map.
    expect(page.get_by_role("heading", name="Check the import of improvement plan.xlsx")).to_be_visible()
    expect(page.get_by_text("Plan (header in row 3)")).to_be_visible()
    expect(page.locator("#count-created")).to_have_text("6")  # the plan, 2 themes, 3 actions
    expect(page.get_by_text("\u201cSummer 2026\u201d read as 31 August 2026")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Column \u201cOfficer notes\u201d").select_option(label="Detail (how)")
    page.get_by_role("button", name="Check again with these choices").click()
    page.get_by_role("link", name="See what the import would do").click()
    expect(page.get_by_text("Officer notes: Detail (how)")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Import now").click()

    # The status page: the progress bar (finished at once here: tests run tasks immediately).
    expect(page.get_by_role("heading", name="Import complete")).to_be_visible()
    progress = page.get_by_label("Progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("value", "3")
    expect(page.get_by_text("6 created, 0 updated, 0 unchanged")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="See the import log").click()
    expect(page.get_by_role("heading", name="improvement plan.xlsx")).to_be_visible()
    expect(page.get_by_role("link", name="1.1 Chair a monthly improvement board")).to_be_visible()
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="Go to the plan").click()
    expect(page.get_by_role("heading", name="Riverford plan from the spreadsheet")).to_be_visible()
    # Themes open collapsed; sorting lists every action across them.
    page.goto(page.url + ("&" if "?" in page.url else "?") + "sort=target_date")
    expect(page.get_by_text("Audit every strategy discussion")).to_be_visible()


def test_status_page_progress_bar_moves_without_reloading(demo, sign_in, live_server, assert_accessible):
    admin_page = sign_in("admin")
    job = ImportJobFactory(state=ImportJob.State.APPLYING, phase="Checking the rows", progress=1, progress_total=3)
    admin_page.goto(live_server.url + reverse("imports:job_status", args=[job.pk]))
    progress = admin_page.get_by_label("Progress")
    expect(progress).to_have_attribute("value", "1")
    expect(admin_page.get_by_text("Importing: Checking the rows (step 2 of 3)")).to_be_visible()
    assert_accessible(admin_page)
    admin_page.evaluate("window.notReloaded = true")

    ImportJob.objects.filter(pk=job.pk).update(phase="Saving the changes", progress=2)
    expect(admin_page.get_by_text("Importing: Saving the changes (step 3 of 3)")).to_be_visible(timeout=5000)
    expect(progress).to_have_attribute("value", "2")
    assert admin_page.evaluate("window.notReloaded") is True  # the same page, updated by imports.js

    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE, progress=3, result={"counts": {"created": 3, "updated": 0, "unchanged": 0}}
    )
    expect(admin_page.get_by_role("heading", name="Import complete")).to_be_visible(timeout=5000)
    expect(admin_page).to_have_url(live_server.url + reverse("imports:job_status", args=[job.pk]))
