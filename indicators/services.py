"""Writes for indicators."""

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from core import audit, clock
from indicators import periods
from indicators.models import Measurement, SpcRebase


@dataclass(frozen=True)
class RecordedValue:
    measurement: Measurement
    corrected: bool  # True when an existing period was changed


@transaction.atomic
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
    """Enter the value for a period, or correct the one already there.

    Side effects: creates or updates one Measurement; django-simple-history keeps the earlier
    version (with who changed it and when), which the indicator page shows as a correction.
    A first entry records entered_by/entered_at; a correction keeps them, so "as at" views
    still count the figure as known from when it was first entered.
    """
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
        measurement._history_user = entered_by
        measurement.save()
        return RecordedValue(measurement=measurement, corrected=False)
    for name, new in fields.items():
        setattr(existing, name, new)
    existing._history_user = entered_by
    existing.save()
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
    from django.conf import settings

    from indicators.models import CouncilSettings

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
    from core import audit

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
