from django.core.management.base import BaseCommand, CommandError

from imports.management.commands._common import run
from imports.models import ImportJob
from improvement.models import Plan


class Command(BaseCommand):
    help = "Import an improvement plan spreadsheet (xlsx or csv): the same checks and counts as the web import."

    def add_arguments(self, parser):
        parser.add_argument("file")
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--plan", type=int, help="The id of the plan to update (actions matched by reference)")
        target.add_argument("--new-plan-title", help="Create a new plan with this title (default: the file's name)")
        parser.add_argument("--inspection", type=int, help="The id of the inspection whose recommendations are linked")
        parser.add_argument(
            "--backdate-reason",
            default="",
            help="Why entries dated before the plan's start or a published board pack are recorded "
            "(required when the file has any; kept on each of them)",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; save nothing")
        parser.add_argument("--json", action="store_true", help="Print the counts and problems as JSON")

    def handle(self, *args, **options):
        if options["plan"] and not Plan.objects.filter(pk=options["plan"]).exists():
            raise CommandError(f"There is no plan with id {options['plan']}")
        run(
            self,
            kind=ImportJob.Kind.PLAN,
            path=options["file"],
            dry_run=options["dry_run"],
            as_json=options["json"],
            options={
                "plan_id": options["plan"],
                "new_plan_title": options["new_plan_title"] or "",
                "inspection_id": options["inspection"],
                "backdate_reason": options["backdate_reason"].strip(),
            },
        )
