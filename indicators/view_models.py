"""What the indicator pages show, worked out from objects already loaded. Nothing here queries."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.urls import NoReverseMatch

from core.formats import date_words, person_name, value_words
from indicators import periods
from indicators.models import Measurement, Polarity, PublishedSource, Unit
from indicators.queries import (
    KnownValue,
    benchmark_display,
    correction_display,
    corrections,
    indicators_with_values_newest_first,
    latest_benchmark,
    rank_display,
    target_display,
    target_in_force,
    tolerance_description,
    value_display,
)
from indicators.rules import (
    direction_of_travel,
    direction_words,
    kpi_rag,
    point_signal_words,
    quartile_words,
    rag_label,
    spc_assessment,
    value_due,
)


def rag_sentence(indicator, measurement, target) -> str:
    """One plain-English sentence saying why the latest value has the RAG it has."""
    if indicator.polarity == Polarity.NONE:
        return "This is a context measure: it shows demand or the size of a group, so it has no target and no RAG."
    if measurement is None:
        return "No value has been entered yet, so there is no RAG."
    label = periods.period_label(measurement.period, indicator.frequency)
    if measurement.value is None:
        return (
            f"There is no value for {label} ({measurement.get_missing_reason_display().lower()}), so there is no RAG."
        )
    if target is None:
        return f"There is no target for {label}, so there is no RAG."
    shown = value_words(measurement.value, indicator.unit, indicator.decimal_places)
    goal = value_words(target.value, indicator.unit, indicator.decimal_places)
    rag = kpi_rag(value=measurement.value, target=target, polarity=indicator.polarity)
    tolerance = tolerance_description(target, indicator)
    value, goal_value = Decimal(measurement.value), Decimal(target.value)
    if target.has_band:
        band = f"the target band of {target_display(target, indicator)}"
        if rag == "green":
            return f"{shown} is within {band}, so it is green."
        side = "above" if value > Decimal(target.band_upper) else "below"
        if rag == "amber":
            return f"{shown} is {side} {band} but within the tolerance of {tolerance}, so it is amber."
        return f"{shown} is {side} {band} and outside the tolerance of {tolerance}, so it is red."
    if value == goal_value:
        position = f"{shown} is exactly on the target of {goal}"
    elif indicator.polarity == Polarity.CLOSE_TO_TARGET:
        gap = value_words(abs(value - goal_value), indicator.unit, indicator.decimal_places)
        position = f"{shown} is {gap} {'above' if value > goal_value else 'below'} the target of {goal}"
    else:
        position = f"{shown} is {'above' if value > goal_value else 'below'} the target of {goal}"
    if rag == "green":
        if indicator.polarity == Polarity.CLOSE_TO_TARGET or value == goal_value:
            return f"{position}, so it is green."
        better = "higher" if indicator.polarity == Polarity.HIGHER_IS_BETTER else "lower"
        return f"{position} ({better} is better), so it is green."
    if rag == "amber":
        return f"{position} but within the tolerance of {tolerance}, so it is amber."
    return f"{position} and outside the tolerance of {tolerance}, so it is red."


@dataclass(frozen=True)
class HistoryRow:
    measurement: Measurement
    period_label: str
    value_display: str
    target_display: str
    rag: str
    rag_label: str
    england_display: str
    stat_neighbours_display: str
    corrections: list


def _correction_text(change, indicator) -> dict:
    return {
        "when": change["when"],
        "who": change["who"],
        "old": value_display(change["old"], indicator),
        "new": value_display(change["new"], indicator),
    }


def detail_context(indicator, *, today: date) -> dict:
    measurements = indicator.measurements_sorted
    targets = indicator.targets_sorted
    benchmarks = indicator.benchmarks_sorted
    rows = []
    for measurement in reversed(measurements):
        target = target_in_force(targets, measurement.period)
        rag = kpi_rag(value=measurement.value, target=target, polarity=indicator.polarity)
        rows.append(
            HistoryRow(
                measurement=measurement,
                period_label=periods.period_label(measurement.period, indicator.frequency),
                value_display=value_display(measurement, indicator),
                target_display=target_display(target, indicator),
                rag=rag,
                rag_label=rag_label(rag, indicator.polarity),
                england_display=benchmark_display(
                    latest_benchmark(benchmarks, "england", measurement.period), indicator
                ),
                stat_neighbours_display=benchmark_display(
                    latest_benchmark(benchmarks, "stat_neighbours", measurement.period), indicator
                ),
                corrections=[_correction_text(c, indicator) for c in corrections(measurement)],
            )
        )
    latest = measurements[-1] if measurements else None
    latest_correction = ""
    if latest is not None and getattr(latest, "versions_sorted", None):
        current = latest.versions_sorted[-1]
        replaced = next((v for v in latest.versions_sorted if v.pk == current.replaced_id), None)
        if replaced is not None:
            latest_correction = correction_display(_known(current, replaced), indicator, today)
    latest_target = target_in_force(targets, latest.period if latest else today)
    latest_rag = kpi_rag(value=latest.value if latest else None, target=latest_target, polarity=indicator.polarity)
    by_period = {m.period: m for m in measurements}
    directions = []
    if latest is not None:
        for heading, earlier_period in (
            ("Since the previous period", periods.previous_period(latest.period, indicator.frequency)),
            ("Since the same period last year", periods.same_period_last_year(latest.period)),
        ):
            earlier = by_period.get(earlier_period)
            direction = direction_of_travel(
                current=latest.value,
                previous=earlier.value if earlier else None,
                polarity=indicator.polarity,
                target=latest_target,
            )
            directions.append(
                {
                    "heading": heading,
                    "words": direction_words(direction),
                    "compared_with": (
                        f"{value_display(earlier, indicator)} "
                        f"in {periods.period_label(earlier_period, indicator.frequency)}"
                        if earlier is not None
                        else f"no value for {periods.period_label(earlier_period, indicator.frequency)}"
                    ),
                }
            )
    benchmark_rows = [
        {
            "kind": b.get_kind_display() + (f" ({b.name})" if b.name else ""),
            "period_label": periods.period_label(b.period, "annual"),
            "display": benchmark_display(b, indicator),
            "source": b.source,
        }
        for b in reversed(benchmarks)
    ]
    target_rows = [
        {
            "from_label": periods.period_label(t.effective_from, indicator.frequency)
            + (f" to {periods.period_label(t.effective_to, indicator.frequency)}" if t.effective_to else ""),
            "display": target_display(t, indicator),
            "tolerance": tolerance_description(t, indicator),
            "note": t.expected_direction_note,
        }
        for t in targets
    ]
    return {
        "indicator": indicator,
        "rows": rows,
        "latest": latest,
        "latest_display": value_display(latest, indicator),
        "latest_correction": latest_correction,
        "latest_period_label": periods.period_label(latest.period, indicator.frequency) if latest else "",
        "latest_target": latest_target,
        "latest_target_display": target_display(latest_target, indicator),
        "latest_tolerance": tolerance_description(latest_target, indicator) if latest_target else "",
        "latest_rag": latest_rag,
        "latest_rag_label": rag_label(latest_rag, indicator.polarity),
        "rag_sentence": rag_sentence(indicator, latest, latest_target),
        "directions": directions,
        "benchmark_rows": benchmark_rows,
        "target_rows": target_rows,
        "themes": list(indicator.themes.all()),
        "actions": [(action, _action_url(action)) for action in indicator.actions.all()],
        "unit_label": Unit(indicator.unit).label,
    }


def _known(current, replaced):
    """A version and the one its correction replaced, as the KnownValue correction_display reads."""
    return KnownValue(
        current.indicator_id,
        current.period,
        current.value,
        current.missing_reason,
        current.suppression_code,
        current.commentary,
        current.corrected_on,
        replaced.value,
        replaced.missing_reason,
        replaced.suppression_code,
    )


def _action_url(action) -> str:
    """The action's page, or "" while the plan app has no action page (the action is then listed unlinked)."""
    try:
        return action.get_absolute_url()
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class EntryRow:
    indicator: object
    latest_label: str
    latest_display: str
    next_period: date
    next_label: str
    is_due: bool
    due_text: str
    # (period, label) of each value turned red with no commentary yet (Measurement.commentary_needed).
    needing_commentary: tuple = ()


def entry_list_rows(owned, *, today: date) -> list[EntryRow]:
    """For each owned indicator: its latest period, the next period needing a value and the values
    needing commentary; those needing commentary first, then due ones (2 queries:
    indicators_with_values_newest_first)."""
    rows = []
    for indicator in indicators_with_values_newest_first(owned):
        frequency = indicator.frequency
        latest = indicator.measurements_newest_first[0] if indicator.measurements_newest_first else None
        due = value_due(latest, frequency, today)
        rows.append(
            EntryRow(
                indicator=indicator,
                latest_label=periods.period_label(latest.period, frequency) if latest else "None yet",
                latest_display=value_display(latest, indicator),
                next_period=due.period,
                next_label=periods.period_label(due.period, frequency),
                is_due=due.is_due,
                due_text="Due now" if due.is_due else f"Not due until after {date_words(due.ends)}",
                needing_commentary=tuple(
                    (m.period, periods.period_label(m.period, frequency))
                    for m in indicator.measurements_newest_first
                    if m.commentary_needed
                ),
            )
        )
    # Asked for commentary, or due: first.
    return sorted(
        rows, key=lambda row: (not row.needing_commentary, not row.is_due, row.indicator.order, row.indicator.code)
    )


def spc_context(indicator, rebase_history: list) -> dict:
    """The "change or normal variation" section of the indicator page: the signal and the assurance in
    words, the limits, the baseline, every point as a table row, and the re-base history. No queries:
    it reads the prefetched measurements and the re-bases passed in."""
    with_values = [m for m in indicator.measurements_sorted if m.value is not None]
    active = [rebase for rebase in rebase_history if rebase.withdrawn_at is None]
    latest = with_values[-1] if with_values else None
    target = target_in_force(indicator.targets_sorted, latest.period) if latest else None
    result = spc_assessment(
        [(m.period, m.value) for m in with_values],
        frequency=indicator.frequency,
        polarity=indicator.polarity,
        rebases=[rebase.period for rebase in active],
        baseline_points=indicator.spc_baseline_points,
        target_value=target.value if target is not None else None,
    )

    def shown(value):
        return value_words(value, indicator.unit, indicator.decimal_places) if value is not None else ""

    def label(period):
        return periods.period_label(period, indicator.frequency)

    rows = []
    for segment in result.segments:
        limits = segment.limits
        for point in segment.points:
            rows.append(
                {
                    "period": point.period,
                    "period_label": label(point.period),
                    "value": shown(point.value),
                    "mean": shown(limits.mean) if limits else "",
                    "lower": shown(limits.lower) if limits else "",
                    "upper": shown(limits.upper) if limits else "",
                    "in_baseline": point.in_baseline,
                    "signal": point_signal_words(point.signal) if limits else "Not enough points for limits",
                    "is_signal": point.signal.is_signal,
                }
            )
    rows.reverse()
    current = result.current
    limits = current.limits if current else None
    baseline_text = ""
    if limits is not None:
        baseline = [point for point in current.points if point.in_baseline]
        since = " since the re-base" if len(result.segments) > 1 else ""
        baseline_text = (
            f"The mean and limits come from the first {len(baseline)} points{since} "
            f"({label(baseline[0].period)} to {label(baseline[-1].period)})."
        )
    return {
        "spc": result,
        "spc_applies": result.variation != "not_applicable",
        "spc_limits": (
            {"mean": shown(limits.mean), "lower": shown(limits.lower), "upper": shown(limits.upper)} if limits else None
        ),
        "spc_baseline_text": baseline_text,
        "spc_rows": rows,
        "spc_rebases": spc_rebase_rows(indicator, rebase_history),
    }


def spc_rebase_rows(indicator, rebase_history: list) -> list[dict]:
    """Every re-base, withdrawn ones too, with its period and people in words."""
    return [
        {
            "rebase": rebase,
            "period_label": periods.period_label(rebase.period, indicator.frequency),
            "recorded_by": _person(rebase.recorded_by),
            "withdrawn_by": _person(rebase.withdrawn_by),
        }
        for rebase in rebase_history
    ]


def _person(user) -> str:
    if user is None:
        return "Unknown"
    return person_name(user)


def published_context(indicator) -> dict:
    """The indicator page's published-statistics block: where its figures come from, and for each
    year our value beside England, the region and the neighbours, with the rank and quartile.

    Uses the objects indicator_detail_queryset loaded (published_source, published_ranks_sorted,
    measurements_sorted, benchmarks_sorted): no queries."""
    try:
        source = indicator.published_source
    except PublishedSource.DoesNotExist:
        source = None
    ranks = getattr(indicator, "published_ranks_sorted", [])
    if source is None and not ranks:
        return {"published": None}
    by_period = {m.period: m for m in indicator.measurements_sorted}
    benchmarks = {}
    for b in indicator.benchmarks_sorted:
        benchmarks[(b.kind, b.period)] = b
    years = sorted({r.period for r in ranks} | {b.period for b in indicator.benchmarks_sorted}, reverse=True)
    rank_by_period = {r.period: r for r in ranks}
    rows = []
    for period in years:
        rank = rank_by_period.get(period)
        region = benchmarks.get(("region", period))
        rows.append(
            {
                "period_label": periods.period_label(period, "annual"),
                "ours": value_display(by_period.get(period), indicator),
                "england": benchmark_display(benchmarks.get(("england", period)), indicator),
                "region": benchmark_display(region, indicator),
                "region_name": region.name if region else "",
                "neighbours": benchmark_display(benchmarks.get(("stat_neighbours", period)), indicator),
                "rank": (f"{rank.rank} of {rank.out_of}" if rank and rank.rank else "No rank"),
                "quartile": quartile_words(rank.quartile if rank else None),
            }
        )
    latest_rank = ranks[-1] if ranks else None
    no_rank_reason = ""
    if indicator.polarity in ("close", "none"):
        no_rank_reason = (
            "There is no rank or quartile: with no polarity set as higher or lower is better, "
            "no council's figure is better than another's."
        )
    return {
        "published": {
            "source": str(source) if source else "",
            "release_name": source.release_name if source else "",
            "latest_rank": rank_display(latest_rank),
            "no_rank_reason": no_rank_reason,
            "rows": rows,
        }
    }
