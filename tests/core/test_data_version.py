"""Every kind of writer bumps the data version (core/dataversion.py); writes that are not data do not."""

import datetime
import io
import threading
import time
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.urls import reverse

from core.dataversion import (
    WILDCARD,
    changes_data,
    pause_for_migrate,
    read_tables_version,
    read_version,
    resume_after_migrate,
    tables_read,
    written_table,
)
from core.models import DataVersion
from imports import services
from imports.models import ImportJob
from improvement.models import Action, Plan
from indicators.models import Indicator, Measurement
from tests.factories.improvement import ActionFactory, PlanFactory, ThemeFactory
from tests.factories.indicators import IndicatorFactory, MeasurementFactory
from tests.imports import fixtures
from tests.imports.helpers import preview

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicator(officer_user):
    return IndicatorFactory(owner=officer_user, code="CIN-ASSESS-45")


def test_a_form_post_bumps_the_version(officer_client, indicator):
    before = read_version()
    response = officer_client.post(
        reverse("indicators:measurement_entry", args=[indicator.pk]), {"period": "2026-10-01", "value": "91.2"}
    )
    assert response.status_code == 302
    assert Measurement.objects.get(indicator=indicator).value == Decimal("91.2")
    assert read_version() > before


def test_a_service_bumps_the_version(officer_user, indicator):
    from indicators.services import record_measurement

    before = read_version()
    record_measurement(
        indicator=indicator, period=datetime.date(2026, 10, 1), value=Decimal("75"), entered_by=officer_user
    )
    assert read_version() > before


def test_an_import_run_by_the_worker_task_bumps_the_version(admin_user):
    job = preview(fixtures.messy_plan_xlsx(), user=admin_user)
    assert job.state == ImportJob.State.PREVIEWED
    before = read_version()
    services.queue_job(job, "apply")  # the worker's task claims the queued job and applies it
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert Plan.objects.filter(title="Imported plan").exists()
    assert read_version() > before


def test_bulk_create_bumps_the_version(indicator):
    before = read_version()
    Measurement.objects.bulk_create(
        [Measurement(indicator=indicator, period=datetime.date(2026, month, 1), value=month) for month in (1, 2)]
    )
    assert read_version() > before


def test_queryset_update_bumps_the_version(indicator):
    before = read_version()
    assert Indicator.objects.filter(pk=indicator.pk).update(title="Renamed") == 1
    assert read_version() > before


def test_a_change_in_django_admin_bumps_the_version(admin_client_):
    theme = ThemeFactory(plan=PlanFactory(), reference="1", title="Front door")
    url = reverse("admin:improvement_theme_change", args=[theme.pk])
    page = admin_client_.get(url).context
    data = {name: value for name, value in page["adminform"].form.initial.items() if value is not None}
    for inline in page["inline_admin_formsets"]:  # no inline rows changed: just their management forms
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{name}": value for name, value in management.initial.items()})
    data.update(plan=theme.plan_id, reference="1", title="Front door and early help")
    before = read_version()
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    theme.refresh_from_db()
    assert theme.title == "Front door and early help"
    assert read_version() > before


def test_a_management_command_bumps_the_version(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(fixtures.messy_plan_xlsx())
    before = read_version()
    call_command("import_plan", str(path), "--new-plan-title", "From the command line", stdout=io.StringIO())
    assert Plan.objects.get().title == "From the command line"
    assert read_version() > before


def test_raw_sql_bumps_the_version(indicator):
    before = read_version()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE indicators_indicator SET title = %s WHERE id = %s", ["Raw", indicator.pk])
    assert Indicator.objects.get(pk=indicator.pk).title == "Raw"
    assert read_version() > before


def test_a_delete_bumps_the_version(indicator):
    MeasurementFactory(indicator=indicator)
    before = read_version()
    Measurement.objects.filter(indicator=indicator).delete()
    assert read_version() > before


def test_saving_a_session_and_reading_do_not_bump_the_version(indicator):
    before = read_version()
    session = SessionStore()
    session["seen"] = True
    session.save()
    session["seen"] = False
    session.save()
    list(Indicator.objects.all())
    assert read_version() == before


def test_the_workers_heartbeat_does_not_bump_the_version():
    # Written every few seconds: were it data, no cached page would live longer than a heartbeat.
    from core.worker import beat  # noqa: PLC0415 (only this test needs the worker's helpers)

    before = read_version()
    beat("test-worker")
    beat("test-worker")
    assert read_version() == before


def test_a_write_in_a_rolled_back_savepoint_does_not_stop_the_next_write_bumping(indicator):
    with transaction.atomic():
        before = read_version()
        try:
            with transaction.atomic():
                Indicator.objects.filter(pk=indicator.pk).update(title="Rolled back")
                raise RuntimeError
        except RuntimeError:
            pass
        assert read_version() == before  # the bump went with the savepoint
        Indicator.objects.filter(pk=indicator.pk).update(title="Kept")
        assert read_version() > before


def test_one_bump_per_transaction_until_the_version_is_read(indicator):
    with transaction.atomic():
        before = read_version()
        for n in range(5):
            Indicator.objects.filter(pk=indicator.pk).update(title=f"Title {n}")
        after = read_version()
        assert after == before + 1
        # Read again (a page cached mid-transaction): the next write must move the version on.
        Indicator.objects.filter(pk=indicator.pk).update(title="Later")
        assert read_version() == after + 1


@pytest.mark.parametrize(
    "sql, writes",
    [
        ('INSERT INTO "improvement_action" ("title") VALUES (%s)', True),
        ('UPDATE "indicators_indicator" SET "title" = %s', True),
        ('DELETE FROM "meetings_meeting" WHERE id = 1', True),
        ("TRUNCATE improvement_action", True),
        ("WITH gone AS (DELETE FROM improvement_action RETURNING id) SELECT count(*) FROM gone", True),
        ('UPDATE "django_session" SET "expire_date" = %s', False),
        ('INSERT INTO "core_cache" (cache_key) VALUES (%s)', False),
        ('DELETE FROM "core_cache" WHERE cache_key = %s', False),
        ('INSERT INTO "django_tasks_database_dbtaskresult" ("id") VALUES (%s)', False),
        ('SELECT * FROM "improvement_action" FOR UPDATE', False),
        # The indicator page's chart markers: a compound read must not bump (it emptied the cache).
        ('(SELECT id FROM "improvement_inspection") UNION ALL (SELECT id FROM "meetings_meeting")', False),
        ("WITH recent AS (SELECT id FROM improvement_action) SELECT count(*) FROM recent", False),
        ('SAVEPOINT "s1"', False),
        ('CREATE TABLE "x" ("id" integer)', False),
    ],
)
def test_which_statements_change_data(sql, writes):
    assert changes_data(sql) is writes


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_wait_for_the_counter():
    """A long transaction holds its counter row until it commits; another writer must not wait for it."""
    plan = PlanFactory()
    theme = ThemeFactory(plan=plan, reference="1")
    first, second = ActionFactory(theme=theme, reference="1.1"), ActionFactory(theme=theme, reference="1.2")
    before = read_version()
    if connection.vendor != "postgresql":
        # SQLite has one writer at a time anyway: both bumps land on the table's first row.
        Action.objects.filter(pk=first.pk).update(title="One")
        Action.objects.filter(pk=second.pk).update(title="Two")
        assert DataVersion.objects.filter(table_name="improvement_action").count() == 1
        assert read_version() == before + 2
        return
    waited = {}

    def other_writer():
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SET lock_timeout = '5s'")
            began = time.monotonic()
            with other.cursor() as cursor:  # autocommit: the write and its bump commit at once
                cursor.execute("UPDATE improvement_action SET title = 'Two' WHERE id = %s", [second.pk])
            waited["seconds"] = time.monotonic() - began
        finally:
            other.close()

    with transaction.atomic():
        Action.objects.filter(pk=first.pk).update(title="One")  # holds a counter row until the block ends
        thread = threading.Thread(target=other_writer)
        thread.start()
        thread.join(10)
        assert waited["seconds"] < 2
        assert read_version() == before + 2  # this transaction's bump and the other writer's, committed
    assert read_version() == before + 2
    assert DataVersion.objects.filter(table_name="improvement_action").count() >= 2  # the table's second row


# Versions per table ----------------------------------------------------------------------------

ACTIONS = Action._meta.db_table
INDICATORS = Indicator._meta.db_table
MEASUREMENTS = Measurement._meta.db_table


def test_a_write_moves_its_tables_version_and_no_other(indicator):
    indicators, actions = read_tables_version([INDICATORS]), read_tables_version([ACTIONS])
    everything = read_version()
    Indicator.objects.filter(pk=indicator.pk).update(title="Renamed")
    assert read_tables_version([INDICATORS]) == indicators + 1
    assert read_tables_version([ACTIONS]) == actions
    assert read_version() == everything + 1  # the sum of everything keeps its meaning


def test_two_tables_written_in_one_transaction_bump_both_once(indicator):
    before = {table: read_tables_version([table]) for table in (INDICATORS, MEASUREMENTS)}
    both, everything = read_tables_version([INDICATORS, MEASUREMENTS]), read_version()
    with transaction.atomic():
        for n in range(3):
            Indicator.objects.filter(pk=indicator.pk).update(title=f"Title {n}")
            Measurement.objects.create(indicator=indicator, period=datetime.date(2026, n + 1, 1), value=n)
    assert {table: read_tables_version([table]) for table in before} == {table: n + 1 for table, n in before.items()}
    assert read_tables_version([INDICATORS, MEASUREMENTS]) == both + 2
    # Each measurement writes its first version too (indicators_measurementversion): three tables, three bumps.
    assert read_version() == everything + 3


def test_a_tables_bump_in_a_rolled_back_savepoint_is_forgotten(indicator):
    with transaction.atomic():
        indicators, actions = read_tables_version([INDICATORS]), read_tables_version([ACTIONS])
        ActionFactory(theme=ThemeFactory(plan=PlanFactory()), reference="1.1")  # a bump that stays
        after_action = read_tables_version([ACTIONS])
        try:
            with transaction.atomic():
                Indicator.objects.filter(pk=indicator.pk).update(title="Rolled back")
                assert read_tables_version([INDICATORS]) == indicators + 1
                Indicator.objects.filter(pk=indicator.pk).update(title="Rolled back again")
                raise RuntimeError
        except RuntimeError:
            pass
        assert read_tables_version([INDICATORS]) == indicators  # the bump went with the savepoint
        assert after_action > actions
        Indicator.objects.filter(pk=indicator.pk).update(title="Kept")  # so this one bumps again
        assert read_tables_version([INDICATORS]) == indicators + 1
        assert read_tables_version([ACTIONS]) == after_action


def test_a_write_whose_table_cannot_be_told_bumps_every_tables_version(indicator):
    indicators, actions, everything = read_tables_version([INDICATORS]), read_tables_version([ACTIONS]), read_version()
    schema = "public" if connection.vendor == "postgresql" else "main"
    with connection.cursor() as cursor:  # schema-qualified: the wildcard, not a guess at the table
        cursor.execute(f"UPDATE {schema}.indicators_indicator SET title = %s WHERE id = %s", ["Raw", indicator.pk])
    assert Indicator.objects.get(pk=indicator.pk).title == "Raw"
    assert read_tables_version([INDICATORS]) == indicators + 1
    assert read_tables_version([ACTIONS]) == actions + 1
    assert read_version() == everything + 1
    assert DataVersion.objects.filter(table_name=WILDCARD).exists()


def test_migrate_bumps_every_tables_version_once():
    actions, everything = read_tables_version([ACTIONS]), read_version()
    pause_for_migrate()
    ActionFactory(theme=ThemeFactory(plan=PlanFactory()), reference="1.1")  # paused: no bump of its own
    resume_after_migrate()
    assert read_tables_version([ACTIONS]) == actions + 1
    assert read_version() == everything + 1


@pytest.mark.parametrize(
    "sql, table",
    [
        ('INSERT INTO "improvement_action" ("title") VALUES (%s)', "improvement_action"),
        ('UPDATE "indicators_indicator" SET "title" = %s', "indicators_indicator"),
        ('DELETE FROM "meetings_meeting" WHERE id = 1', "meetings_meeting"),
        ("TRUNCATE improvement_action", WILDCARD),
        ("WITH gone AS (DELETE FROM improvement_action RETURNING id) SELECT count(*) FROM gone", WILDCARD),
        ('UPDATE "public"."improvement_action" SET "title" = %s', WILDCARD),
        ("MERGE INTO improvement_action USING x ON true WHEN MATCHED THEN DELETE", WILDCARD),
        ('UPDATE "django_session" SET "expire_date" = %s', None),
        ('SELECT * FROM "improvement_action"', None),
    ],
)
def test_which_table_a_statement_writes(sql, table):
    assert written_table(sql) == table


@pytest.mark.parametrize(
    "sql, tables",
    [
        (
            'SELECT "a"."id" FROM "indicators_indicator" INNER JOIN "auth_user" ON ("a"."owner_id" = "auth_user"."id")'
            ' LEFT OUTER JOIN "indicators_measurementversion" T3 ON (T3."id" = "a"."replaced_id")',
            {"indicators_indicator", "auth_user", "indicators_measurementversion"},
        ),
        (
            'SELECT EXTRACT(YEAR FROM "indicators_target"."effective_from") FROM "indicators_target"',
            {"indicators_target"},
        ),
        (
            'SELECT 1 FROM "x" WHERE EXISTS(SELECT 1 AS "a" FROM "indicators_indicator_themes" U0 WHERE U0.id = 1)',
            {"x", "indicators_indicator_themes"},
        ),
        (
            "WITH recent AS (SELECT id FROM improvement_action), older (id) AS (SELECT id FROM improvement_plan) "
            "SELECT count(*) FROM recent JOIN older ON true",
            {"improvement_action", "improvement_plan"},
        ),
        (
            "SELECT 0 AS k, t0.* FROM (WITH d AS (SELECT 1 AS i), c AS (SELECT i FROM d JOIN improvement_plan ON true)"
            " SELECT * FROM c) t0 JOIN improvement_action ON true",
            {"improvement_plan", "improvement_action"},
        ),
        ('(SELECT id FROM "improvement_inspection") UNION ALL (SELECT id FROM "meetings_meeting")', {
            "improvement_inspection", "meetings_meeting"}),
        ("SELECT 1", set()),
    ],
)  # fmt: skip
def test_which_tables_a_statement_reads(sql, tables):
    assert tables_read(sql) == tables
