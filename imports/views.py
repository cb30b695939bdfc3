from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import audit
from core.middleware import passive_request, upload_view
from core.permissions import service_user_required
from imports import exports, queries, services
from imports.forms import ConfirmForm, IndicatorUploadForm, MappingForm, PlanPreviewForm, PlanUploadForm
from imports.kpi_forms import ClearReportedForm
from imports.models import ImportChange, ImportJob
from imports.parsing.values import MEANING_LABELS
from imports.permissions import can_run_imports


def _require_admin(user):
    if not can_run_imports(user):
        raise PermissionDenied


@service_user_required
def start(request):
    _require_admin(request.user)
    return render(request, "imports/import_start.html", {"jobs": list(queries.recent_jobs())})


def _upload(request, *, kind, form_class, template):
    _require_admin(request.user)
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.create_job(
            kind=kind, file_name=upload.name, data=upload.read(), user=request.user, options=form.options()
        )
        return _run_preview(job)
    return render(request, template, {"form": form, "max_mb": settings.IMPORT_MAX_UPLOAD_BYTES // 1_048_576})


def _run_preview(job):
    # Every file is read by the background worker, never inside the web request, however small:
    # a crafted file of a few KB can claim millions of cells (issue 13). The admin sees the status
    # page ("Reading the file") until the preview is ready.
    job.phase, job.progress, job.progress_total = services.PHASES[0], 0, len(services.PHASES)
    job.save(update_fields=["phase", "progress", "progress_total"])
    services.queue_job(job, "preview")
    return redirect("imports:job_status", pk=job.pk)


@upload_view(permission="core.run_imports")
@service_user_required
def upload_plan(request):
    return _upload(request, kind=ImportJob.Kind.PLAN, form_class=PlanUploadForm, template="imports/plan_upload.html")


@upload_view(permission="core.run_imports")
@service_user_required
def upload_indicators(request):
    return _upload(
        request,
        kind=ImportJob.Kind.INDICATORS,
        form_class=IndicatorUploadForm,
        template="imports/indicators_upload.html",
    )


@service_user_required
def job_preview(request, pk):
    _require_admin(request.user)
    job = get_object_or_404(queries.job_for_page(pk), pk=pk)
    if job.kind == ImportJob.Kind.PUBLISHED:
        return redirect("imports:published_preview", pk=job.pk)
    if job.is_running or job.state in {ImportJob.State.DONE, ImportJob.State.FAILED}:
        return redirect("imports:job_status", pk=job.pk)
    form = MappingForm(request.POST or None, preview=job.preview, mappings=job.mappings, kind=job.kind)
    if request.method == "POST":
        if job.state != ImportJob.State.PREVIEWED:
            raise PermissionDenied
        # Once the file is removed there is nothing to check again: the page says so instead of the form.
        if job.file_removed_at is None and form.is_valid():
            services.save_mappings(job, form.mappings(job.mappings))
            return _run_preview(job)
    return _render_preview(request, job, form, _confirm_form(job))


@require_POST
def job_plan_choices(request, pk):
    """The plan import's choices on the preview (start date, inspection, the version it continues):
    saved, then the file is checked again with them."""
    _require_admin(request.user)
    job = get_object_or_404(queries.job_for_page(pk), pk=pk)
    if job.kind != ImportJob.Kind.PLAN or job.state not in {ImportJob.State.PREVIEWED, ImportJob.State.REFUSED}:
        return redirect("imports:job_status", pk=job.pk)
    plan_form = PlanPreviewForm(
        request.POST,
        options=job.options or {},
        preview=job.preview or {},
        page_actions=queries.preview_action_titles(job, request.POST.get("remap_refs", "").splitlines()),
    )
    if job.file_removed_at is None and plan_form.is_valid():
        services.save_options(job, plan_form.options(job.options or {}))
        return _run_preview(job)
    form = MappingForm(preview=job.preview, mappings=job.mappings, kind=job.kind)
    return _render_preview(request, job, form, _confirm_form(job), plan_form=plan_form)


def _confirm_form(job, data=None):
    return ConfirmForm(data, backdated_count=(job.preview or {}).get("backdated_count", 0))


def _render_preview(request, job, form, confirm_form, plan_form=None):
    mappings = job.mappings or {}
    show = request.GET.get("show", "")
    rows_page = queries.preview_rows_page(job, show=show, page=request.GET.get("page"))
    if job.kind == ImportJob.Kind.PLAN and plan_form is None and job.preview and not job.preview.get("refusal"):
        # One "continues" select for each new action on the page of rows shown.
        page_actions = [(row.key, row.title) for row in rows_page if row.entity == "action" and row.kind == "create"]
        plan_form = PlanPreviewForm(options=job.options or {}, preview=job.preview, page_actions=page_actions)
    value_texts = mappings.get("value_texts", {})
    chosen_values = [
        (value_texts.get(key, key), MEANING_LABELS.get(meaning, meaning))
        for key, meaning in mappings.get("values", {}).items()
    ]
    return render(
        request,
        "imports/importjob_preview.html",
        {
            "job": job,
            "preview": job.preview,
            "form": form,
            "problems": job.preview.get("problems", []),
            "chosen_values": chosen_values,
            "confirm_form": confirm_form,
            "rows_page": rows_page,
            "rows_page_range": list(
                rows_page.paginator.get_elided_page_range(rows_page.number, on_each_side=1, on_ends=1)
            ),
            "rows_show": show if show in queries.PREVIEW_FILTERS else "",
            "clear_reported_form": ClearReportedForm(
                initial={"clear_reported": (job.options or {}).get("clear_reported")}
            ),
            "plan_form": plan_form,
        },
    )


@require_POST
@service_user_required
def job_confirm(request, pk):
    _require_admin(request.user)
    job = get_object_or_404(queries.job_for_page(pk), pk=pk)
    if job.state != ImportJob.State.PREVIEWED or not job.preview.get("can_confirm") or job.file_removed_at:
        return (
            redirect(
                "imports:published_preview" if job.kind == ImportJob.Kind.PUBLISHED else "imports:job_preview",
                pk=job.pk,
            )
            if job.state == ImportJob.State.PREVIEWED
            else redirect("imports:job_status", pk=job.pk)
        )
    confirm_form = _confirm_form(job, request.POST)
    if not confirm_form.is_valid():
        form = MappingForm(preview=job.preview, mappings=job.mappings, kind=job.kind)
        return _render_preview(request, job, form, confirm_form)
    if confirm_form.backdated_count:
        services.set_backdate_reason(job, confirm_form.reason())
    services.queue_job(job, "apply")
    return redirect("imports:job_status", pk=job.pk)


def _status_payload(job):
    payload = {
        "state": job.state,
        "state_label": job.get_state_display(),
        "phase": job.phase,
        "progress": job.progress,
        "progress_total": job.progress_total,
        "percent": job.percent,
        "running": job.is_running,
        "message": job.message,
        "waiting": services.waiting_notice(job),
    }
    if job.state in {ImportJob.State.PREVIEWED, ImportJob.State.REFUSED} and job.file_removed_at is None:
        # The worker has read the file: the page goes straight on to what the import would do, or
        # to the problems (and, for published statistics, the mapping) that stop it.
        payload["next_url"] = reverse(
            "imports:published_preview" if job.kind == ImportJob.Kind.PUBLISHED else "imports:job_preview",
            args=[job.pk],
        )
    elif not job.is_running:
        payload["next_url"] = reverse("imports:job_status", args=[job.pk])
    return payload


@passive_request(when_param="refresh")
@service_user_required
def job_status(request, pk):
    _require_admin(request.user)
    job = get_object_or_404(queries.job_for_page(pk), pk=pk)
    finished_url = ""
    if job.state == ImportJob.State.DONE:
        finished_url = (
            job.result.get("plan_url") if job.kind == ImportJob.Kind.PLAN else reverse("indicators:scorecard")
        )
    return render(
        request,
        "imports/importjob_status.html",
        {"job": job, "finished_url": finished_url, "waiting": services.waiting_notice(job)},
    )


@passive_request
@service_user_required
def job_status_json(request, pk):
    _require_admin(request.user)
    job = get_object_or_404(queries.job_for_page(pk), pk=pk)
    return JsonResponse(_status_payload(job))


@require_POST
@service_user_required
def job_retry(request, pk):
    """An admin queues a failed job's same file again (services.retry_job says what happens next)."""
    _require_admin(request.user)
    job = get_object_or_404(queries.job_for_page(pk), pk=pk)
    try:
        services.retry_job(job)
    except services.CannotRetry as refusal:
        messages.error(request, str(refusal))
    return redirect("imports:job_status", pk=job.pk)


@service_user_required
def job_log(request, pk):
    _require_admin(request.user)
    job = get_object_or_404(queries.job_for_page(pk), pk=pk)
    changes = queries.changes_for_log(job)
    return render(
        request,
        "imports/importjob_log.html",
        {
            "job": job,
            "changes": changes,
            "counts": (job.result or job.preview).get("counts", {}),
            "shown_limit": queries.LOG_CHANGES_SHOWN,
            "more": len(changes) >= queries.LOG_CHANGES_SHOWN,
            "kinds": ImportChange.Kind,
        },
    )


_FORMAT_WORDS = {"csv": "CSV", "xlsx": "Excel"}


def _filters(request) -> dict:
    # The plan page's filters travel with the download; they say which actions the file held.
    return {key: values for key, values in request.GET.lists() if key not in ("plan", "sort") and any(values)}


@service_user_required
def export_plan(request, fmt):
    _require_admin(request.user)
    response = exports.plan_response(request, fmt)
    plan, filters = response.exported_plan, _filters(request)
    what = f"Plan {plan} ({_FORMAT_WORDS[fmt]}, {'filtered' if filters else 'every action'})"
    audit.record_download(request.user, response, what, plan, format=fmt, filters=filters, rows=response.exported_rows)
    return response


@service_user_required
def export_indicators(request, fmt):
    _require_admin(request.user)
    response = exports.indicators_response(request, fmt)
    audit.record_download(
        request.user, response, f"Indicator values, every indicator ({_FORMAT_WORDS[fmt]})", format=fmt
    )
    return response
