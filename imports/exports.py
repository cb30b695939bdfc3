"""Exports in the layout the importers read, so export-then-import changes nothing.

Columns are django-import-export Resources; every text cell starting with =, +, -, @, a tab or a
carriage return gets a leading apostrophe so a spreadsheet shows it rather than running it (the
importer removes it), and every text is cleaned of what an xlsx file cannot hold (core.text)."""

import re
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpResponse
from import_export import fields, resources

from core import clock
from core.text import clean_text
from improvement.models import Action, ActionStatus, ActionUpdate, Plan, Progress
from improvement.rules import compute_action_rag, effective_rag, is_past_target, rag_label
from indicators.models import Measurement
from indicators.periods import period_label

# A tab or carriage return before a formula still runs it in some spreadsheets (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralise(value):
    if not isinstance(value, str):
        return value
    # Stored text from before forms and importers cleaned it is cleaned here, on its way out.
    value = clean_text(value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SafeResource(resources.ModelResource):
    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))


def status_words(action) -> str:
    if action.status == ActionStatus.IN_PROGRESS and action.progress:
        return Progress(action.progress).label
    return ActionStatus(action.status).label


class ActionExportResource(_SafeResource):
    theme_reference = fields.Field(attribute="theme__reference", column_name="Theme ref")
    theme = fields.Field(attribute="theme__title", column_name="Theme")
    reference = fields.Field(attribute="reference", column_name="Ref")
    title = fields.Field(attribute="title", column_name="Action")
    detail = fields.Field(attribute="detail", column_name="Detail")
    recommendations = fields.Field(column_name="Recommendations")
    lead = fields.Field(attribute="lead_job_title", column_name="Lead")
    partner = fields.Field(attribute="partner_agency", column_name="Partner agency")
    start = fields.Field(attribute="start_date", column_name="Start date")
    target = fields.Field(attribute="original_target_date", column_name="Target date")
    revised = fields.Field(column_name="Revised target date")
    note = fields.Field(attribute="target_date_note", column_name="Target date note")
    success = fields.Field(attribute="success_measure", column_name="Success measure")
    status = fields.Field(column_name="Status")
    rag = fields.Field(column_name="RAG")
    update = fields.Field(attribute="latest_narrative", column_name="Latest update")

    class Meta:
        model = Action
        fields = export_order = (
            "theme_reference",
            "theme",
            "reference",
            "title",
            "detail",
            "recommendations",
            "lead",
            "partner",
            "start",
            "target",
            "revised",
            "note",
            "success",
            "status",
            "rag",
            "update",
        )

    def filter_export(self, queryset, **kwargs):
        # Django admin's "Export" passes a plain queryset of the chosen actions; our own exports pass
        # actions already prepared (a list, when the plan page's filters were applied in Python).
        queryset = super().filter_export(queryset, **kwargs)
        return with_export_columns(queryset) if isinstance(queryset, QuerySet) else queryset

    def dehydrate_recommendations(self, action):
        return "/".join(r.reference for r in action.recommendations.all())

    def dehydrate_revised(self, action):
        return action.target_date if action.target_date != action.original_target_date else None

    def dehydrate_status(self, action):
        return status_words(action)

    def dehydrate_rag(self, action):
        if getattr(action, "state_rag", None):
            return rag_label(action.state_rag)
        today = clock.today()
        computed = compute_action_rag(
            status=action.status, progress=action.progress, target_date=action.target_date, as_at=today
        )
        past_target = is_past_target(status=action.status, target_date=action.target_date, as_at=today)
        return rag_label(effective_rag(computed, action.rag_override, past_target=past_target))


class MeasurementExportResource(_SafeResource):
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


def with_export_columns(actions):
    """Actions with what the export reads (theme, recommendations, latest narrative) in three queries."""
    if "latest_narrative" in actions.query.annotations:
        return actions
    latest = (
        ActionUpdate.objects.filter(action=OuterRef("pk"))
        .order_by("-date", "-created_at", "-pk")
        .values("narrative")[:1]
    )
    return (
        actions.select_related("theme")
        .prefetch_related("recommendations")
        .annotate(latest_narrative=Subquery(latest))
        .order_by("theme__order", "theme__pk", "order", "reference")
    )


def plan_actions(plan):
    return with_export_columns(Action.objects.filter(theme__plan=plan))


def _response(dataset, fmt, name):
    if fmt == "csv":
        body = "\ufeff" + dataset.export("csv")  # the BOM makes Excel read £ and é correctly
        response = HttpResponse(body.encode("utf-8"), content_type=CONTENT_TYPES["csv"])
    else:
        response = HttpResponse(dataset.export("xlsx"), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def plan_dataset(plan):
    return ActionExportResource().export(queryset=plan_actions(plan))


def indicators_dataset():
    queryset = Measurement.objects.select_related("indicator").order_by("indicator__order", "indicator__code", "period")
    return MeasurementExportResource().export(queryset=queryset)


def plan_response(request, fmt):
    """The plan, or the plan page's filtered list (same GET parameters as the plan page's filters)."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    from improvement.filters import ActionFilter
    from improvement.queries import current_plan, plan_as_at

    plan_id = request.GET.get("plan")
    if plan_id:
        # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
        plan = Plan.objects.filter(pk=int(plan_id)).first() if re.fullmatch(r"[0-9]{1,18}", plan_id) else None
    else:
        plan = current_plan()
    if plan is None:
        raise Http404("No plan")
    filterset = ActionFilter(request.GET or None, queryset=Action.objects.all(), plan=plan)
    states = filterset.filter_states(plan_as_at(plan, clock.today(), actions=filterset.qs))
    rag_by_id = {state.action.pk: state.rag for state in states}
    actions = [
        a for a in plan_actions(plan).filter(pk__in=list(rag_by_id)) if not setattr(a, "state_rag", rag_by_id[a.pk])
    ]
    dataset = ActionExportResource().export(queryset=actions)
    response = _response(dataset, fmt, f"plan-{plan.pk}-{clock.today():%Y-%m-%d}")
    response.exported_plan = plan  # for the view's audit entry: which plan was downloaded
    response.exported_rows = len(actions)
    return response


def indicators_response(request, fmt):
    if fmt not in CONTENT_TYPES:
        raise Http404
    return _response(indicators_dataset(), fmt, f"indicator-values-{clock.today():%Y-%m-%d}")
