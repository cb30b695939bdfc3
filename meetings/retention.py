"""Reminder logs are kept for PURGE_REMINDER_LOG_DAYS, then removed by `manage.py purge` (core.purge)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from core import purge
from meetings.models import ReminderLog


def remove_old_reminder_logs(now: datetime, dry_run: bool) -> int:
    # The reminder rule reads only today's rows (one email a person a day), and the retention is at
    # least a day, so a row it still needs is never older than the cut-off.
    before = timezone.localdate(now) - timedelta(days=settings.PURGE_REMINDER_LOG_DAYS)
    old = ReminderLog.objects.filter(sent_on__lt=before)
    count = old.count()
    if not dry_run:
        old.delete()
    return count


def register_purger() -> None:
    purge.register("reminder_log", "Reminder email logs", "PURGE_REMINDER_LOG_DAYS", remove_old_reminder_logs)
