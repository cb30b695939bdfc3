"""An officer's update recorded between an import's preview and its confirmation is never overwritten:
the apply re-checks every matched action's version under a row lock and refuses the whole import."""

import pytest
from django.test import Client
from django.urls import reverse

from core.roles import ADMIN, OFFICER
from imports import services
from imports.models import ImportJob
from improvement.models import Action, ActionStatus, ActionUpdate, Progress
from improvement.services import record_update
from tests.dates import TODAY
from tests.factories.core import UserFactory
from tests.imports import fixtures
from tests.imports.helpers import domain_counts, preview, run_import

pytestmark = pytest.mark.django_db


def _second_version(plan_id):
    rows = fixtures.messy_plan_rows()
    rows[6][5] = "Done"  # 4.2 complete according to the spreadsheet
    rows[6][-1] = "Scorecard published"
    return preview(fixtures.xlsx_bytes({"Plan": rows}), "plan v2.xlsx", options={"plan_id": plan_id})


def _officer_update(action, officer):
    return record_update(
        action=action,
        author=officer,
        expected_version=action.version,
        date=TODAY,
        status=ActionStatus.IN_PROGRESS,
        progress=Progress.AT_RISK,
        narrative="Recruitment of the analyst has slipped",
        evidence_of_impact="",
    )


def test_update_after_preview_refuses_the_whole_import_and_lists_the_action():
    plan_id = run_import(fixtures.messy_plan_xlsx()).result["plan_id"]
    job = _second_version(plan_id)
    assert job.state == ImportJob.State.PREVIEWED and job.preview["can_confirm"]
    officer = UserFactory(role=OFFICER, first_name="Priya", last_name="Shah")
    action = Action.objects.get(theme__plan_id=plan_id, reference="4.2")
    _officer_update(action, officer)
    before = domain_counts()

    services.apply_job(job)

    job.refresh_from_db()
    assert domain_counts() == before  # nothing written, the officer's update stands
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    assert ActionUpdate.objects.filter(action=action).latest("created_at").narrative.startswith("Recruitment")
    # Checked again against the plan as it is now, ready for the admin to look at before importing.
    assert job.state == ImportJob.State.PREVIEWED
    assert job.preview["action_versions"][str(action.pk)] == action.version
    assert [a["reference"] for a in job.preview["changed_since_preview"]] == ["4.2"]
    admin = UserFactory(role=ADMIN)
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("imports:job_status", args=[job.pk])).content.decode()
    assert "The import was not made" in page
    assert "1 action in this plan changed after the file was checked" in page
    assert "Action 4.2: Publish a performance scorecard" in page
    assert "by Priya Shah" in page
    preview_page = client.get(reverse("imports:job_preview", args=[job.pk])).content.decode()
    assert "Action 4.2: Publish a performance scorecard" in preview_page

    # Confirmed again after the new preview: the import goes ahead.
    services.apply_job(job)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETE


def test_no_change_since_preview_imports_as_before():
    plan_id = run_import(fixtures.messy_plan_xlsx()).result["plan_id"]
    job = _second_version(plan_id)
    services.apply_job(job)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert "changed_since_preview" not in job.result
    assert Action.objects.get(theme__plan_id=plan_id, reference="4.2").status == ActionStatus.COMPLETE
