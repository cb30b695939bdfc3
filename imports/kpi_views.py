"""The KPI import's own step on the preview: the "clear reported values" choice."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from imports import queries, services
from imports.kpi_forms import ClearReportedForm
from imports.models import ImportJob
from imports.views import _require_admin, _run_preview


@require_POST
def clear_reported(request, pk):
    """Save the admin's choice and check the file again with it, so the rows show what will happen."""
    _require_admin(request.user)
    job = get_object_or_404(queries.job_for_page(pk), pk=pk)
    if job.kind != ImportJob.Kind.INDICATORS or job.state != ImportJob.State.PREVIEWED or job.file_removed_at:
        raise PermissionDenied
    form = ClearReportedForm(request.POST)
    form.is_valid()  # one optional checkbox: always valid
    services.set_clear_reported(job, form.cleaned_data.get("clear_reported", False))
    return _run_preview(job)
