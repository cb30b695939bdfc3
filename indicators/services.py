"""Writes for indicators."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

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
        # A value entered here replaces any DfE symbol a published release gave for the period.
        "suppression_code": "",
    }
    if existing is None:
        measurement = Measurement(
            indicator=indicator, period=period, entered_by=entered_by, entered_at=timezone.now(), **fields
        )
        measurement._history_user = entered_by
        measurement.save()
        return RecordedValue(measurement=measurement, corrected=False)
    for name, new in fields.items():
        setattr(existing, name, new)
    existing._history_user = entered_by
    existing.save()
    return RecordedValue(measurement=existing, corrected=True)


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
    row.updated_at = timezone.now()
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
