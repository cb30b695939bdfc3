"""Admins enter inspections, monitoring visits (held and planned), their findings and recommendations,
and intervention steps in the app. Everyone signed in reads them on the inspection pages."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy

from core import clock
from core.permissions import service_user_required
from core.roles import is_admin
from improvement import queries, services
from improvement.models import Inspection, InterventionEvent, Recommendation, VisitFinding
from improvement.rules import latest_held_visit, next_planned_visit
from improvement.visit_forms import FindingForm, InspectionForm, InterventionEventForm, RecommendationForm

_BACK_TO_LIST = ("Inspections and intervention", reverse_lazy("improvement:inspection_list"))


def _back_to(obj):
    return (str(obj), obj.get_absolute_url())


def _require_admin(user):
    if not is_admin(user):
        raise PermissionDenied


def _focus_choices():
    plan = queries.current_plan()
    themes = plan.themes.order_by("order", "reference") if plan else None
    return {"themes": themes, "recommendations": Recommendation.objects.select_related("inspection")}


def _form_page(request, form, *, title, caption, back, submit="Save"):
    return render(
        request,
        "improvement/visit_form.html",
        {"form": form, "title": title, "caption": caption, "back": back, "submit": submit},
    )


def inspection_create(request):
    _require_admin(request.user)
    form = InspectionForm(request.POST or None, **_focus_choices())
    if request.method == "POST" and form.is_valid():
        inspection = services.save_inspection(data=form.cleaned_data)
        messages.success(request, f"{inspection} has been added.")
        return redirect(inspection)
    return _form_page(
        request,
        form,
        title="Add an inspection or visit",
        caption="Inspections and intervention",
        back=_BACK_TO_LIST,
    )


def inspection_edit(request, pk):
    _require_admin(request.user)
    inspection = get_object_or_404(Inspection, pk=pk)
    form = InspectionForm(request.POST or None, initial=InspectionForm.initial_from(inspection), **_focus_choices())
    if request.method == "POST" and form.is_valid():
        services.save_inspection(data=form.cleaned_data, inspection=inspection)
        messages.success(request, f"{inspection} has been changed.")
        return redirect(inspection)
    return _form_page(
        request, form, title=f"Change {inspection}", caption="Inspections and intervention", back=_back_to(inspection)
    )


def recommendation_create(request, pk):
    _require_admin(request.user)
    inspection = get_object_or_404(Inspection, pk=pk)
    form = RecommendationForm(request.POST or None, inspection=inspection)
    if request.method == "POST" and form.is_valid():
        recommendation = services.save_recommendation(inspection=inspection, data=form.cleaned_data)
        messages.success(request, f"Recommendation {recommendation.reference} has been added.")
        return redirect(inspection)
    return _form_page(request, form, title="Add a recommendation", caption=str(inspection), back=_back_to(inspection))


def recommendation_edit(request, pk):
    _require_admin(request.user)
    recommendation = get_object_or_404(Recommendation.objects.select_related("inspection"), pk=pk)
    inspection = recommendation.inspection
    initial = {name: getattr(recommendation, name) for name in ("reference", "text", "kind", "order")}
    form = RecommendationForm(
        request.POST or None, initial=initial, inspection=inspection, recommendation=recommendation
    )
    if request.method == "POST" and form.is_valid():
        services.save_recommendation(inspection=inspection, data=form.cleaned_data, recommendation=recommendation)
        messages.success(request, f"Recommendation {recommendation.reference} has been changed.")
        return redirect(recommendation)
    return _form_page(
        request,
        form,
        title=f"Change recommendation {recommendation.reference}",
        caption=str(inspection),
        back=_back_to(inspection),
    )


def _finding_recommendations(inspection):
    # A finding usually bears on the visit's own recommendations or the inspection's it follows up.
    return Recommendation.objects.select_related("inspection").order_by("inspection__start_date", "order", "reference")


def finding_create(request, pk):
    _require_admin(request.user)
    inspection = get_object_or_404(Inspection, pk=pk)
    form = FindingForm(request.POST or None, recommendations=_finding_recommendations(inspection))
    if request.method == "POST" and form.is_valid():
        services.save_finding(inspection=inspection, data=form.cleaned_data)
        messages.success(request, "The finding has been added.")
        return redirect(inspection)
    return _form_page(request, form, title="Add a finding", caption=str(inspection), back=_back_to(inspection))


def finding_edit(request, pk):
    _require_admin(request.user)
    finding = get_object_or_404(VisitFinding.objects.select_related("inspection"), pk=pk)
    inspection = finding.inspection
    initial = {
        "kind": finding.kind,
        "text": finding.text,
        "order": finding.order,
        "recommendations": list(finding.recommendations.all()),
    }
    form = FindingForm(request.POST or None, initial=initial, recommendations=_finding_recommendations(inspection))
    if request.method == "POST" and form.is_valid():
        services.save_finding(inspection=inspection, data=form.cleaned_data, finding=finding)
        messages.success(request, "The finding has been changed.")
        return redirect(finding)
    return _form_page(request, form, title="Change a finding", caption=str(inspection), back=_back_to(inspection))


def finding_delete(request, pk):
    """Delete a finding entered by mistake, after a confirmation; its history keeps what it said."""
    _require_admin(request.user)
    finding = get_object_or_404(VisitFinding.objects.select_related("inspection"), pk=pk)
    inspection = finding.inspection
    if request.method == "POST":
        services.delete_finding(finding=finding)
        messages.success(request, "The finding has been deleted.")
        return redirect(inspection)
    # The visit pages' form frame, with a form of no fields: the question is the button.
    context = {"form": forms.Form(), "finding": finding, "title": "Delete this finding?", "caption": str(inspection)}
    return render(
        request,
        "improvement/finding_delete.html",
        {**context, "back": _back_to(inspection), "submit": "Delete the finding"},
    )


def event_create(request):
    _require_admin(request.user)
    form = InterventionEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        event = services.save_intervention_event(data=form.cleaned_data)
        messages.success(request, f"{event} has been added.")
        return redirect(event)
    return _form_page(
        request,
        form,
        title="Add an intervention step",
        caption="Inspections and intervention",
        back=_BACK_TO_LIST,
    )


def event_edit(request, pk):
    _require_admin(request.user)
    event = get_object_or_404(InterventionEvent, pk=pk)
    initial = {name: getattr(event, name) for name in ("kind", "date", "person", "description", "document_url")}
    form = InterventionEventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_intervention_event(data=form.cleaned_data, event=event)
        messages.success(request, f"{event} has been changed.")
        return redirect(event)
    return _form_page(
        request,
        form,
        title=f"Change {event}",
        caption="Inspections and intervention",
        back=_BACK_TO_LIST,
    )


@service_user_required
def inspection_list(request):
    today = clock.today()
    inspections = list(Inspection.objects.all())
    events = list(InterventionEvent.objects.all())
    held = [i for i in inspections if not i.is_planned]
    timeline = [(i.start_date, 0, "inspection", i) for i in held] + [(e.date, 1, "event", e) for e in events]
    timeline.sort(key=lambda item: (item[0], item[1], item[3].pk), reverse=True)
    return render(
        request,
        "improvement/inspection_list.html",
        {
            "timeline": [(kind, obj) for _, _, kind, obj in timeline],
            "planned": sorted((i for i in inspections if i.is_planned), key=lambda i: (i.start_date, i.pk)),
            "latest_visit": latest_held_visit(inspections, today),
            "next_visit": next_planned_visit(inspections, today),
            "can_edit": is_admin(request.user),
        },
    )


_JUDGEMENT_FIELDS = (
    "overall_judgement",
    "leaders_judgement",
    "help_and_protection_judgement",
    "in_care_judgement",
    "care_leavers_judgement",
)


@service_user_required
def inspection_detail(request, pk):
    inspection = get_object_or_404(Inspection.objects.prefetch_related("focus_themes", "focus_recommendations"), pk=pk)
    recommendations = list(inspection.recommendations.order_by("order", "reference"))
    plan = queries.current_plan()
    judgements = [
        (inspection._meta.get_field(name).verbose_name, getattr(inspection, f"get_{name}_display")())
        for name in _JUDGEMENT_FIELDS
    ]
    return render(
        request,
        "improvement/inspection_detail.html",
        {
            "inspection": inspection,
            "judgements": judgements,
            "findings": queries.findings_with_gaps(inspection, plan=plan),
            "progress": (
                queries.recommendation_progress(recommendations, plan=plan, as_at=clock.today())
                if recommendations
                else []
            ),
            "can_edit": is_admin(request.user),
        },
    )
