"""Uploaded files are kept for PURGE_IMPORT_FILES_DAYS after their job ends, then removed by
`manage.py purge` (core.purge). The job stays as the import log: who uploaded what and when, its size
and SHA-256, the counts and every ImportChange. Only the file, and the plan read from it for a preview
that was never confirmed, go; such a job can no longer be checked again or confirmed
(ImportJob.file_removed_notice says so)."""

from datetime import datetime

from django.db.models import Q

from core import purge
from core.purge import cutoff
from imports.models import RUNNING_STATES, ImportJob

# A job still being read or applied keeps its file, however old: its worker needs it.
_RUNNING = list(RUNNING_STATES)


def jobs_with_old_files(now: datetime):
    """Finished, refused and failed jobs, and previews never confirmed, whose file has outlived its retention."""
    before = cutoff(now, "PURGE_IMPORT_FILES_DAYS")
    return (
        ImportJob.objects.filter(file_removed_at__isnull=True)
        .exclude(state__in=_RUNNING)
        # A preview waiting for confirmation has no finished_at: it counts from its upload.
        .filter(Q(finished_at__lt=before) | Q(finished_at__isnull=True, created_at__lt=before))
    )


def remove_old_files(now: datetime, dry_run: bool) -> int:
    old = jobs_with_old_files(now)
    if dry_run:
        return old.count()
    return old.update(file_bytes=b"", parsed=None, file_removed_at=now)


def register_purger() -> None:
    purge.register("import_files", "Uploaded import files", "PURGE_IMPORT_FILES_DAYS", remove_old_files)
