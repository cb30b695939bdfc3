"""Retention: removing personal data once the service no longer needs it (`manage.py purge`, daily).

Each kind of record that would otherwise be kept for ever has one purger: a function
`fn(now, dry_run) -> int` that removes (or, in a dry run, only counts) what is older than its
retention and returns how many. core owns the kinds that belong to Django and the packages it
installs (sessions, sign-in logs, finished task results); a higher app registers its own kinds
in its AppConfig.ready() with `register`, because core never imports a higher app.

A purger never removes what the service still uses: an unexpired session, a sign-in lock still
in force, a task not finished, the reminder rows that stop a second email today, or an import
job's log (only its uploaded file goes).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from core import audit, clock


@dataclass(frozen=True)
class Purger:
    key: str
    label: str  # what is removed, plural: "expired sessions"
    retention_setting: str  # the setting that holds its retention in days ("" when it has none)
    remove: object  # fn(now: datetime, dry_run: bool) -> int

    @property
    def retention_days(self) -> int | None:
        return getattr(settings, self.retention_setting) if self.retention_setting else None


@dataclass(frozen=True)
class PurgeResult:
    purger: Purger
    count: int

    @property
    def line(self) -> str:
        days = self.purger.retention_days
        kept = f" (older than {days} day{'s' if days != 1 else ''})" if days is not None else ""
        return f"{self.purger.label}{kept}: {self.count}"


_purgers: dict[str, Purger] = {}


def register(key: str, label: str, retention_setting: str, remove) -> None:
    """Add a kind of record to the purge. Registering the same key again replaces it (ready() may run twice)."""
    _purgers[key] = Purger(key=key, label=label, retention_setting=retention_setting, remove=remove)


def purgers() -> list[Purger]:
    return list(_purgers.values())


def cutoff(now: datetime, setting_name: str) -> datetime:
    return now - timedelta(days=getattr(settings, setting_name))


def purge(*, dry_run: bool = False, now: datetime | None = None) -> list[PurgeResult]:
    """Run every purger; a dry run removes nothing and returns the same counts a real run would."""
    now = now or clock.now()
    with transaction.atomic():
        results = [PurgeResult(purger, purger.remove(now, dry_run)) for purger in purgers()]
        removed = {result.purger.key: result.count for result in results if result.count}
        if removed and not dry_run:
            # So a record someone looks for later can be explained: it went, with others, by the retention rule.
            audit.record(
                None,
                "data.purged",
                summary="; ".join(result.line for result in results if result.count),
                **removed,
            )
    return results


def _count_or_delete(queryset, dry_run: bool) -> int:
    count = queryset.count()
    if not dry_run:
        queryset.delete()
    return count


def remove_expired_sessions(now: datetime, dry_run: bool) -> int:
    """What `clearsessions` does, counted. Sessions not kept in the database clear themselves."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        if not dry_run:
            store.clear_expired()
        return 0
    return _count_or_delete(store.get_model_class().objects.filter(expire_date__lt=now), dry_run)


def remove_old_sign_in_logs(now: datetime, dry_run: bool) -> int:
    """django-axes' records of sign-ins and failed attempts (user names and addresses)."""
    before = cutoff(now, "PURGE_SIGN_IN_LOG_DAYS")
    # A failed-attempt counter still inside its lock-out time stays, or purging would lift a lock early.
    # Without a fixed cool-off time (none: locks last until an admin lifts them), the counters stay.
    lockout = getattr(settings, "AXES_COOLOFF_TIME", None)
    if isinstance(lockout, int | float):
        lockout = timedelta(hours=lockout)  # axes reads a number as hours
    count = _count_or_delete(AccessLog.objects.filter(attempt_time__lt=before), dry_run)
    count += _count_or_delete(AccessFailureLog.objects.filter(attempt_time__lt=before), dry_run)
    if isinstance(lockout, timedelta):
        attempts = AccessAttempt.objects.filter(attempt_time__lt=min(before, now - lockout))
        count += _count_or_delete(attempts, dry_run)
    return count


def remove_finished_task_results(now: datetime, dry_run: bool) -> int:
    """django-tasks-db's rows for background tasks that finished (succeeded or failed) long ago."""
    finished = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff(now, "PURGE_TASK_RESULTS_DAYS"))
    return _count_or_delete(finished, dry_run)


def register_core_purgers() -> None:
    register("sessions", "Expired sessions", "", remove_expired_sessions)
    register("sign_in_log", "Sign-in records", "PURGE_SIGN_IN_LOG_DAYS", remove_old_sign_in_logs)
    register(
        "task_results", "Finished background task results", "PURGE_TASK_RESULTS_DAYS", remove_finished_task_results
    )
