"""`manage.py reap_imports`: mark failed the imports that will never finish (services.reap_stuck_jobs).
run_worker does this itself at start and every minute; run this from cron when no worker may be running."""

from django.core.management.base import BaseCommand

from imports import services


class Command(BaseCommand):
    help = "Mark failed the imports whose worker died, that ran past the time limit, or that no worker started"

    def handle(self, **options):
        count = services.reap_stuck_jobs()
        self.stdout.write(f"Marked {count} stuck import{'s' if count != 1 else ''} failed.")
