"""Request bodies are refused on their headers alone, before CSRF or a form reads a byte of them.

Each request below carries a wsgi.input that counts what is read from it (and fails the test if
anything is), so "refused before it was read" is what the test asserts, not what it hopes.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from imports.models import ImportJob

pytestmark = pytest.mark.django_db

FORTY_MB = 40 * 1024 * 1024
MULTIPART = "multipart/form-data; boundary=BoUnDaRy"


class UnreadableBody:
    """A request body nobody may read: reading it records the attempt and raises."""

    def __init__(self):
        self.bytes_read = 0

    def read(self, size=-1):
        self.bytes_read += 1
        raise AssertionError("the request body was read")

    readline = read


def _post(client, url, length, content_type=MULTIPART, **extra):
    body = UnreadableBody()
    response = client.generic(
        "POST",
        url,
        data=b"-",  # replaced by the unreadable body below; sets the content type
        content_type=content_type,
        **{"wsgi.input": body, "CONTENT_LENGTH": str(length), **extra},
    )
    return response, body


def _signed_in(user):
    # CSRF checks on, as for a real browser: that is the middleware that used to read the body.
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_anonymous_upload_is_sent_to_sign_in_without_reading_the_body():
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))  # the CSRF cookie of the sign-in page, and nothing else
    response, body = _post(client, reverse("imports:upload_plan"), FORTY_MB)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert body.bytes_read == 0
    assert ImportJob.objects.count() == 0


def test_anonymous_small_upload_is_not_accepted_either():
    response, body = _post(Client(enforce_csrf_checks=True), reverse("imports:upload_indicators"), 2_000)
    assert response.status_code == 302
    assert body.bytes_read == 0


def test_signed_in_user_without_import_rights_is_refused_without_reading(officer_user):
    response, body = _post(_signed_in(officer_user), reverse("imports:upload_plan"), 2_000)
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()
    assert body.bytes_read == 0


def test_admin_over_the_limit_sees_a_page_naming_the_limit(admin_user, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    response, body = _post(_signed_in(admin_user), reverse("imports:upload_plan"), FORTY_MB)
    page = response.content.decode()
    assert response.status_code == 413
    assert '<h1 class="govuk-heading-l">The file is too large</h1>' in page
    assert "The largest file you can import is 10 MB. Nothing was imported." in page
    assert f'<a class="govuk-link" href="{reverse("imports:upload_plan")}">Choose a smaller file</a>' in page
    assert admin_user.get_full_name() in page  # the service's own page, with the admin signed in
    assert body.bytes_read == 0
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("default-src")


def test_chunked_body_without_length_is_refused():
    client = Client()
    body = UnreadableBody()
    response = client.generic(
        "POST",
        reverse("imports:upload_plan"),
        data=b"-",
        content_type=MULTIPART,
        **{"wsgi.input": body, "CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked"},
    )
    assert response.status_code == 411
    assert body.bytes_read == 0


def test_chunked_body_with_a_length_as_well_is_refused(admin_user):
    response, body = _post(
        _signed_in(admin_user), reverse("imports:upload_plan"), 2_000, HTTP_TRANSFER_ENCODING="chunked"
    )
    assert response.status_code == 411
    assert body.bytes_read == 0


def test_large_body_to_a_page_without_uploads_is_refused(officer_user):
    response, body = _post(
        _signed_in(officer_user), reverse("account"), 3 * 1024 * 1024, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "A form can send at most 2.5 MB" in response.content.decode()
    assert body.bytes_read == 0


def test_admin_upload_within_the_limit_still_reaches_the_form(admin_client_, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1_048_576
    response = admin_client_.post(
        reverse("imports:upload_plan"),
        {"file": SimpleUploadedFile("plan.csv", b"Ref,Action\n1.1,Do it\n"), "new_plan_title": "T"},
    )
    assert response.status_code == 302
    assert ImportJob.objects.count() == 1


def test_get_requests_are_untouched(admin_client_):
    assert admin_client_.get(reverse("imports:upload_plan")).status_code == 200


@pytest.mark.parametrize("length", ["-5", "ten"])
def test_a_content_length_that_is_not_a_size_is_refused(length):
    response, body = _post(Client(), reverse("login"), length, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert body.bytes_read == 0
