"""A queued import's status page while no worker runs, then its failure and the admin's retry."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from imports import services
from imports.models import ImportJob
from tests.factories.imports import ImportJobFactory

pytestmark = pytest.mark.browser


def test_a_queued_job_waits_then_fails_in_words_and_the_admin_retries_it(demo, sign_in, live_server, assert_accessible):
    page = sign_in("admin")
    job = ImportJobFactory(state=ImportJob.State.QUEUED, queued_for="preview", queued_at=services.clock.now())
    page.goto(live_server.url + reverse("imports:job_status", args=[job.pk]))
    expect(page.get_by_text("Waiting for the background worker to start it.")).to_be_visible()
    assert_accessible(page)

    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.FAILED, message=services.STOPPED.format(doing="reading")
    )
    expect(page.get_by_role("heading", name="The import failed")).to_be_visible(timeout=5000)
    expect(page.get_by_text("The background worker stopped while it was reading the file")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Retry the import").click()
    # The browser tests' tasks run at once: the file is read again and the preview is ready.
    expect(page.get_by_text("The file has been checked.")).to_be_visible()
