"""Start Django for a benchmark script and time what it measures.

Each script calls start() before importing anything from the project: it points Django at a scratch
SQLite file (/tmp/<name>.sqlite3) unless DATABASE_URL names a scratch database, and serves static
files without a collected manifest so the test client can render pages.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start(name: str, *, fresh: bool = False) -> None:
    """Set up Django; fresh=True starts from an empty scratch file on every run."""
    sys.path.insert(0, str(ROOT))
    if "DATABASE_URL" not in os.environ:
        scratch = Path(f"/tmp/{name}.sqlite3")
        if fresh:
            scratch.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ.setdefault("DEBUG", "true")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()

    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def timed(fn, runs=5):
    """(median milliseconds over `runs` calls, the last result)."""
    times = []
    result = None
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def measure(fn, runs=7):
    """(median milliseconds, queries of one call, result)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the query log is capped; building the demo filled it
    with CaptureQueriesContext(connection) as queries:
        result = fn()
    median, _ = timed(fn, runs)
    return median, len(queries), result
