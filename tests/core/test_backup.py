"""A backup restores: the demo council, dumped and restored into an empty database, shows the same plan
as at today, the same scorecard and the same published packs (README, "Backup and restore").

On PostgreSQL (what CI and production use) with `pg_dump -Fc` and `pg_restore`, the commands the
README gives; on SQLite with its online backup (what `sqlite3 db.sqlite3 ".backup ..."` does), copied
back into a new file. The same test runs on both, so nothing is skipped.
"""

import datetime as dt
import os
import sqlite3
import subprocess
import time

import pytest
import time_machine
from django.db import connection, connections
from django.db.utils import load_backend
from django.test import override_settings

from improvement.queries import current_plan, plan_as_at
from indicators.queries import scorecard_as_at
from meetings.models import PublishedPack

RESTORED = "restored"
TODAY = dt.date(2026, 11, 20)


class _EverythingFromTheRestoredDatabase:
    """Sends the service's own queries (current_plan, plan_as_at, scorecard_as_at) to the restored copy."""

    def db_for_read(self, model, **hints):
        return RESTORED

    def db_for_write(self, model, **hints):
        return RESTORED

    def allow_relation(self, obj1, obj2, **hints):
        return True


def _what_the_board_sees():
    plan = current_plan()
    actions = [
        (
            state.action.theme.reference,
            state.action.reference,
            state.action.title,
            state.action.lead_officer.username if state.action.lead_officer else None,
            state.status,
            state.progress,
            state.target_date,
            state.original_target_date,
            state.rag,
            state.rag_override_reason,
            state.last_update.narrative if state.last_update else None,
            state.days_overdue,
        )
        for state in plan_as_at(plan, TODAY)
    ]
    scorecard = [
        (
            row.indicator.code,
            row.value_display,
            row.period_label,
            row.target_display,
            row.rag_label,
            row.short_term,
            row.long_term,
            row.england_display,
            row.stat_neighbours_display,
            row.commentary,
            row.trend,
        )
        for row in scorecard_as_at(TODAY)
    ]
    pack_fields = ["meeting__board__name", "meeting__starts_at", "as_at", "published_by_name", "published_at"]
    packs = list(PublishedPack.objects.order_by("pk").values_list(*pack_fields, "content", "html"))
    return {"plan": (plan.title, plan.version, actions), "scorecard": scorecard, "packs": packs}


def _postgres_backup_and_restore(tmp_path) -> dict:
    """pg_dump -Fc the test database, pg_restore it into a new empty one; returns its settings."""
    source = connection.settings_dict
    scratch = f"{source['NAME']}_restored"
    env = {**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""}
    where = ["-h", source.get("HOST") or "localhost", "-p", str(source.get("PORT") or 5432)]
    where += ["-U", source.get("USER") or "postgres"]
    dump = tmp_path / "improvement.dump"
    subprocess.run(["pg_dump", "-Fc", *where, "-f", str(dump), source["NAME"]], env=env, check=True, timeout=120)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        cursor.execute(f'CREATE DATABASE "{scratch}" TEMPLATE template0')
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", *where, "-d", scratch, str(dump)],
        env=env,
        check=True,
        timeout=120,
    )
    return {**source, "NAME": scratch}


def _sqlite_backup_and_restore(tmp_path) -> dict:
    """SQLite's online backup of the test database into a file, then that file restored into a new one."""
    connection.ensure_connection()
    backup_file, restored_file = tmp_path / "backup.sqlite3", tmp_path / "restored.sqlite3"
    with sqlite3.connect(backup_file) as backup:
        connection.connection.backup(backup)
    with sqlite3.connect(backup_file) as backup, sqlite3.connect(restored_file) as restored:
        backup.backup(restored)
    return {**connection.settings_dict, "NAME": str(restored_file)}


def _open(restored_settings):
    # A connection made here rather than a DATABASES entry: the test framework allows it, and no other
    # test ever sees the alias.
    connections[RESTORED] = load_backend(restored_settings["ENGINE"]).DatabaseWrapper(restored_settings, RESTORED)


def _drop(restored_settings):
    connections[RESTORED].close()
    del connections[RESTORED]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored_settings["NAME"]}" WITH (FORCE)')


# Transactional, so the data is committed and pg_dump (another connection) sees it.
@pytest.mark.django_db(transaction=True)
@time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), tick=False)
def test_a_restored_backup_shows_the_same_plan_scorecard_and_published_packs(demo_council, tmp_path):
    started = time.monotonic()  # the demo is the session's one seed, copied in (tests/demo_snapshot.py)
    before = _what_the_board_sees()
    assert before["plan"][2] and before["scorecard"] and before["packs"]  # the demo has all three

    if connection.vendor == "postgresql":
        restored_settings = _postgres_backup_and_restore(tmp_path)
    else:
        restored_settings = _sqlite_backup_and_restore(tmp_path)
    # A change after the backup must not show in the copy: proof the reads below come from the copy.
    # (_base_manager steps round the permanent-record guard on purpose: no page can do this.)
    PublishedPack._base_manager.update(html="changed after the backup")

    _open(restored_settings)
    try:
        with override_settings(DATABASE_ROUTERS=[_EverythingFromTheRestoredDatabase()]):
            after = _what_the_board_sees()
    finally:
        _drop(restored_settings)

    assert after["plan"] == before["plan"]
    assert after["scorecard"] == before["scorecard"]
    assert after["packs"] == before["packs"]
    assert time.monotonic() - started < 60
