import datetime
from decimal import Decimal

import factory

from indicators import models


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Indicator

    code = factory.Sequence(lambda n: f"KPI-{n + 1:03d}")
    title = "Assessments completed within 45 working days"
    what_it_measures = "Of the assessments finished this month, how many were finished within 45 working days."
    why_it_matters = "Children wait less for help when assessments are timely."
    unit = models.Unit.PERCENTAGE
    decimal_places = 1
    polarity = models.Polarity.HIGHER_IS_BETTER
    frequency = models.Frequency.MONTHLY


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Target

    indicator = factory.SubFactory(IndicatorFactory)
    effective_from = datetime.date(2025, 4, 1)
    value = Decimal("85")
    tolerance_kind = models.Target.ToleranceKind.RELATIVE
    tolerance = Decimal("10")


class BenchmarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Benchmark

    indicator = factory.SubFactory(IndicatorFactory)
    kind = models.Benchmark.Kind.ENGLAND
    period = datetime.date(2024, 4, 1)
    value = Decimal("85.7")
    source = "DfE Children in need 2024"


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Measurement

    indicator = factory.SubFactory(IndicatorFactory)
    period = datetime.date(2025, 9, 1)
    value = Decimal("80.0")
    # Entered in the past, so "as at" pages always count it.
    entered_at = datetime.datetime(2026, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the one writer, as every path in the service: the value gets its knowledge version.
        from indicators.services import save_measurements

        measurement = model_class(*args, **kwargs)
        save_measurements(new=[measurement], user=measurement.entered_by)
        return measurement


def monthly_series(indicator, values, *, start=datetime.date(2025, 1, 1)):
    """Measurements for consecutive months from `start`; None entries are 'not yet available'."""
    made = []
    period = start
    for value in values:
        made.append(
            MeasurementFactory(
                indicator=indicator,
                period=period,
                value=None if value is None else Decimal(str(value)),
                missing_reason="not_yet_available" if value is None else "",
            )
        )
        period = (period.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return made
