"""Shared by import_plan and import_indicators: the same job, preview and apply as the web pages."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from imports import services
from imports.models import ImportJob
from imports.parsing.workbook import FileRefused, check_size


def run(command, *, kind, path, options, dry_run, as_json):
    file_path = Path(path)
    if not file_path.is_file():
        raise CommandError(f"There is no file at {path}")
    try:
        check_size(file_path.stat().st_size, settings.IMPORT_MAX_UPLOAD_BYTES)
    except FileRefused as refusal:
        raise CommandError(str(refusal)) from None
    job = services.create_job(
        kind=kind, file_name=file_path.name, data=file_path.read_bytes(), user=None, options=options
    )
    services.preview_job(job)
    summary = job.preview
    if job.state == ImportJob.State.PREVIEWED and summary.get("can_confirm") and not dry_run:
        services.apply_job(job)
        summary = job.result if job.state == ImportJob.State.DONE else job.preview
    outcome = {
        "file": file_path.name,
        "sha256": job.sha256,
        "dry_run": dry_run,
        "state": job.state,
        "counts": summary.get("counts", {}),
        "problems": summary.get("problems", []),
        "backdated": summary.get("backdated", []),
        "refusal": summary.get("refusal", "") or (job.message if job.state in {"refused", "failed"} else ""),
    }
    if not dry_run and job.state == ImportJob.State.DONE:
        outcome["log"] = job.get_absolute_url()
    if dry_run:
        job.delete()  # a dry run from the command line leaves nothing behind
    if as_json:
        command.stdout.write(json.dumps(outcome, indent=2, default=str))
    else:
        counts = outcome["counts"]
        created, updated, unchanged = (counts.get(name, 0) for name in ("created", "updated", "unchanged"))
        if dry_run:
            command.stdout.write(f"Dry run: {created} to create, {updated} to update, {unchanged} unchanged")
        else:
            command.stdout.write(f"{created} created, {updated} updated, {unchanged} unchanged")
        for problem in outcome["problems"]:
            where = ", ".join(
                str(p)
                for p in (problem["sheet"], f"row {problem['row']}" if problem["row"] else "", problem["column"])
                if p
            )
            command.stdout.write(f"[{problem['severity']}] {where}: {problem['message']}")
        for entry in outcome["backdated"]:
            command.stdout.write(
                f"[back-dated] action {entry['reference']}: {entry['entry'].lower()} dated {entry['date']}, "
                f"before {entry['earliest']} ({entry['why']})"
            )
    if outcome["refusal"] or summary.get("error_count"):
        raise CommandError(
            outcome["refusal"] or f"The file has {summary['error_count']} problem(s) to fix; nothing was saved."
        )
