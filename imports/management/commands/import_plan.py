import datetime

from django.core.management.base import BaseCommand, CommandError

from imports.management.commands._common import run
from imports.models import ImportJob
from improvement.models import Inspection, Plan


class Command(BaseCommand):
    help = "Import an improvement plan spreadsheet (xlsx or csv): the same checks and counts as the web import."

    def add_arguments(self, parser):
        parser.add_argument("file")
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--plan", type=int, help="The id of the plan to update (actions matched by reference)")
        target.add_argument("--new-plan-title", help="Create a new plan with this title (default: the file's name)")
        parser.add_argument(
            "--inspection",
            help="The id of the inspection whose recommendations are linked, or new:KIND:DATE to create it with the "
            f"recommendations the file names (KIND one of {', '.join(Inspection.Kind.values)}; DATE as 2019-01-15)",
        )
        parser.add_argument(
            "--plan-start", help="A new plan's start date, as 2019-01-15 (default: the file's earliest)"
        )
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
                **_inspection_option(options["inspection"]),
                "plan_start": _iso_date(options["plan_start"], "--plan-start") if options["plan_start"] else None,
                "backdate_reason": options["backdate_reason"].strip(),
            },
        )


def _iso_date(text: str, option: str) -> str:
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise CommandError(f"{option}: \u201c{text}\u201d is not a date written as 2019-01-15") from None


def _inspection_option(value: str | None) -> dict:
    """--inspection 12 -> that inspection; new:KIND:DATE -> one created with the file's recommendations."""
    if not value:
        return {"inspection_id": None}
    if value.isdigit():
        if not Inspection.objects.filter(pk=int(value)).exists():
            raise CommandError(f"There is no inspection with id {value}")
        return {"inspection_id": int(value)}
    parts = value.split(":")
    if len(parts) != 3 or parts[0] != "new":
        raise CommandError(
            "--inspection takes an inspection's id, or new:KIND:DATE (for example new:ilacs_standard:2019-01-15)"
        )
    if parts[1] not in Inspection.Kind.values:
        raise CommandError(
            f"--inspection: {parts[1]} is not a kind of inspection; use one of {', '.join(Inspection.Kind.values)}"
        )
    return {"inspection_id": None, "inspection_new": {"kind": parts[1], "date": _iso_date(parts[2], "--inspection")}}
