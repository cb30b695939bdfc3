from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core.views import require_service_user
from indicators import periods, queries
from indicators.charts import chart_markers, chart_range, indicator_chart_figure
from indicators.forms import MeasurementForm, ScorecardFilter
from indicators.permissions import can_enter_values, can_use_entry_list
from indicators.rules import format_value, kpi_rag, rag_label
from indicators.services import record_measurement
from indicators.view_models import detail_context, entry_list_rows, published_context


def scorecard(request):
    require_service_user(request.user)
    today = timezone.localdate()
    indicator_filter = ScorecardFilter(
        request.GET or None, queryset=queries.indicators_for_user(request.user).filter(is_active=True)
    )
    rows = queries.scorecard_as_at(today, indicators=indicator_filter.qs)
    counts = queries.rag_counts(rows)
    chosen_rag = (
        indicator_filter.form.cleaned_data.get("rag")
        if indicator_filter.is_bound and indicator_filter.form.is_valid()
        else ""
    )
    if chosen_rag:
        rows = [row for row in rows if row.rag == chosen_rag]
    return render(
        request,
        "indicators/indicator_scorecard.html",
        {
            "rows": rows,
            "counts": counts,
            "filter": indicator_filter,
            "as_at": today,
            "filtered": bool(request.GET),
            "can_enter": can_use_entry_list(request.user),
            "quartiles": queries.scorecard_quartiles(rows, today),
        },
    )


def indicator_detail(request, pk):
    require_service_user(request.user)
    indicator = get_object_or_404(queries.indicator_detail_queryset(request.user), pk=pk)
    queries.attach_history(indicator)
    context = detail_context(indicator, today=timezone.localdate())
    context.update(published_context(indicator))
    covered = chart_range(indicator, indicator.measurements_sorted)
    markers = chart_markers(indicator, *covered) if covered else []
    context["chart"] = indicator_chart_figure(
        indicator, indicator.measurements_sorted, indicator.targets_sorted, indicator.benchmarks_sorted, markers
    )
    context["markers"] = markers
    context["can_enter"] = can_enter_values(request.user, indicator)
    return render(request, "indicators/indicator_detail.html", context)


def measurement_entry(request, pk):
    require_service_user(request.user)
    indicator = get_object_or_404(queries.indicators_for_user(request.user).filter(is_active=True), pk=pk)
    if not can_enter_values(request.user, indicator):
        raise PermissionDenied
    today = timezone.localdate()
    requested = _period_from_query(request.GET.get("period"))
    if request.method == "POST":
        form = MeasurementForm(
            request.POST, indicator=indicator, today=today, extra_period=_period_from_query(request.POST.get("period"))
        )
        if form.is_valid():
            data = form.cleaned_data
            recorded = record_measurement(
                indicator=indicator,
                period=data["period"],
                value=data["value"] if not data["missing_reason"] else None,
                numerator=data["numerator"],
                denominator=data["denominator"],
                missing_reason=data["missing_reason"],
                commentary=data["commentary"],
                data_quality_note=data["data_quality_note"],
                entered_by=request.user,
            )
            messages.success(request, _saved_message(indicator, recorded))
            return redirect(indicator)
    else:
        initial = {"period": (requested or periods.recent_periods(today, indicator.frequency, 1)[0]).isoformat()}
        existing = indicator.measurements.filter(period=requested).first() if requested else None
        if existing is not None:
            initial.update(
                value=existing.value,
                numerator=existing.numerator,
                denominator=existing.denominator,
                missing_reason=existing.missing_reason,
                commentary=existing.commentary,
                data_quality_note=existing.data_quality_note,
            )
        form = MeasurementForm(initial=initial, indicator=indicator, today=today, extra_period=requested)
    recent = list(indicator.measurements.order_by("-period")[:6])
    for measurement in recent:
        measurement.label = periods.period_label(measurement.period, indicator.frequency)
        measurement.display = format_value(measurement.value, indicator.unit, indicator.decimal_places)
        if measurement.value is None:
            measurement.display = f"No value ({measurement.get_missing_reason_display().lower()})"
    return render(
        request,
        "indicators/measurement_form.html",
        {"indicator": indicator, "form": form, "recent": recent, "correcting": requested is not None},
    )


def my_indicators(request):
    require_service_user(request.user)
    if not can_use_entry_list(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    owned = queries.owned_indicators_for_user(request.user)
    return render(
        request,
        "indicators/indicator_enter_list.html",
        {"rows": entry_list_rows(owned, today=today), "today": today},
    )


def _period_from_query(raw):
    from datetime import date

    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _saved_message(indicator, recorded) -> str:
    measurement = recorded.measurement
    label = periods.period_label(measurement.period, indicator.frequency)
    shown = format_value(measurement.value, indicator.unit, indicator.decimal_places)
    if measurement.value is None:
        shown = f"no value ({measurement.get_missing_reason_display().lower()})"
    target = queries.target_in_force(list(indicator.targets.order_by("effective_from")), measurement.period)
    rag = kpi_rag(value=measurement.value, target=target, polarity=indicator.polarity)
    verb = "corrected" if recorded.corrected else "saved"
    return f"{label} {verb}: {shown}. RAG: {rag_label(rag, indicator.polarity)}."
