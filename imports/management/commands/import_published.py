"""python manage.py import_published FILE [--la CODE] [--neighbours CODE,CODE,...]
[--map INDICATOR_CODE MEASURE_COLUMN [COLUMN=VALUE ...]]... [--meta FILE.meta.csv] [--dry-run] [--json]

For a yearly script: load a DfE release with the mappings saved on indicators (and any given here).
Exits non-zero, saving nothing, when the file or a mapping cannot be loaded."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from imports import services
from imports.models import ImportJob
from imports.parsing.workbook import FileRefused, check_size


def _read_map(tokens: list[str]) -> dict:
    if len(tokens) < 2:
        raise CommandError("--map needs an indicator code and a column, such as --map NI-62 percentage age=Total")
    filters = {}
    for token in tokens[2:]:
        column, sep, value = token.partition("=")
        if not sep or not column.strip():
            raise CommandError(f"--map filter \u201c{token}\u201d is not COLUMN=VALUE")
        filters[column.strip().lower()] = value.strip()
    return {"indicator": tokens[0], "measure": tokens[1].lower(), "filters": filters}


class Command(BaseCommand):
    help = "Load a DfE published statistics release (open data CSV): own values, benchmarks, rank and quartile."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--la", help="The council's code (new or old form); default: the council settings")
        parser.add_argument("--neighbours", help="Statistical neighbours' codes, comma-separated; default: settings")
        parser.add_argument(
            "--map",
            nargs="+",
            action="append",
            default=[],
            metavar="ARG",
            help="INDICATOR_CODE MEASURE_COLUMN [COLUMN=VALUE ...]; may be repeated. Saved for next year.",
        )
        parser.add_argument("--meta", help="The release's metadata file (*.meta.csv), to follow its column types")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; save nothing")
        parser.add_argument("--json", action="store_true", help="Print the counts and problems as JSON")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file at {path}")
        try:
            check_size(path.stat().st_size, settings.IMPORT_MAX_UPLOAD_BYTES)
        except FileRefused as refusal:
            raise CommandError(str(refusal)) from None
        job_options = {}
        if options["la"]:
            job_options["la_code"] = options["la"].strip().upper()
        if options["neighbours"] is not None:
            job_options["neighbours"] = [c.strip().upper() for c in options["neighbours"].split(",") if c.strip()]
        if options["meta"]:
            meta = Path(options["meta"])
            if not meta.is_file():
                raise CommandError(f"There is no metadata file at {meta}")
            job_options["meta"] = meta.read_bytes().decode("utf-8-sig", errors="replace")
        maps = [_read_map(tokens) for tokens in options["map"]]
        job = services.create_job(
            kind=ImportJob.Kind.PUBLISHED,
            file_name=path.name,
            data=path.read_bytes(),
            user=None,
            options=job_options,
        )
        if maps:
            services.save_mappings(job, {"published_extra": maps})
        services.preview_job(job)
        summary = job.preview
        if job.state == ImportJob.State.PREVIEWED and summary.get("can_confirm") and not options["dry_run"]:
            services.apply_job(job)
            summary = job.result if job.state == ImportJob.State.DONE else job.preview
        refusal = summary.get("refusal", "") or (job.message if job.state in {"refused", "failed"} else "")
        outcome = {
            "file": path.name,
            "dry_run": options["dry_run"],
            "state": job.state,
            "counts": summary.get("counts", {}),
            "problems": summary.get("problems", []),
            "refusal": refusal,
            "indicators": [
                {k: item[k] for k in ("code", "mapping", "creating", "unchanged")}
                for item in summary.get("indicators", [])
            ],
        }
        if job.state == ImportJob.State.DONE:
            outcome["log"] = job.get_absolute_url()
        if options["dry_run"] or refusal:
            job.delete()  # a dry run or a refusal from the command line leaves nothing behind
        if options["json"]:
            self.stdout.write(json.dumps(outcome, indent=2, default=str))
        else:
            counts = outcome["counts"]
            created, updated, unchanged = (counts.get(n, 0) for n in ("created", "updated", "unchanged"))
            verb = (
                "Dry run: {} to create, {} to update, {} unchanged"
                if options["dry_run"]
                else "{} created, {} updated, {} unchanged"
            )
            if not refusal:
                self.stdout.write(verb.format(created, updated, unchanged))
            for item in outcome["indicators"]:
                self.stdout.write(
                    f"{item['code']}: {item['mapping']}" + (" (new indicator)" if item["creating"] else "")
                )
            for problem in outcome["problems"]:
                self.stdout.write(f"[{problem['severity']}] {problem['message']}")
        if refusal:
            raise CommandError(refusal + " Nothing was saved.")
