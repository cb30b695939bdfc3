"""Reusable reads for indicators. Every function runs a fixed number of queries, whatever the size."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time

from django.contrib.humanize.templatetags.humanize import ordinal
from django.db.models import Prefetch, Q
from django.utils import timezone

from core.roles import is_admin
from indicators import periods
from indicators.models import SYMBOL_WORDS, Benchmark, Frequency, Indicator, Measurement, SpcRebase, Target
from indicators.rules import SpcResult, direction_of_travel, format_value, kpi_rag, rag_label, spc_assessment

TREND_LENGTH = 6
# A benchmark's symbol in words, from the one list of DfE's symbols (SYMBOL_WORDS).
SUPPRESSION_WORDS = {code: f"{words.capitalize()} ({code})" for code, words in SYMBOL_WORDS.items()} | {
    "c": "Suppressed (c: small numbers)"
}


@dataclass(frozen=True)
class ScorecardRow:
    indicator: Indicator
    measurement: Measurement | None
    value_display: str
    period_label: str
    target: Target | None
    target_display: str
    rag: str
    rag_label: str
    short_term: str | None
    long_term: str | None
    england_display: str
    stat_neighbours_display: str
    commentary: str
    trend: list  # [(period, value)], oldest first, values only
    spc: SpcResult | None = None  # signal of change (XmR chart), see spc_by_indicator

    @property
    def rag_order(self) -> int:
        return {"red": 0, "amber": 1, "green": 2}.get(self.rag, 3)


def indicators_for_user(user):
    """Indicators a signed-in service user may read: every one (board members read all of them)."""
    return Indicator.objects.select_related("owner")


def owned_indicators_for_user(user):
    """Indicators the user may enter values for: their own, or every active one for an admin."""
    queryset = Indicator.objects.filter(is_active=True).select_related("owner")
    if is_admin(user):
        return queryset
    return queryset.filter(owner=user)


def missing_words(measurement: Measurement) -> str:
    """Why a measurement has no value, in words: DfE's symbol when a release gave one."""
    if measurement.suppression_code:
        return SYMBOL_WORDS.get(measurement.suppression_code, measurement.suppression_code)
    return measurement.get_missing_reason_display().lower()


def end_of_day(as_at: date) -> datetime:
    return timezone.make_aware(datetime.combine(as_at, time.max))


def target_in_force(targets: list, period: date) -> Target | None:
    """The target whose effective_from is the latest on or before `period` (targets sorted by date)."""
    in_force = None
    for target in targets:
        if target.effective_from <= period:
            in_force = target
    return in_force


def benchmark_display(benchmark: Benchmark | None, indicator: Indicator) -> str:
    if benchmark is None:
        return "Not published"
    if benchmark.value is None:
        return SUPPRESSION_WORDS.get(benchmark.suppression_code, "Not available")
    shown = format_value(benchmark.value, indicator.unit, indicator.decimal_places)
    if benchmark.neighbours_total and benchmark.neighbours_counted != benchmark.neighbours_total:
        # Some neighbours' figures were suppressed: say how many the mean is of.
        shown += f" (mean of {benchmark.neighbours_counted} of {benchmark.neighbours_total} neighbours)"
    return shown


def latest_benchmark(benchmarks: list, kind: str, as_at: date) -> Benchmark | None:
    found = None
    for benchmark in benchmarks:
        if benchmark.kind == kind and benchmark.period <= as_at:
            if found is None or benchmark.period > found.period:
                found = benchmark
    return found


def target_display(target: Target | None, indicator: Indicator) -> str:
    if target is None:
        return "No target"
    return format_value(target.value, indicator.unit, indicator.decimal_places)


def scorecard_queryset(as_at: date, indicators=None):
    """Indicators with measurements (entered by the end of `as_at`), targets, benchmarks and themes.

    Only the 37 months up to `as_at` are read: enough for the latest value, the same period a year
    earlier and the trend; a value older than three years is not shown as "latest".

    Queries: indicators (with owner), measurements, targets, benchmarks, themes = 5.
    """
    queryset = indicators if indicators is not None else Indicator.objects.filter(is_active=True)
    earliest = periods.previous_period(date(as_at.year - 3, as_at.month, 1), "monthly")
    measurements = Measurement.objects.filter(
        period__gte=earliest, period__lte=as_at, entered_at__lte=end_of_day(as_at)
    ).order_by("period")
    return queryset.select_related("owner").prefetch_related(
        Prefetch("measurements", queryset=measurements, to_attr="measurements_as_at"),
        Prefetch("targets", queryset=Target.objects.order_by("effective_from"), to_attr="targets_sorted"),
        Prefetch("benchmarks", queryset=Benchmark.objects.filter(period__lte=as_at), to_attr="benchmarks_as_at"),
        "themes",
    )


def scorecard_row(indicator: Indicator, as_at: date) -> ScorecardRow:
    """One row from an indicator loaded by scorecard_queryset; no queries."""
    by_period = {m.period: m for m in indicator.measurements_as_at}
    latest = indicator.measurements_as_at[-1] if indicator.measurements_as_at else None
    frequency = indicator.frequency
    value = latest.value if latest else None
    target = target_in_force(indicator.targets_sorted, latest.period if latest else as_at)
    rag = kpi_rag(value=value, target=target, polarity=indicator.polarity)
    short_term = long_term = None
    if latest is not None:
        previous = by_period.get(periods.previous_period(latest.period, frequency))
        last_year = by_period.get(periods.same_period_last_year(latest.period))
        short_term = direction_of_travel(
            current=value, previous=previous.value if previous else None, polarity=indicator.polarity
        )
        long_term = direction_of_travel(
            current=value, previous=last_year.value if last_year else None, polarity=indicator.polarity
        )
    if latest is None:
        value_display = "No value"
    elif latest.value is None:
        value_display = f"No value ({missing_words(latest)})"
    else:
        value_display = format_value(latest.value, indicator.unit, indicator.decimal_places)
    trend = [(m.period, m.value) for m in indicator.measurements_as_at if m.value is not None][-TREND_LENGTH:]
    return ScorecardRow(
        indicator=indicator,
        measurement=latest,
        value_display=value_display,
        period_label=periods.period_label(latest.period, frequency) if latest else "No period",
        target=target,
        target_display=target_display(target, indicator),
        rag=rag,
        rag_label=rag_label(rag, indicator.polarity),
        short_term=short_term,
        long_term=long_term,
        england_display=benchmark_display(
            latest_benchmark(indicator.benchmarks_as_at, Benchmark.Kind.ENGLAND, as_at), indicator
        ),
        stat_neighbours_display=benchmark_display(
            latest_benchmark(indicator.benchmarks_as_at, Benchmark.Kind.STAT_NEIGHBOURS, as_at), indicator
        ),
        commentary=latest.commentary if latest else "",
        trend=trend,
    )


def scorecard_as_at(as_at: date, *, indicators=None) -> list[ScorecardRow]:
    """The scorecard as it stood on `as_at`: reds first, then amber, green and no RAG; 7 queries
    (scorecard_queryset's 5 and spc_inputs' 2).

    `indicators` may be a queryset of Indicator to narrow it (default: the active ones).
    Uses each measurement's current value: a correction made after `as_at` shows its corrected value.
    """
    loaded = list(scorecard_queryset(as_at, indicators))
    series, rebases = spc_inputs([indicator.pk for indicator in loaded], as_at)
    rows = []
    for indicator in loaded:
        row = scorecard_row(indicator, as_at)
        rows.append(replace(row, spc=spc_for(indicator, series, rebases, row.target)))
    return sorted(rows, key=lambda row: (row.rag_order, row.indicator.order, row.indicator.code))


def rag_counts(rows: list[ScorecardRow]) -> dict[str, int]:
    counts = {"red": 0, "amber": 0, "green": 0, "none": 0}
    for row in rows:
        counts[row.rag] += 1
    return counts


def indicator_detail_queryset(user):
    """An indicator with everything its page shows: 1 + 5 prefetch queries (then call attach_history)."""
    return (
        indicators_for_user(user)
        .prefetch_related(
            Prefetch(
                "measurements",
                queryset=Measurement.objects.select_related("entered_by").order_by("period"),
                to_attr="measurements_sorted",
            ),
            Prefetch("targets", queryset=Target.objects.order_by("effective_from"), to_attr="targets_sorted"),
            Prefetch("benchmarks", queryset=Benchmark.objects.order_by("period"), to_attr="benchmarks_sorted"),
            "themes",
            Prefetch("actions", queryset=_actions_queryset()),
            Prefetch("published_ranks", queryset=_ranks_queryset(), to_attr="published_ranks_sorted"),
        )
        .select_related("published_source")
    )


def _ranks_queryset():
    from indicators.models import PublishedRank

    return PublishedRank.objects.order_by("period")


def attach_history(indicator) -> None:
    """Give each prefetched measurement its history rows (oldest first) as .history_rows: 1 query."""
    by_measurement = {}
    history = (
        Measurement.history.filter(indicator_id=indicator.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for row in history:
        by_measurement.setdefault(row.id, []).append(row)
    for measurement in indicator.measurements_sorted:
        measurement.history_rows = by_measurement.get(measurement.pk, [])


def _actions_queryset():
    from improvement.models import Action

    return Action.objects.select_related("theme").order_by("theme__order", "order", "reference")


def corrections(measurement: Measurement) -> list[dict]:
    """Changes to the value of a measurement after it was first entered, from its history (prefetched).

    Each is {"when", "who", "old", "new"} (old and new are the raw values; None when there was none).
    """
    rows = getattr(measurement, "history_rows", [])
    found = []
    for before, after in zip(rows, rows[1:], strict=False):
        if before.value != after.value or before.missing_reason != after.missing_reason:
            found.append({"when": after.history_date, "who": after.history_user, "old": before, "new": after})
    return found


def tolerance_description(target: Target, indicator: Indicator) -> str:
    """The amber band in words: "5 percentage points", "10% of the target (2.0 days)"."""
    from indicators.rules import tolerance_band

    places = indicator.decimal_places
    if target.tolerance_kind == Target.ToleranceKind.ABSOLUTE:
        if indicator.unit == "percentage":
            return f"{format_value(target.tolerance, 'number', places)} percentage points"
        return format_value(target.tolerance, indicator.unit, places)
    band = format_value(tolerance_band(target), indicator.unit, places)
    if indicator.unit == "percentage":
        band = band.replace("%", " percentage points")
    return f"{format_value(target.tolerance, 'number', 0)}% of the target ({band})"


# Statistical process control ----------------------------------------------------------------

SPC_FREQUENCIES = (Frequency.MONTHLY, Frequency.QUARTERLY)


def spc_inputs(indicator_ids: list, as_at: date) -> tuple[dict, dict]:
    """The XmR inputs of many indicators at once, as known at the end of `as_at`: 2 queries.

    Returns ({indicator id: [(period, value)] oldest first}, {indicator id: [re-base period]}).
    The whole series is read (a baseline may be older than the scorecard's three years), but only
    the three columns the chart needs, and only for monthly and quarterly indicators.
    """
    known_by = end_of_day(as_at)
    series, rebases = {}, {}
    values = (
        Measurement.objects.filter(
            indicator_id__in=indicator_ids,
            indicator__frequency__in=SPC_FREQUENCIES,
            value__isnull=False,
            period__lte=as_at,
            entered_at__lte=known_by,
        )
        .order_by("indicator_id", "period")
        .values_list("indicator_id", "period", "value")
    )
    for indicator_id, period, value in values:
        series.setdefault(indicator_id, []).append((period, value))
    in_force = SpcRebase.objects.filter(indicator_id__in=indicator_ids, recorded_at__lte=known_by).filter(
        Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=known_by)
    )
    for indicator_id, period in in_force.values_list("indicator_id", "period"):
        rebases.setdefault(indicator_id, []).append(period)
    return series, rebases


def spc_for(indicator: Indicator, series: dict, rebases: dict, target: Target | None) -> SpcResult:
    """One indicator's signal of change from spc_inputs' data; no queries."""
    return spc_assessment(
        series.get(indicator.pk, []),
        frequency=indicator.frequency,
        polarity=indicator.polarity,
        rebases=rebases.get(indicator.pk, []),
        baseline_points=indicator.spc_baseline_points,
        target_value=target.value if target is not None else None,
    )


def spc_rebase_history(indicator: Indicator) -> list[SpcRebase]:
    """Every re-base of an indicator, withdrawn ones too, oldest first, with who made them: 1 query."""
    return list(
        SpcRebase.objects.filter(indicator=indicator)
        .select_related("recorded_by", "withdrawn_by")
        .order_by("period", "recorded_at", "pk")
    )


def periods_with_values(indicator: Indicator) -> list[date]:
    """The periods an indicator has a value for, oldest first (the periods a re-base may start at): 1 query."""
    return list(indicator.measurements.filter(value__isnull=False).order_by("period").values_list("period", flat=True))


def latest_ranks(indicator_ids, as_at: date) -> dict:
    """{indicator id: its latest PublishedRank for a year started by `as_at`}: one query."""
    from indicators.models import PublishedRank

    found = {}
    for rank in PublishedRank.objects.filter(indicator_id__in=list(indicator_ids), period__lte=as_at).order_by(
        "period"
    ):
        found[rank.indicator_id] = rank
    return found


def rank_display(rank) -> str:
    """ "1st quartile (best): 12th of 152 councils in 2023/24" or why there is none."""
    from indicators.rules import quartile_words

    if rank is None:
        return "No published rank"
    year = periods.period_label(rank.period, "annual")
    if rank.rank is None:
        return f"No rank for {year}"
    return f"{quartile_words(rank.quartile)}: {ordinal(rank.rank)} of {rank.out_of} councils in {year}"


def scorecard_quartiles(rows, as_at: date) -> dict:
    """{indicator pk: the quartile in words} for the scorecard's quartile column: one query."""
    ranks = latest_ranks([row.indicator.pk for row in rows], as_at)
    return {pk: rank_display(rank) for pk, rank in ranks.items()}
