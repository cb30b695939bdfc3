"""Plan import at scale: a generated 20,000-action plan, preview plus confirm, into a fresh database.

Run: DEBUG=true .venv/bin/python bench/bench_import.py
Prints the time of each phase (wall clock, and CPU time, which a busy shared machine disturbs
less), the floor (a raw bulk_create of the same 20,000 Action rows), the ratio, a second import of
the same file (nothing to change), and the peak memory (ru_maxrss).
Target: preview plus confirm under 20 s, peak under 500 MB, on the 2-core machine.
SQLite by default (a scratch file in /tmp); set DATABASE_URL for PostgreSQL (use a scratch
database: it is migrated and filled).

DEBUG is switched off once Django is set up, as in production: with DEBUG on, Django keeps every
query and (on SQLite) quotes every parameter of every query for its log, which doubles the time."""

import datetime
import io
import os
import random
import resource
import sys
import time

from _django import start  # bench/ is on the path when a script runs

start("bench_import", fresh=True)

from django.conf import settings  # noqa: E402

settings.DEBUG = False

import openpyxl  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from imports import services  # noqa: E402
from improvement.models import Action, ActionUpdate, Plan, Theme  # noqa: E402

ACTIONS = int(os.environ.get("BENCH_ACTIONS", 20_000))
STATUSES = ["Complete", "On track", "At risk", "Slipped", "Not started", "In progress", "Done", "Delayed"]
WHEN = ["31/03/2027", "Summer 2027", "Q2 2027/28", "Mar-27", "Ongoing", datetime.datetime(2027, 6, 30)]


def build_workbook(rng) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Plan")
    sheet.append(["Riverford Borough Council improvement plan"])
    sheet.append([])
    sheet.append(["Ref", "Action", "How?", "Lead officer", "Target date", "Status", "RAG", "Progress update"])
    per_theme = ACTIONS // 20
    for theme in range(1, 21):
        sheet.append([f"{theme}. Theme number {theme}"])
        for n in range(1, per_theme + 1):
            sheet.append(
                [
                    f"{theme}.{n}",
                    f"Action {theme}.{n}: improve practice in area {rng.randint(1, 500)}",
                    "Detail of how the work will be done " * 3,
                    rng.choice(["Head of CIN", "Head of CLA", "Jo Bloggs (Head of QA)"]),
                    rng.choice(WHEN),
                    rng.choice(STATUSES),
                    rng.choice(["R", "A", "G", "B", ""]),
                    f"{rng.randint(1, 28):02d}/0{rng.randint(1, 9)}/26: progress note {n}\nSecond line of the update",
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def __str__(self):
        return f"{self.wall:.1f} s (CPU {self.cpu:.1f} s)"


def main():
    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    started = time.perf_counter()
    data = build_workbook(rng)
    print(
        f"database: {connection.vendor}; workbook: {ACTIONS} actions, {len(data) / 1_048_576:.1f} MB, "
        f"built in {time.perf_counter() - started:.1f} s"
    )

    job = services.create_job(
        kind="plan", file_name="bench.xlsx", data=data, user=None, options={"new_plan_title": "Bench"}
    )
    with Timer() as preview:
        services.preview_job(job)
    assert job.state == "previewed", job.message
    with Timer() as confirm:
        services.apply_job(job)
    assert job.state == "done", job.message
    total = preview.wall + confirm.wall
    plan = Plan.objects.get(pk=job.result["plan_id"])
    print(f"preview {preview}; confirm {confirm}; total {total:.1f} s (CPU {preview.cpu + confirm.cpu:.1f} s)")
    print(
        f"saved: {Action.objects.filter(theme__plan=plan).count()} actions, "
        f"{ActionUpdate.objects.filter(action__theme__plan=plan).count()} progress updates, "
        f"{job.changes.count()} import log entries; peak memory {peak_mb():.0f} MB"
    )

    again = services.create_job(kind="plan", file_name="bench.xlsx", data=data, user=None, options={"plan_id": plan.pk})
    with Timer() as second:
        services.preview_job(again)
        services.apply_job(again)
    print(f"the same file again (nothing changes: {again.result['counts']['unchanged']} unchanged): {second}")

    floor_plan = Plan.objects.create(title="Floor")
    theme = Theme.objects.create(plan=floor_plan, reference="1", title="Floor")
    rows = [
        Action(
            theme=theme,
            reference=f"F{n}",
            title=f"Action {n}",
            detail="Detail " * 15,
            lead_job_title="Head of CIN",
            target_date=datetime.date(2027, 3, 31),
            original_target_date=datetime.date(2027, 3, 31),
            status="in_progress",
        )
        for n in range(ACTIONS)
    ]
    with Timer() as floor:
        Action.objects.bulk_create(rows, batch_size=1000)
    print(f"floor (raw bulk_create of {ACTIONS} actions): {floor}; import / floor = {total / floor.wall:.1f}x")
    ok = total < 20 and peak_mb() < 500
    print(f"target under 20 s and 500 MB: {'met' if ok else 'NOT met'} (peak {peak_mb():.0f} MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
