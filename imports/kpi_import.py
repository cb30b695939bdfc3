"""KPI import against the database: indicators matched by code or title, then measurements,
targets, polarity and benchmarks compared with what is stored. The dry run only reads."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction

from core import clock
from imports.models import ImportChange
from imports.parsing.kpi import KpiParse, ParsedIndicator
from imports.parsing.plan import Problem
from indicators.models import Benchmark, Frequency, Indicator, Measurement, Target, Unit
from indicators.services import save_measurements

BATCH = 1000


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


def guess_frequency(parsed: ParsedIndicator) -> str:
    counts = Counter(v.frequency for v in parsed.values)
    return counts.most_common(1)[0][0] if counts else Frequency.MONTHLY


@dataclass
class IndicatorPlan:
    parsed: ParsedIndicator
    indicator: Indicator | None  # None: to be created
    new_fields: dict = field(default_factory=dict)  # for a new indicator
    indicator_diff: list = field(default_factory=list)  # [(field, before, after)]
    measurements_new: list = field(default_factory=list)  # dicts
    measurements_changed: list = field(default_factory=list)  # (Measurement, dict, diff)
    measurements_same: int = 0
    target: tuple | None = None  # ("create", dict) | ("update", Target, value)
    benchmarks: list = field(default_factory=list)  # ("create", dict) | ("update", Benchmark, value)


@dataclass
class KpiChanges:
    plans: list = field(default_factory=list)
    unknown: list = field(default_factory=list)  # [{"key", "code", "title", "unit", "row"}]
    problems: list = field(default_factory=list)

    @property
    def counts(self):
        created = updated = unchanged = 0
        for p in self.plans:
            created += (p.indicator is None) + len(p.measurements_new)
            created += sum(1 for b in p.benchmarks if b[0] == "create") + (
                1 if p.target and p.target[0] == "create" else 0
            )
            updated += len(p.measurements_changed) + (1 if p.indicator_diff else 0)
            updated += sum(1 for b in p.benchmarks if b[0] == "update") + (
                1 if p.target and p.target[0] == "update" else 0
            )
            unchanged += p.measurements_same
        return {
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "indicators_created": sum(1 for p in self.plans if p.indicator is None),
            "values_created": sum(len(p.measurements_new) for p in self.plans),
            "values_updated": sum(len(p.measurements_changed) for p in self.plans),
        }


def kpi_changes(parse: KpiParse, *, indicator_map: dict | None = None) -> KpiChanges:
    """indicator_map: parsed key -> "create" | "ignore" | str(indicator pk) (the admin's choices)."""
    indicator_map = indicator_map or {}
    changes = KpiChanges()
    indicators = list(Indicator.objects.all())
    by_code = {i.code.lower(): i for i in indicators}
    by_title = {}
    for i in indicators:
        by_title.setdefault(i.title.lower(), []).append(i)
    by_pk = {str(i.pk): i for i in indicators}
    used_codes = set(by_code)
    matched = []
    for parsed in parse.indicators:
        choice = indicator_map.get(parsed.key)
        indicator = None
        if choice and choice not in {"create", "ignore"}:
            indicator = by_pk.get(choice)
        elif choice != "create":
            indicator = by_code.get(parsed.code.lower()) if parsed.code else None
            if indicator is None and parsed.title and len(by_title.get(parsed.title.lower(), [])) == 1:
                indicator = by_title[parsed.title.lower()][0]
        if choice == "ignore":
            continue
        if indicator is None:
            changes.unknown.append(
                {
                    "key": parsed.key,
                    "code": parsed.code,
                    "title": parsed.title,
                    "unit": guess_unit(parsed),
                    "row": parsed.row,
                }
            )
        matched.append((parsed, indicator))

    ids = [i.pk for _, i in matched if i is not None]
    measurements = {(m.indicator_id, m.period): m for m in Measurement.objects.filter(indicator_id__in=ids)}
    targets = {}
    for t in Target.objects.filter(indicator_id__in=ids).order_by("effective_from"):
        targets.setdefault(t.indicator_id, []).append(t)
    benchmarks = {
        (b.indicator_id, b.kind, b.period): b for b in Benchmark.objects.filter(indicator_id__in=ids, name="")
    }

    for parsed, indicator in matched:
        plan = IndicatorPlan(parsed, indicator)
        frequency = indicator.frequency if indicator else guess_frequency(parsed)
        if indicator is None:
            code = parsed.code or _new_code(parsed, used_codes)
            used_codes.add(code.lower())
            plan.new_fields = {
                "code": code,
                "title": parsed.title or code,
                "unit": guess_unit(parsed),
                "frequency": frequency,
                "polarity": parsed.polarity or "higher",
            }
        elif parsed.polarity and parsed.polarity != indicator.polarity:
            plan.indicator_diff.append(("polarity", indicator.polarity, parsed.polarity))
        for value in parsed.values:
            if value.frequency != frequency:
                changes.problems.append(
                    Problem(
                        parse.sheet_name,
                        parsed.row,
                        value.column,
                        f"{parsed.title or parsed.code} is {frequency}, but this column is "
                        f"{value.frequency}; the value was left out.",
                        "warning",
                    )
                )
                continue
            wanted = {"value": value.value, "missing_reason": value.missing_reason}
            if value.numerator is not None:
                wanted["numerator"] = value.numerator
            if value.denominator is not None:
                wanted["denominator"] = value.denominator
            if value.commentary:
                wanted["commentary"] = value.commentary
            existing = measurements.get((indicator.pk, value.period)) if indicator else None
            if existing is None:
                plan.measurements_new.append({"period": value.period, **wanted})
                continue
            diff = [
                (f"{value.period:%b %Y} {name.replace('_', ' ')}", getattr(existing, name), v)
                for name, v in wanted.items()
                if getattr(existing, name) != v
            ]
            if diff:
                plan.measurements_changed.append((existing, wanted, diff))
            else:
                plan.measurements_same += 1
        if parsed.target is not None and parse.first_period:
            in_force = [
                t for t in targets.get(getattr(indicator, "pk", None), []) if t.effective_from <= parse.first_period
            ]
            current = in_force[-1] if in_force else None
            if current is None or current.value != parsed.target:
                if current is not None and current.effective_from == parse.first_period:
                    plan.target = ("update", current, parsed.target)
                else:
                    plan.target = ("create", {"effective_from": parse.first_period, "value": parsed.target})
        for kind, value in (
            (Benchmark.Kind.ENGLAND, parsed.england),
            (Benchmark.Kind.STAT_NEIGHBOURS, parsed.stat_neighbours),
        ):
            if value is None or parse.benchmark_period is None:
                continue
            existing = benchmarks.get((getattr(indicator, "pk", None), kind, parse.benchmark_period))
            if existing is None:
                plan.benchmarks.append(("create", {"kind": kind, "period": parse.benchmark_period, "value": value}))
            elif existing.value != value:
                plan.benchmarks.append(("update", existing, value))
        changes.plans.append(plan)
    return changes


def _new_code(parsed, used):
    n = len(used) + 1
    while f"imp-{n:03d}" in used:
        n += 1
    return f"IMP-{n:03d}"


def _text(value):
    return "" if value is None else str(value)


def apply_kpi_changes(changes: KpiChanges, *, job, user, file_name) -> None:
    reason = f"Import {file_name}"[:100]
    now = clock.now()
    new_indicators = [Indicator(**p.new_fields) for p in changes.plans if p.indicator is None]
    Indicator.objects.bulk_create(new_indicators, batch_size=BATCH)
    Indicator.history.bulk_history_create(new_indicators, default_user=user, default_change_reason=reason)
    fresh = iter(new_indicators)
    changed_indicators, new_measurements, changed_measurements = [], [], []
    new_targets, changed_targets, new_benchmarks, changed_benchmarks, log = [], [], [], [], []
    for plan in changes.plans:
        created = plan.indicator is None
        indicator = next(fresh) if created else plan.indicator
        diff = []
        for name, before, after in plan.indicator_diff:
            setattr(indicator, name, after)
            diff.append((name, before, after))
        if plan.indicator_diff:
            changed_indicators.append(indicator)
        for values in plan.measurements_new:
            new_measurements.append(Measurement(indicator=indicator, entered_by=user, entered_at=now, **values))
        for measurement, values, mdiff in plan.measurements_changed:
            for name, v in values.items():
                setattr(measurement, name, v)
            measurement.entered_by, measurement.entered_at = user, now
            changed_measurements.append(measurement)
            diff.extend(mdiff)
        if plan.target:
            if plan.target[0] == "create":
                new_targets.append(Target(indicator=indicator, **plan.target[1]))
                diff.append((f"target from {plan.target[1]['effective_from']:%b %Y}", None, plan.target[1]["value"]))
            else:
                target = plan.target[1]
                diff.append((f"target from {target.effective_from:%b %Y}", target.value, plan.target[2]))
                target.value = plan.target[2]
                changed_targets.append(target)
        for benchmark in plan.benchmarks:
            if benchmark[0] == "create":
                new_benchmarks.append(
                    Benchmark(indicator=indicator, source=f"Imported from {file_name}"[:200], **benchmark[1])
                )
            else:
                diff.append((f"{benchmark[1].get_kind_display()} benchmark", benchmark[1].value, benchmark[2]))
                benchmark[1].value = benchmark[2]
                changed_benchmarks.append(benchmark[1])
        added = len(plan.measurements_new)
        if created:
            log.append(
                ImportChange.of(
                    job, "created", indicator, fields=[{"field": "values", "before": "", "after": f"{added} added"}]
                )
            )
            log[-1]._indicator = indicator
        elif diff or added:
            fields = [{"field": str(n), "before": _text(b), "after": _text(a)} for n, b, a in diff[:200]]
            if added:
                fields.insert(0, {"field": "values", "before": "", "after": f"{added} added"})
            log.append(ImportChange.of(job, "updated", indicator, fields=fields))
    for record in log:
        if hasattr(record, "_indicator"):
            record.object_id = record._indicator.pk
            record.object_url = record._indicator.get_absolute_url()
    if changed_indicators:
        Indicator.objects.bulk_update(changed_indicators, ["polarity"])
        Indicator.history.bulk_history_create(changed_indicators, default_user=user, default_change_reason=reason)
    # The one writer of KPI values: the rows, their history and what was known when.
    save_measurements(
        new=new_measurements,
        changed=changed_measurements,
        update_fields=["value", "missing_reason", "numerator", "denominator", "commentary", "entered_by", "entered_at"],
        user=user,
        reason=reason,
        batch_size=BATCH,
    )
    Target.objects.bulk_create(new_targets)
    if changed_targets:
        Target.objects.bulk_update(changed_targets, ["value"])
    Target.history.bulk_history_create(new_targets + changed_targets, default_user=user, default_change_reason=reason)
    Benchmark.objects.bulk_create(new_benchmarks)
    if changed_benchmarks:
        Benchmark.objects.bulk_update(changed_benchmarks, ["value"])
    Benchmark.history.bulk_history_create(
        new_benchmarks + changed_benchmarks, default_user=user, default_change_reason=reason
    )
    ImportChange.objects.bulk_create(log, batch_size=BATCH)


def run_kpi_import(parse: KpiParse, *, indicator_map, dry_run, job=None, user=None, file_name=""):
    changes = kpi_changes(parse, indicator_map=indicator_map)
    if not dry_run:
        with transaction.atomic():
            apply_kpi_changes(changes, job=job, user=user, file_name=file_name)
    return changes


def today() -> datetime.date:
    return clock.today()
