from django.core.management.base import BaseCommand

from core.purge import purge


class Command(BaseCommand):
    help = (
        "Remove personal data kept longer than its retention: uploaded import files, sign-in records, "
        "finished background task results, old reminder logs and expired sessions (README, "
        '"Personal data and retention"). Safe to run daily from cron.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be removed; remove nothing")

    def handle(self, *args, dry_run=False, **options):
        results = purge(dry_run=dry_run)
        self.stdout.write("Would remove (dry run: nothing removed):" if dry_run else "Removed:")
        for result in results:
            self.stdout.write(f"  {result.line}")
        total = sum(result.count for result in results)
        self.stdout.write(f"{'Would remove' if dry_run else 'Removed'} {total} in all.")
