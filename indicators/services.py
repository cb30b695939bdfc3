"""Writes for indicators."""

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import audit, clock
from indicators import periods
from indicators.models import CouncilSettings, Indicator, Measurement, MeasurementVersion, SpcRebase, Target
from indicators.queries import rags_against_previous_period
from indicators.rules import changes_the_figure, commentary_needed, version_known_from


@dataclass(frozen=True)
class RecordedValue:
    measurement: Measurement
    corrected: bool  # True when an existing period was changed


# What a version keeps: the figure and the commentary the scorecard shows beside it.
VERSION_FIELDS = ("value", "missing_reason", "suppression_code", "commentary")


@transaction.atomic
def save_measurements(
    *,
    new=(),
    changed=(),
    update_fields=(),
    user=None,
    reason: str = "",
    describes_until: dict | None = None,
    batch_size: int = 1000,
) -> list[MeasurementVersion]:
    """The one writer of KPI values: every path that writes a Measurement calls it (the entry form,
    Django admin, the KPI import, the published-statistics load, the demo). Set-based: a fixed
    number of queries however many values.

    `new`: unsaved Measurements, entered_at set to when each was entered (or, for published history,
    when it counts as known). `changed`: saved Measurements with their new values set in memory;
    `update_fields` names the columns to write. `describes_until`: {(indicator id, period): last day the
    figure describes} where that is not the end of its period (an academic year loaded from DfE).

    Side effects: inserts and updates the Measurements, each with its commentary_needed flag (set or
    cleared, see _flag_commentary_needed); one simple_history row each (by `user`, with
    `reason`); and the knowledge history: an original MeasurementVersion for each new value, and for a
    changed one whose figure or commentary differs, the current version closed and a new one opened
    (a correction when the figure changed), known from the days indicators.rules.version_known_from
    says. Returns the versions created.
    """
    new, changed = list(new), list(changed)
    now = clock.now()
    period_field = Measurement._meta.get_field("period")
    for measurement in new:
        # A period given as text (a fixture, a form's raw value) is a date from here on, as the version needs.
        measurement.period = period_field.to_python(measurement.period)
    if changed and update_fields:
        update_fields = list(dict.fromkeys([*update_fields, "commentary_needed"]))
    _flag_commentary_needed(new + (changed if update_fields else []))
    if new:
        Measurement.objects.bulk_create(new, batch_size=batch_size)
    if changed and update_fields:
        Measurement.objects.bulk_update(changed, list(update_fields), batch_size=batch_size)
    if new or changed:
        Measurement.history.bulk_history_create(
            new + changed,
            default_user=user,
            default_change_reason=reason or None,
            default_date=now,
            batch_size=batch_size,
        )
    return _record_versions(new, changed, user=user, now=now, describes_until=describes_until or {})


def _flag_commentary_needed(measurements) -> None:
    """Set commentary_needed on values about to be written (3 queries, none when there are none): a value
    that turns its indicator red with no commentary (indicators.rules.commentary_needed) is flagged for
    its owner when it is the indicator's latest period; an earlier period keeps a flag it already had
    until commentary is added or it is no longer red, but is not newly flagged, so loading years of
    published history asks for no commentary on figures the board has long moved past."""
    for measurement, rags in zip(measurements, rags_against_previous_period(measurements), strict=True):
        needed = commentary_needed(rag_now=rags.rag_now, rag_before=rags.rag_before, commentary=measurement.commentary)
        measurement.commentary_needed = needed and (rags.is_latest or measurement.commentary_needed)


def _figure(measurement) -> dict:
    return {name: getattr(measurement, name) for name in VERSION_FIELDS}


def _original_version(measurement, *, user, describes_until: dict) -> MeasurementVersion:
    indicator = measurement.indicator  # attached by every caller that creates values
    until = describes_until.get(
        (measurement.indicator_id, measurement.period), periods.period_end(measurement.period, indicator.frequency)
    )
    return MeasurementVersion(
        measurement=measurement,
        indicator_id=measurement.indicator_id,
        period=measurement.period,
        known_from=version_known_from(
            describes_until=until, entered_on=timezone.localdate(measurement.entered_at), is_first=True
        ),
        recorded_at=measurement.entered_at,
        recorded_by_id=measurement.entered_by_id or getattr(user, "pk", None),
        **_figure(measurement),
    )


def _record_versions(new, changed, *, user, now, describes_until) -> list[MeasurementVersion]:
    """The knowledge history for values just written: 1 query to read the current versions of the
    changed ones, 1 to close those replaced, 1 to insert (none when there is nothing to do)."""
    created = [_original_version(m, user=user, describes_until=describes_until) for m in new]
    current = {}
    if changed:
        current = {
            version.measurement_id: version
            for version in MeasurementVersion.objects.filter(
                measurement_id__in=[m.pk for m in changed], known_to__isnull=True
            )
        }
    closed = []
    entered_on = timezone.localdate(now)
    for measurement in changed:
        before = current.get(measurement.pk)
        after = _figure(measurement)
        if before is None:
            # A value written before this history existed, outside the writer: its present state is
            # the first version we know of.
            created.append(_original_version(measurement, user=user, describes_until=describes_until))
            continue
        if _figure(before) == after:
            continue
        known_from = version_known_from(
            describes_until=None, entered_on=entered_on, is_first=False, previous_known_from=before.known_from
        )
        before.known_to = known_from
        closed.append(before)
        correction = changes_the_figure(_figure(before), after)
        created.append(
            MeasurementVersion(
                measurement=measurement,
                indicator_id=measurement.indicator_id,
                period=measurement.period,
                known_from=known_from,
                recorded_at=now,
                recorded_by_id=getattr(user, "pk", None),
                is_correction=correction,
                corrected_on=known_from if correction else before.corrected_on,
                replaced_id=before.pk if correction else before.replaced_id,
                **after,
            )
        )
    if closed:
        # Closed before the new versions go in: a measurement has one current version at a time.
        MeasurementVersion.objects.bulk_update(closed, ["known_to"], batch_size=1000)
    MeasurementVersion.objects.bulk_create(created, batch_size=1000)
    return created


def record_measurement(
    *,
    indicator,
    period,
    value: Decimal | None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
    missing_reason: str = "",
    commentary: str = "",
    data_quality_note: str = "",
    entered_by,
) -> RecordedValue:
    """Enter the value for a period, or correct the one already there (the entry form).

    Side effects: through save_measurements, creates or updates one Measurement with its history row
    and knowledge version (the indicator page shows a change of figure as a correction). A first entry
    records entered_by/entered_at; a correction keeps them (the first entry's), and its version is
    known from today.
    """
    with transaction.atomic():
        existing = Measurement.objects.select_for_update().filter(indicator=indicator, period=period).first()
        fields = {
            "value": value,
            "numerator": numerator,
            "denominator": denominator,
            "missing_reason": missing_reason,
            "commentary": commentary,
            "data_quality_note": data_quality_note,
            # A value entered here replaces any DfE symbol a published release gave for the period.
            "suppression_code": "",
        }
        if existing is None:
            measurement = Measurement(
                indicator=indicator, period=period, entered_by=entered_by, entered_at=clock.now(), **fields
            )
            save_measurements(new=[measurement], user=entered_by)
            return RecordedValue(measurement=measurement, corrected=False)
        for name, new in fields.items():
            setattr(existing, name, new)
        existing.indicator = indicator
        save_measurements(changed=[existing], update_fields=list(fields), user=entered_by)
        return RecordedValue(measurement=existing, corrected=True)


@transaction.atomic
def change_spc_baseline(*, indicator, baseline_points: int, changed_by) -> bool:
    """Set how many points make an indicator's XmR baseline. False (and nothing written) when unchanged.

    Side effects: saves the indicator (its history keeps the old length) and writes an audit entry.
    """
    old = indicator.spc_baseline_points
    if old == baseline_points:
        return False
    indicator.spc_baseline_points = baseline_points
    indicator._history_user = changed_by
    indicator.save(update_fields=["spc_baseline_points"])
    audit.record(
        changed_by,
        "indicator.spc_baseline_changed",
        subject=indicator,
        summary=f"Baseline length {old} to {baseline_points} points",
        old=old,
        new=baseline_points,
    )
    return True


@transaction.atomic
def rebase_spc(*, indicator, period, reason: str, recorded_by) -> SpcRebase:
    """Start a new XmR baseline at `period` after a known change; earlier re-bases stay as they were.

    Side effects: creates one SpcRebase and writes an audit entry.
    """
    rebase = SpcRebase.objects.create(
        indicator=indicator, period=period, reason=reason, recorded_by=recorded_by, recorded_at=clock.now()
    )
    audit.record(
        recorded_by,
        "indicator.spc_rebased",
        subject=indicator,
        summary=f"Re-based from {periods.period_label(period, indicator.frequency)}: {reason}",
        period=period.isoformat(),
    )
    return rebase


@transaction.atomic
def withdraw_spc_rebase(*, rebase: SpcRebase, withdrawn_by) -> bool:
    """Withdraw a re-base made by mistake; the row stays, so the history shows it. False if already withdrawn."""
    locked = SpcRebase.objects.select_for_update().get(pk=rebase.pk)
    if locked.withdrawn_at is not None:
        return False
    locked.withdrawn_at = clock.now()
    locked.withdrawn_by = withdrawn_by
    locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.record(
        withdrawn_by,
        "indicator.spc_rebase_withdrawn",
        subject=locked.indicator,
        summary=f"Re-base from {periods.period_label(locked.period, locked.indicator.frequency)} withdrawn",
        period=locked.period.isoformat(),
    )
    return True


def council_settings():
    """The council's code and neighbours: the one CouncilSettings row, created from COUNCIL_LA_CODE and
    STATISTICAL_NEIGHBOURS the first time it is needed. After that the database wins."""
    found = CouncilSettings.objects.order_by("pk").first()
    if found is not None:
        return found
    return CouncilSettings.objects.create(
        la_code=(settings.COUNCIL_LA_CODE or "").strip().upper(),
        neighbour_codes=[code.strip().upper() for code in settings.STATISTICAL_NEIGHBOURS if code.strip()],
    )


@transaction.atomic
def update_council_settings(*, la_code: str, neighbour_codes: list[str], user):
    """Save the council's code and neighbours (an admin's edit), recorded in the audit log."""
    row = council_settings()
    before = {"la_code": row.la_code, "neighbours": list(row.neighbour_codes)}
    row.la_code = la_code.strip().upper()
    row.neighbour_codes = [code.strip().upper() for code in neighbour_codes if code.strip()]
    row.updated_at = clock.now()
    row._history_user = user
    row.save()
    audit.record(
        user,
        "council_settings.changed",
        subject=row,
        summary=f"Council code {row.la_code}; {len(row.neighbour_codes)} neighbours",
        before=before,
    )
    return row


# The optimistic check on a KPI correction, kept apart from record_measurement: the form carries
# "period:fingerprint" of the stored value it was loaded with, whoever wrote that value (a form, an import).
class StaleMeasurementError(Exception):
    """The period's value changed after the correction form was loaded; nothing was saved."""

    def __init__(self, measurement):
        self.measurement = measurement  # as it is now (None if it has gone)
        super().__init__("The value changed since the form was loaded")


def measurement_version(period, measurement) -> str:
    """What the correction form carries for the value it shows: changes whenever the stored value does."""
    if measurement is None:
        return f"{period.isoformat()}:none"
    stored = (
        measurement.value,
        measurement.numerator,
        measurement.denominator,
        measurement.missing_reason,
        measurement.suppression_code,
        measurement.commentary,
        measurement.data_quality_note,
    )
    return f"{period.isoformat()}:{hashlib.sha256(repr(stored).encode()).hexdigest()[:20]}"


def check_measurement_version(*, indicator, period, expected: str) -> None:
    """Call inside the transaction that saves the correction: locks the period's row and raises
    StaleMeasurementError if it no longer matches `expected`. A form that carries no version, or one
    for another period than the one submitted (the officer chose another period), is not checked."""
    if not expected or not expected.startswith(f"{period.isoformat()}:"):
        return
    current = Measurement.objects.select_for_update().filter(indicator=indicator, period=period).first()
    if measurement_version(period, current) != expected:
        raise StaleMeasurementError(current)


@transaction.atomic
def save_indicator(*, indicator: Indicator | None = None, themes=(), saved_by, **fields) -> Indicator:
    """Add an indicator or change its definition; its history keeps every earlier version, with who
    changed it (simple_history). Fields not given keep their values."""
    indicator = indicator or Indicator()
    for name, value in fields.items():
        setattr(indicator, name, value)
    indicator.full_clean()
    indicator._history_user = saved_by
    indicator.save()
    indicator.themes.set(themes)
    return indicator


@transaction.atomic
def save_target(*, indicator: Indicator, target: Target | None = None, saved_by, **fields) -> Target:
    """Add a target to an indicator's trajectory or change one; its history keeps earlier versions."""
    target = target or Target(indicator=indicator)
    for name, value in fields.items():
        setattr(target, name, value)
    target.full_clean()
    target._history_user = saved_by
    target.save()
    return target
