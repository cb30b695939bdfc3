from django.conf import settings
from django.contrib import admin


class CouncilAdminSite(admin.AdminSite):
    """Django admin for the Admin role: membership of the group, not the is_staff flag, opens it."""

    site_header = f"{settings.SERVICE_NAME}: administration"
    site_title = settings.SERVICE_NAME
    index_title = "Maintain the plan, indicators, boards and users"

    def has_permission(self, request):
        return request.user.is_active and request.user.has_perm("core.use_admin_site")
