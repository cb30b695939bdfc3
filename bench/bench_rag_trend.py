"""The RAG trend query alone (improvement.queries.action_rag_counts_on_dates, issue 11 part 4): its
median time for the current plan of the large demo at 14 month-ends (the dashboard's usual chart) and
at 120 (ten years, the most one trend asks), on each database, and the database's plan for it
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL) with --explain.

Run:   .venv/bin/python bench/bench_rag_trend.py [--sizes large] [--databases sqlite,postgres] [--runs 7]
           [--explain]
Uses the demo profile_pages.py and load_pages.py build (kept per size and database).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pages import DATABASES, SIZES, pick, run_per_size  # noqa: E402


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="large")
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print the database's plan for 120 dates")
    return parser.parse_args()


def one_size(args):
    os.environ["BENCH_CACHE"] = "off"
    from _pages import prepare, start_size

    size = start_size("bench_rag_trend")
    prepare(size)
    from django.db import connection

    from core import clock
    from improvement.queries import action_rag_counts_on_dates, current_plan, month_ends

    plan, today = current_plan(), clock.today()
    for count in (14, 120):
        days = month_ends(_months_before(today, count - 1), today)
        action_rag_counts_on_dates(plan, days)  # warm
        times = []
        for _ in range(args.runs):
            began = time.perf_counter()
            action_rag_counts_on_dates(plan, days)
            times.append((time.perf_counter() - began) * 1000)
        print(f"| {size} | {connection.vendor} | {len(days)} | {statistics.median(times):.1f} |", flush=True)
    if args.explain:
        days = month_ends(_months_before(today, 119), today)
        explain = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.execute_wrapper(_Explain(explain)):
            action_rag_counts_on_dates(plan, days)


def _months_before(day, months):
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return day.replace(year=year, month=month + 1, day=1)


class _Explain:
    """Runs the query's plan instead of the query (then the query itself, so the caller gets rows)."""

    def __init__(self, prefix):
        self.prefix = prefix

    def __call__(self, execute, sql, params, many, context):
        cursor = context["cursor"].cursor  # the driver's own cursor: past the wrappers, this one included
        cursor.execute(self.prefix + sql, params)
        print("\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall()), flush=True)
        return execute(sql, params, many, context)


def main():
    args = options()
    if "BENCH_SIZE" in os.environ:
        return one_size(args)
    print("| size | database | dates | median ms |")
    print("|---|---|---:|---:|")
    databases = pick(args.databases, DATABASES, "databases")
    return run_per_size(__file__, pick(args.sizes, SIZES, "sizes"), sys.argv[1:], databases=databases)


if __name__ == "__main__":
    sys.exit(main())
