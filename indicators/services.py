"""Writes for indicators."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from core import clock
from indicators.models import Measurement


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
