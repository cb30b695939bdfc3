"""The plan's actions in the layout the plan importer reads, so export-then-import changes nothing.

Used by the plan export (imports.exports) and Django admin's "Export" of actions."""

from django.db.models import OuterRef, QuerySet, Subquery
from import_export import fields

from core import clock
from core.exports import SafeResource
from improvement.models import Action, ActionStatus, ActionUpdate, Progress
from improvement.rules import compute_action_rag, effective_rag, is_past_target, rag_label


def status_words(action) -> str:
    if action.status == ActionStatus.IN_PROGRESS and action.progress:
        return Progress(action.progress).label
    return ActionStatus(action.status).label


class ActionExportResource(SafeResource):
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


def plan_dataset(plan):
    return ActionExportResource().export(queryset=plan_actions(plan))
