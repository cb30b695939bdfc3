from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ExplainsProtectedRecords
from core.admin_exports import AuditedExportActionMixin
from indicators.exports import MeasurementExportResource
from indicators.models import Benchmark, Indicator, Measurement, Target
from indicators.services import save_measurements


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = [
        "effective_from",
        "value",
        "tolerance_kind",
        "tolerance",
        "band_lower",
        "band_upper",
        "expected_direction_note",
    ]


class BenchmarkInline(admin.TabularInline):
    model = Benchmark
    extra = 0
    fields = ["kind", "name", "period", "value", "suppression_code", "source"]


@admin.register(Indicator)
class IndicatorAdmin(ExplainsProtectedRecords, SimpleHistoryAdmin):
    list_display = ["code", "title", "unit", "polarity", "frequency", "owner", "is_active"]
    list_filter = ["is_active", "frequency", "polarity", "unit", "themes"]
    search_fields = ["code", "title"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["themes", "actions"]
    inlines = [TargetInline, BenchmarkInline]


@admin.register(Measurement)
class MeasurementAdmin(AuditedExportActionMixin, SimpleHistoryAdmin):
    # "Export selected values" writes the KPI importer's long layout.
    resource_classes = [MeasurementExportResource]
    list_display = ["indicator", "period", "value", "missing_reason", "entered_by", "entered_at"]
    list_filter = ["missing_reason", "indicator__frequency"]
    search_fields = ["indicator__code", "indicator__title"]
    list_select_related = ["indicator", "entered_by"]
    raw_id_fields = ["indicator"]
    autocomplete_fields = ["entered_by"]
    date_hierarchy = "period"

    def save_model(self, request, obj, form, change):
        # Through the one writer, so the knowledge history (what was known when) follows an admin's edit.
        if change:
            fields = [name for name in form.changed_data if name in {f.name for f in obj._meta.concrete_fields}]
            save_measurements(changed=[obj], update_fields=fields, user=request.user, reason="Django admin")
        else:
            save_measurements(new=[obj], user=request.user, reason="Django admin")


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "effective_from", "value", "tolerance_kind", "tolerance"]
    search_fields = ["indicator__code", "indicator__title"]
    list_select_related = ["indicator"]
    raw_id_fields = ["indicator"]


@admin.register(Benchmark)
class BenchmarkAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "kind", "name", "period", "value", "suppression_code", "source"]
    list_filter = ["kind", "suppression_code"]
    search_fields = ["indicator__code", "indicator__title"]
    list_select_related = ["indicator"]
    raw_id_fields = ["indicator"]
