"""`manage.py purge`: each kind of personal data goes after its retention and not before; a dry run
changes nothing; a second run removes nothing; an import whose file went keeps its log and says why
it cannot be checked again or confirmed."""

import datetime as dt
import io
import uuid

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from core.models import AuditEntry
from imports import services
from imports.models import ImportChange, ImportJob
from improvement.models import Plan
from meetings.models import ReminderLog
from tests.core.test_settings import PRODUCTION_ENV, _manage
from tests.factories.imports import ImportJobFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
NOTICE = "The uploaded file was removed after 90 days; upload it again."


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def days_ago(days, **extra):
    return NOW - dt.timedelta(days=days, **extra)


def run_purge(*args):
    out = io.StringIO()
    call_command("purge", *args, stdout=out)
    return out.getvalue()


def _session(key, expires):
    return Session.objects.create(session_key=key, session_data="e30:", expire_date=expires)


def _sign_in_record(model, username, at, **extra):
    record = model.objects.create(
        username=username, ip_address="192.0.2.10", user_agent="Firefox", http_accept="*/*", path_info="/", **extra
    )
    model.objects.filter(pk=record.pk).update(attempt_time=at)  # attempt_time is auto_now_add
    return record


def _task_result(status, finished_at):
    return DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status=status,
        finished_at=finished_at,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="imports.tasks.preview_import",
        backend_name="default",
        run_after=days_ago(400),
    )


def test_expired_sessions_go_and_live_ones_stay():
    _session("expired" * 4, days_ago(0, seconds=1))
    _session("current" * 4, NOW + dt.timedelta(hours=1))
    assert "Expired sessions: 1" in run_purge()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current" * 4]


def test_sign_in_records_go_after_their_retention():
    _sign_in_record(AccessLog, "old.login", days_ago(91))
    _sign_in_record(AccessLog, "recent.login", days_ago(89))
    _sign_in_record(AccessFailureLog, "old.failure", days_ago(91))
    _sign_in_record(AccessFailureLog, "recent.failure", days_ago(89))
    _sign_in_record(AccessAttempt, "old.attempt", days_ago(91), get_data="", post_data="", failures_since_start=2)
    assert "Sign-in records (older than 90 days): 3" in run_purge()
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["recent.login"]
    assert list(AccessFailureLog.objects.values_list("username", flat=True)) == ["recent.failure"]
    assert AccessAttempt.objects.count() == 0


def test_a_sign_in_lock_in_force_is_never_purged(settings):
    # Even with no retention at all, a lock-out still counting down stays, or purging would lift it early.
    settings.PURGE_SIGN_IN_LOG_DAYS = 0
    _sign_in_record(AccessAttempt, "locked", days_ago(0, minutes=5), get_data="", post_data="", failures_since_start=5)
    _sign_in_record(AccessAttempt, "lapsed", days_ago(0, minutes=20), get_data="", post_data="", failures_since_start=5)
    run_purge()
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["locked"]


def test_finished_task_results_go_after_their_retention_and_unfinished_ones_stay():
    old_success = _task_result("SUCCESSFUL", days_ago(31))
    old_failure = _task_result("FAILED", days_ago(31))
    recent = _task_result("SUCCESSFUL", days_ago(29))
    waiting = _task_result("READY", None)
    assert "Finished background task results (older than 30 days): 2" in run_purge()
    kept = set(DBTaskResult.objects.values_list("id", flat=True))
    assert kept == {recent.id, waiting.id}
    assert not kept & {old_success.id, old_failure.id}


def test_reminder_logs_go_after_their_retention_and_today_stays(settings, make_user):
    user = make_user("officer")
    for days in (366, 364, 0):
        ReminderLog.objects.create(user=user, sent_on=TODAY - dt.timedelta(days=days), summary="1 thing")
    assert "Reminder email logs (older than 365 days): 1" in run_purge()
    assert sorted(ReminderLog.objects.values_list("sent_on", flat=True)) == [
        TODAY - dt.timedelta(days=364),
        TODAY,
    ]
    # The shortest retention allowed still keeps today's row, which stops a second email today.
    settings.PURGE_REMINDER_LOG_DAYS = 1
    run_purge()
    assert list(ReminderLog.objects.values_list("sent_on", flat=True)) == [TODAY]


def test_a_reminder_retention_under_a_day_is_refused_at_start_up():
    result = _manage("check", env={**PRODUCTION_ENV, "PURGE_REMINDER_LOG_DAYS": "0"})
    assert result.returncode != 0
    assert "PURGE_REMINDER_LOG_DAYS must be 1 or more days, not 0" in result.stderr


def test_import_files_go_after_their_retention_and_the_log_stays(admin_user):
    done = ImportJobFactory(
        state=ImportJob.State.DONE,
        created_at=days_ago(95),
        finished_at=days_ago(91),
        uploaded_by=admin_user,
        result={"counts": {"created": 3, "updated": 1, "unchanged": 2}},
    )
    ImportChange.objects.create(job=done, kind="created", object_type="Action", object_id=7, object_label="1.1 A")
    refused = ImportJobFactory(state=ImportJob.State.REFUSED, created_at=days_ago(92), finished_at=days_ago(92))
    abandoned_preview = ImportJobFactory(state=ImportJob.State.PREVIEWED, created_at=days_ago(91), parsed={"rows": []})
    recent = ImportJobFactory(state=ImportJob.State.DONE, created_at=days_ago(89), finished_at=days_ago(89))
    stuck = ImportJobFactory(state=ImportJob.State.APPLYING, created_at=days_ago(200))
    size, sha = done.file_size, done.sha256

    assert "Uploaded import files (older than 90 days): 3" in run_purge()

    for job in (done, refused, abandoned_preview):
        job.refresh_from_db()
        assert bytes(job.file_bytes) == b"" and job.parsed is None and job.file_removed_at == NOW
    for job in (recent, stuck):
        job.refresh_from_db()
        assert len(bytes(job.file_bytes)) == job.file_size > 0 and job.file_removed_at is None
    # Who, when, what and the counts stay.
    assert (done.uploaded_by, done.file_name, done.file_size, done.sha256) == (admin_user, "plan.xlsx", size, sha)
    assert done.result["counts"] == {"created": 3, "updated": 1, "unchanged": 2}
    assert done.changes.count() == 1


def test_the_import_log_still_shows_who_when_and_counts_after_the_file_goes(admin_client_, admin_user):
    job = ImportJobFactory(
        state=ImportJob.State.DONE,
        created_at=days_ago(100),
        finished_at=days_ago(100),
        uploaded_by=admin_user,
        result={"counts": {"created": 3, "updated": 1, "unchanged": 2}},
    )
    run_purge()
    page = admin_client_.get(reverse("imports:job_log", args=[job.pk])).content.decode()
    assert "Removed on 1 March 2027 under the service's retention rules" in page
    assert job.sha256 in page and escape(admin_user.get_full_name()) in page  # names such as O'Neill
    assert '<dd class="govuk-summary-list__value">3</dd>' in page


def test_an_import_whose_file_went_cannot_be_confirmed_or_checked_again(admin_client_):
    job = ImportJobFactory(state=ImportJob.State.PREVIEWED, created_at=days_ago(91), mappings={"columns": {}})
    preview_url = reverse("imports:job_preview", args=[job.pk])
    assert "Import now" in admin_client_.get(preview_url).content.decode()  # before: it could be confirmed
    run_purge()

    page = admin_client_.get(preview_url).content.decode()
    assert NOTICE in page
    assert "Import now" not in page and "Check again with these choices" not in page
    response = admin_client_.post(reverse("imports:job_confirm", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == preview_url
    response = admin_client_.post(preview_url, {})
    assert response.status_code == 200 and NOTICE in response.content.decode()
    job.refresh_from_db()
    with pytest.raises(services.FileRemoved, match="removed after 90 days"):
        services.apply_job(job)
    with pytest.raises(services.FileRemoved):
        services.preview_job(job)
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWED and job.mappings == {"columns": {}}
    assert job.preview["counts"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert Plan.objects.count() == 0
    start = admin_client_.get(reverse("imports:start")).content.decode()
    assert "File removed" in start


def test_a_failed_import_whose_file_went_says_so(admin_client_):
    job = ImportJobFactory(
        state=ImportJob.State.FAILED, created_at=days_ago(91), finished_at=days_ago(91), message="It stopped."
    )
    run_purge()
    page = admin_client_.get(reverse("imports:job_status", args=[job.pk])).content.decode()
    assert NOTICE in page


def _old_data_of_every_kind(user):
    _session("expired" * 4, days_ago(1))
    _sign_in_record(AccessLog, "old.login", days_ago(91))
    _task_result("SUCCESSFUL", days_ago(31))
    ReminderLog.objects.create(user=user, sent_on=TODAY - dt.timedelta(days=400))
    ImportJobFactory(state=ImportJob.State.DONE, created_at=days_ago(91), finished_at=days_ago(91))


def _row_counts():
    return (
        Session.objects.count(),
        AccessLog.objects.count(),
        DBTaskResult.objects.count(),
        ReminderLog.objects.count(),
        ImportJob.objects.filter(file_removed_at__isnull=True).count(),
        AuditEntry.objects.count(),
    )


def test_a_dry_run_changes_nothing_and_prints_the_same_counts(make_user):
    _old_data_of_every_kind(make_user("officer"))
    before = _row_counts()
    dry = run_purge("--dry-run")
    assert _row_counts() == before
    assert "Would remove (dry run: nothing removed):" in dry and "Would remove 5 in all." in dry
    real = run_purge()
    assert "Removed 5 in all." in real
    counts = [line for line in dry.splitlines() if line.startswith("  ")]
    assert counts == [line for line in real.splitlines() if line.startswith("  ")]
    assert len(counts) == 5 and all(line.endswith(": 1") for line in counts)


def test_a_second_run_removes_nothing_and_the_audit_log_records_the_first(make_user):
    _old_data_of_every_kind(make_user("officer"))
    run_purge()
    assert "Removed 0 in all." in run_purge()
    entry = AuditEntry.objects.get(event="data.purged")  # one entry: a run that removes nothing writes none
    assert entry.actor_name == "system"
    assert entry.detail == {"sessions": 1, "sign_in_log": 1, "task_results": 1, "reminder_log": 1, "import_files": 1}
    assert "Uploaded import files (older than 90 days): 1" in entry.summary
