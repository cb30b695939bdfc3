"""The Admin area: one page from the navigation listing every page an admin keeps the service with,
so nothing done day to day needs Django admin (issue 17). The pages live in their own apps; this page
only links to them by URL name and reads no data."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from core.permissions import service_user_required
from core.roles import is_admin


@service_user_required
def admin_area(request):
    if not is_admin(request.user):
        raise PermissionDenied
    return render(request, "core/admin_area.html")
