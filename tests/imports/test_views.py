"""The admin's pages: upload, preview with mappings, confirm, status, log; and query counts."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportJob
from improvement.models import Action, Plan
from tests.factories.imports import ImportJobFactory
from tests.imports import fixtures
from tests.imports.helpers import after_worker, domain_counts, run_import

pytestmark = pytest.mark.django_db


def _upload(client, data, name="plan.xlsx", **fields):
    return client.post(reverse("imports:upload_plan"), {"file": SimpleUploadedFile(name, data), **fields})


def test_upload_preview_confirm_then_plan_and_log(admin_client_):
    response = _upload(admin_client_, fixtures.messy_plan_xlsx(), new_plan_title="Getting to Good")
    job = ImportJob.objects.get()
    # Even a small file is read by the worker: the admin is shown the status page until it is ready.
    assert response["Location"] == reverse("imports:job_status", args=[job.pk])
    response = after_worker(admin_client_, response)
    assert response.redirect_chain == []
    assert response.request["PATH_INFO"] == reverse("imports:job_preview", args=[job.pk])
    page = response.content.decode()
    assert "Check the import of plan.xlsx" in page
    assert "\u201cSummer 2019\u201d read as 31 August 2019" in page
    assert '<span id="count-created">8</span> (the plan, 2 themes, 5 actions)' in page
    assert Plan.objects.count() == 0
    response = admin_client_.post(reverse("imports:job_confirm", args=[job.pk]))
    assert response["Location"] == reverse("imports:job_status", args=[job.pk])
    status = admin_client_.get(response["Location"]).content.decode()
    plan = Plan.objects.get(title="Getting to Good")
    assert "Import complete" in status
    assert f'href="{plan.get_absolute_url()}"' in status.replace("&amp;", "&")
    log = admin_client_.get(reverse("imports:job_log", args=[job.pk])).content.decode()
    assert job.sha256 in log
    action = Action.objects.get(reference="2.1")
    assert f'href="{action.get_absolute_url()}"' in log


def test_upload_form_requires_plan_or_title(admin_client_):
    response = _upload(admin_client_, fixtures.messy_plan_xlsx())
    assert "Choose a plan to update, or give the new plan a title" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_upload_over_size_limit_refused_before_parsing(admin_client_, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1_048_576
    before = domain_counts()
    response = _upload(admin_client_, b"x" * 1_100_000, "big.csv", new_plan_title="T")
    assert "The file is 1.0 MB. The largest file you can import is 1 MB." in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert domain_counts() == before


def test_preview_maps_unrecognised_column(admin_client_):
    data = fixtures.xlsx_bytes({"Plan": [["Ref", "Action", "Officer notes"], ["1.1", "A", "Talk to the police"]]})
    _upload(admin_client_, data, new_plan_title="T")
    job = ImportJob.objects.get()
    page = admin_client_.get(reverse("imports:job_preview", args=[job.pk])).content.decode()
    assert "Column \u201cOfficer notes\u201d" in page
    response = admin_client_.post(reverse("imports:job_preview", args=[job.pk]), {"column_0": "detail"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.mappings["columns"] == {"officer notes": "detail"}
    assert {"field": "Detail (how)", "header": "Officer notes"} in job.preview["columns"]
    admin_client_.post(reverse("imports:job_confirm", args=[job.pk]))
    assert Action.objects.get().detail == "Talk to the police"


def test_preview_lists_problems_with_sheet_row_column(admin_client_):
    rows = [["Ref", "Action", "Target date"], ["1.1", "A", "31/02/2019"], ["1.1", "B", ""]]
    _upload(admin_client_, fixtures.xlsx_bytes({"Plan": rows}), new_plan_title="T")
    job = ImportJob.objects.get()
    page = admin_client_.get(reverse("imports:job_preview", args=[job.pk])).content.decode()
    assert "2 problems must be fixed before this file can be imported" in page
    assert "Action 1.1: \u201c31/02/2019\u201d is not a real date." in page
    assert "Import now" not in page
    assert "Upload the corrected file" in page
    response = admin_client_.post(reverse("imports:job_confirm", args=[job.pk]))
    assert response.status_code == 302
    assert Plan.objects.count() == 0


def test_refused_file_shows_plain_message(admin_client_):
    _upload(admin_client_, b"%PDF-1.4", "plan.xlsx", new_plan_title="T")
    job = ImportJob.objects.get()
    page = admin_client_.get(reverse("imports:job_preview", args=[job.pk])).content.decode()
    assert "This file cannot be imported" in page
    assert "is a PDF, not a spreadsheet" in page


def test_a_small_file_is_read_by_the_worker_not_in_the_request(admin_client_, monkeypatch):
    # Issue 13: a 1.5 KB crafted file took 7 s inside the web request. No file is read there now.
    from imports import services, tasks

    def refuse_in_request(job):
        raise AssertionError("the upload request read the file")

    enqueued = []
    monkeypatch.setattr(services, "preview_job", refuse_in_request)
    # No worker has run yet: the queued task is only recorded.
    monkeypatch.setattr(tasks, "preview_import", type("Queued", (), {"enqueue": staticmethod(enqueued.append)}))
    tiny = fixtures.csv_bytes([["Ref", "Action"], ["1.1", "A"]])
    response = _upload(admin_client_, tiny, "tiny.csv", new_plan_title="T")
    job = ImportJob.objects.get()
    assert enqueued == [job.pk]
    assert response["Location"] == reverse("imports:job_status", args=[job.pk])
    job.refresh_from_db()
    assert (job.state, job.queued_for) == (ImportJob.State.QUEUED, "preview")  # for the worker to read
    page = admin_client_.get(response["Location"]).content.decode()
    assert "Waiting for the background worker to start it." in page
    assert "This page updates itself" in page


def test_status_json_and_running_page(admin_client_):
    job = ImportJobFactory(state=ImportJob.State.APPLYING, phase="Saving the changes", progress=2, progress_total=3)
    data = json.loads(admin_client_.get(reverse("imports:job_status_json", args=[job.pk])).content)
    assert data == {
        "state": "applying",
        "state_label": "Importing",
        "phase": "Saving the changes",
        "progress": 2,
        "progress_total": 3,
        "percent": 66,
        "running": True,
        "message": "",
        "waiting": "",
    }
    page = admin_client_.get(reverse("imports:job_status", args=[job.pk])).content.decode()
    # Only without JavaScript does the page reload itself; with it, imports.js polls status.json.
    # Its reload is marked (?refresh=1) so that it does not keep the session alive.
    refresh = reverse("imports:job_status", args=[job.pk]) + "?refresh=1"
    assert f'<noscript><meta http-equiv="refresh" content="2; url={refresh}"></noscript>' in page
    assert '<progress id="import-progress" class="imports-progress" max="3" value="2">66%</progress>' in page
    assert "js/imports.js" in page


def test_upload_indicators_page(admin_client_):
    response = admin_client_.post(
        reverse("imports:upload_indicators"), {"file": SimpleUploadedFile("s.xlsx", fixtures.wide_scorecard_xlsx())}
    )
    job = ImportJob.objects.get()
    page = after_worker(admin_client_, response).content.decode()
    assert "Indicator \u201cAssessments completed within 45 working days (%)\u201d (row 4)" in page
    admin_client_.post(
        reverse("imports:job_preview", args=[job.pk]),
        {"indicator_0": "create", "indicator_1": "ignore", "indicator_2": "ignore"},
    )
    admin_client_.post(reverse("imports:job_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert (job.state, job.result["counts"]["indicators_created"]) == ("done", 1)


@pytest.mark.parametrize("jobs", [1, 5])
def test_start_page_query_count(admin_client_, admin_user, django_assert_num_queries, jobs):
    for _ in range(jobs):
        ImportJobFactory(uploaded_by=admin_user)
    # session, user, user permissions, group permissions, jobs with their uploaders (one join),
    # then the session save every request does (savepoint, update, release)
    with django_assert_num_queries(7):
        assert admin_client_.get(reverse("imports:start")).status_code == 200


@pytest.mark.parametrize("actions", [1, 5])
def test_log_page_query_count(admin_client_, django_assert_num_queries, actions):
    rows = [["Ref", "Action"]] + [[f"1.{n}", f"Action {n}"] for n in range(1, actions + 1)]
    job = run_import(fixtures.xlsx_bytes({"Plan": rows}))
    # session, user, user permissions, group permissions, the job with its uploader, its changes,
    # then the session save every request does (savepoint, update, release)
    with django_assert_num_queries(8):
        assert admin_client_.get(reverse("imports:job_log", args=[job.pk])).status_code == 200
