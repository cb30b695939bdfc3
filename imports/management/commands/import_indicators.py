from django.core.management.base import BaseCommand

from imports.management.commands._common import run
from imports.models import ImportJob


class Command(BaseCommand):
    help = "Import indicator values (a wide scorecard or a long file, xlsx or csv). Unknown indicators are created."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; save nothing")
        parser.add_argument("--json", action="store_true", help="Print the counts and problems as JSON")

    def handle(self, *args, **options):
        run(
            self,
            kind=ImportJob.Kind.INDICATORS,
            path=options["file"],
            dry_run=options["dry_run"],
            as_json=options["json"],
            options={},
        )
