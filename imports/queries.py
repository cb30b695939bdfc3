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
PREVIEW_FILTERS = {"all": "Every row", "changes": "Changes only", "problems": "Problems only"}


def preview_rows(job, *, show: str = "all", page: int = 1) -> dict:
    """One page of a preview's rows (ImportPreviewRow), filtered: "changes" (to create or change) or
    "problems" (with a problem or guess). Two queries whatever the size of the file: a count and a page
    read along the (job, filter, position) index."""
    rows = ImportPreviewRow.objects.filter(job=job)
    if show == "changes":
        rows = rows.filter(is_change=True)
    elif show == "problems":
        rows = rows.filter(has_problem=True)
    total = rows.count()
    pages = max(1, -(-total // PREVIEW_PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PREVIEW_PAGE_SIZE
    return {
        "rows": list(rows.order_by("position")[start : start + PREVIEW_PAGE_SIZE]),
        "total": total,
        "page": page,
        "pages": pages,
        "first": start + 1 if total else 0,
        "last": min(start + PREVIEW_PAGE_SIZE, total),
        "show": show if show in PREVIEW_FILTERS else "all",
    }
