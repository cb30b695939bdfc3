"""Background work for imports (django-tasks). In production a worker runs them:
`python manage.py run_worker` (see README); tests use the immediate backend.

Each task first claims its job (services.claim_queued): a job the reaper failed, or that a retry's
task already ran, is left alone, so a late or duplicate task cannot overwrite the truth."""

from django_tasks import task

from imports import services


def _run(job_id: int, step: str, work) -> str:
    job = services.claim_queued(job_id, step)
    if job is None:
        return "skipped"
    try:
        return work(job).state
    except services.FileRemoved as removed:
        services.fail_removed_file(job, removed)
        return job.state


@task()
def preview_import(job_id: int) -> str:
    return _run(job_id, "preview", services.preview_job)


@task()
def apply_import(job_id: int) -> str:
    return _run(job_id, "apply", services.apply_job)
