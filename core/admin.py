"""Django admin's user pages, open only to a superuser made on the command line (the Admin role holds
no auth permissions), with the same audit entries as the service's Users page."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from core import audit
from core.roles import ROLE_NAMES

User = get_user_model()


def _roles(user) -> list[str]:
    return sorted(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))


class AuditedUserAdmin(UserAdmin):
    def save_model(self, request, obj, form, change):
        before = User.objects.filter(pk=obj.pk).values("is_active", "is_superuser").first() if change else None
        super().save_model(request, obj, form, change)
        name = obj.get_full_name() or obj.get_username()
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
            name = form.instance.get_full_name() or form.instance.get_username()
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
