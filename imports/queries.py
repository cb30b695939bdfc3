from imports.models import ImportChange, ImportJob

RECENT_JOBS = 20
LOG_CHANGES_SHOWN = 500


def recent_jobs():
    """The latest jobs without their file bytes (which can be megabytes each)."""
    return ImportJob.objects.defer("file_bytes", "parsed", "preview", "result").select_related("uploaded_by")[
        :RECENT_JOBS
    ]


def job_for_page(pk):
    return ImportJob.objects.defer("file_bytes", "parsed").select_related("uploaded_by").filter(pk=pk)


def changes_for_log(job):
    return list(ImportChange.objects.filter(job=job)[:LOG_CHANGES_SHOWN])
