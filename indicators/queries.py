"""Reusable reads for indicators. Every function runs a fixed number of queries, whatever the size."""

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.humanize.templatetags.humanize import ordinal
from django.db.models import Prefetch, Q
from django.utils import timezone

from core import cache
from core.formats import date_words, value_words
from core.roles import is_admin
from improvement.models import Action, Plan, Theme
from indicators import periods
from indicators.models import (
    SYMBOL_WORDS,
    Benchmark,
    Frequency,
    Indicator,
    KpiRag,
    Measurement,
    MeasurementVersion,
    PublishedRank,
    PublishedSource,
    SpcRebase,
    Target,
)
from indicators.rules import (
    SpcResult,
    direction_of_travel,
    kpi_rag,
    quartile_words,
    rag_label,
    spc_assessment,
    tolerance_band,
)

TREND_LENGTH = 6
# A benchmark's symbol in words, from the one list of DfE's symbols (SYMBOL_WORDS).
SUPPRESSION_WORDS = {code: f"{words.capitalize()} ({code})" for code, words in SYMBOL_WORDS.items()} | {
    "c": "Suppressed (c: small numbers)"
}


# What the scorecard's computations read: the indicators' own tables and their owners (auth_user). Their
# results are memoised by these tables' versions (core/cache.py memo), so an officer's action update, which
# writes only improvement_* tables, leaves them cached; a value, target or benchmark written moves them on.
_INDICATOR_DATA = (Indicator, Target, Benchmark, Measurement, MeasurementVersion, SpcRebase, PublishedRank)


def indicator_data_reads() -> frozenset[str]:
    """The tables the scorecard's computations read."""
    return cache.table_names((*_INDICATOR_DATA, get_user_model()))


def scorecard_page_reads() -> frozenset[str]:
    """What the scorecard page's cached part reads: the scorecard's tables, the indicators' themes (a
    filter), and the themes and plans the theme filter offers."""
    return indicator_data_reads() | cache.table_names((Indicator.themes.through, Theme, Plan))


def memo_by_indicator_data(name: str, compute, indicators, *parts):
    """cache.memo by the indicator tables' versions and those of the queryset narrowing the indicators,
    if any, whose SQL is part of the key, so two filters never share one. For any computation from the
    scorecard's reads alone (the board pack's indicator sections use it too)."""
    tables, narrowed = cache.narrowing(indicators)
    return cache.memo(name, compute, reads=indicator_data_reads() | tables, parts=(*parts, narrowed))


class Knowledge:
    """Which version of each value a view shows (shared/design.md, "What was known when")."""

    CURRENT = "current"  # what we know now, corrections included, marked "corrected on ...": pages
    AS_KNOWN_THEN = "then"  # what was known on the as-at date: papers for that date (board packs)


class KnownValue(NamedTuple):
    """One version of a KPI value, as read by known_values (a tuple: thousands are read per page)."""

    indicator_id: int
    period: date
    value: Decimal | None
    missing_reason: str
    suppression_code: str
    commentary: str
    corrected_on: date | None  # the latest correction of the figure this version carries
    was_value: Decimal | None  # the figure that correction replaced
    was_missing_reason: str | None
    was_suppression_code: str | None

    def get_missing_reason_display(self) -> str:
        return Measurement.MissingReason(self.missing_reason).label if self.missing_reason else ""


@dataclass(frozen=True)
class ScorecardRow:
    indicator: Indicator
    measurement: KnownValue | None
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
    correction_display: str = ""  # "corrected on 3 Dec: was 25.8%", or "" for an original figure

    @property
    def rag_order(self) -> int:
        return KpiRag.rank(self.rag)


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
    """The target whose effective_from is the latest on or before `period` (targets sorted by date),
    unless it ended (effective_to) before `period`: a period after a target's end and before any next
    target has no target. The one rule for "the target in force": every page, pack and import uses it."""
    in_force = None
    for target in targets:
        if target.effective_from <= period:
            in_force = target
    if in_force is not None and in_force.effective_to is not None and period > in_force.effective_to:
        return None
    return in_force


class RagAgainstPrevious(NamedTuple):
    rag_now: str
    rag_before: str  # the previous period's: "none" when it has no value
    is_latest: bool  # no later period has a value or a reason, counting the values being written
    previous_label: str


def rags_against_previous_period(measurements) -> list[RagAgainstPrevious]:
    """For values about to be written (unsaved, or changed in memory), each one's RAG and the previous
    period's, each against the target in force for its own period (kpi_rag), and whether it is the
    indicator's latest period, the values being written counted over those stored. In the order given;
    3 queries however many: the indicators, their targets, the stored values from the earliest
    previous period on."""
    measurements = list(measurements)
    if not measurements:
        return []
    indicators = {
        indicator.pk: indicator
        for indicator in Indicator.objects.filter(pk__in={m.indicator_id for m in measurements}).prefetch_related(
            Prefetch("targets", queryset=Target.objects.order_by("effective_from"), to_attr="targets_in_order")
        )
    }
    before = [periods.previous_period(m.period, indicators[m.indicator_id].frequency) for m in measurements]
    values = dict(
        (((i, p), v) for i, p, v in Measurement.objects.filter(indicator_id__in=indicators, period__gte=min(before))
         .values_list("indicator_id", "period", "value"))
    )  # fmt: skip
    values.update({(m.indicator_id, m.period): m.value for m in measurements})
    latest = {}
    for indicator_id, period in values:
        latest[indicator_id] = max(period, latest.get(indicator_id, period))
    found = []
    for measurement, previous in zip(measurements, before, strict=True):
        indicator = indicators[measurement.indicator_id]

        def rag_of(period, value, indicator=indicator):
            return kpi_rag(
                value=value, target=target_in_force(indicator.targets_in_order, period), polarity=indicator.polarity
            )

        found.append(
            RagAgainstPrevious(
                rag_now=rag_of(measurement.period, measurement.value),
                rag_before=rag_of(previous, values.get((indicator.pk, previous))),
                is_latest=latest[indicator.pk] == measurement.period,
                previous_label=periods.period_label(previous, indicator.frequency),
            )
        )
    return found


def benchmark_display(benchmark: Benchmark | None, indicator: Indicator) -> str:
    if benchmark is None:
        return "Not published"
    if benchmark.value is None:
        return SUPPRESSION_WORDS.get(benchmark.suppression_code, "Not available")
    shown = value_words(benchmark.value, indicator.unit, indicator.decimal_places)
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
    if target.has_band:
        # A close-to-target band: "8.0 to 12.0", "20.0% to 25.0%".
        low = value_words(target.band_lower, indicator.unit, indicator.decimal_places)
        high = value_words(target.band_upper, indicator.unit, indicator.decimal_places)
        return f"{low} to {high}"
    return value_words(target.value, indicator.unit, indicator.decimal_places)


def known_values(indicator_ids, as_at: date, knowledge: str = Knowledge.CURRENT) -> dict:
    """{indicator id: [KnownValue] oldest period first} for every period that started by `as_at`: one
    query, on the index of MeasurementVersion.

    Knowledge.CURRENT reads each value's current version; Knowledge.AS_KNOWN_THEN the version known
    on `as_at` (known_from <= as_at < known_to), so a period not known by then is left out.
    """
    versions = MeasurementVersion.objects.filter(indicator_id__in=list(indicator_ids), period__lte=as_at)
    if knowledge == Knowledge.AS_KNOWN_THEN:
        versions = versions.filter(known_from__lte=as_at).filter(Q(known_to__isnull=True) | Q(known_to__gt=as_at))
    else:
        versions = versions.filter(known_to__isnull=True)
    found = {}
    rows = versions.order_by("indicator_id", "period").values_list(
        "indicator_id",
        "period",
        "value",
        "missing_reason",
        "suppression_code",
        "commentary",
        "corrected_on",
        "replaced__value",
        "replaced__missing_reason",
        "replaced__suppression_code",
    )
    for row in rows:
        found.setdefault(row[0], []).append(KnownValue._make(row))
    return found


def scorecard_queryset(as_at: date, indicators=None):
    """Indicators with their targets and benchmarks (the values come from known_values).

    Queries: indicators (with owner), targets, benchmarks = 3.
    """
    queryset = indicators if indicators is not None else Indicator.objects.filter(is_active=True)
    return queryset.select_related("owner").prefetch_related(
        Prefetch("targets", queryset=Target.objects.order_by("effective_from"), to_attr="targets_sorted"),
        Prefetch("benchmarks", queryset=Benchmark.objects.filter(period__lte=as_at), to_attr="benchmarks_as_at"),
    )


def scorecard_window_start(as_at: date) -> date:
    """The oldest period the scorecard shows as "latest": three years back. Only 37 months are enough for
    the latest value, the same period a year earlier and the trend; an older value is not "latest"."""
    return periods.previous_period(date(as_at.year - 3, as_at.month, 1), "monthly")


def value_display(measurement, indicator) -> str:
    """A value in words: "87.3%", "No value (suppressed)", "No value"."""
    if measurement is None:
        return "No value"
    if measurement.value is None:
        return f"No value ({missing_words(measurement)})"
    return value_words(measurement.value, indicator.unit, indicator.decimal_places)


def correction_display(known: KnownValue | None, indicator: Indicator, as_at: date) -> str:
    """ "corrected on 3 Dec: was 25.8%" for a value whose figure was corrected, else ""."""
    if known is None or known.corrected_on is None:
        return ""
    was = KnownValue(
        known.indicator_id,
        known.period,
        known.was_value,
        known.was_missing_reason or "",
        known.was_suppression_code or "",
        "",
        None,
        None,
        None,
        None,
    )
    day = known.corrected_on
    when = date_words(day, "short_day_month" if day.year == as_at.year else "short")
    return f"corrected on {when}: was {value_display(was, indicator)}"


def scorecard_row(indicator: Indicator, as_at: date, known: list | None = None) -> ScorecardRow:
    """One row from an indicator loaded by scorecard_queryset and its known_values (oldest first); no queries."""
    earliest = scorecard_window_start(as_at)
    shown = [k for k in (known or []) if k.period >= earliest]
    by_period = {k.period: k for k in shown}
    latest = shown[-1] if shown else None
    frequency = indicator.frequency
    value = latest.value if latest else None
    target = target_in_force(indicator.targets_sorted, latest.period if latest else as_at)
    rag = kpi_rag(value=value, target=target, polarity=indicator.polarity)
    short_term = long_term = None
    if latest is not None:
        previous = by_period.get(periods.previous_period(latest.period, frequency))
        last_year = by_period.get(periods.same_period_last_year(latest.period))
        short_term = direction_of_travel(
            current=value, previous=previous.value if previous else None, polarity=indicator.polarity, target=target
        )
        long_term = direction_of_travel(
            current=value, previous=last_year.value if last_year else None, polarity=indicator.polarity, target=target
        )
    trend = [(k.period, k.value) for k in shown if k.value is not None][-TREND_LENGTH:]
    return ScorecardRow(
        indicator=indicator,
        measurement=latest,
        value_display=value_display(latest, indicator),
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
        correction_display=correction_display(latest, indicator, as_at),
    )


def scorecard_as_at(as_at: date, *, indicators=None, knowledge: str = Knowledge.CURRENT) -> list[ScorecardRow]:
    """The scorecard as at `as_at`: reds first, then amber, green and no RAG; 5 queries (indicators,
    targets, benchmarks; the values; SPC re-bases), or the memo's two (the tables' version, the cache)
    while no indicator data has changed. The rows are shared through the cache: do not change them.

    `indicators` may be a queryset of Indicator to narrow it (default: the active ones).
    `knowledge`: Knowledge.CURRENT (pages: today's knowledge of each period, a corrected figure marked
    "corrected on 3 Dec: was 25.8%") or Knowledge.AS_KNOWN_THEN (papers for a date: the figures known
    on `as_at`). The SPC signal reads the same values.
    """
    return memo_by_indicator_data(
        "scorecard_as_at",
        lambda: _scorecard_as_at(as_at, indicators=indicators, knowledge=knowledge),
        indicators,
        as_at,
        knowledge,
    )


def _scorecard_as_at(as_at: date, *, indicators, knowledge: str) -> list[ScorecardRow]:
    loaded = list(scorecard_queryset(as_at, indicators))
    ids = [indicator.pk for indicator in loaded]
    known = known_values(ids, as_at, knowledge)
    rebases = spc_rebases_known(ids, as_at)
    rows = []
    for indicator in loaded:
        values = known.get(indicator.pk, [])
        row = scorecard_row(indicator, as_at, values)
        series = {indicator.pk: [(k.period, k.value) for k in values if k.value is not None]}
        rows.append(replace(row, spc=spc_for(indicator, series, rebases, row.target)))
    return sorted(rows, key=lambda row: (row.rag_order, row.indicator.order, row.indicator.code))


def kpi_rags_on_dates(dates, *, indicators=None, knowledge: str = Knowledge.CURRENT) -> dict:
    """{indicator id: {date: RAG}} for each indicator on each of `dates`, as scorecard_as_at would rate
    it on that date (the latest period started by then, within three years, against the target then in
    force, by the one kpi_rag rule). Two queries whatever the number of dates or indicators: the
    indicators with their targets, and the values up to the last date (or the memo's two while no
    indicator data has changed). The result is shared through the cache: do not change it.
    """
    dates = tuple(sorted(set(dates)))
    if not dates:
        return {}
    return memo_by_indicator_data(
        "kpi_rags_on_dates",
        lambda: _kpi_rags_on_dates(dates, indicators=indicators, knowledge=knowledge),
        indicators,
        dates,
        knowledge,
    )


def _kpi_rags_on_dates(dates: tuple, *, indicators, knowledge: str) -> dict:
    queryset = indicators if indicators is not None else Indicator.objects.filter(is_active=True)
    polarity, targets = {}, {}
    rows = queryset.order_by("pk", "targets__effective_from").values_list(
        "pk",
        "polarity",
        "targets__effective_from",
        "targets__effective_to",
        "targets__value",
        "targets__tolerance_kind",
        "targets__tolerance",
        "targets__band_lower",
        "targets__band_upper",
    )
    for pk, indicator_polarity, effective_from, effective_to, value, kind, tolerance, lower, upper in rows:
        polarity[pk] = indicator_polarity
        found = targets.setdefault(pk, [])
        if effective_from is not None:
            found.append(
                Target(
                    effective_from=effective_from,
                    effective_to=effective_to,
                    value=value,
                    tolerance_kind=kind,
                    tolerance=tolerance,
                    band_lower=lower,
                    band_upper=upper,
                )
            )
    versions = MeasurementVersion.objects.filter(indicator_id__in=list(polarity), period__lte=dates[-1])
    if knowledge != Knowledge.AS_KNOWN_THEN:
        versions = versions.filter(known_to__isnull=True)
    by_indicator = {}
    for indicator_id, period, value, known_from, known_to in versions.order_by("indicator_id", "period").values_list(
        "indicator_id", "period", "value", "known_from", "known_to"
    ):
        by_indicator.setdefault(indicator_id, []).append((period, value, known_from, known_to))
    then = knowledge == Knowledge.AS_KNOWN_THEN
    result = {}
    for pk, indicator_polarity in polarity.items():
        values = by_indicator.get(pk, [])
        starts = [period for period, *_ in values]
        rags = {}
        for day in dates:
            earliest = scorecard_window_start(day)
            latest = None
            # Newest period first: the first one known on `day` is the latest value then.
            for index in range(bisect_right(starts, day) - 1, -1, -1):
                period, value, known_from, known_to = values[index]
                if period < earliest:
                    break
                if not then or (known_from <= day and (known_to is None or known_to > day)):
                    latest = (period, value)
                    break
            target = target_in_force(targets[pk], latest[0] if latest else day)
            rags[day] = kpi_rag(value=latest[1] if latest else None, target=target, polarity=indicator_polarity)
        result[pk] = rags
    return result


def kpi_rag_counts(rows: list[ScorecardRow]) -> dict[str, int]:
    counts = {rag.value: 0 for rag in KpiRag}
    for row in rows:
        counts[row.rag] += 1
    return counts


def indicator_detail_queryset(user):
    """An indicator with everything its page shows: 1 + 5 prefetch queries (indicator with owner and
    published source; value versions with their measurement and who entered them, targets, benchmarks,
    themes, actions). Then call attach_values (no query) and attach_published_ranks."""
    versions = MeasurementVersion.objects.select_related("measurement__entered_by", "recorded_by").order_by(
        "period", "recorded_at", "pk"
    )
    return (
        indicators_for_user(user)
        .prefetch_related(
            Prefetch("measurement_versions", queryset=versions, to_attr="versions_sorted"),
            Prefetch("targets", queryset=Target.objects.order_by("effective_from"), to_attr="targets_sorted"),
            Prefetch("benchmarks", queryset=Benchmark.objects.order_by("period"), to_attr="benchmarks_sorted"),
            "themes",
            Prefetch("actions", queryset=_actions_queryset()),
        )
        .select_related("published_source")
    )


def attach_values(indicator) -> None:
    """From the prefetched versions: .measurements_sorted (oldest period first), each measurement with
    its versions (oldest first) as .versions_sorted. No queries."""
    by_measurement = {}
    for version in indicator.versions_sorted:
        by_measurement.setdefault(version.measurement_id, []).append(version)
    measurements = []
    for versions in by_measurement.values():
        measurement = versions[-1].measurement
        measurement.versions_sorted = versions
        measurements.append(measurement)
    indicator.measurements_sorted = sorted(measurements, key=lambda m: m.period)


def attach_published_ranks(indicator) -> None:
    """.published_ranks_sorted: 1 query for an indicator with a published source, none otherwise (ranks
    come only from a published load, which saves the source)."""
    try:
        has_source = indicator.published_source is not None
    except PublishedSource.DoesNotExist:
        has_source = False
    if not has_source:
        indicator.published_ranks_sorted = []
        return
    indicator.published_ranks_sorted = list(PublishedRank.objects.filter(indicator=indicator).order_by("period"))


def _actions_queryset():
    return Action.objects.select_related("theme").order_by("theme__order", "order", "reference")


def corrections(measurement) -> list[dict]:
    """Changes to the figure of a measurement after it was first entered, from its versions (attach_values).

    Each is {"when", "who", "old", "new"} (old and new are versions; a change of commentary alone is not one).
    """
    versions = getattr(measurement, "versions_sorted", [])
    return [
        {"when": after.recorded_at, "who": after.recorded_by, "old": before, "new": after}
        for before, after in zip(versions, versions[1:], strict=False)
        if after.is_correction
    ]


def tolerance_description(target: Target, indicator: Indicator) -> str:
    """The amber band in words: "5 percentage points", "10% of the target (2.0 days)"."""
    places = indicator.decimal_places
    if target.tolerance_kind == Target.ToleranceKind.ABSOLUTE:
        if indicator.unit == "percentage":
            return f"{value_words(target.tolerance, 'number', places)} percentage points"
        return value_words(target.tolerance, indicator.unit, places)
    band = value_words(tolerance_band(target), indicator.unit, places)
    if indicator.unit == "percentage":
        band = band.replace("%", " percentage points")
    return f"{value_words(target.tolerance, 'number', 0)}% of the target ({band})"


# Statistical process control ----------------------------------------------------------------

SPC_FREQUENCIES = (Frequency.MONTHLY, Frequency.QUARTERLY)


def spc_rebases_known(indicator_ids: list, as_at: date) -> dict:
    """{indicator id: [re-base period]} for the re-bases made by the end of `as_at` and not withdrawn by
    then: 1 query. (The XmR series are the values known_values reads.)"""
    known_by = end_of_day(as_at)
    rebases = {}
    in_force = SpcRebase.objects.filter(indicator_id__in=indicator_ids, recorded_at__lte=known_by).filter(
        Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=known_by)
    )
    for indicator_id, period in in_force.values_list("indicator_id", "period"):
        rebases.setdefault(indicator_id, []).append(period)
    return rebases


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
    found = {}
    for rank in PublishedRank.objects.filter(indicator_id__in=list(indicator_ids), period__lte=as_at).order_by(
        "period"
    ):
        found[rank.indicator_id] = rank
    return found


def rank_display(rank) -> str:
    """ "1st quartile (best): 12th of 152 councils in 2023/24" or why there is none."""
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


def indicators_with_values_newest_first(owned):
    """The indicators with .measurements_newest_first (every value, newest period first): 2 queries."""
    return owned.prefetch_related(
        Prefetch("measurements", queryset=Measurement.objects.order_by("-period"), to_attr="measurements_newest_first")
    )


def scorecard_at_two_dates(start: date, end: date, *, indicators=None) -> list[tuple[ScorecardRow, ScorecardRow]]:
    """(row as at start, row as at end) for each indicator, with today's knowledge of every period (a
    corrected figure marked "corrected on ..."), as the progress page compares them: 4 queries (indicators,
    targets, benchmarks; the values up to end, from which the start's are the periods started by then).
    Sorted as scorecard_as_at sorts the end's rows. Memoised as scorecard_as_at is: do not change the rows."""
    return memo_by_indicator_data(
        "scorecard_at_two_dates",
        lambda: _scorecard_at_two_dates(start, end, indicators=indicators),
        indicators,
        start,
        end,
    )


def _scorecard_at_two_dates(start: date, end: date, *, indicators) -> list[tuple[ScorecardRow, ScorecardRow]]:
    loaded = list(scorecard_queryset(end, indicators))
    known = known_values([indicator.pk for indicator in loaded], end, Knowledge.CURRENT)
    pairs = []
    for indicator in loaded:
        values = known.get(indicator.pk, [])
        then = scorecard_row(indicator, start, [k for k in values if k.period <= start])
        pairs.append((then, scorecard_row(indicator, end, values)))
    return sorted(pairs, key=lambda pair: (pair[1].rag_order, pair[1].indicator.order, pair[1].indicator.code))


def off_target_as_at(as_at: date) -> list[ScorecardRow]:
    """The active indicators rated red or amber as at `as_at` (today's knowledge, a corrected figure marked),
    reds first: 3 queries (indicators, targets, values), as the dashboard lists them. No benchmarks nor SPC
    signal: scorecard_as_at has them. Memoised as scorecard_as_at is: do not change the rows."""
    return memo_by_indicator_data("off_target_as_at", lambda: _off_target_as_at(as_at), None, as_at)


def _off_target_as_at(as_at: date) -> list[ScorecardRow]:
    loaded = list(
        Indicator.objects.filter(is_active=True).prefetch_related(
            Prefetch("targets", queryset=Target.objects.order_by("effective_from"), to_attr="targets_sorted")
        )
    )
    known = known_values([indicator.pk for indicator in loaded], as_at, Knowledge.CURRENT)
    rows = []
    for indicator in loaded:
        indicator.benchmarks_as_at = []
        row = scorecard_row(indicator, as_at, known.get(indicator.pk, []))
        if row.rag in ("red", "amber"):
            rows.append(row)
    return sorted(rows, key=lambda row: (row.rag_order, row.indicator.order, row.indicator.code))
