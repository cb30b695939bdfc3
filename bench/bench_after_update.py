"""What a cached page costs right after an officer's action update, with data versions per table.

Under load an officer posts an update every ~0.7 s (issue 13's load): each one moves the version of
the improvement_* tables, so the dashboard, pack and progress pages (keyed by every table) miss, while
the indicator computations inside them (memoised by the indicator tables' versions, indicators/queries.py)
and the scorecard's fragment (keyed by the tables it reads) stay cached. For each page, signed in as a
board member, with the app's own cache (the database cache), it prints the median ms of:

- hit: the page again with nothing written;
- after an action update: an update recorded through improvement.services.record_update, then the page;
- after a KPI value: a value recorded through indicators.services.record_measurement, then the page
  (every indicator computation misses too: what each action update cost before the versions per table).

Run:   .venv/bin/python bench/bench_after_update.py [--sizes large] [--pages scorecard,dashboard,pack,progress]
           [--runs 5]
The demo is the one profile_pages.py builds and keeps (bench/_pages.py). Set DATABASE_URL for PostgreSQL.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pages import SIZES, pick, run_per_size  # noqa: E402

MEASURED = ("scorecard", "dashboard", "pack", "progress")


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="large", help=f"comma-separated: {', '.join(SIZES)} (default large)")
    parser.add_argument("--pages", default=",".join(MEASURED), help="comma-separated (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page and case (default 5)")
    return parser.parse_args()


def measure(args) -> None:
    from _pages import pages, prepare, signed_in_client, start_size

    size = start_size("bench_after_update")
    prepare(size)

    from django.core.cache import cache

    from core import clock
    from improvement.models import Action
    from improvement.services import record_update
    from indicators.models import Indicator
    from indicators.services import record_measurement

    cache.clear()
    client = signed_in_client()
    action = Action.objects.filter(lead_officer__isnull=False).order_by("pk").first()
    indicator = Indicator.objects.filter(is_active=True, owner__isnull=False).order_by("pk").first()
    period = date(clock.today().year, clock.today().month, 1)

    def an_action_update():
        action.refresh_from_db()
        record_update(
            action=action,
            author=action.lead_officer,
            expected_version=action.version,
            date=clock.today(),
            status="in_progress",
            progress="on_track",
            narrative="Bench update.",
            evidence_of_impact="",
        )

    value = iter(Decimal(50 + n) / 2 for n in range(10_000))

    def a_kpi_value():
        record_measurement(indicator=indicator, period=period, value=next(value), entered_by=indicator.owner)

    def timed(url, before=None) -> float:
        times = []
        for _ in range(args.runs):
            if before:
                before()
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        return statistics.median(times)

    print(f"{size} demo, {os.environ['DATABASE_URL'].split(':')[0]}, median of {args.runs} ms")
    print("| page | hit | after an action update | after a KPI value |")
    print("|---|---|---|---|")
    wanted = set(pick(args.pages, MEASURED, "page"))
    for name, url in pages():
        if name not in wanted:
            continue
        client.get(url)  # warmed
        hit = timed(url)
        after_update = timed(url, an_action_update)
        after_value = timed(url, a_kpi_value)
        print(f"| {name} | {hit:.0f} | {after_update:.0f} | {after_value:.0f} |", flush=True)


if __name__ == "__main__":
    arguments = options()
    if "BENCH_SIZE" in os.environ:
        measure(arguments)
    else:
        sys.exit(run_per_size(__file__, pick(arguments.sizes, SIZES, "size"), sys.argv[1:]))
