"""The demo council, seeded once per test session and copied back in for each test that needs it.

seed_demo takes seconds; copying its rows back takes a fraction of one. The first test that asks for
the demo (the `demo_council` fixture in tests/conftest.py, or the browser tests' `demo`) seeds it
into the empty test database, copies every table into a twin (`snapshot_demo__<table>`) beside it,
and puts the database back as it was (from `base`: the twins of the migrated, empty database,
taken before any test wrote, which also end every transactional test). Each test then gets the demo
by emptying the tables and copying the twins back: inside its transaction for an ordinary test
(rolled back after it), committed for a transactional one (emptied back to `base` after it).

The twins have no constraints and no model, so Django's flush never empties them. Every pytest-xdist
worker has its own test database, so each seeds once.
"""

import os
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.test import TransactionTestCase, override_settings

from tests.dates import TODAY

DEMO_PASSWORD = "demo-password"
# Each test's successor on this worker (tests/conftest.py notes it): a test whose successor restores or
# shares the demo leaves the database as it is (tests/browser/conftest.py).
NEXT_TEST = pytest.StashKey()


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


class Snapshot:
    """Every model table's rows, copied into twin tables in the same database."""

    def __init__(self, name: str):
        self.prefix = f"snapshot_{name}__"
        self.tables = _tables()

    def _twin(self, table: str) -> str:
        return connection.ops.quote_name(self.prefix + table)

    def take(self) -> "Snapshot":
        with transaction.atomic(), connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {self._twin(table)}")
                cursor.execute(f"CREATE TABLE {self._twin(table)} AS SELECT * FROM {connection.ops.quote_name(table)}")
        return self

    def restore(self) -> None:
        """Empty every model table and copy the twins back, in one transaction: foreign keys are
        checked at its end (Django makes them deferrable), so the order of the tables does not matter."""
        with transaction.atomic(), connection.cursor() as cursor:
            _empty(cursor, self.tables)
            for table in self.tables:
                cursor.execute(f"INSERT INTO {connection.ops.quote_name(table)} SELECT * FROM {self._twin(table)}")
            models = [
                model
                for model in apps.get_models(include_auto_created=True)
                if model._meta.db_table in self.tables and not model._meta.proxy
            ]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)  # PostgreSQL: the next id after the copied ones (SQLite keeps count itself)


def _empty(cursor, tables: list[str]) -> None:
    if connection.vendor == "postgresql":
        # DELETE rather than Django's flush (one TRUNCATE of every table): TRUNCATE gives each of ~70
        # tables and their indexes new files, about 0.4 s however few rows they hold; deleting the
        # demo's few thousand rows takes about 0.05 s. Foreign keys are deferred, so order is free.
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    else:
        for sql in connection.ops.sql_flush(no_style(), tables):
            cursor.execute(sql)


def seed_once(base: Snapshot) -> Snapshot:
    """Seed the demo as the browser tests' server sees the date (SERVICE_TODAY), keep a copy, and put
    the database back as `base`. Needs database access (django_db_blocker.unblock())."""
    with override_settings(DEBUG=True, SERVICE_TODAY=TODAY):  # seed_demo refuses to run without DEBUG
        with open(os.devnull, "w") as devnull:
            call_command("seed_demo", password=DEMO_PASSWORD, stdout=devnull)
    demo = Snapshot("demo").take()
    base.restore()
    return demo


class CommittedDemo:
    """What the previous transactional test on this worker (each worker has its own database) left
    committed; the browser tests' demo fixtures set it (tests/browser/conftest.py).

    intact: the demo as restored, and a read-only test found the service's data unchanged after it.
    keep: skip the emptying that ends this transactional test, because the next test restores the
    demo (which empties every table first) or, read-only, shares this one.
    """

    intact = False
    keep = False


@contextmanager
def end_transactional_tests_with(base: Snapshot):
    """Patch TransactionTestCase so a transactional test ends by restoring `base` (the database as
    migrated) instead of Django's flush, which truncates every table and then recreates content types
    and permissions (about 0.4 s a test on PostgreSQL), or by nothing when CommittedDemo.keep says the
    next test needs no emptying."""
    flush = TransactionTestCase._fixture_teardown

    def teardown(self):
        if CommittedDemo.keep:
            CommittedDemo.keep = False
            return
        CommittedDemo.intact = False
        plain = self.available_apps is None and not self.serialized_rollback
        if plain and set(self._databases_names(include_mirrors=False)) == {DEFAULT_DB_ALIAS}:
            base.restore()
        else:
            flush(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", teardown)
        yield
