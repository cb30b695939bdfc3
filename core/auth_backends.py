"""Django's ModelBackend reads a user's permissions in two queries (those given to the user, those of the
user's groups) on the first permission check of every request. Every page checks at least one (the
navigation does), so this backend reads both in one query: a query back for each page's budget."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class PermissionsInOneQueryBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            granted = Permission.objects.all()
            if not user_obj.is_superuser:
                granted = granted.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in granted.values_list("content_type__app_label", "codename").distinct()
            }
        return user_obj._perm_cache
