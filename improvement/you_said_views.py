"""What children and young people told us and what changed, per theme (issue 17): everyone with a role
reads it; officers and admins keep it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from core.permissions import service_user_required
from improvement import queries, services
from improvement.permissions import can_edit_you_said
from improvement.you_said_forms import YouSaidWeDidForm


@service_user_required
def you_said_list(request):
    return render(
        request,
        "improvement/you_said_list.html",
        {"rows": queries.you_said_we_did_rows(), "can_edit": can_edit_you_said(request.user)},
    )


@service_user_required
def you_said_detail(request, pk):
    record = get_object_or_404(queries.you_said_we_did_records(), pk=pk)
    history = list(record.history.select_related("history_user").order_by("-history_date")[:50])
    return render(
        request,
        "improvement/you_said_detail.html",
        {"record": record, "history": history, "can_edit": can_edit_you_said(request.user)},
    )


def _editor(request):
    if not can_edit_you_said(request.user):
        raise PermissionDenied


@service_user_required
def you_said_create(request):
    _editor(request)
    return _you_said_form(request, None)


@service_user_required
def you_said_update(request, pk):
    _editor(request)
    return _you_said_form(request, get_object_or_404(queries.you_said_we_did_records(), pk=pk))


def _you_said_form(request, record):
    initial = None
    if record is not None:
        initial = {name: getattr(record, name) for name in YouSaidWeDidForm.base_fields}
    form = YouSaidWeDidForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = services.save_you_said(record=record, written_by=request.user, **form.cleaned_data)
        messages.success(request, f"What {saved.said_by} said has been saved.")
        return redirect(saved)
    return render(request, "improvement/you_said_form.html", {"form": form, "record": record})
