"""Import job states, the reaper, retry by admins, and the background worker that survives outages
(issue 13 finding 4). The real worker as a process is in test_worker_process.py."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse

from core import worker as liveness
from core.models import WorkerHeartbeat
from imports import services, tasks
from imports.management.commands import run_worker
from imports.models import ImportJob
from tests.factories.imports import ImportJobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_worker(settings):
    """Tasks are queued but nothing runs them, as when no worker is running."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    yield default_task_backend


def _status_page(client, job):
    return client.get(reverse("imports:job_status", args=[job.pk])).content.decode()


# States


def test_a_queued_job_says_so_with_its_time_then_that_it_waits_for_the_worker(admin_client_, no_worker, fixed_clock):
    job = ImportJobFactory(state=ImportJob.State.UPLOADED)
    services.queue_job(job, "preview")
    job.refresh_from_db()
    assert (job.state, job.queued_for) == ("queued", "preview")
    assert [result.args for result in no_worker.results] == [[job.pk]]
    assert job.queued_at is not None and job.is_running
    page = _status_page(admin_client_, job)
    assert "Waiting to start" in page and "Waiting for the background worker to start it." in page

    fixed_clock.shift(dt.timedelta(seconds=45))
    page = _status_page(admin_client_, job)
    assert "Waiting for the background worker: queued 45 seconds ago." in page
    assert "No background worker has been seen running" in page
    status = admin_client_.get(reverse("imports:job_status_json", args=[job.pk])).json()
    assert status["state"] == "queued" and status["running"] is True
    assert status["waiting"].startswith("Waiting for the background worker: queued 45 seconds ago.")


def test_the_waiting_notice_names_a_worker_last_seen_long_ago(admin_client_, no_worker, fixed_clock):
    liveness.beat("w-old")
    fixed_clock.shift(dt.timedelta(minutes=10))
    job = ImportJobFactory(state=ImportJob.State.UPLOADED)
    services.queue_job(job, "preview")
    fixed_clock.shift(dt.timedelta(seconds=31))
    assert "The background worker was last seen 10 minutes ago." in _status_page(admin_client_, job)


def test_preview_then_apply_go_queued_reading_previewed_queued_applying_applied(no_worker):
    job = ImportJobFactory(state=ImportJob.State.UPLOADED)
    seen = []
    services.queue_job(job, "preview")
    seen.append(ImportJob.objects.get(pk=job.pk).state)
    claimed = services.claim_queued(job.pk, "preview")
    seen.append(claimed.state)
    services.preview_job(claimed)
    seen.append(ImportJob.objects.get(pk=job.pk).state)
    services.queue_job(claimed, "apply")
    seen.append(ImportJob.objects.get(pk=job.pk).state)
    claimed = services.claim_queued(job.pk, "apply")
    seen.append(claimed.state)
    services.apply_job(claimed)
    done = ImportJob.objects.get(pk=job.pk)
    seen.append(done.state)
    assert seen == ["queued", "previewing", "previewed", "queued", "applying", "done"]
    assert done.get_state_display() == "Imported" and done.finished_at is not None
    assert done.started_at is not None


def test_a_job_no_longer_queued_is_left_alone_by_its_task(no_worker):
    job = ImportJobFactory(state=ImportJob.State.FAILED, message="reaped")
    assert tasks.preview_import.call(job.pk) == "skipped"
    job.refresh_from_db()
    assert (job.state, job.message) == ("failed", "reaped")


def test_a_crash_while_reading_fails_the_job_in_words_without_a_traceback(admin_client_, monkeypatch):
    job = ImportJobFactory(state=ImportJob.State.QUEUED, queued_for="preview")

    def crash(job, dry_run):
        raise RuntimeError("Traceback (most recent call last): secret internals")

    monkeypatch.setattr(services, "process", crash)
    assert tasks.preview_import.call(job.pk) == "failed"
    job.refresh_from_db()
    assert job.message == services.UNEXPECTED
    page = _status_page(admin_client_, job)
    assert "The import failed" in page and "unexpected problem" in page
    assert "Traceback" not in page and "secret internals" not in page


def test_a_removed_file_fails_its_queued_job_with_the_reason(no_worker, fixed_clock):
    job = ImportJobFactory(state=ImportJob.State.QUEUED, queued_for="preview", file_removed_at=liveness.clock.now())
    assert tasks.preview_import.call(job.pk) == "failed"
    job.refresh_from_db()
    assert "The uploaded file was removed" in job.message


# The reaper


def _running(state=ImportJob.State.APPLYING, **fields):
    return ImportJobFactory(state=state, started_at=liveness.clock.now(), **fields)


def test_the_reaper_fails_jobs_of_a_dead_worker_and_leaves_a_live_ones(fixed_clock):
    liveness.beat("dead")
    fixed_clock.shift(dt.timedelta(seconds=61))
    liveness.beat("alive")
    dead = _running(worker_id="dead")
    alive = _running(worker_id="alive")
    reading = _running(state=ImportJob.State.PREVIEWING, worker_id="never-beat")
    assert services.reap_stuck_jobs() == 2
    dead.refresh_from_db(), alive.refresh_from_db(), reading.refresh_from_db()
    assert dead.state == "failed" and dead.finished_at is not None
    assert dead.message.startswith("The background worker stopped while it was importing the file")
    assert reading.message.startswith("The background worker stopped while it was reading the file")
    assert alive.state == "applying"


def test_the_reaper_fails_its_own_workers_jobs_between_tasks():
    liveness.beat("me")
    mine = _running(worker_id="me")
    assert services.reap_stuck_jobs() == 0
    assert services.reap_stuck_jobs(own_worker_id="me") == 1
    mine.refresh_from_db()
    assert mine.state == "failed"


def test_the_reaper_fails_jobs_past_the_time_limit_and_queued_ones_no_worker_started(fixed_clock, settings):
    settings.IMPORT_JOB_TIME_LIMIT_MINUTES = 30
    in_request = _running(state=ImportJob.State.PREVIEWING)  # no worker: a web request or a command
    queued = ImportJobFactory(state=ImportJob.State.QUEUED, queued_for="apply", queued_at=liveness.clock.now())
    fixed_clock.shift(dt.timedelta(minutes=29))
    assert services.reap_stuck_jobs() == 0
    fixed_clock.shift(dt.timedelta(minutes=2))
    assert services.reap_stuck_jobs() == 1
    in_request.refresh_from_db()
    assert in_request.message.startswith("The import took longer than 30 minutes while reading the file")
    fixed_clock.shift(dt.timedelta(hours=24))
    call_command("reap_imports", stdout=(out := __import__("io").StringIO()))
    assert out.getvalue().strip() == "Marked 1 stuck import failed."
    queued.refresh_from_db()
    assert queued.state == "failed" and "No background worker started the import within 24 hours" in queued.message


def test_the_reaper_never_touches_finished_jobs(fixed_clock):
    done = ImportJobFactory(state=ImportJob.State.DONE, worker_id="gone", started_at=liveness.clock.now())
    previewed = ImportJobFactory(state=ImportJob.State.PREVIEWED, worker_id="gone")
    fixed_clock.shift(dt.timedelta(days=3))
    assert services.reap_stuck_jobs() == 0
    assert {j.state for j in ImportJob.objects.filter(pk__in=[done.pk, previewed.pk])} == {"done", "previewed"}


# Retry


def _failed_job():
    return ImportJobFactory(state=ImportJob.State.FAILED, message=services.STOPPED.format(doing="importing"))


def test_an_admin_retries_a_failed_job_and_its_file_is_read_again(admin_client_):
    job = _failed_job()
    page = _status_page(admin_client_, job)
    assert "Retry the import" in page and reverse("imports:job_retry", args=[job.pk]) in page
    response = admin_client_.post(reverse("imports:job_retry", args=[job.pk]))
    assert response["Location"] == reverse("imports:job_status", args=[job.pk])
    job.refresh_from_db()
    # The immediate backend ran the queued preview: the admin now checks it and confirms again.
    assert (job.state, job.message, job.queued_for) == ("previewed", "", "preview")
    assert job.preview["can_confirm"] is True


def test_retry_is_refused_for_a_job_that_did_not_fail(admin_client_):
    job = ImportJobFactory(state=ImportJob.State.PREVIEWED)
    response = admin_client_.post(reverse("imports:job_retry", args=[job.pk]), follow=True)
    assert "Only an import that failed can be retried." in response.content.decode()
    job.refresh_from_db()
    assert job.state == "previewed"


def test_retry_is_post_only(admin_client_):
    job = _failed_job()
    assert admin_client_.get(reverse("imports:job_retry", args=[job.pk])).status_code == 405
    job.refresh_from_db()
    assert job.state == "failed"


@pytest.mark.parametrize("who", ["officer_client", "board_client", "clerk_client"])
def test_retry_is_refused_for_anyone_but_an_admin(request, who):
    job = _failed_job()
    response = request.getfixturevalue(who).post(reverse("imports:job_retry", args=[job.pk]))
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.state == "failed"


def test_retry_by_someone_not_signed_in_goes_to_sign_in(client):
    job = _failed_job()
    response = client.post(reverse("imports:job_retry", args=[job.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    job.refresh_from_db()
    assert job.state == "failed"


def test_retry_needs_the_csrf_token(admin_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    job = _failed_job()
    assert client.post(reverse("imports:job_retry", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.state == "failed"


# The worker loop


class _NoHeartbeat:
    """The heartbeat thread writes on a connection of its own, outside the test's transaction."""

    def __init__(self, *args):
        self.stopped = __import__("threading").Event()

    def start(self):
        pass


def _worker(monkeypatch, **kwargs):
    monkeypatch.setattr(run_worker, "Heartbeat", _NoHeartbeat)
    return run_worker.ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="unit",
        excluded_queue_names=[],
        heartbeat_seconds=3600,
        reap_seconds=60,
        **kwargs,
    )


def test_the_worker_loop_survives_a_lost_database_and_carries_on(monkeypatch):
    worker = _worker(monkeypatch)
    sleeps, turns = [], []

    def run_once():
        turns.append(len(turns))
        if len(turns) <= 3:
            raise OperationalError("server closed the connection unexpectedly")
        worker.running = False  # the fourth turn works; then stop the test
        return True

    monkeypatch.setattr(worker, "run_once", run_once)
    monkeypatch.setattr(run_worker.time, "sleep", sleeps.append)
    worker.run()
    assert len(turns) == 4
    assert sleeps == [1.0, 2.0, 4.0]  # backs off, doubling
    assert worker._backoff == 1.0  # and starts again from a second once the database is back


def test_a_task_whose_failure_could_not_be_saved_is_marked_failed_once_the_database_returns(monkeypatch):
    """The database killed during an apply: the task's failure and its import job's own "failed" could
    not be saved. Both are put right on the worker's next turn once the database answers, at once, not
    at the next minute's reap: the worker had reaped just before the task, as it does after every task,
    and waiting left the job "importing" 53 s after the database was back (kill_db_during_apply.py)."""
    worker = _worker(monkeypatch)
    worker.housekeeping(force=True)  # the reap after the previous task, moments ago
    saved = []

    class Result:
        def set_failed(self, error):
            saved.append(str(error))

    def broken_run_task(self, result):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(run_worker.Worker, "run_task", broken_run_task)
    stuck = _running(worker_id="unit")
    with pytest.raises(OperationalError):
        worker.run_task(Result())
    liveness.beat("unit")  # the worker is alive: no other rule of the reaper's would catch the job
    worker.housekeeping()  # what the worker's next turn does
    assert saved == ["terminating connection due to administrator command"]
    stuck.refresh_from_db()
    assert stuck.state == "failed"  # its own job, which can no longer be running
    assert stuck.message.startswith("The background worker stopped while it was importing the file")


def test_the_heartbeat_records_the_worker_once_and_keeps_it_current(fixed_clock):
    liveness.beat("w1")
    first = WorkerHeartbeat.objects.get(worker_id="w1")
    fixed_clock.shift(dt.timedelta(seconds=20))
    liveness.beat("w1")
    again = WorkerHeartbeat.objects.get(worker_id="w1")
    assert again.started_at == first.started_at and again.last_seen > first.last_seen
    assert again.pid > 0 and again.host
