"""The real worker (`manage.py run_worker`) runs queued imports from the database queue. On
PostgreSQL it runs as a process of its own, and a test cuts its database connections while it runs
(pg_terminate_backend on its own backends, in the test database only) to show it carries on. On
SQLite, where the test database lives in this process's memory, the same command runs in-process."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from core.models import WorkerHeartbeat
from imports import services
from imports.models import ImportJob
from tests.factories.imports import ImportJobFactory

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker_env(worker_id: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "DEBUG": "false",
        "SECRET_KEY": "worker-process-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "CONN_MAX_AGE": "60",
        # The worker's clock is the machine's, the queued job's the suite's fixed date: the reaper must
        # not take that gap for a job waiting days.
        "IMPORT_QUEUE_LIMIT_HOURS": "1000000",
        "IMPORT_JOB_TIME_LIMIT_MINUTES": "100000000",
    }


def _wait_for(check, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _state(job) -> str:
    return ImportJob.objects.values_list("state", flat=True).get(pk=job.pk)


def _queued_preview(settings):
    settings.TASKS = DB_TASKS
    job = ImportJobFactory(state=ImportJob.State.UPLOADED)
    services.queue_job(job, "preview")
    assert _state(job) == "queued"
    return job


def test_the_real_worker_runs_a_queued_import_and_survives_its_connections_being_cut(settings):
    job = _queued_preview(settings)
    if connection.vendor != "postgresql":
        call_command("run_worker", "--batch", "--worker-id", "sqlite-worker", "--verbosity", "0")
        assert _state(job) == "previewed"
        assert WorkerHeartbeat.objects.filter(worker_id="sqlite-worker").exists()
        return

    command = [sys.executable, "manage.py", "run_worker", "--worker-id", "process-test", "--interval", "0.2"]
    command += ["--heartbeat-seconds", "0.5", "--verbosity", "1"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=_worker_env("process-test"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert _wait_for(lambda: _state(job) == "previewed"), "the worker did not read the queued file"
        assert WorkerHeartbeat.objects.filter(worker_id="process-test", pid=process.pid).exists()

        # The database goes away under the worker: every connection it holds is terminated.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1
        time.sleep(1.5)
        assert process.poll() is None, "the worker exited when its database connection was cut"

        services.queue_job(ImportJob.objects.get(pk=job.pk), "apply")
        assert _wait_for(lambda: _state(job) == "done"), "the worker did not carry on after the outage"
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert "Starting worker worker_id=process-test" in output
    assert "Database unavailable" in output  # it met the outage in its loop, and carried on
    assert process.returncode == 0, output
