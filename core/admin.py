"""The audit log, for admins to read in Django admin. A permanent record: nobody adds, changes or
deletes an entry here, superusers included; entries are written only by core.audit.record."""

from django.contrib import admin

from core.models import AuditEntry


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
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "event_label", "subject_name", "summary"]
    list_filter = ["event"]
    search_fields = ["actor_name", "subject_name", "summary"]
    date_hierarchy = "at"
    fields = ["at", "actor_name", "event", "subject_type", "subject_id", "subject_name", "summary", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="event", ordering="event")
    def event_label(self, entry):
        return entry.event_label
