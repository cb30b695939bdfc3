"""The import log is a permanent record once an import is applied: who imported which file, when,
and what it changed. A running job still moves through its phases, a job never applied may be
removed, and an applied job's stored file can still be purged."""

import pytest
from django.db.models import ProtectedError

from core.records import PermanentRecordError
from imports.models import ImportChange, ImportJob
from improvement.models import Plan
from improvement.services import delete_unactivated_plan
from tests.factories.imports import ImportJobFactory
from tests.imports import fixtures
from tests.imports.helpers import run_import


@pytest.fixture
def applied(db, admin_user):
    job = run_import(fixtures.messy_plan_xlsx(), user=admin_user)
    assert job.state == ImportJob.State.DONE and job.changes.exists()
    return job


def test_an_applied_imports_log_cannot_be_changed(applied):
    counts = applied.result["counts"]

    applied.result = {"counts": {"created": 0}}
    with pytest.raises(PermanentRecordError, match="cannot be changed once applied"):
        applied.save()
    with pytest.raises(PermanentRecordError):
        applied.save(update_fields=["result"])
    with pytest.raises(PermanentRecordError):
        ImportJob.objects.filter(pk=applied.pk).update(state=ImportJob.State.FAILED)
    with pytest.raises(PermanentRecordError):
        applied.changes.update(object_label="Something else")

    stored = ImportJob.objects.get(pk=applied.pk)
    assert (stored.state, stored.result["counts"]) == (ImportJob.State.DONE, counts)


def test_an_applied_import_and_its_changes_cannot_be_deleted(applied):
    changes = applied.changes.count()

    with pytest.raises(PermanentRecordError, match="cannot be deleted once applied"):
        applied.delete()
    with pytest.raises(PermanentRecordError):
        ImportJob.objects.filter(pk=applied.pk).delete()
    with pytest.raises(PermanentRecordError):
        applied.changes.all().delete()
    # Even past the guards, the rows it wrote protect it.
    with pytest.raises(ProtectedError):
        ImportJob._base_manager.filter(pk=applied.pk).delete()

    assert ImportJob.objects.filter(pk=applied.pk).exists() and applied.changes.count() == changes


def test_an_applied_imports_stored_file_can_still_be_purged(applied):
    # As `manage.py purge` does (it also stamps when, in a field of its own, outside the log).
    ImportJob.objects.filter(pk=applied.pk).update(file_bytes=b"", parsed=None)
    applied.refresh_from_db()
    assert bytes(applied.file_bytes) == b""

    applied.file_bytes, applied.parsed = b"", None
    applied.save()  # a full save that changes nothing in the log is allowed
    assert ImportJob.objects.get(pk=applied.pk).sha256 == applied.sha256


def test_a_running_job_still_records_its_progress_and_outcome(db):
    job = ImportJobFactory(state=ImportJob.State.APPLYING)

    ImportJob.objects.filter(pk=job.pk).update(phase="Saving the changes", progress=2, progress_total=3)
    job.state, job.result = ImportJob.State.DONE, {"counts": {"created": 1}}
    job.save(update_fields=["state", "result"])

    assert ImportJob.objects.get(pk=job.pk).state == ImportJob.State.DONE


@pytest.mark.parametrize("state", [ImportJob.State.PREVIEWED, ImportJob.State.REFUSED, ImportJob.State.FAILED])
def test_a_job_never_applied_changed_nothing_and_may_be_removed(state, db):
    job = ImportJobFactory(state=state)
    job.delete()  # what the command line's dry run does
    assert not ImportJob.objects.exists()


def test_undoing_a_mistaken_import_keeps_its_log(applied, admin_user):
    plan = Plan.objects.get(pk=applied.result["plan_id"])
    changes = applied.changes.count()

    delete_unactivated_plan(plan=plan, by=admin_user)

    assert not Plan.objects.exists()
    assert ImportChange.objects.filter(job=applied).count() == changes
    assert ImportJob.objects.get(pk=applied.pk).state == ImportJob.State.DONE
