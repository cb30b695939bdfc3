"""Django admin for core: the audit log (a permanent record: nobody adds, changes or deletes an
entry, superusers included), the permanent-record admin mixins, and the user pages, open only to a
superuser made on the command line (the Admin role holds no auth permissions), with the same audit
entries as the service's Users page."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from core import audit
from core.formats import person_name
from core.models import AuditEntry
from core.roles import ROLE_NAMES

User = get_user_model()


def _roles(user) -> list[str]:
    return sorted(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))


class AuditedUserAdmin(UserAdmin):
    def save_model(self, request, obj, form, change):
        before = User.objects.filter(pk=obj.pk).values("is_active", "is_superuser").first() if change else None
        super().save_model(request, obj, form, change)
        name = person_name(obj)
        if before is None:
            audit.record(request.user, "user.created", obj, f"{name}, in Django admin")
            return
        if before["is_active"] != obj.is_active:
            event = "user.reactivated" if obj.is_active else "user.deactivated"
            audit.record(request.user, event, obj, f"{name}, in Django admin")
        if before["is_superuser"] != obj.is_superuser:
            words = "made a superuser" if obj.is_superuser else "no longer a superuser"
            audit.record(request.user, "user.superuser_changed", obj, f"{name} {words}, in Django admin")

    def save_related(self, request, form, formsets, change):
        before = _roles(form.instance) if change else []
        super().save_related(request, form, formsets, change)
        after = _roles(form.instance)
        if before != after:
            name = person_name(form.instance)
            old, new = ", ".join(before) or "no role", ", ".join(after) or "no role"
            audit.record(
                request.user,
                "user.role_changed",
                form.instance,
                f"{name}: {old} to {new}, in Django admin",
                old=old if before else "",
                new=new if after else "",
            )


admin.site.unregister(User)
admin.site.register(User, AuditedUserAdmin)


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
