from datetime import date

from django.core.management.base import BaseCommand, CommandError

from core import clock
from core.formats import date_words
from meetings.reminders import REMINDER_DAYS_AHEAD, send_reminders


class Command(BaseCommand):
    help = (
        "Email lead officers whose actions or indicators need an update before a board meets in the next "
        f"{REMINDER_DAYS_AHEAD} days, and owners of overdue actions arising. Run daily from cron; "
        "at most one email per person per day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as if today were this date (YYYY-MM-DD)")
        parser.add_argument("--dry-run", action="store_true", help="List who would be emailed; send nothing")

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        today = _parse_date(options["date"]) if options["date"] else clock.today()
        summary = send_reminders(today, dry_run=dry_run)
        verb = "Would email" if dry_run else "Emailed"
        self.stdout.write(f"Reminders for {date_words(today)}{' (dry run: nothing sent)' if dry_run else ''}")
        for username, count in summary.sent:
            self.stdout.write(f"  {verb} {username}: {count} item{'s' if count != 1 else ''}")
        for username in summary.already_sent:
            self.stdout.write(f"  Already reminded today: {username}")
        for username in summary.no_email:
            self.stdout.write(f"  No email address, not reminded: {username}")
        for username in summary.failed:
            self.stdout.write(f"  Not sent (the mail server refused it; tried again tomorrow): {username}")
        self.stdout.write(
            f"{verb} {len(summary.sent)} {'person' if len(summary.sent) == 1 else 'people'}; "
            f"{len(summary.already_sent)} already reminded today; {len(summary.no_email)} without an email address."
        )
        if summary.failed:
            # Everyone else was emailed; a non-zero exit makes cron tell someone about the rest.
            raise CommandError(f"{len(summary.failed)} reminder(s) could not be sent; see the log")


def _parse_date(text: str):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date must be a date like 2026-10-14, not {text!r}") from None
