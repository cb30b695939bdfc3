"""Indicator values in the layout the KPI importer reads, so export-then-import changes nothing.

Used by the indicator values export (imports.exports) and Django admin's "Export" of values."""

from decimal import Decimal

from django.db.models import QuerySet
from import_export import fields

from core.exports import SafeResource
from indicators.models import Measurement
from indicators.periods import period_label


class MeasurementExportResource(SafeResource):
    code = fields.Field(attribute="indicator__code", column_name="Code")
    title = fields.Field(attribute="indicator__title", column_name="Indicator")
    period = fields.Field(column_name="Period")
    value = fields.Field(column_name="Value")
    numerator = fields.Field(attribute="numerator", column_name="Numerator")
    denominator = fields.Field(attribute="denominator", column_name="Denominator")
    commentary = fields.Field(attribute="commentary", column_name="Commentary")

    class Meta:
        model = Measurement
        fields = export_order = ("code", "title", "period", "value", "numerator", "denominator", "commentary")

    def filter_export(self, queryset, **kwargs):
        queryset = super().filter_export(queryset, **kwargs)
        return queryset.select_related("indicator") if isinstance(queryset, QuerySet) else queryset

    def dehydrate_period(self, m):
        return period_label(m.period, m.indicator.frequency)

    def dehydrate_value(self, m):
        if m.value is not None:
            # 80.0 -> 80 and 87.30 -> 87.3; normalize() alone would write 80 as "8E+1".
            return m.value.quantize(Decimal(1)) if m.value == m.value.to_integral() else m.value.normalize()
        return {"suppressed": "c", "not_applicable": "n/a"}.get(m.missing_reason, "-")


def indicators_dataset():
    queryset = Measurement.objects.select_related("indicator").order_by("indicator__order", "indicator__code", "period")
    return MeasurementExportResource().export(queryset=queryset)
