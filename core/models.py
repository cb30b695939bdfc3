from django.conf import settings
from django.db import models

from core.records import PermanentRecord


class Capability(models.Model):
    """Permissions that belong to no single model (no table is created)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("use_service", "Can sign in and use the service"),
            ("use_admin_site", "Can use the Django admin"),
            ("run_imports", "Can import and export spreadsheets"),
            ("manage_users", "Can manage accounts and roles and read the audit log"),
        ]


# Known events and how the audit page names them. New events add a line here; the column
# holds the key, so adding one needs no migration.
EVENT_LABELS = {
    "user.created": "Account created",
    "user.deactivated": "Account deactivated",
    "user.reactivated": "Account reactivated",
    "user.role_changed": "Role changed",
    "user.unlocked": "Sign-in lock removed",
    "user.password_link_sent": "Password link sent",
    "user.superuser_changed": "Superuser status changed",
    "action.delegates_changed": "Delegates changed",
    "export.downloaded": "Export downloaded",
    "plan.deleted": "Plan deleted",
    "data.purged": "Old personal data removed",
    "indicator.spc_baseline_changed": "SPC baseline length changed",
    "indicator.spc_rebased": "SPC chart re-based",
    "indicator.spc_rebase_withdrawn": "SPC re-base withdrawn",
    "council_settings.changed": "Council code or statistical neighbours changed",
}


class AuditEntry(PermanentRecord):
    """One line of the audit log (see core/audit.py). Append-only: never edited or deleted."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so the entry still names the person if the account is ever removed.
    actor_name = models.CharField(max_length=150)
    event = models.CharField(max_length=60, db_index=True)
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.CharField(max_length=40, blank=True)
    subject_name = models.CharField(max_length=300, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.event_label}"

    @property
    def event_label(self) -> str:
        return EVENT_LABELS.get(self.event, self.event)


class DataVersion(models.Model):
    """A counter of writes to one table of the service's data, bumped in the writing transaction (core/dataversion.py).

    A table's data version is the sum of `counter` over its rows and the wildcard's ("*": writes whose
    table cannot be told, and migrate); the data version of everything is the sum over every row. Cached
    pages are keyed by them (core/cache.py), so a cached figure is never served once anything it was
    computed from has changed. SQLite has one writer at a time and uses one row per table. PostgreSQL
    writers each lock one row of the table, skipping rows other transactions hold, so a long import never
    makes other writers wait for the counter.
    """

    table_name = models.CharField(max_length=100, default="*", db_index=True)
    counter = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "data version"


class WorkerHeartbeat(models.Model):
    """When each background task worker (`manage.py run_worker`) was last seen, written by the worker
    itself every few seconds. /healthz reads it, and the import reaper uses it to tell a job whose
    worker died from one still running. One row per worker id; a worker that stops leaves its row."""

    worker_id = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField()
    started_at = models.DateTimeField()
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self):
        return f"Worker {self.worker_id} on {self.host} (pid {self.pid})"
