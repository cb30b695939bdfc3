"""The admin's pages for published statistics: upload, map, preview, confirm; the council settings."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEntry
from imports.models import ImportJob
from indicators.models import CouncilSettings, Measurement, PublishedRank, PublishedSource
from indicators.services import council_settings, record_measurement
from tests.factories.indicators import IndicatorFactory
from tests.imports import published_data as data
from tests.imports.helpers import after_worker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def council(settings):
    settings.COUNCIL_LA_CODE = data.OWN[0]
    settings.STATISTICAL_NEIGHBOURS = data.NEIGHBOUR_CODES


@pytest.fixture
def annual(db):
    return IndicatorFactory(code="CLA-STAB", title="Placement stability", frequency="annual", polarity="higher")


def text_of(response) -> str:
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'").replace("&ldquo;", "\u201c")


def upload(client, content=None, name="cla_2024.csv", meta=None):
    files = {"file": SimpleUploadedFile(name, content if content is not None else data.release_csv())}
    if meta is not None:
        files["meta"] = SimpleUploadedFile("cla_2024.meta.csv", meta)
    # The worker reads the file; the status page then takes the admin on (tests run tasks at once).
    return after_worker(client, client.post(reverse("imports:upload_published"), files, follow=True))


def post_mapping(client, pk, posted):
    return after_worker(client, client.post(reverse("imports:published_preview", args=[pk]), posted, follow=True))


def mapping(code="CLA-STAB", measure="percentage", **filters):
    posted = {"m0_indicator": code, "m0_measure": measure}
    posted["m0_filter_age"] = filters.get("age", "")
    if code == "__new__":
        posted["m0_new_code"] = filters["new_code"]
    return posted


def test_the_start_page_links_to_published_statistics(admin_client_):
    text = text_of(admin_client_.get(reverse("imports:start")))
    assert "Load published statistics" in text
    assert "Your council's code and statistical neighbours" in text


def test_an_admin_uploads_maps_previews_and_confirms(admin_client_, annual):
    response = upload(admin_client_)
    job = ImportJob.objects.get()
    assert response.request["PATH_INFO"] == reverse("imports:published_preview", args=[job.pk])
    text = text_of(response)
    assert "No indicator is mapped to a column of the file" in text
    assert "Filter columns age" in text
    assert "Your council E09000099; 3 statistical neighbours" in text

    response = post_mapping(admin_client_, job.pk, mapping(age="Total"))
    text = text_of(response)
    assert "CLA-STAB Placement stability" in text
    assert "From percentage where age = Total" in text
    assert "2023/24 Our value None 72.0%" in text
    assert "2023/24 Statistical neighbours None 62.0% (mean of 3 of 3 neighbours)" in text
    assert "2023/24 Rank among councils None 1 of 8, quartile 1" in text
    assert Measurement.objects.count() == 0  # nothing until confirmed

    response = admin_client_.post(reverse("imports:job_confirm", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.state == "done"
    assert annual.measurements.get(period=datetime.date(2023, 4, 1)).value == Decimal("72")
    assert PublishedSource.objects.get(indicator=annual).filters == {"age": "Total"}
    log = text_of(admin_client_.get(reverse("imports:job_log", args=[job.pk])))
    assert "CLA-STAB" in log


def test_next_years_release_loads_with_the_saved_mapping(admin_client_, annual):
    PublishedSource.objects.create(indicator=annual, measure_column="percentage", filters={"age": "Total"})
    response = upload(admin_client_)
    text = text_of(response)
    assert "Mapping 1: CLA-STAB" in text
    assert "Confirm and load" in text
    job = ImportJob.objects.get()
    admin_client_.post(reverse("imports:job_confirm", args=[job.pk]))
    assert PublishedRank.objects.filter(indicator=annual).count() == 3


def test_an_ambiguous_mapping_is_refused_naming_the_filter(admin_client_, annual):
    upload(admin_client_)
    job = ImportJob.objects.get()
    response = post_mapping(admin_client_, job.pk, mapping())
    text = text_of(response)
    assert "picks 2 rows for Riverford in 2021/22" in text
    assert "Choose a value for \u201cage\u201d" in text
    assert "Confirm and load" not in text
    # Confirming anyway loads nothing.
    admin_client_.post(reverse("imports:job_confirm", args=[job.pk]))
    assert Measurement.objects.count() == 0


def test_a_new_indicator_can_be_created_from_the_page(admin_client_):
    upload(admin_client_)
    job = ImportJob.objects.get()
    admin_client_.post(
        reverse("imports:published_preview", args=[job.pk]),
        mapping("__new__", "number", age="Under 16", new_code="CLA-NUM"),
    )
    admin_client_.post(reverse("imports:job_confirm", args=[job.pk]))
    created = PublishedSource.objects.get().indicator
    assert (created.code, created.frequency, created.unit, created.polarity) == ("CLA-NUM", "annual", "number", "none")


def test_a_mapping_without_a_column_is_shown_again_with_an_error(admin_client_, annual):
    upload(admin_client_)
    job = ImportJob.objects.get()
    response = admin_client_.post(reverse("imports:published_preview", args=[job.pk]), mapping(measure=""))
    assert "Choose the column that holds the indicator" in text_of(response)
    job.refresh_from_db()
    assert "published" not in job.mappings


def test_a_local_value_is_shown_old_to_new_as_a_correction(admin_client_, annual, admin_user):
    with time_machine.travel(datetime.datetime(2024, 5, 1, 9, tzinfo=datetime.UTC)):
        record_measurement(
            indicator=annual, period=datetime.date(2023, 4, 1), value=Decimal("70.4"), entered_by=admin_user
        )
    upload(admin_client_)
    job = ImportJob.objects.get()
    response = post_mapping(admin_client_, job.pk, mapping(age="Total"))
    text = text_of(response)
    assert "2023/24 Our value 70.4% 72.0% Correction" in text
    assert "(1 correction of values entered here)" in text


def test_a_file_not_in_the_format_is_refused_on_the_page(admin_client_):
    response = upload(admin_client_, b"a,b\n1,2\n", name="other.csv")
    text = text_of(response)
    assert "This release cannot be loaded as it is" in text
    assert "not in DfE's open data format" in text
    assert Measurement.objects.count() == 0


def test_the_metadata_file_is_followed(admin_client_):
    response = upload(admin_client_, meta=data.meta_csv(indicators=("percentage",)))
    assert "Columns with figures percentage" in text_of(response)


def test_the_upload_form_needs_a_file(admin_client_):
    response = admin_client_.post(reverse("imports:upload_published"), {"meta": ""})
    assert "Choose the release's CSV file" in text_of(response)
    assert ImportJob.objects.count() == 0


# ------------------------------------------------------------------ council settings


def test_the_council_settings_page_shows_the_values_seeded_from_the_environment(admin_client_):
    response = admin_client_.get(reverse("imports:council_settings"))
    assert response.context["form"].initial == {
        "la_code": "E09000099",
        "neighbour_codes": ", ".join(data.NEIGHBOUR_CODES),
    }


def test_an_admin_changes_the_council_code_and_neighbours(admin_client_, settings):
    response = admin_client_.post(
        reverse("imports:council_settings"),
        {"la_code": "330", "neighbour_codes": "e08000026,\nE06000001 805"},
        follow=True,
    )
    assert "Saved: council 330, 3 statistical neighbours." in text_of(response)
    row = CouncilSettings.objects.get()
    assert (row.la_code, row.neighbour_codes) == ("330", ["E08000026", "E06000001", "805"])
    assert AuditEntry.objects.get(event="council_settings.changed").actor_name == "alice.admin"
    # The database wins over the environment from now on.
    settings.COUNCIL_LA_CODE = "E09000099"
    assert council_settings().la_code == "330"


@pytest.mark.parametrize(
    "posted, message",
    [
        ({"la_code": ""}, "Enter your council's code"),
        ({"la_code": "Riverford"}, "Enter the code as E followed by 8 digits"),
        ({"la_code": "330", "neighbour_codes": "E08000026, Barnet"}, "These are not council codes: BARNET"),
        ({"la_code": "330", "neighbour_codes": "805, 805"}, "A neighbour is listed twice"),
    ],
)
def test_bad_council_settings_are_refused_and_change_nothing(admin_client_, posted, message):
    before = council_settings().la_code
    response = admin_client_.post(reverse("imports:council_settings"), posted)
    assert message in text_of(response)
    assert CouncilSettings.objects.get().la_code == before
    assert not AuditEntry.objects.filter(event="council_settings.changed").exists()


@pytest.mark.parametrize("role", ["officer", "board", "clerk", "outsider"])
def test_only_admins_can_load_releases_or_change_the_council(role, make_user, client):
    client.force_login(make_user(role))
    assert client.get(reverse("imports:upload_published")).status_code == 403
    assert client.post(reverse("imports:council_settings"), {"la_code": "330"}).status_code == 403
    assert CouncilSettings.objects.filter(la_code="330").count() == 0


def test_a_release_is_checked_in_the_background_and_its_mapping_chosen_after(admin_client_, annual):
    # Every release, however small, is read by the worker: the upload lands on the status page.
    files = {"file": SimpleUploadedFile("cla_2024.csv", data.release_csv())}
    response = admin_client_.post(reverse("imports:upload_published"), files)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("imports:job_status", args=[job.pk])
    # Tests run tasks at once: the check has finished, and asks for a mapping.
    text = text_of(admin_client_.get(response["Location"]))
    assert "No indicator is mapped" in text
    assert "Choose the mapping and check again" in text
    preview_url = reverse("imports:published_preview", args=[job.pk])
    response = admin_client_.post(preview_url, mapping(age="Total"), follow=True)
    assert "See what the import would do" in text_of(response)
    response = admin_client_.get(reverse("imports:job_preview", args=[job.pk]), follow=True)
    assert "2023/24 Our value None 72.0%" in text_of(response)


def test_the_mapping_form_cleans_control_characters_from_a_new_code(annual):
    # The published forms live outside imports/forms.py, so the hostile-text guard does not scan them.
    from imports.published_forms import PublishedMappingForm

    form = PublishedMappingForm(
        {"m0_indicator": "__new__", "m0_new_code": "CLA\x07-NEW\x00", "m0_measure": "percentage"},
        preview={"measure_columns": ["percentage"]},
    )
    assert form.is_valid(), form.errors
    assert form.mappings() == [{"indicator": "CLA-NEW", "measure": "percentage", "filters": {}}]


def test_council_settings_ignore_control_characters_between_codes(admin_client_):
    admin_client_.post(reverse("imports:council_settings"), {"la_code": "33\x070", "neighbour_codes": "331,\x00 332"})
    saved = council_settings()
    assert (saved.la_code, saved.neighbour_codes) == ("330", ["331", "332"])
