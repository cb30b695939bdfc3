"""Indicator definitions and targets, kept by admins in the app (issue 17)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render

from core.permissions import service_user_required
from indicators import periods, services
from indicators.definition_forms import IndicatorDefinitionForm, TargetForm
from indicators.models import Indicator, Target
from indicators.permissions import can_manage_definitions
from indicators.queries import target_display


def _manager(request) -> None:
    if not can_manage_definitions(request.user):
        raise PermissionDenied


@service_user_required
def definition_list(request):
    _manager(request)
    indicators = Indicator.objects.select_related("owner").annotate(
        value_count=Count("measurements", distinct=True), target_count=Count("targets", distinct=True)
    )
    return render(request, "indicators/definition_list.html", {"indicators": indicators})


@service_user_required
def definition_create(request):
    _manager(request)
    return _definition_form(request, None)


@service_user_required
def definition_update(request, pk):
    _manager(request)
    indicator = get_object_or_404(
        Indicator.objects.annotate(value_count=Count("measurements")).prefetch_related("themes"), pk=pk
    )
    return _definition_form(request, indicator)


def _definition_form(request, indicator):
    form = IndicatorDefinitionForm(
        request.POST or None,
        instance=indicator,
        value_count=indicator.value_count if indicator else 0,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        themes = data.pop("themes")
        saved = services.save_indicator(indicator=indicator, themes=themes, saved_by=request.user, **data)
        messages.success(request, f"The indicator \u201c{saved.code} {saved.title}\u201d has been saved.")
        return redirect("indicators:target_list", pk=saved.pk)
    return render(request, "indicators/definition_form.html", {"form": form, "indicator": indicator})


def _target_rows(indicator) -> list[dict]:
    """Each target with the period it runs from and how it ends (its last period, the next target, or
    no end), oldest first; a gap after a target that ended before the next one started is said."""
    targets = list(indicator.targets.all())
    frequency = indicator.frequency
    rows = []
    for index, target in enumerate(targets):
        following = targets[index + 1] if index + 1 < len(targets) else None
        start = periods.period_label(target.effective_from, frequency)
        if target.effective_to is not None:
            runs = f"From {start} until {periods.period_label(target.effective_to, frequency)}"
        elif following is not None:
            last = periods.previous_period(following.effective_from, frequency)
            runs = f"From {start} until the next target (to {periods.period_label(last, frequency)})"
        else:
            runs = f"From {start}, no end"
        gap = ""
        if target.effective_to is not None:
            after = periods.next_period(target.effective_to, frequency)
            if following is None:
                gap = f"No target from {periods.period_label(after, frequency)}"
            elif after < following.effective_from:
                last = periods.previous_period(following.effective_from, frequency)
                gap = f"No target from {periods.period_label(after, frequency)}" + (
                    f" to {periods.period_label(last, frequency)}" if last != after else ""
                )
        rows.append(
            {
                "target": target,
                "shown": target_display(target, indicator),
                "from": start,
                "runs": runs,
                "gap": gap,
            }
        )
    return rows


@service_user_required
def target_list(request, pk):
    _manager(request)
    indicator = get_object_or_404(Indicator.objects.select_related("owner").prefetch_related("themes"), pk=pk)
    return render(request, "indicators/target_list.html", {"indicator": indicator, "rows": _target_rows(indicator)})


@service_user_required
def target_create(request, pk):
    _manager(request)
    return _target_form(request, get_object_or_404(Indicator, pk=pk), None)


@service_user_required
def target_update(request, pk):
    _manager(request)
    target = get_object_or_404(Target.objects.select_related("indicator"), pk=pk)
    return _target_form(request, target.indicator, target)


def _target_form(request, indicator, target):
    # A band's value is its middle, worked out again when saved: the form shows only the band.
    initial = {"value": None} if target is not None and target.has_band else None
    form = TargetForm(request.POST or None, initial=initial, instance=target, indicator=indicator)
    if request.method == "POST" and form.is_valid():
        saved = services.save_target(indicator=indicator, target=target, saved_by=request.user, **form.cleaned_data)
        label = periods.period_label(saved.effective_from, indicator.frequency)
        messages.success(request, f"The target from {label} has been saved.")
        return redirect("indicators:target_list", pk=indicator.pk)
    return render(request, "indicators/target_form.html", {"form": form, "indicator": indicator, "target": target})
