"""The database killed during an import's apply (issue 13, reliability suite). Run by hand:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/reliability/kill_db_during_apply.py

It migrates the scratch database, queues a plan import of ROWS actions, starts `manage.py run_worker`
as a process, waits until the job is applying, then terminates every backend of that database except
its own (`pg_terminate_backend`: the worker's connections are cut mid-transaction; a restart of the
whole server would affect everyone on it, so this script never does that). It then checks:
no partial rows (no action of the import exists), the job ends `failed` within a minute, and a retry
by the admin reads the file again and confirms to `done`. Prints timings."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = int(os.environ.get("ROWS", "4000"))
# On a PostgreSQL server of your own, kill the whole server instead of the database's connections:
#   PG_STOP_COMMAND="su postgres -c '.../pg_ctl -D ... stop -m immediate'" PG_START_COMMAND="... start -w ..."
STOP_COMMAND = os.environ.get("PG_STOP_COMMAND", "")
START_COMMAND = os.environ.get("PG_START_COMMAND", "")
OUTAGE_SECONDS = float(os.environ.get("OUTAGE_SECONDS", "5"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL to a scratch PostgreSQL database (it is migrated and written to).")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import OperationalError, connection  # noqa: E402

call_command("migrate", verbosity=0)

from imports import services  # noqa: E402
from imports.models import ImportJob  # noqa: E402
from improvement.models import Action  # noqa: E402
from tests.imports.fixtures import PLAN_HEADER, xlsx_bytes  # noqa: E402


def plan_file(rows: int) -> bytes:
    body = [["Kill test plan"], [], PLAN_HEADER, ["1. Everything"]]
    for n in range(1, rows + 1):
        body.append(
            [
                f"1.{n}",
                f"Action {n}",
                "Detail",
                "Head of Service",
                datetime.datetime(2027, 3, 31),
                "In progress",
                "G",
                "",
                f"01/11/26: update {n}",
            ]
        )
    return xlsx_bytes({"Plan": body})


def state(job) -> str | None:
    try:
        return ImportJob.objects.values_list("state", flat=True).get(pk=job.pk)
    except OperationalError:
        connection.close()  # the database is down or just back: the next call reconnects
        return None


def wait(check, seconds, step=0.05):
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if check():
            return time.monotonic() - start
        time.sleep(step)
    return None


def main():
    actions_before = Action.objects.count()
    job = services.create_job(
        kind="plan", file_name="kill-test.xlsx", data=plan_file(ROWS), user=None, options={"new_plan_title": "Kill"}
    )
    services.queue_job(job, "preview")
    env = {**os.environ, "TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.2", "--verbosity", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        took = wait(lambda: state(job) == "previewed", 300)
        print(f"preview of {ROWS} rows: {took:.1f} s")
        services.queue_job(ImportJob.objects.get(pk=job.pk), "apply")
        took = wait(lambda: state(job) == "applying", 60, step=0.01)
        time.sleep(float(os.environ.get("KILL_AFTER", "1.0")))  # well inside the apply's transaction
        print(f"applying after {took:.2f} s; state before the kill: {state(job)}")
        if STOP_COMMAND:
            # The whole (private) server killed, as a crash would: nothing is written after this.
            subprocess.run(STOP_COMMAND, shell=True, check=True)
            print(f"{time.strftime('%H:%M:%S')} PostgreSQL killed ({STOP_COMMAND})")
            time.sleep(OUTAGE_SECONDS)
            subprocess.run(START_COMMAND, shell=True, check=True)
            print(f"{time.strftime('%H:%M:%S')} PostgreSQL back after {OUTAGE_SECONDS:g} s")
            connection.close()
        else:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                print(f"terminated {cursor.fetchone()[0]} backend(s) of {connection.settings_dict['NAME']}")
        killed = time.monotonic()  # the database answers again from here
        took = wait(lambda: state(job) in {"failed", "done"}, 90)
        job.refresh_from_db()
        print(f"job {job.state} {time.monotonic() - killed:.1f} s after the database returned: {job.message!r}")
        partial = Action.objects.count() - actions_before
        print(f"actions written by the killed apply: {partial} (expected 0)")
        assert job.state == "failed" and partial == 0

        services.retry_job(job)
        took = wait(lambda: state(job) == "previewed", 300)
        print(f"retry: previewed again in {took:.1f} s")
        services.queue_job(ImportJob.objects.get(pk=job.pk), "apply")
        took = wait(lambda: state(job) in {"done", "failed"}, 600)
        print(f"retry: {state(job)} in {took:.1f} s; actions now {Action.objects.count() - actions_before}")
        assert state(job) == "done"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=60)[0].decode()
        print("worker still running at the end" if worker.returncode is None else f"worker exit {worker.returncode}")
        print("\n".join(line for line in output.splitlines() if "unavailable" in line or "stuck" in line))


if __name__ == "__main__":
    main()
