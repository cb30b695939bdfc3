"""The audit log, for admins to read in Django admin. A permanent record: nobody adds, changes or
deletes an entry here, superusers included; entries are written only by core.audit.record."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from core.models import AuditEntry


class PermanentRecordAdmin:
    """For the admin (or inline) of a permanent record (core/records.py): viewable, never added,
    changed or deleted, by anyone, superusers included. simple_history's page for an old version
    saves on POST with only view permission, so that POST is refused here as well."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, *args, **kwargs):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, *args, **kwargs)


class ExplainsProtectedRecords:
    """For admins of models that permanent records belong to (actions, meetings, indicators).

    Nobody has permission to delete a permanent record, so Django admin would say "your account
    doesn't have permission to delete ... progress updates", as if another account could. When a
    deletion is refused because records are protected, say that instead, and list them."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            perms_needed = set()
        return deleted, counts, perms_needed, protected


@admin.register(AuditEntry)
class AuditEntryAdmin(PermanentRecordAdmin, admin.ModelAdmin):
    list_display = ["at", "actor_name", "event_label", "subject_name", "summary"]
    list_filter = ["event"]
    search_fields = ["actor_name", "subject_name", "summary"]
    date_hierarchy = "at"
    fields = ["at", "actor_name", "event", "subject_type", "subject_id", "subject_name", "summary", "detail"]
    readonly_fields = fields

    @admin.display(description="event", ordering="event")
    def event_label(self, entry):
        return entry.event_label
