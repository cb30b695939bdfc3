"""The risks to delivery register (issue 17): everyone with a role reads it; officers and admins keep it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from core.permissions import service_user_required
from improvement import queries, services
from improvement.models import Risk
from improvement.permissions import can_edit_risks
from improvement.risk_forms import RiskForm


@service_user_required
def risk_list(request):
    return render(
        request,
        "improvement/risk_list.html",
        {"risks": queries.risk_rows(), "can_edit": can_edit_risks(request.user)},
    )


@service_user_required
def risk_detail(request, pk):
    risk = get_object_or_404(Risk.objects.select_related("owner").prefetch_related("themes"), pk=pk)
    history = list(risk.history.select_related("history_user").order_by("-history_date")[:50])
    return render(
        request,
        "improvement/risk_detail.html",
        {"risk": risk, "history": history, "can_edit": can_edit_risks(request.user)},
    )


def _editor(request):
    if not can_edit_risks(request.user):
        raise PermissionDenied


@service_user_required
def risk_create(request):
    _editor(request)
    return _risk_form(request, None)


@service_user_required
def risk_update(request, pk):
    _editor(request)
    return _risk_form(request, get_object_or_404(Risk.objects.prefetch_related("themes"), pk=pk))


def _risk_form(request, risk):
    initial = None
    if risk is not None:
        initial = {name: getattr(risk, name) for name in RiskForm.base_fields if name != "themes"}
        initial["owner"] = risk.owner_id
        initial["themes"] = list(risk.themes.all())
    form = RiskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        themes = data.pop("themes")
        saved = services.save_risk(risk=risk, themes=themes, **data)
        messages.success(request, f"The risk \u201c{saved.title}\u201d has been saved.")
        return redirect(saved)
    return render(request, "improvement/risk_form.html", {"form": form, "risk": risk})
