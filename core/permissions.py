"""Who may use the service at all: the permission every page of it checks first.

Signed-in people with no role (for example a leaver whose groups were removed) see nothing: a view
for the service's users is decorated with @service_user_required, which refuses them with 403 before
the view runs. Finer permissions (who may edit a plan, run imports...) live in each app's permissions.py.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied


def is_service_user(user) -> bool:
    return user.has_perm("core.use_service")


def require_service_user(user) -> None:
    """PermissionDenied unless the user holds a role (core.use_service)."""
    if not is_service_user(user):
        raise PermissionDenied


def service_user_required(view):
    """Decorate a view so people without a role get 403 before it runs. Put it next to the def, under
    @require_POST and the like, so those still answer first as they always have."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        require_service_user(request.user)
        return view(request, *args, **kwargs)

    return checked
