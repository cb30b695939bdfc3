"""Import jobs: store the upload, run the dry run, apply it. Used by the views, the background
tasks and the management commands alike, so all three report the same counts and problems.

Progress and the single transaction: the apply runs inside one transaction, and rows written
inside it are invisible to the status page until it commits (and on SQLite a second connection
could not write at all while it runs). So progress is recorded in phases, each written outside
the transaction: reading the file, checking the rows, saving the changes (the one atomic step),
done. The status page shows "step 2 of 3" and the bar moves between phases.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from core import clock, worker
from core.models import WorkerHeartbeat
from imports import kpi_import, plan_import, published
from imports.models import ImportJob, ImportPreviewRow
from imports.parsing.kpi import parse_kpis
from imports.parsing.plan import PlanParse, parse_plan
from imports.parsing.values import MEANING_LABELS
from imports.parsing.workbook import FileRefused, read_workbook
from imports.pipeline import ImportResult, Problem

logger = logging.getLogger(__name__)
PHASES = ["Reading the file", "Checking the rows", "Saving the changes"]
UNEXPECTED = (
    "The import stopped because of an unexpected problem, and nothing was saved. "
    "Try again; if it happens again, send the file to the service's support team."
)


class FileRemoved(Exception):
    """The job's uploaded file was removed after its retention (imports.retention): it cannot be read again."""


def _require_file(job: ImportJob) -> None:
    if job.file_removed_at is not None:
        raise FileRemoved(job.file_removed_notice)


def create_job(*, kind: str, file_name: str, data: bytes, user, options: dict | None = None) -> ImportJob:
    return ImportJob.objects.create(
        kind=kind,
        file_name=file_name[:255],
        file_bytes=data,
        file_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=user,
        options=options or {},
    )


def _set_phase(job: ImportJob, index: int, **extra) -> None:
    job.phase, job.progress, job.progress_total = PHASES[index], index, len(PHASES)
    for name, value in extra.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(phase=job.phase, progress=index, progress_total=len(PHASES), **extra)


def _finish(job: ImportJob, state: str, **fields) -> None:
    if state in {ImportJob.State.PREVIEWING, ImportJob.State.APPLYING}:
        # The reaper's evidence: when this step started and which worker (if any) is running it.
        fields = {"started_at": clock.now(), "worker_id": worker.current_worker_id(), **fields}
    job.state = state
    job.finished_at = (
        clock.now() if state in {ImportJob.State.DONE, ImportJob.State.FAILED, ImportJob.State.REFUSED} else None
    )
    job.progress = job.progress_total if state == ImportJob.State.DONE else job.progress
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=["state", "finished_at", "progress", *fields.keys()])


def _summary(*, counts, problems, refusal="", extra=None) -> dict:
    return ImportResult(counts=counts, problems=list(problems), refusal=refusal, extra=extra or {}).summary()


def _read(job: ImportJob):
    """The job's sheets (FileRefused when the file cannot be read)."""
    # The upload form checked the size too; a file stored by any other way is held to it here.
    return read_workbook(bytes(job.file_bytes), job.file_name, max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES)


def _plan_result(job: ImportJob, *, dry_run: bool) -> ImportResult:
    """read -> recognise -> plan changes -> apply, for a plan (imports.plan_import)."""
    mappings = job.mappings or {}
    if not dry_run and job.parsed:
        # Confirming: apply what the preview read (the file and the admin's choices have not changed since).
        parse = PlanParse.from_json(job.parsed)
        _set_phase(job, 1)
    else:
        try:
            sheets = _read(job)
        except FileRefused as refusal:
            return ImportResult(refusal=str(refusal))
        _set_phase(job, 1)
        parse = parse_plan(sheets, column_map=mappings.get("columns", {}), value_map=mappings.get("values", {}))
    if not dry_run and not parse.errors and not parse.refusal:
        _set_phase(job, 2)
    return plan_import.import_result(
        parse,
        target=plan_import.target_from_options(job.options or {}, file_name=job.file_name),
        today=plan_import.today(),
        dry_run=dry_run,
        job=job,
        user=job.uploaded_by,
        file_name=job.file_name,
        backdate_reason=(job.options or {}).get("backdate_reason", ""),
        expected_versions=None if dry_run else (job.preview or {}).get("action_versions"),
    )


def _kpi_result(job: ImportJob, *, dry_run: bool) -> ImportResult:
    """read -> recognise -> plan changes -> apply, for KPI values (imports.kpi_import)."""
    try:
        sheets = _read(job)
    except FileRefused as refusal:
        return ImportResult(refusal=str(refusal))
    _set_phase(job, 1)
    parse = parse_kpis(sheets)
    if not dry_run and not parse.errors and not parse.refusal:
        _set_phase(job, 2)
    return kpi_import.run(parse, job=job, dry_run=dry_run or bool(parse.errors))


def process(job: ImportJob, *, dry_run: bool) -> ImportResult:
    """Read and dry-run (or apply) the job's file, by its kind's importer."""
    _set_phase(job, 0)
    if job.kind == ImportJob.Kind.PUBLISHED:
        return published.run(job, dry_run=dry_run)
    if job.kind == ImportJob.Kind.PLAN:
        return _plan_result(job, dry_run=dry_run)
    return _kpi_result(job, dry_run=dry_run)


def store_preview_rows(job: ImportJob, rows) -> None:
    """The preview's rows (imports.pipeline.PlannedChange), written again at every check of the file, so
    the preview page reads one page of them, however many there are."""
    ImportPreviewRow.objects.filter(job=job).delete()
    ImportPreviewRow.objects.bulk_create(
        (
            ImportPreviewRow(
                job=job,
                position=position,
                entity=row.entity,
                key=row.key[:100],
                title=row.title[:300],
                kind=row.kind,
                row=row.row,
                changes=[c.as_dict() for c in row.changes],
                notes=row.notes,
                is_change=row.is_change,
                has_problem=row.has_problem,
            )
            for position, row in enumerate(rows, start=1)
        ),
        batch_size=1000,
    )


def preview_job(job: ImportJob) -> ImportJob:
    """Check the file again (with the admin's latest choices). Raises FileRemoved, changing nothing,
    once the file has been removed."""
    _require_file(job)
    _finish(job, ImportJob.State.PREVIEWING, parsed=None)
    try:
        result = process(job, dry_run=True)
        summary = result.summary()
        store_preview_rows(job, result.rows)
    except Exception:
        logger.exception("Import preview %s failed", job.pk)
        _finish(job, ImportJob.State.FAILED, message=UNEXPECTED)
        return job
    if summary["refusal"]:
        _finish(job, ImportJob.State.REFUSED, preview=summary, message=summary["refusal"])
    elif summary["error_count"]:
        _finish(job, ImportJob.State.REFUSED, preview=summary, message=_errors_message(summary["error_count"]))
    else:
        _finish(job, ImportJob.State.PREVIEWED, preview=summary, message="", parsed=result.parsed)
    return job


def apply_job(job: ImportJob) -> ImportJob:
    """Import what the preview showed. Raises FileRemoved, changing nothing, once the file has been removed."""
    _require_file(job)
    _finish(job, ImportJob.State.APPLYING)
    try:
        summary = process(job, dry_run=False).summary()
    except Exception:
        logger.exception("Import %s failed", job.pk)
        _finish(job, ImportJob.State.FAILED, message=UNEXPECTED)
        return job
    if summary.get("changed_actions"):
        # Actions changed since the preview: nothing was saved. Check the file again against the plan as
        # it is now, so the admin sees what the import would do today, and keep the list of what changed.
        _finish(job, ImportJob.State.PREVIEWING, preview=summary, message=summary["refusal"])
        preview_job(job)
        job.preview = {**(job.preview or {}), "changed_since_preview": summary["changed_actions"]}
        job.message = summary["refusal"]
        job.save(update_fields=["preview", "message"])
        return job
    if not summary["can_confirm"]:
        message = summary["refusal"] or _errors_message(summary["error_count"])
        _finish(job, ImportJob.State.REFUSED, preview=summary, message=message)
        return job
    _finish(job, ImportJob.State.DONE, result=summary, message="", parsed=None)
    return job


# What each queued step becomes once a worker starts it.
STEP_STATES = {"preview": ImportJob.State.PREVIEWING, "apply": ImportJob.State.APPLYING}


def queue_job(job: ImportJob, step: str) -> None:
    """Hand a step ("preview" reads the file, "apply" imports it) to the background worker. The job
    says it is queued, and since when, until a worker starts it."""
    from imports import tasks  # noqa: PLC0415 (a cycle: tasks imports this module at its top)

    job.state, job.queued_for, job.queued_at = ImportJob.State.QUEUED, step, clock.now()
    job.finished_at, job.message = None, ""
    job.save(update_fields=["state", "queued_for", "queued_at", "finished_at", "message"])
    (tasks.preview_import if step == "preview" else tasks.apply_import).enqueue(job.pk)


def claim_queued(job_id: int, step: str) -> ImportJob | None:
    """The job, now marked as running `step`, or None when it is no longer waiting for it (the reaper
    failed it, or a retry's task already ran it): a task for it then does nothing. One conditional
    update, so two workers never run the same job."""
    waiting = Q(state=ImportJob.State.QUEUED, queued_for=step)
    # Tasks queued before the queued state existed left the job in its running state.
    waiting |= Q(state=STEP_STATES[step], queued_for="")
    claimed = ImportJob.objects.filter(waiting, pk=job_id).update(
        state=STEP_STATES[step], started_at=clock.now(), worker_id=worker.current_worker_id()
    )
    return ImportJob.objects.get(pk=job_id) if claimed else None


def fail_removed_file(job: ImportJob, removed: FileRemoved) -> None:
    _finish(job, ImportJob.State.FAILED, message=str(removed))


STOPPED = (
    "The background worker stopped while it was {doing} the file, and nothing was saved. An admin can retry the import."
)
TOO_LONG = (
    "The import took longer than {minutes} minutes while {doing} the file, so it was stopped and "
    "nothing was saved. An admin can retry the import."
)
NEVER_STARTED = (
    "No background worker started the import within {hours} hours, so nothing was saved. "
    "Ask whoever runs the service to check the worker, then retry the import."
)
_DOING = {
    ImportJob.State.PREVIEWING: "reading",
    ImportJob.State.APPLYING: "importing",
    ImportJob.State.UPLOADED: "reading",
}


def reap_stuck_jobs(*, own_worker_id: str = "") -> int:
    """Mark failed, with the reason in words, every job that will never finish by itself:
    - running on a worker whose heartbeat is older than WORKER_STALE_SECONDS (it died);
    - running on `own_worker_id`, the calling worker, which runs one task at a time and calls this
      between tasks, so none of its jobs can still be running (its failure handler's own save may
      have failed in a database outage);
    - reading or importing for longer than IMPORT_JOB_TIME_LIMIT_MINUTES (a web request or a
      command that was killed leaves no worker to check);
    - queued for longer than IMPORT_QUEUE_LIMIT_HOURS without any worker starting it.
    Called by `manage.py reap_imports`, and by run_worker at start, every minute and as soon as the
    database is back after an outage that interrupted one of its tasks. Returns how many."""
    now = clock.now()
    limit = timedelta(minutes=settings.IMPORT_JOB_TIME_LIMIT_MINUTES)
    fresh = now - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    alive = WorkerHeartbeat.objects.filter(last_seen__gte=fresh).values("worker_id")
    reaped = 0
    for state in (ImportJob.State.PREVIEWING, ImportJob.State.APPLYING, ImportJob.State.UPLOADED):
        running = ImportJob.objects.filter(state=state)
        stopped = Q(~Q(worker_id=""), ~Q(worker_id__in=alive))
        if own_worker_id:
            stopped |= Q(worker_id=own_worker_id)
        reaped += running.filter(stopped).update(
            state=ImportJob.State.FAILED, finished_at=now, message=STOPPED.format(doing=_DOING[state])
        )
        too_long = Q(started_at__lt=now - limit) | Q(started_at__isnull=True, created_at__lt=now - limit)
        reaped += running.filter(too_long).update(
            state=ImportJob.State.FAILED,
            finished_at=now,
            message=TOO_LONG.format(minutes=settings.IMPORT_JOB_TIME_LIMIT_MINUTES, doing=_DOING[state]),
        )
    hours = settings.IMPORT_QUEUE_LIMIT_HOURS
    reaped += ImportJob.objects.filter(state=ImportJob.State.QUEUED, queued_at__lt=now - timedelta(hours=hours)).update(
        state=ImportJob.State.FAILED, finished_at=now, message=NEVER_STARTED.format(hours=hours)
    )
    if reaped:
        logger.warning("Marked %s stuck import job%s failed", reaped, "s" if reaped != 1 else "")
    return reaped


class CannotRetry(Exception):
    """Why a job cannot be retried, in words for the admin."""


def retry_job(job: ImportJob) -> None:
    """Queue a failed job's file to be read again with the admin's same choices; they then check the
    preview and confirm as before (an import that failed half way saved nothing, and the plan may
    have changed since its preview)."""
    if job.state != ImportJob.State.FAILED:
        raise CannotRetry("Only an import that failed can be retried.")
    if job.file_removed_at is not None:
        raise CannotRetry(job.file_removed_notice)
    job.parsed, job.preview, job.progress, job.phase = None, {}, 0, ""
    job.save(update_fields=["parsed", "preview", "progress", "phase"])
    queue_job(job, "preview")


def waiting_notice(job: ImportJob) -> str:
    """For a queued job, once it has waited IMPORT_QUEUE_WARNING_SECONDS: that it is waiting for the
    background worker, for how long, and whether a worker has been seen; otherwise ""."""
    if job.state != ImportJob.State.QUEUED or job.queued_at is None:
        return ""
    waited = int((clock.now() - job.queued_at).total_seconds())
    if waited < settings.IMPORT_QUEUE_WARNING_SECONDS:
        return ""
    text = f"Waiting for the background worker: queued {worker.ago_words(waited)} ago."
    health = worker.status()
    if health["worker"] == "never seen":
        text += " No background worker has been seen running. Ask whoever runs the service to start it."
    elif health["worker"] != "ok":
        text += f" The background worker was {health['worker']}. Ask whoever runs the service to check it."
    else:
        text += " The worker is running; it will start this import after the ones before it."
    return text


def _errors_message(count):
    return (
        f"The file has {count} problem{'s' if count != 1 else ''} that must be fixed in the spreadsheet "
        "before it can be imported. Nothing was saved."
    )


def set_backdate_reason(job: ImportJob, reason: str) -> None:
    """The admin's one reason for the back-dated entries the preview listed; kept on each of them."""
    job.options = {**(job.options or {}), "backdate_reason": reason}
    job.save(update_fields=["options"])


def set_clear_reported(job: ImportJob, clear: bool) -> None:
    """The admin's choice on a KPI preview: may "n/a" or a blank cell clear a figure already reported?"""
    job.options = {**(job.options or {}), "clear_reported": bool(clear)}
    job.save(update_fields=["options"])


def save_options(job: ImportJob, options: dict) -> None:
    """The admin's choices about where the file goes (a plan import's start date, inspection, version)."""
    job.options = options
    job.save(update_fields=["options"])


def save_mappings(job: ImportJob, mappings: dict) -> None:
    """The admin's choices on the preview: {"columns": .., "values": .., "indicators": ..}."""
    job.mappings = mappings
    job.save(update_fields=["mappings"])


__all__ = [
    "FileRemoved",
    "create_job",
    "preview_job",
    "apply_job",
    "save_mappings",
    "save_options",
    "queue_job",
    "claim_queued",
    "reap_stuck_jobs",
    "retry_job",
    "CannotRetry",
    "set_backdate_reason",
    "Problem",
    "MEANING_LABELS",
]
