"""Admin for maintaining the plan's structure. Progress is recorded through the service pages, so the
update log and an action's current state are read-only here: the log is a permanent record (never
added, changed or deleted here) and an action's status, RAG and target date must stay in step with it.
A plan is deleted only through improvement.services.delete_unactivated_plan (see PlanAdmin)."""

from django.contrib import admin
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ExplainsProtectedRecords, PermanentRecordAdmin
from core.admin_exports import AuditedExportActionMixin
from improvement.delegates_audit import one_entry_for
from improvement.exports import ActionExportResource
from improvement.models import (
    Action,
    ActionUpdate,
    Inspection,
    InterventionEvent,
    Plan,
    Recommendation,
    TargetDateRevision,
    Theme,
)
from improvement.rules import plan_may_be_deleted
from improvement.services import link_new_actions


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    extra = 0
    fields = ["reference", "text", "kind", "order"]


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0
    fields = ["reference", "title", "lead", "order"]
    show_change_link = True


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    fields = ["reference", "title", "lead_officer", "original_target_date", "order"]
    raw_id_fields = ["lead_officer"]
    show_change_link = True


class TargetDateRevisionInline(PermanentRecordAdmin, admin.TabularInline):
    model = TargetDateRevision
    extra = 0
    fields = ["effective_on", "previous_date", "new_date", "reason", "agreed_by", "recorded_by"]
    readonly_fields = fields
    can_delete = False


# A link typed without a scheme is an https one, as on the service's own forms (improvement/visit_forms.py);
# Django 6 makes that the default, and 5.2 warns until a form says so.
HTTPS_LINKS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Inspection)
class InspectionAdmin(SimpleHistoryAdmin):
    formfield_overrides = HTTPS_LINKS
    list_display = ["__str__", "kind", "start_date", "overall_judgement", "sequence", "lead_inspector"]
    list_filter = ["kind", "overall_judgement"]
    search_fields = ["title", "lead_inspector", "findings_summary", "focus"]
    date_hierarchy = "start_date"
    inlines = [RecommendationInline]


@admin.register(InterventionEvent)
class InterventionEventAdmin(SimpleHistoryAdmin):
    formfield_overrides = HTTPS_LINKS
    list_display = ["kind", "date", "person"]
    list_filter = ["kind"]
    search_fields = ["person", "description"]


@admin.register(Recommendation)
class RecommendationAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "text", "kind", "inspection"]
    list_filter = ["kind", "inspection"]
    list_select_related = ["inspection"]
    search_fields = ["reference", "text"]


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["title", "version", "status", "start_date", "end_date", "activated_on"]
    list_filter = ["status"]
    search_fields = ["title", "version", "summary"]
    readonly_fields = ["activated_on"]
    inlines = [ThemeInline]

    # Deleting a plan takes its progress log with it, so it goes through the service's own
    # confirmation page (improvement:plan_delete), which refuses plans that have been active and
    # writes the deletion to the audit log. No bulk delete: one named plan at a time.
    def has_delete_permission(self, request, obj=None):
        if obj is not None and not plan_may_be_deleted(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        if not str(object_id).isdigit():
            raise Http404("No such plan")
        return redirect("improvement:plan_delete", pk=int(object_id))


@admin.register(Theme)
class ThemeAdmin(ExplainsProtectedRecords, SimpleHistoryAdmin):
    list_display = ["__str__", "plan", "lead", "order"]
    list_filter = ["plan"]
    list_select_related = ["plan"]
    search_fields = ["reference", "title", "lead"]
    inlines = [ActionInline]


@admin.register(Action)
class ActionAdmin(ExplainsProtectedRecords, AuditedExportActionMixin, SimpleHistoryAdmin):
    # "Export selected actions" writes the importer's layout, so the file can be edited and imported back.
    resource_classes = [ActionExportResource]
    list_display = ["reference", "title", "theme", "lead_officer", "target_date", "status", "last_update_on"]
    list_filter = ["status", "theme__plan", "theme", "lead_officer"]
    list_select_related = ["theme", "lead_officer"]
    search_fields = ["reference", "title", "detail", "lead_job_title"]
    raw_id_fields = ["lead_officer", "carried_from"]
    filter_horizontal = ["recommendations", "delegates"]
    readonly_fields = [
        "target_date",
        "status",
        "progress",
        "rag_override",
        "rag_override_reason",
        "last_update_on",
        "version",
    ]
    inlines = [TargetDateRevisionInline]

    def save_model(self, request, obj, form, change):
        # A new action's current target is its original; later changes are revisions recorded with a reason.
        if obj.target_date is None:
            obj.target_date = obj.original_target_date
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # The form sets delegates by removing and adding: one audit entry for the whole change.
        with one_entry_for(request.user, form.instance):
            super().save_related(request, form, formsets, change)
        # After the inline revisions: a new action is linked to the one it continues; either way its state
        # and state history follow what was saved.
        link_new_actions([] if change else [form.instance], also_refresh=[form.instance] if change else [])


@admin.register(TargetDateRevision)
class TargetDateRevisionAdmin(PermanentRecordAdmin, SimpleHistoryAdmin):
    list_display = ["action", "previous_date", "new_date", "effective_on", "agreed_by"]
    list_select_related = ["action"]
    search_fields = ["action__reference", "action__title", "reason", "agreed_by"]
    date_hierarchy = "effective_on"


@admin.register(ActionUpdate)
class ActionUpdateAdmin(PermanentRecordAdmin, SimpleHistoryAdmin):
    list_display = ["action", "date", "status", "progress", "computed_rag", "rag_override", "author"]
    list_filter = ["status", "progress", "computed_rag", "action__theme__plan"]
    list_select_related = ["action", "author"]
    search_fields = ["action__reference", "action__title", "narrative", "evidence_of_impact"]
    date_hierarchy = "date"
    raw_id_fields = ["action", "author", "corrects"]
