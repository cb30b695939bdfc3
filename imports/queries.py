from django.core.paginator import Paginator

from imports.models import ImportChange, ImportJob, ImportPreviewRow

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


PREVIEW_PAGE_SIZE = 50
# The preview's row filters: ?show=changes | problems (anything else: every row).
PREVIEW_FILTERS = {"changes": {"is_change": True}, "problems": {"has_problem": True}}


def preview_rows_page(job, *, show: str = "", page=None):
    """One page of the preview's rows (ImportPreviewRow) for `show`, on the (job, flag, position)
    indexes: a count and a slice, the same two queries for 20 rows or 20,000."""
    rows = ImportPreviewRow.objects.filter(job=job, **PREVIEW_FILTERS.get(show, {})).order_by("position")
    return Paginator(rows, PREVIEW_PAGE_SIZE).get_page(page)


def preview_action_titles(job, refs) -> list[tuple[str, str]]:
    """(reference, title) of the new actions among `refs` in the job's preview rows, in their order."""
    wanted = [ref.strip() for ref in refs if ref.strip()][:PREVIEW_PAGE_SIZE]
    rows = ImportPreviewRow.objects.filter(job=job, entity="action", key__in=wanted).values_list("key", "title")
    return list(rows.order_by("position"))
