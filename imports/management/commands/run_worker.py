"""`manage.py run_worker`: django-tasks-db's db_worker, made to tell the truth and to survive the
database going away. Run it as a service that is restarted whenever it exits (README).

On top of db_worker it:
- writes a heartbeat (core.WorkerHeartbeat) every --heartbeat-seconds from a thread of its own, so
  /healthz and the reaper know it is alive even while a long import runs;
- runs the import reaper (imports.services.reap_stuck_jobs) at start, every --reap-seconds, after
  every task and as soon as the database is back from an outage that broke a task, so a job whose
  worker died, or whose own failure could not be saved, ends failed;
- catches a lost database connection anywhere in its loop (a task's failure handler included),
  closes the connection, waits (1 s, doubling to 30 s) and carries on instead of exiting.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from core import clock
from core import worker as liveness
from imports import services

logger = logging.getLogger("imports.worker")
CONNECTION_ERRORS = (OperationalError, InterfaceError)
MAX_BACKOFF_SECONDS = 30


def _close_connections() -> None:
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # a broken connection may fail to close too; it is dropped either way
            connection.connection = None


class Heartbeat(threading.Thread):
    """Writes the worker's heartbeat every `every` seconds until the process ends."""

    def __init__(self, worker_id: str, every: float):
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_id, self.every, self.started_at = worker_id, every, clock.now()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                liveness.beat(self.worker_id, started_at=self.started_at)
            except Exception as error:  # an outage, or SQLite locked by a running import: try again
                logger.warning("Worker heartbeat not written: %s", error)
                _close_connections()
            self.stopped.wait(self.every)
        _close_connections()


class ResilientWorker(Worker):
    def __init__(self, *, heartbeat_seconds: float, reap_seconds: float, **kwargs):
        super().__init__(**kwargs)
        self.heartbeat_seconds, self.reap_seconds = heartbeat_seconds, reap_seconds
        self._last_reap = 0.0
        self._backoff = 1.0
        # A task result whose failure could not be saved (the database was gone): saved on recovery.
        self._unsaved_failure = None

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        liveness.set_current_worker(self.worker_id)
        heartbeat = Heartbeat(self.worker_id, self.heartbeat_seconds)
        try:
            # Seen from the start, on the worker's own connection: the thread's first beat can wait
            # behind a lock (SQLite) while the first task runs.
            liveness.beat(self.worker_id, started_at=getattr(heartbeat, "started_at", None))
        except CONNECTION_ERRORS as error:
            logger.warning("Worker heartbeat not written at start: %s", error)
        heartbeat.start()
        try:
            while self.running:
                try:
                    if not self.run_once():
                        return
                    self._backoff = 1.0
                except CONNECTION_ERRORS as error:
                    self.recover(error)
        finally:
            heartbeat.stopped.set()

    def recover(self, error) -> None:
        logger.warning("Database unavailable (%s); trying again in %.0f s", error, self._backoff)
        _close_connections()
        if self.running:
            time.sleep(self._backoff)
        self._backoff = min(self._backoff * 2, MAX_BACKOFF_SECONDS)

    def housekeeping(self, *, force: bool = False) -> None:
        if self._unsaved_failure is not None:
            result, error = self._unsaved_failure
            result.set_failed(error)
            self._unsaved_failure = None
            # Its import job is left running as well (the job's own failure handler could not save
            # either): reap now, not up to reap_seconds after the database is back.
            force = True
        if force or time.monotonic() - self._last_reap >= self.reap_seconds:
            # Between tasks: none of this worker's own jobs can still be running.
            services.reap_stuck_jobs(own_worker_id=self.worker_id)
            self._last_reap = time.monotonic()

    def run_once(self) -> bool:
        """One turn of db_worker's loop; False when the worker should stop (batch or max tasks done)."""
        self.housekeeping(force=self._last_reap == 0.0)
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        retrieved = True
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as error:
            if not is_locked_database_exception(error):
                raise
            retrieved, task_result = False, None
        if task_result is not None:
            self.run_task(task_result)
            self.housekeeping(force=True)
        if self.batch and retrieved and task_result is None:
            return False
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            return False
        if self.running and task_result is None:
            time.sleep(self.interval)
        return True

    def run_task(self, db_task_result) -> None:
        try:
            super().run_task(db_task_result)
        except CONNECTION_ERRORS as error:
            # The task failed and so did saving its failure: both are put right once the database is back.
            self._unsaved_failure = (db_task_result, error)
            raise


class Command(DbWorkerCommand):
    help = "Run the background task worker: db_worker with a heartbeat, the import reaper and outage survival"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--heartbeat-seconds", type=float, default=None, help="How often to write the heartbeat")
        parser.add_argument("--reap-seconds", type=float, default=60, help="How often to look for stuck imports")

    def handle(self, **o):
        self.configure_logging(o["verbosity"])
        worker = ResilientWorker(
            queue_names=o["queue_name"].split(","),
            interval=o["interval"],
            batch=o["batch"],
            backend_name=o["backend_name"],
            startup_delay=False,
            max_tasks=o["max_tasks"],
            worker_id=o["worker_id"],
            excluded_queue_names=o["exclude_queues"].split(",") if o["exclude_queues"] else [],
            heartbeat_seconds=o["heartbeat_seconds"] or max(1.0, settings.WORKER_STALE_SECONDS / 4),
            reap_seconds=o["reap_seconds"],
        )
        worker.configure_signals()
        worker.run()
