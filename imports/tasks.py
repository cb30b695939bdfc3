"""Background work for imports (django-tasks). In production a worker runs them:
`python manage.py db_worker` (see README); tests use the immediate backend."""

from django_tasks import task

from imports import services
from imports.models import ImportJob


@task()
def preview_import(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    return services.preview_job(job).state


@task()
def apply_import(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    return services.apply_job(job).state
