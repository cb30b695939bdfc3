from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject

from core import cache, clock
from core.formats import value_words
from core.permissions import service_user_required
from indicators import periods, queries, services
from indicators.charts import (
    MEETINGS_SHOWN_AT_MOST,
    chart_markers,
    chart_range,
    indicator_chart_figure,
    numbered_events,
    spc_traces,
)
from indicators.forms import MeasurementForm, ScorecardFilter, SpcBaselineForm, WithdrawRebaseForm
from indicators.permissions import can_change_spc_baseline, can_enter_values, can_use_entry_list, entry_rights_part
from indicators.rules import kpi_rag, rag_label
from indicators.services import change_spc_baseline, rebase_spc, record_measurement, withdraw_spc_rebase
from indicators.view_models import detail_context, entry_list_rows, published_context, spc_context, spc_rebase_rows


@service_user_required
def scorecard(request):
    today = clock.today()
    indicator_filter = ScorecardFilter(
        request.GET or None, queryset=queries.indicators_for_user(request.user).filter(is_active=True)
    )
    chosen_rag = (
        indicator_filter.form.cleaned_data.get("rag")
        if indicator_filter.is_bound and indicator_filter.form.is_valid()
        else ""
    )

    # Every reader may read every indicator (queries.indicators_for_user), so the filter is the only
    # part of the key. The counts, the filter form and the table are one cached fragment (the
    # template), so the rows are worked out only when it is not in the cache. It is keyed by the
    # tables it reads (the indicators', their owners, and the themes and plans the filter offers), so
    # officers' action updates leave it cached.
    query = sorted(request.GET.lists())
    all_rows = SimpleLazyObject(lambda: queries.scorecard_as_at(today, indicators=indicator_filter.qs))
    rows = SimpleLazyObject(
        lambda: [row for row in all_rows if row.rag == chosen_rag] if chosen_rag else list(all_rows)
    )
    counts = SimpleLazyObject(lambda: queries.kpi_rag_counts(all_rows))
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
            "cache_part": repr(query),
            "cache_reads": queries.scorecard_page_reads(),
            "quartiles": SimpleLazyObject(lambda: queries.scorecard_quartiles(rows, today)),
        },
    )


@service_user_required
def indicator_detail(request, pk):
    # The page's content is rendered once per data version, day, indicator and kind of reader (the
    # only per-reader parts are the "Enter a value" button and the baseline link): a cached page
    # then costs the cache read and the page's frame, not the chart, SPC and tables again.
    page = cache.cached(
        request,
        "indicator-page",
        lambda: _indicator_page(request.user, pk),
        parts=(pk, entry_rights_part(request.user)),
    )
    return render(request, "indicators/indicator_detail.html", page)


def _indicator_page(user, pk) -> dict:
    context = _indicator_detail_context(user, pk)
    indicator = context["indicator"]
    context["can_enter"] = can_enter_values(user, indicator)
    context["can_change_baseline"] = can_change_spc_baseline(user, indicator)
    # Rendered without the request, so nothing of the reader's session (their name, messages, a CSRF
    # token) can reach the cached HTML.
    body = render_to_string("indicators/includes/indicator_body.html", context)
    return {"title": indicator.title, "has_chart": context["chart"] is not None, "body": body}


def _indicator_detail_context(user, pk) -> dict:
    """What the indicator page's content shows (the same for every reader)."""
    indicator = get_object_or_404(queries.indicator_detail_queryset(user), pk=pk)
    queries.attach_values(indicator)
    queries.attach_published_ranks(indicator)
    context = detail_context(indicator, today=clock.today())
    context.update(published_context(indicator))
    covered = chart_range(indicator, indicator.measurements_sorted)
    markers = chart_markers(indicator, *covered) if covered else []
    context["chart"] = indicator_chart_figure(
        indicator, indicator.measurements_sorted, indicator.targets_sorted, indicator.benchmarks_sorted, markers
    )
    context["markers"] = markers
    context["chart_events"] = numbered_events(markers)
    context["chart_meetings"] = sum(1 for marker in markers if marker.is_meeting)
    context["chart_meetings_shown"] = context["chart_meetings"] <= MEETINGS_SHOWN_AT_MOST
    # Re-bases only matter where there is a chart of change (monthly and quarterly): no query otherwise.
    applies = indicator.frequency in queries.SPC_FREQUENCIES
    context.update(spc_context(indicator, queries.spc_rebase_history(indicator) if applies else []))
    if context["chart"] is not None and context["spc_applies"]:
        context["chart"]["data"].extend(spc_traces(indicator, context["spc"].segments))
    context["indicator"] = indicator
    return context


@service_user_required
def spc_baseline(request, pk):
    indicator = get_object_or_404(queries.indicators_for_user(request.user).filter(is_active=True), pk=pk)
    if not can_change_spc_baseline(request.user, indicator):
        raise PermissionDenied
    history = queries.spc_rebase_history(indicator)
    active = [rebase for rebase in history if rebase.withdrawn_at is None]
    form_kwargs = {
        "indicator": indicator,
        "periods_with_values": queries.periods_with_values(indicator),
        "active_rebases": active,
    }
    form = SpcBaselineForm(initial={"baseline_points": indicator.spc_baseline_points}, **form_kwargs)
    withdraw_form = None
    if request.method == "POST" and "withdraw" in request.POST:
        withdraw_form = WithdrawRebaseForm(request.POST, active_rebases=active)
        if withdraw_form.is_valid():
            rebase = next(r for r in active if r.pk == withdraw_form.cleaned_data["withdraw"])
            withdraw_spc_rebase(rebase=rebase, withdrawn_by=request.user)
            label = periods.period_label(rebase.period, indicator.frequency)
            messages.success(request, f"The re-base from {label} is withdrawn. It stays in the history below.")
            return redirect("indicators:spc_baseline", pk=indicator.pk)
    elif request.method == "POST":
        form = SpcBaselineForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            changed = change_spc_baseline(
                indicator=indicator, baseline_points=data["baseline_points"], changed_by=request.user
            )
            if data["rebase_period"]:
                rebase_spc(
                    indicator=indicator,
                    period=data["rebase_period"],
                    reason=data["reason"].strip(),
                    recorded_by=request.user,
                )
                label = periods.period_label(data["rebase_period"], indicator.frequency)
                messages.success(request, f"The chart now starts a new baseline from {label}.")
            elif changed:
                messages.success(request, f"The baseline is now {data['baseline_points']} points.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect(indicator.get_absolute_url() + "#signal-heading")
    return render(
        request,
        "indicators/spc_baseline.html",
        {
            "indicator": indicator,
            "form": form,
            "withdraw_form": withdraw_form,
            "rebases": spc_rebase_rows(indicator, history),
        },
    )


@service_user_required
def measurement_entry(request, pk):
    indicator = get_object_or_404(queries.indicators_for_user(request.user).filter(is_active=True), pk=pk)
    if not can_enter_values(request.user, indicator):
        raise PermissionDenied
    today = clock.today()
    requested = _period_from_query(request.GET.get("period"))
    if request.method == "POST":
        form = MeasurementForm(
            request.POST, indicator=indicator, today=today, extra_period=_period_from_query(request.POST.get("period"))
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    services.check_measurement_version(
                        indicator=indicator, period=data["period"], expected=data["expected_version"]
                    )
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
            except services.StaleMeasurementError as stale:
                form = _form_after_stale(request.POST, indicator, today, data["period"], stale.measurement)
            else:
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
        if requested is not None:
            initial["expected_version"] = services.measurement_version(requested, existing)
        form = MeasurementForm(initial=initial, indicator=indicator, today=today, extra_period=requested)
    recent = list(indicator.measurements.order_by("-period")[:6])
    for measurement in recent:
        measurement.label = periods.period_label(measurement.period, indicator.frequency)
        measurement.display = queries.value_display(measurement, indicator)
    return render(
        request,
        "indicators/measurement_form.html",
        {"indicator": indicator, "form": form, "recent": recent, "correcting": requested is not None},
    )


def _form_after_stale(post, indicator, today, period, current):
    """Keep what the officer typed, say what the value is now, and let them submit again knowingly."""
    data = post.copy()
    data["expected_version"] = services.measurement_version(period, current)
    form = MeasurementForm(data, indicator=indicator, today=today, extra_period=period)
    form.is_valid()
    now = (
        "has no value"
        if current is None or current.value is None
        else ("is now " + value_words(current.value, indicator.unit, indicator.decimal_places))
    )
    label = periods.period_label(period, indicator.frequency)
    form.add_error(
        None,
        f"Someone else changed the value for {label} after you opened the page: it {now}. Your correction "
        "was not saved. Check the value shown in the list of recent values, then save again if it is still needed.",
    )
    return form


@service_user_required
def my_indicators(request):
    if not can_use_entry_list(request.user):
        raise PermissionDenied
    today = clock.today()
    owned = queries.owned_indicators_for_user(request.user)
    return render(
        request,
        "indicators/indicator_enter_list.html",
        {"rows": entry_list_rows(owned, today=today), "today": today},
    )


def _period_from_query(raw):
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _saved_message(indicator, recorded) -> str:
    measurement = recorded.measurement
    label = periods.period_label(measurement.period, indicator.frequency)
    shown = value_words(measurement.value, indicator.unit, indicator.decimal_places)
    if measurement.value is None:
        shown = f"no value ({measurement.get_missing_reason_display().lower()})"
    target = queries.target_in_force(list(indicator.targets.order_by("effective_from")), measurement.period)
    rag = kpi_rag(value=measurement.value, target=target, polarity=indicator.polarity)
    verb = "corrected" if recorded.corrected else "saved"
    return f"{label} {verb}: {shown}. RAG: {rag_label(rag, indicator.polarity)}."
