"""An admin imports a plan written the way councils write it (issue 15): headers with explanations,
recommendations in the sheet, dated progress columns. They create the inspection on the preview, confirm,
make the plan active, and see the progress between the plan's start and today with the history in it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.imports.test_council_plans import council_plan_xlsx

pytestmark = pytest.mark.browser


def test_admin_imports_a_council_plan_with_its_recommendations_and_history(
    demo, sign_in, live_server, assert_accessible, tmp_path
):
    path = tmp_path / "westmoor plan.xlsx"
    path.write_bytes(council_plan_xlsx())
    page = sign_in("admin")
    page.goto(live_server.url + reverse("imports:upload_plan"))
    page.get_by_label("Spreadsheet").set_input_files(str(path))
    page.get_by_label("Title of the new plan").fill("Westmoor improvement plan")
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("link", name="See what the import would do").click()

    expect(page.get_by_role("heading", name="How the columns were read")).to_be_visible()
    columns = page.locator("table", has_text="Header in the file")
    expect(columns.get_by_role("row", name="C Lead officer (who) Lead (by its words)")).to_be_visible()
    expect(page.get_by_text("The file names 3 recommendations: R1, R2, R4.")).to_be_visible()
    assert_accessible(page)

    choices = page.locator("form[action$='plan-choices/']")
    choices.locator("[name='plan_start-day']").fill("1")
    choices.locator("[name='plan_start-month']").fill("9")
    choices.locator("[name='plan_start-year']").fill("2018")
    choices.get_by_label("Create the inspection and its 3 recommendations from the file").check()
    choices.get_by_label("Kind of inspection to create").select_option(label="ILACS standard inspection")
    choices.locator("[name='new_date-day']").fill("2")
    choices.locator("[name='new_date-month']").fill("7")
    choices.locator("[name='new_date-year']").fill("2018")
    choices.get_by_role("button", name="Check again with this start and inspection").click()
    page.get_by_role("link", name="See what the import would do").click()
    rows = page.locator("table.imports-rows")
    expect(rows.get_by_text("Recommendation R1: R1 \u2013 Ensure that contacts")).to_be_visible()
    expect(
        rows.get_by_text("Progress entry, 14 September 2018: (none) \u2192 14/09/18 \u2013 MASH manager appointed")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Import now").click()
    expect(page.get_by_role("heading", name="Import complete")).to_be_visible()

    page.get_by_role("link", name="Go to the plan").click()
    expect(page.get_by_role("heading", name="Westmoor improvement plan")).to_be_visible()
    page.get_by_role("link", name="Make this the active plan").click()
    expect(page.get_by_text("It replaces")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Make it the active plan").click()
    expect(page.get_by_text("Westmoor improvement plan is now the active plan.")).to_be_visible()

    page.goto(live_server.url + reverse("progress") + "?from_date=2018-09-01&to_date=2019-03-31")
    expect(page.get_by_role("heading", name="1 September 2018 to 31 March 2019")).to_be_visible()
    # The history the file brought: at the start nothing had begun; by March 2019 every action was under way.
    expect(page.get_by_role("link", name="1.2 Train every duty social worker in thresholds").first).to_be_visible()
    assert_accessible(page)
