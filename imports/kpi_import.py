"""The KPI importer as a pipeline (imports.pipeline): read -> recognise -> plan changes -> apply.

    read       imports.parsing.workbook.read_workbook (shared by every importer)
    recognise  imports.parsing.kpi.recognise: sheets -> KpiParse (typed indicators and their cells)
    plan       resolve() matches each parsed indicator to one in the database (by code, then exact title,
               or the admin's choice) and loads what is stored, in a fixed number of queries; then one
               planner per entity (indicator definitions, targets, values, benchmarks) gives
               PlannedChange rows with old -> new in the words the pages use ("Q2 2026/27",
               "24.9%"). Reads only: the dry run.
    apply      apply_changes writes exactly what was planned, in one transaction; KPI values through
               indicators.services.save_measurements, the one writer (it keeps MeasurementVersion).

A cell giving no figure ("n/a", "-", blank) over a figure already reported is never a silent erase:
the value planner leaves it unchanged, and says so, unless the admin ticked "clear reported values"
(job.options["clear_reported"]).
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from core import clock
from core.formats import value_words
from imports.models import ImportChange
from imports.parsing.kpi import KpiParse, ParsedIndicator, PeriodValue
from imports.pipeline import CREATE, UNCHANGED, UPDATE, ChangeSet, FieldChange, ImportResult, PlannedChange, Problem
from indicators.models import Benchmark, Frequency, Indicator, Measurement, Polarity, Target, Unit
from indicators.periods import period_label
from indicators.queries import target_display, target_in_force, value_display
from indicators.services import save_measurements

BATCH = 1000
UNKNOWN_SHOWN = 50
INDICATOR, TARGET, VALUE, BENCHMARK = "indicator", "target", "value", "benchmark"
# A cell with no figure over a reported one, once the admin ticks "clear reported values": blank says
# nothing about why, so it is recorded as not yet available; "n/a", "-" or "c" keep their reason.
BLANK_CLEARS_TO = Measurement.MissingReason.NOT_YET_AVAILABLE


def guess_unit(parsed: ParsedIndicator) -> str:
    title = parsed.title.lower()
    if parsed.unit:
        for choice, label in Unit.choices:
            if parsed.unit in {choice, label.lower()} or (parsed.unit == "%" and choice == Unit.PERCENTAGE):
                return choice
    if parsed.looks_like_percentage or "%" in title or "percent" in title or "proportion" in title:
        return Unit.PERCENTAGE
    if "rate" in title or "per 10,000" in title or "per 10k" in title:
        return Unit.RATE_PER_10K
    if "days" in title or "average time" in title or "weeks" in title:
        return Unit.DAYS
    return Unit.NUMBER


def guess_decimal_places(parsed: ParsedIndicator, unit: str) -> int:
    """As many decimal places as the file's figures use, up to 2; a percentage shows at least one
    (24.9%), a count of whole things none (5,200, not 5,200.0)."""
    places = 0
    for cell in parsed.values:
        if cell.value is not None:
            places = max(places, -min(cell.value.normalize().as_tuple().exponent, 0))
    return min(max(places, 1 if unit == Unit.PERCENTAGE else 0), 2)


def guess_frequency(parsed: ParsedIndicator) -> str:
    counts = Counter(v.frequency for v in parsed.values)
    return counts.most_common(1)[0][0] if counts else Frequency.MONTHLY


# -- plan: what is stored, for the planners ---------------------------------------------------------


@dataclass
class ResolvedIndicator:
    """A parsed indicator and the one it goes into: `existing`, or `new` (unsaved, built from the file).
    `indicator` is whichever it is: its unit, decimal places and frequency word every value."""

    parsed: ParsedIndicator
    existing: Indicator | None
    new: Indicator | None = None

    @property
    def indicator(self) -> Indicator:
        return self.existing or self.new

    @property
    def label(self) -> str:
        return str(self.indicator)[:300]


@dataclass
class KpiContext:
    """Everything the planners read: the parse, the matched indicators and what is stored for them."""

    parse: KpiParse
    resolved: list[ResolvedIndicator]
    unknown: list[dict]
    measurements: dict  # (indicator id, period) -> Measurement
    targets: dict  # indicator id -> [Target] oldest first
    benchmarks: dict  # (indicator id, kind, period) -> Benchmark
    clear_reported: bool = False
    problems: list = field(default_factory=list)  # what planning found (a value in the wrong frequency)


def _new_code(used):
    n = len(used) + 1
    while f"imp-{n:03d}" in used:
        n += 1
    return f"IMP-{n:03d}"


def _polarity_for_new(parsed: ParsedIndicator) -> str:
    implied = parsed.target_reading.polarity if parsed.target_reading else ""
    return parsed.polarity or implied or Polarity.HIGHER_IS_BETTER


def resolve(parse: KpiParse, *, indicator_map: dict | None = None, clear_reported: bool = False) -> KpiContext:
    """Match each parsed indicator, load what is stored for the matched ones: four queries whatever the size.

    indicator_map: parsed key -> "create" | "ignore" | str(indicator pk) (the admin's choices)."""
    indicator_map = indicator_map or {}
    indicators = list(Indicator.objects.all())
    by_code = {i.code.lower(): i for i in indicators}
    by_title = defaultdict(list)
    for i in indicators:
        by_title[i.title.lower()].append(i)
    by_pk = {str(i.pk): i for i in indicators}
    used_codes = set(by_code)
    resolved, unknown = [], []
    for parsed in parse.indicators:
        choice = indicator_map.get(parsed.key)
        if choice == "ignore":
            continue
        existing = None
        if choice and choice != "create":
            existing = by_pk.get(choice)
        elif choice != "create":
            existing = by_code.get(parsed.code.lower()) if parsed.code else None
            if existing is None and parsed.title and len(by_title.get(parsed.title.lower(), [])) == 1:
                existing = by_title[parsed.title.lower()][0]
        item = ResolvedIndicator(parsed, existing)
        if existing is None:
            unit = guess_unit(parsed)
            unknown.append(
                {"key": parsed.key, "code": parsed.code, "title": parsed.title, "unit": unit, "row": parsed.row}
            )
            code = parsed.code or _new_code(used_codes)
            used_codes.add(code.lower())
            item.new = Indicator(
                code=code,
                title=parsed.title or code,
                unit=unit,
                decimal_places=guess_decimal_places(parsed, unit),
                frequency=guess_frequency(parsed),
                polarity=_polarity_for_new(parsed),
            )
        resolved.append(item)
    ids = [r.existing.pk for r in resolved if r.existing]
    targets = defaultdict(list)
    for t in Target.objects.filter(indicator_id__in=ids).order_by("effective_from"):
        targets[t.indicator_id].append(t)
    return KpiContext(
        parse=parse,
        resolved=resolved,
        unknown=unknown,
        measurements={(m.indicator_id, m.period): m for m in Measurement.objects.filter(indicator_id__in=ids)},
        targets=targets,
        benchmarks={
            (b.indicator_id, b.kind, b.period): b for b in Benchmark.objects.filter(indicator_id__in=ids, name="")
        },
        clear_reported=clear_reported,
    )


# -- plan: one planner per entity ---------------------------------------------------------------------


class IndicatorPlanner:
    """Indicator definitions: a new indicator, or a changed polarity ("which way is better")."""

    entity = INDICATOR

    def plan(self, context: KpiContext) -> list[PlannedChange]:
        rows = []
        for item in context.resolved:
            parsed, indicator = item.parsed, item.indicator
            row = PlannedChange(INDICATOR, indicator.code, item.label, UNCHANGED, parsed.row, target=item)
            if item.existing is None:
                row.kind = CREATE
                row.change("code", "Code", "", indicator.code)
                row.change("title", "Title", "", indicator.title)
                row.change("unit", "Unit", "", indicator.get_unit_display())
                row.change("frequency", "Frequency", "", indicator.get_frequency_display())
                row.change("polarity", "Which way is better", "", indicator.get_polarity_display())
                if not parsed.polarity and parsed.target_reading and parsed.target_reading.polarity:
                    row.notes.append(
                        f"Which way is better read from the target \u201c{parsed.target_text}\u201d: "
                        f"{indicator.get_polarity_display().lower()}."
                    )
            elif parsed.polarity and parsed.polarity != indicator.polarity:
                row.kind = UPDATE
                row.change(
                    "polarity", "Which way is better", indicator.get_polarity_display(), Polarity(parsed.polarity).label
                )
            polarity = parsed.polarity or indicator.polarity
            implied = parsed.target_reading.polarity if parsed.target_reading else ""
            if implied and polarity not in (implied, Polarity.NONE):
                row.notes.append(
                    f"The target \u201c{parsed.target_text}\u201d reads as {Polarity(implied).label.lower()}, "
                    f"but the indicator is {Polarity(polarity).label.lower()}: check which is right."
                )
            if polarity == Polarity.NONE and parsed.target_reading and parsed.target_reading.kind not in ("", "none"):
                row.notes.append("A context measure (no polarity) is not RAG rated, so its target will not colour it.")
            rows.append(row)
        return rows


class TargetPlanner:
    """Targets as written ("85%", "Less than 22%", "Between 8 and 12"), from the file's first period on.
    "No target" changes nothing: the target already set, if any, stays and is named."""

    entity = TARGET

    def plan(self, context: KpiContext) -> list[PlannedChange]:
        rows = []
        start = context.parse.first_period
        for item in context.resolved:
            reading = item.parsed.target_reading
            if reading is None or start is None:
                continue
            indicator = item.indicator
            stored = context.targets.get(item.existing.pk, []) if item.existing else []
            current = target_in_force(stored, start)
            label = f"from {period_label(start, indicator.frequency)}"
            row = PlannedChange(TARGET, f"{indicator.code} target", item.label, UNCHANGED, item.parsed.row)
            if reading.kind == "none":
                if current is not None:
                    row.notes.append(
                        f"The file says \u201c{item.parsed.target_text}\u201d: the target of "
                        f"{target_display(current, indicator)} already set is kept."
                    )
                    rows.append(row)
                continue
            wanted = Target(
                indicator=indicator if item.existing else None,
                effective_from=start,
                value=reading.value,
                band_lower=reading.lower,
                band_upper=reading.upper,
            )
            old = target_display(current, indicator) if current else ""
            new = target_display(wanted, indicator)
            if current is not None and (current.value, current.band_lower, current.band_upper) == (
                wanted.value,
                wanted.band_lower,
                wanted.band_upper,
            ):
                row.change("target", f"Target {label}", old, old)
            elif current is not None and current.effective_from == start:
                row.kind = UPDATE
                row.changes.append(FieldChange("target", f"Target {label}", old, new))
                row.target = ("update", item, current, wanted)
            else:
                row.kind = CREATE
                row.changes.append(FieldChange("target", f"Target {label}", old, new))
                row.target = ("create", item, None, wanted)
            rows.append(row)
        return rows


def _shown(values: dict, indicator) -> str:
    """A value as every page writes it: "24.9%", "No value (not applicable)"."""
    return value_display(Measurement(value=values["value"], missing_reason=values["missing_reason"]), indicator)


class ValuePlanner:
    """KPI values, one row per indicator and period: old -> new, each in the indicator's unit and period."""

    entity = VALUE

    def plan(self, context: KpiContext) -> list[PlannedChange]:
        rows, sheet = [], context.parse.sheet_name
        for item in context.resolved:
            indicator = item.indicator
            for cell in item.parsed.values:
                rows.extend(self._row(context, item, indicator, cell, sheet))
        return rows

    def _row(self, context, item, indicator, cell: PeriodValue, sheet):
        period = period_label(cell.period, cell.frequency)
        key = f"{indicator.code} {period}"
        if cell.frequency != indicator.frequency:
            message = (
                f"{item.parsed.title or item.parsed.code} is {indicator.get_frequency_display().lower()}, but "
                f"column {cell.column} is {Frequency(cell.frequency).label.lower()}; the value was left out."
            )
            if cell.blank:
                return []
            context.problems.append(Problem(sheet, item.parsed.row, cell.column, message, "warning"))
            return [PlannedChange(VALUE, key, item.label, "skip", item.parsed.row, notes=[message])]
        existing = context.measurements.get((item.existing.pk, cell.period)) if item.existing else None
        reported = existing is not None and existing.value is not None
        if cell.blank:
            if not reported:
                return []  # nothing in the file, nothing stored: nothing to say
            wanted = {"value": None, "missing_reason": BLANK_CLEARS_TO}
        else:
            wanted = {"value": cell.value, "missing_reason": cell.missing_reason}
            if cell.numerator is not None:
                wanted["numerator"] = cell.numerator
            if cell.denominator is not None:
                wanted["denominator"] = cell.denominator
            if cell.commentary:
                wanted["commentary"] = cell.commentary
        label = f"{period} value"
        row = PlannedChange(VALUE, key, item.label, UNCHANGED, item.parsed.row)
        if existing is None:
            row.kind = CREATE
            row.changes.append(FieldChange("value", label, "", _shown(wanted, indicator)))
            row.target = ("create", item, cell.period, wanted)
            return [row]
        old = _shown({"value": existing.value, "missing_reason": existing.missing_reason}, indicator)
        if reported and cell.clears and not context.clear_reported:
            said = "is blank" if cell.blank else f"says \u201c{cell.text}\u201d"
            row.notes.append(
                f"Left unchanged: the file {said} for {period}, and {old} is already reported. "
                "Tick \u201cclear reported values\u201d to clear it."
            )
            row.changes.append(FieldChange("value", label, old, old))
            row.target = "kept"
            return [row]
        diff = [name for name, v in wanted.items() if getattr(existing, name) != v]
        if not diff:
            return [row]
        row.kind = UPDATE
        new = _shown(wanted, indicator)
        if new != old or "value" in diff or "missing_reason" in diff:
            row.changes.append(FieldChange("value", label, old, new))
        for name in diff:
            if name in ("numerator", "denominator"):
                places = indicator.decimal_places
                row.changes.append(
                    FieldChange(
                        name,
                        f"{period} {name}",
                        ""
                        if getattr(existing, name) is None
                        else value_words(getattr(existing, name), "number", places),
                        value_words(wanted[name], "number", places),
                    )
                )
            elif name == "commentary":
                row.changes.append(FieldChange(name, f"{period} commentary", existing.commentary, wanted[name]))
        if reported and cell.clears:
            row.notes.append(f"Clears the reported figure ({old}), as you chose.")
        row.target = ("update", item, existing, wanted)
        return [row]


class BenchmarkPlanner:
    """England and statistical neighbours' averages, for the period the file's benchmark columns name."""

    entity = BENCHMARK

    def plan(self, context: KpiContext) -> list[PlannedChange]:
        rows, period = [], context.parse.benchmark_period
        if period is None:
            return rows
        for item in context.resolved:
            indicator = item.indicator
            for kind, value in (
                (Benchmark.Kind.ENGLAND, item.parsed.england),
                (Benchmark.Kind.STAT_NEIGHBOURS, item.parsed.stat_neighbours),
            ):
                if value is None:
                    continue
                label = f"{Benchmark.Kind(kind).label} {period_label(period, Frequency.ANNUAL)}"
                row = PlannedChange(BENCHMARK, f"{indicator.code} {kind}", item.label, UNCHANGED, item.parsed.row)
                existing = context.benchmarks.get((item.existing.pk, kind, period)) if item.existing else None
                new = value_words(value, indicator.unit, indicator.decimal_places)
                if existing is None:
                    row.kind = CREATE
                    row.changes.append(FieldChange("benchmark", label, "", new))
                    row.target = ("create", item, None, {"kind": kind, "period": period, "value": value})
                elif existing.value != value:
                    row.kind = UPDATE
                    old = (
                        ""
                        if existing.value is None
                        else value_words(existing.value, indicator.unit, indicator.decimal_places)
                    )
                    row.changes.append(FieldChange("benchmark", label, old, new))
                    row.target = ("update", item, existing, value)
                rows.append(row)
        return rows


PLANNERS = (IndicatorPlanner(), TargetPlanner(), ValuePlanner(), BenchmarkPlanner())


@dataclass
class KpiChangeSet(ChangeSet):
    """The planners' rows, entity by entity, and the indicators the file names that are not in the app."""

    context: KpiContext | None = None
    unknown: list = field(default_factory=list)

    @property
    def counts(self) -> dict:
        created = sum(1 for r in self.rows if r.kind == CREATE)
        updated = sum(1 for r in self.rows if r.kind == UPDATE)
        unchanged = sum(1 for r in self.of(VALUE) if r.kind == UNCHANGED)
        return {
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "indicators_created": self.count(INDICATOR, CREATE),
            "values_created": self.count(VALUE, CREATE),
            "values_updated": self.count(VALUE, UPDATE),
            "values_kept": sum(1 for r in self.of(VALUE) if r.target == "kept"),
        }


def plan_changes(parse: KpiParse, *, indicator_map: dict | None = None, clear_reported: bool = False) -> KpiChangeSet:
    context = resolve(parse, indicator_map=indicator_map, clear_reported=clear_reported)
    changes = KpiChangeSet(context=context, unknown=context.unknown)
    for planner in PLANNERS:
        changes.add(planner.entity, planner.plan(context))
    changes.problems = context.problems
    return changes


# -- apply -----------------------------------------------------------------------------------------


def apply_changes(changes: KpiChangeSet, *, job, user, file_name) -> None:
    """Write exactly what was planned. The caller holds the transaction."""
    reason = f"Import {file_name}"[:100]
    now = clock.now()
    created = [r.target.new for r in changes.of(INDICATOR) if r.kind == CREATE]
    Indicator.objects.bulk_create(created, batch_size=BATCH)
    Indicator.history.bulk_history_create(created, default_user=user, default_change_reason=reason)
    changed_indicators = []
    for row in changes.of(INDICATOR):
        if row.kind == UPDATE:
            row.target.existing.polarity = row.target.parsed.polarity
            changed_indicators.append(row.target.existing)
    if changed_indicators:
        Indicator.objects.bulk_update(changed_indicators, ["polarity"])
        Indicator.history.bulk_history_create(changed_indicators, default_user=user, default_change_reason=reason)

    # Targets first: a value is judged against the target in force (commentary needed when it turns
    # red), and a file may bring both.
    new_targets, changed_targets = [], []
    for row in changes.of(TARGET):
        if row.kind == CREATE:
            _, item, _, wanted = row.target
            wanted.indicator = item.indicator
            new_targets.append(wanted)
        elif row.kind == UPDATE:
            _, _, current, wanted = row.target
            current.value, current.band_lower, current.band_upper = wanted.value, wanted.band_lower, wanted.band_upper
            changed_targets.append(current)
    Target.objects.bulk_create(new_targets)
    if changed_targets:
        Target.objects.bulk_update(changed_targets, ["value", "band_lower", "band_upper"])
    Target.history.bulk_history_create(new_targets + changed_targets, default_user=user, default_change_reason=reason)

    new_measurements, changed_measurements = [], []
    for row in changes.of(VALUE):
        if row.kind == CREATE:
            _, item, period, values = row.target
            new_measurements.append(
                Measurement(indicator=item.indicator, period=period, entered_by=user, entered_at=now, **values)
            )
        elif row.kind == UPDATE:
            _, _, measurement, values = row.target
            for name, v in values.items():
                setattr(measurement, name, v)
            measurement.entered_by, measurement.entered_at = user, now
            changed_measurements.append(measurement)
    # The one writer of KPI values: the rows, their history and what was known when.
    save_measurements(
        new=new_measurements,
        changed=changed_measurements,
        update_fields=["value", "missing_reason", "numerator", "denominator", "commentary", "entered_by", "entered_at"],
        user=user,
        reason=reason,
        batch_size=BATCH,
    )

    new_benchmarks, changed_benchmarks = [], []
    for row in changes.of(BENCHMARK):
        if row.kind == CREATE:
            _, item, _, values = row.target
            new_benchmarks.append(
                Benchmark(indicator=item.indicator, source=f"Imported from {file_name}"[:200], **values)
            )
        elif row.kind == UPDATE:
            _, _, benchmark, value = row.target
            benchmark.value = value
            changed_benchmarks.append(benchmark)
    Benchmark.objects.bulk_create(new_benchmarks)
    if changed_benchmarks:
        Benchmark.objects.bulk_update(changed_benchmarks, ["value"])
    Benchmark.history.bulk_history_create(
        new_benchmarks + changed_benchmarks, default_user=user, default_change_reason=reason
    )
    ImportChange.objects.bulk_create(_log(changes, job), batch_size=BATCH)


def _log(changes: KpiChangeSet, job) -> list[ImportChange]:
    """One log row per indicator created or changed, listing what changed in the pages' words
    ("Q2 2026/27 value: 25.8% -> 24.9%"); built after the indicators are saved, so each has its page."""
    fields_of, added = defaultdict(list), Counter()
    for row in changes.rows:
        if row.entity == INDICATOR or not row.is_change:
            continue
        item = row.target[1]
        if row.entity == VALUE and row.kind == CREATE:
            added[id(item)] += 1
        else:
            fields_of[id(item)].extend(row.changes)
    log = []
    for row in changes.of(INDICATOR):
        item, created = row.target, row.kind == CREATE
        fields = (
            [{"field": "values", "before": "", "after": f"{added[id(item)]} added"}]
            if added[id(item)] or created
            else []
        )
        changed = ([] if created else row.changes) + fields_of[id(item)]
        fields += [{"field": c.label, "before": c.old, "after": c.new} for c in changed[:200]]
        if created or fields:
            log.append(ImportChange.of(job, "created" if created else "updated", item.indicator, fields=fields))
    return log


# -- the job -------------------------------------------------------------------------------------------


def run(parse: KpiParse, *, job, dry_run: bool) -> ImportResult:
    """Plan the file's changes and, unless a dry run (or the file has errors), apply them."""
    options, mappings = job.options or {}, job.mappings or {}
    extra = {
        "sheet": parse.sheet_name,
        "header_row": parse.header_row,
        "layout": parse.layout,
        "ignored_sheets": parse.ignored_sheets,
        "ignored_columns": parse.ignored_columns,
        "section_headings": [{"row": r, "text": t} for r, t in parse.section_headings],
        "clear_reported": bool(options.get("clear_reported")),
    }
    if parse.refusal:
        return ImportResult(problems=parse.problems, refusal=parse.refusal, extra=extra)
    changes = plan_changes(
        parse, indicator_map=mappings.get("indicators", {}), clear_reported=bool(options.get("clear_reported"))
    )
    if not dry_run and not parse.errors:
        with transaction.atomic():
            apply_changes(changes, job=job, user=job.uploaded_by, file_name=job.file_name)
    # The preview offers a choice for each new indicator (create, leave out, or one already in the app):
    # for the first UNKNOWN_SHOWN only, so a file of thousands of new indicators still opens quickly;
    # the rest are created unless the file gives them an existing indicator's code.
    extra["unknown_indicators"] = changes.unknown[:UNKNOWN_SHOWN]
    extra["unknown_count"] = len(changes.unknown)
    extra["unknown_not_listed"] = max(0, len(changes.unknown) - UNKNOWN_SHOWN)
    return ImportResult(
        counts=changes.counts,
        problems=parse.problems + changes.problems,
        rows=changes.rows,
        columns=parse.columns,
        extra=extra,
    )


def today() -> datetime.date:
    return clock.today()
