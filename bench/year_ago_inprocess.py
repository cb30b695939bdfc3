""" "As at a year ago" over "as at today" in one process, with every cache off (issue 11's target: at
most 1.5): for a machine too busy for wrk to finish enough slow requests in a short run.

Each pair of load_pages.py's year-ago rows that a page reads (the pack of the meeting nearest a year
before, progress over the year before) is requested through Django's test client, signed in as the
board member, today and a year ago alternating, and the medians compared. Also plan_as_at itself.

Run:   .venv/bin/python bench/year_ago_inprocess.py [--sizes small,large] [--databases sqlite,postgres] [--runs 5]
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
    parser.add_argument("--sizes", default="all")
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    return parser.parse_args()


def one_size(args):
    os.environ["BENCH_CACHE"] = "off"
    from _pages import pages, signed_in_client, start_size

    size = start_size("year_ago_inprocess")
    from datetime import timedelta

    from django.db import connection
    from load_pages import year_ago_pairs

    from core import clock
    from improvement.queries import current_plan, plan_as_at

    urls = dict(pages())
    client = signed_in_client()
    plan, today = current_plan(), clock.today()
    # The dashboard, plan and scorecard pages do not read ?as_at= (load_pages.py says so): only the pack and
    # progress, which take their dates from a meeting or the form, and plan_as_at itself.
    pairs = year_ago_pairs({"pack", "progress"}, urls["pack"])
    calls = [
        (
            "plan_as_at (function)",
            lambda: plan_as_at(plan, today),
            lambda: plan_as_at(plan, today - timedelta(days=365)),
        )
    ]
    for name, today_url, then_url in pairs:
        calls.append((f"{name} `{then_url}`", lambda u=today_url: client.get(u), lambda u=then_url: client.get(u)))
    for name, now, then in calls:
        now(), then()  # warm
        times = {"now": [], "then": []}
        for _ in range(args.runs):
            for key, fn in (("now", now), ("then", then)):
                began = time.perf_counter()
                fn()
                times[key].append((time.perf_counter() - began) * 1000)
        a, b = statistics.median(times["now"]), statistics.median(times["then"])
        print(f"| {name} | {size} | {connection.vendor} | {a:.0f} | {b:.0f} | {b / a:.2f} |", flush=True)


def main():
    if "BENCH_SIZE" in os.environ:
        return one_size(options())
    args = options()
    print("| page | size | database | today ms | a year ago ms | year ago / today |")
    print("|---|---|---|---:|---:|---:|")
    databases = pick(args.databases, DATABASES, "databases")
    return run_per_size(__file__, pick(args.sizes, SIZES, "sizes"), sys.argv[1:], databases=databases)


if __name__ == "__main__":
    sys.exit(main())
