from django.conf import settings
from django.contrib import admin

from core.forms import with_clean_text


class CleanTextAdminMixin:
    """Admin forms and inline forms clean submitted text as the service's own forms do (core.text)."""

    def get_form(self, request, obj=None, **kwargs):
        return with_clean_text(super().get_form(request, obj, **kwargs))

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            formset.form = with_clean_text(formset.form)
            yield formset, inline


class CouncilAdminSite(admin.AdminSite):
    """Django admin for the Admin role: membership of the group, not the is_staff flag, opens it."""

    site_header = f"{settings.SERVICE_NAME}: administration"
    site_title = settings.SERVICE_NAME
    index_title = "Maintain the plan, indicators, boards and users"

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every model admin, ours and Django's (users, groups), gets the same text cleaning.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CleanTextAdminMixin):
            admin_class = type(
                admin_class.__name__, (CleanTextAdminMixin, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request):
        return request.user.is_active and request.user.has_perm("core.use_admin_site")
