from django.db import models


class Capability(models.Model):
    """Permissions that belong to no single model (no table is created)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("use_service", "Can sign in and use the service"),
            ("use_admin_site", "Can use the Django admin"),
            ("run_imports", "Can import and export spreadsheets"),
        ]
