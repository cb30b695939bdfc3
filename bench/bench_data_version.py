"""What the data version (core/dataversion.py) costs writers.

Run: DEBUG=true .venv/bin/python bench/bench_data_version.py [--hold 5] [--writes 2000]
SQLite by default (a scratch file in /tmp); set DATABASE_URL for PostgreSQL (a scratch database: it
is migrated and written to).

Prints:
- the cost of one bump: the time of N one-row UPDATEs in autocommit with the execute wrapper and
  without it, per write;
- on PostgreSQL, how long a second writer waits while a long transaction (an import, held open for
  --hold seconds) has bumped: with the SKIP LOCKED counter rows the app uses, and with a single
  counter row updated by everyone (the simple design, which serialises writers).
"""

import argparse
import sys
import threading
import time

from _django import start  # bench/ is on the path when a script runs

start("bench_data_version", fresh=True)

from django.conf import settings  # noqa: E402

settings.DEBUG = False

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from core import dataversion  # noqa: E402
from improvement.models import Plan  # noqa: E402


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hold", type=float, default=5, help="seconds the long transaction stays open (default 5)")
    parser.add_argument("--writes", type=int, default=2000, help="writes timed for the per-bump cost (default 2000)")
    return parser.parse_args()


def per_write(n: int, plan_pk: int) -> float:
    began = time.perf_counter()
    for i in range(n):
        Plan.objects.filter(pk=plan_pk).update(title=f"Plan {i}")
    return (time.perf_counter() - began) / n * 1e6


def bump_cost(args, plan_pk: int) -> None:
    per_write(100, plan_pk)  # warm
    with_bump = per_write(args.writes, plan_pk)
    connection.execute_wrappers.remove(dataversion.bump_after_writes)
    try:
        without = per_write(args.writes, plan_pk)
    finally:
        connection.execute_wrappers.append(dataversion.bump_after_writes)
    print(
        f"one-row UPDATE in autocommit, {args.writes} times: {without:.0f} us without the bump, "
        f"{with_bump:.0f} us with it (+{with_bump - without:.0f} us a write transaction)"
    )


def other_writer_waits(plan_pk: int, statement: str | None):
    """Seconds a second connection's write takes (its own bump included) while this one holds a transaction."""
    waited = {}

    def other():
        conn = connections.create_connection("default")
        try:
            began = time.perf_counter()
            with conn.cursor() as cursor:
                if statement:  # the single-row design, by hand
                    conn.execute_wrappers.clear()
                    cursor.execute(statement)
                cursor.execute("UPDATE improvement_plan SET title = 'Other' WHERE id = %s", [plan_pk])
            waited["seconds"] = time.perf_counter() - began
        finally:
            conn.close()

    return waited, other


def blocking(args, plan_pk: int, other_pk: int) -> None:
    table = dataversion.TABLE
    single_row = f"UPDATE {table} SET counter = counter + 1 WHERE id = (SELECT MIN(id) FROM {table})"
    designs = [("SKIP LOCKED counter rows (the app)", None), ("one counter row for everyone", single_row)]
    for label, statement in designs:
        waited, other = other_writer_waits(other_pk, statement)  # another row: only the counter is shared
        with transaction.atomic():
            if statement:
                with connection.cursor() as cursor:
                    cursor.execute(statement)
            else:
                Plan.objects.filter(pk=plan_pk).update(title="Import")  # bumps, holding a counter row
            thread = threading.Thread(target=other)
            thread.start()
            time.sleep(args.hold)
        thread.join()
        print(
            f"{label}: a second writer waited {waited['seconds']:.2f} s while an import held its transaction", end=" "
        )
        print(f"{args.hold:.0f} s")


def main():
    args = options()
    call_command("migrate", verbosity=0)
    plan = Plan.objects.create(title="Bench plan", version="1", start_date="2026-04-01")
    other_plan = Plan.objects.create(title="Another plan", version="1", start_date="2026-04-01")
    print(f"{connection.vendor}: data version {dataversion.read_version()}")
    bump_cost(args, plan.pk)
    if connection.vendor == "postgresql":
        blocking(args, plan.pk, other_plan.pk)
        print(f"counter rows now: {dataversion.read_version()} in total over", end=" ")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {dataversion.TABLE}")
            print(f"{cursor.fetchone()[0]} rows")
    else:
        print("SQLite allows one writer at a time: the counter adds no waiting of its own")
    return 0


if __name__ == "__main__":
    sys.exit(main())
