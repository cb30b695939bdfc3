"""The import forms in GOV.UK Design System markup (issue 17): the file upload component on the three
upload forms, with the size limit in its hint and the error summary linking to it (a file over the
limit is refused before it is read: tests/core/test_request_guard.py); on the plan preview
the inspection choice as radios that reveal their own fields, with GOV.UK's date input."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from imports.models import ImportJob
from tests.factories.imports import ImportJobFactory

pytestmark = pytest.mark.django_db
UPLOADS = ["imports:upload_plan", "imports:upload_indicators", "imports:upload_published"]


def _file_input(page: str, name: str = "file") -> str:
    return re.search(rf'<input type="file" name="{name}"[^>]*>', page).group(0)


@pytest.mark.parametrize("url_name", UPLOADS)
@override_settings(IMPORT_MAX_UPLOAD_BYTES=7 * 1_048_576)
def test_each_upload_form_uses_the_file_upload_component_and_names_the_limit(admin_client_, url_name):
    page = admin_client_.get(reverse(url_name)).content.decode()
    field = _file_input(page)
    assert 'class="govuk-file-upload"' in field and 'aria-describedby="id_file_helptext"' in field
    hint = re.search(r'<div id="id_file_helptext" class="govuk-hint">([^<]*)</div>', page).group(1)
    assert "up to 7 MB" in hint


@pytest.mark.parametrize("url_name", UPLOADS)
def test_no_file_chosen_is_named_in_the_error_summary_and_on_the_field(admin_client_, url_name):
    before = ImportJob.objects.count()
    response = admin_client_.post(reverse(url_name), {"new_plan_title": "A plan"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in page
    summary = page[page.index('<div class="govuk-error-summary"') :]
    assert re.search(r'<a href="#id_file">Choose the (spreadsheet to import|release&#x27;s CSV file)</a>', summary)
    field = _file_input(page)
    assert "govuk-file-upload--error" in field and "id_file_error" in field
    assert ImportJob.objects.count() == before


def test_the_metadata_file_is_optional_once_and_names_its_limit(admin_client_):
    page = admin_client_.get(reverse("imports:upload_published")).content.decode()
    assert "The release&#x27;s metadata file (optional)</label>" in page
    assert "(optional) (optional)" not in page
    assert "Up to 1 MB." in page
    assert 'class="govuk-file-upload"' in _file_input(page, "meta")


def _plan_preview_job(admin_user, **options):
    return ImportJobFactory(
        uploaded_by=admin_user,
        kind="plan",
        state="previewed",
        options={"new_plan_title": "Westmoor plan", **options},
        preview={
            "counts": {},
            "problems": [],
            "problem_count": 0,
            "error_count": 0,
            "refusal": "",
            "can_confirm": True,
            "creates_plan": True,
            "plan_start": "2018-09-14",
            "file_recommendations": ["R1", "R2"],
        },
    )


def _reveal(page: str, value: str) -> tuple[str, str]:
    """(class, content) of the conditional block the inspection radio with `value` controls."""
    radio = re.search(
        rf'<input class="govuk-radios__input" type="radio" name="inspection_choice" value="{value}"[^>]*>', page
    )
    controls = re.search(r' aria-controls="([^"]+)"', radio.group(0)).group(1)
    block = re.search(rf'<div class="([^"]*)" id="{controls}">(.*?)\n        </div>\n', page, re.S)
    return block.group(1), block.group(2)


def test_the_inspection_choice_reveals_a_select_under_existing_and_kind_and_date_under_new(admin_client_, admin_user):
    job = _plan_preview_job(admin_user)
    page = admin_client_.get(reverse("imports:job_preview", args=[job.pk])).content.decode()
    assert '<div class="govuk-radios">' in page
    none = re.search(r'<input[^>]*name="inspection_choice" value="none"[^>]*>', page).group(0)
    assert "checked" in none and "aria-controls" not in none
    existing_class, existing = _reveal(page, "existing")
    assert 'name="inspection"' in existing and 'name="new_kind"' not in existing
    new_class, new = _reveal(page, "new")
    assert 'name="new_kind"' in new and 'name="inspection"' not in new
    for part in ("day", "month", "year"):
        assert f'name="inspection_date-{part}"' in new
    assert 'type="date"' not in page
    # Neither is chosen yet: both start hidden (static/js/imports.js shows one when its radio is chosen).
    assert existing_class == new_class == "govuk-radios__conditional govuk-radios__conditional--hidden"
    assert "Create the inspection and its 2 recommendations from the file" in page
    # Required whenever their radio is chosen, so never "(optional)".
    assert "(optional)" not in existing + new


def test_a_chosen_new_inspection_is_shown_open_with_its_kind_and_date(admin_client_, admin_user):
    job = _plan_preview_job(admin_user, inspection_new={"kind": "ilacs_standard", "date": "2018-07-02"})
    page = admin_client_.get(reverse("imports:job_preview", args=[job.pk])).content.decode()
    new_class, new = _reveal(page, "new")
    assert new_class == "govuk-radios__conditional"
    assert '<option value="ilacs_standard" selected>' in new
    assert 'name="inspection_date-day" type="text" inputmode="numeric" value="2"' in new
    assert 'name="inspection_date-year" type="text" inputmode="numeric" value="2018"' in new


def test_a_new_inspection_without_its_kind_and_date_says_what_is_missing(admin_client_, admin_user):
    job = _plan_preview_job(admin_user)
    response = admin_client_.post(
        reverse("imports:job_plan_choices", args=[job.pk]),
        {
            "plan_start-day": "1",
            "plan_start-month": "9",
            "plan_start-year": "2018",
            "inspection_choice": "new",
            "inspection_date-day": "2",
            "inspection_date-year": "2018",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_new_kind">Choose the kind of inspection to create</a>' in page
    assert '<a href="#id_inspection_date-day">Date of the inspection must include a month</a>' in page
    # The reveal stays open on the choice the admin made, so the errors are visible.
    new_class, new = _reveal(page, "new")
    assert new_class == "govuk-radios__conditional" and "govuk-form-group--error" in new
    job.refresh_from_db()
    assert not job.options.get("inspection_new")


def test_the_plan_upload_says_optional_only_on_the_field_that_always_is(admin_client_):
    page = admin_client_.get(reverse("imports:upload_plan")).content.decode()
    assert '<label class="govuk-label govuk-label--s" for="id_plan">Plan to update</label>' in page
    assert '<label class="govuk-label govuk-label--s" for="id_new_plan_title">Title of the new plan</label>' in page
    assert "Needed when you are creating a new plan; leave it empty when you update one" in page
    assert "Inspection whose recommendations the plan answers (optional)" in page
