"""The progress page in one process: a board member's request for /progress/ (the latest visit to today)
through Django's test client, cold (every cache off: the whole comparison and its rendering) and warm (the
app's caches on, after one request filled them). Prints one line per mode: median, p90, min, queries.

Run against a database that already holds a demo (profile_pages.py builds the large one):
    DATABASE_URL=sqlite:////tmp/bench_pages_h4_large.sqlite3 .venv/bin/python bench/bench_progress_page.py \
        [--runs 7] [--modes cold,warm] [--url /progress/]
To compare two checkouts, run this script from each in turn, alternating, on the same database
(bench/RESULTS.md, "Progress page").
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--modes", default="cold,warm")
    parser.add_argument("--url", default="/progress/")
    return parser.parse_args()


def main():
    args = options()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings_bench")
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DEBUG", "true")  # as profile_pages.py: plain HTTP, no manifest
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    logging.getLogger("axes").setLevel(logging.WARNING)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    board = get_user_model().objects.get(username="board")
    client.force_login(board, backend="core.auth_backends.PermissionsInOneQueryBackend")
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for mode in args.modes.split(","):
        overrides = {"CACHES": dummy, "PAGE_CACHE": False} if mode == "cold" else {"PAGE_CACHE": True}
        with override_settings(**overrides):
            if mode == "warm":
                caches["default"].clear()
            response = client.get(args.url)  # warms the session and, when on, fills the cache
            assert response.status_code == 200, response.status_code
            times = []
            for _ in range(args.runs):
                began = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(args.url)
                times.append((time.perf_counter() - began) * 1000)
            times.sort()
            p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
            print(
                f"{ROOT.name} {mode}: median {statistics.median(times):.0f} ms, p90 {p90:.0f} ms, "
                f"min {times[0]:.0f} ms, {len(captured.captured_queries)} queries, "
                f"{len(response.content) // 1024} KB, {args.runs} runs",
                flush=True,
            )


if __name__ == "__main__":
    main()
