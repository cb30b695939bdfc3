"""Pages for loading published statistics: upload a release, map indicators, preview, confirm
(the confirm and status pages are the imports app's own), and the council's code and neighbours."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from core.middleware import upload_view
from core.permissions import service_user_required
from imports import queries, services
from imports.models import ImportJob
from imports.published_forms import CouncilSettingsForm, PublishedMappingForm, PublishedUploadForm
from imports.views import _require_admin, _run_preview
from indicators.services import council_settings, update_council_settings


@upload_view(permission="core.run_imports")
@service_user_required
def upload_published(request):
    _require_admin(request.user)
    form = PublishedUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.create_job(
            kind=ImportJob.Kind.PUBLISHED,
            file_name=upload.name,
            data=upload.read(),
            user=request.user,
            options=form.options(),
        )
        return _run_preview(job)
    return render(request, "imports/published_upload.html", {"form": form, "council": council_settings()})


@service_user_required
def published_preview(request, pk):
    _require_admin(request.user)
    job = get_object_or_404(queries.job_for_page(pk).filter(kind=ImportJob.Kind.PUBLISHED), pk=pk)
    if job.is_running or job.state in {ImportJob.State.DONE, ImportJob.State.FAILED}:
        return redirect("imports:job_status", pk=job.pk)
    preview = job.preview or {}
    form = PublishedMappingForm(request.POST or None, preview=preview)
    if request.method == "POST" and job.file_removed_at is None and form.is_valid():
        services.save_mappings(job, {"published": form.mappings()})
        return _run_preview(job)
    return render(
        request,
        "imports/published_preview.html",
        {
            "job": job,
            "preview": preview,
            "form": form,
            "slots": form.slot_fields() if preview.get("measure_columns") else [],
            "problems": preview.get("problems", []),
        },
    )


@service_user_required
def council_settings_page(request):
    _require_admin(request.user)
    current = council_settings()
    initial = {"la_code": current.la_code, "neighbour_codes": ", ".join(current.neighbour_codes)}
    form = CouncilSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = update_council_settings(
            la_code=form.cleaned_data["la_code"],
            neighbour_codes=form.cleaned_data["neighbour_codes"],
            user=request.user,
        )
        messages.success(
            request,
            f"Saved: council {saved.la_code}, {len(saved.neighbour_codes)} statistical "
            f"neighbour{'s' if len(saved.neighbour_codes) != 1 else ''}.",
        )
        return redirect("imports:council_settings")
    return render(request, "imports/council_settings.html", {"form": form, "current": current})
