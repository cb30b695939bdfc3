"""Indicator pages on the large demo (150 indicators x 60 months): time, queries and page weight.

Run: DEBUG=true .venv/bin/python bench/bench_indicators.py
Uses a scratch SQLite file unless DATABASE_URL is set (then use a scratch database: it is filled).
"""

import gzip
import time
from pathlib import Path

from _django import start, timed  # bench/ is on the path when a script runs

start("bench_indicators", fresh=True)

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from core import clock  # noqa: E402
from demo.builder import build_demo  # noqa: E402
from indicators.models import Indicator, Measurement  # noqa: E402
from indicators.queries import scorecard_as_at  # noqa: E402


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def main():
    call_command("migrate", verbosity=0)
    if not Indicator.objects.exists():
        start = time.perf_counter()
        build_demo(size="large", password="bench-password")
        print(f"large demo built in {time.perf_counter() - start:.1f} s")
    print(f"{Indicator.objects.count()} indicators, {Measurement.objects.count()} measurements")

    users = get_user_model().objects
    board, officer = Client(), Client()
    board.force_login(users.get(username="board"))
    officer.force_login(users.get(username="officer"))
    indicator = Indicator.objects.filter(owner__username="officer", frequency="monthly").order_by("pk").first()
    pages = [
        ("scorecard", board, reverse("indicators:scorecard")),
        ("indicator page", board, indicator.get_absolute_url()),
        ("entry form", officer, reverse("indicators:measurement_entry", args=[indicator.pk])),
        ("enter list (officer)", officer, reverse("indicators:my_indicators")),
    ]
    print(f"\n{'page':24} {'median ms':>10} {'queries':>8} {'HTML bytes':>11} {'HTML gzip':>10}")
    html = {}
    for name, client, url in pages:
        reset_queries()  # the log is capped at 9,000 entries, which building the demo filled
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        median, response = timed(lambda client=client, url=url: client.get(url))
        html[name] = response.content
        print(f"{name:24} {median:10.1f} {len(queries):8d} {len(response.content):11,d} {gz(response.content):10,d}")

    median, rows = timed(lambda: scorecard_as_at(clock.today()), runs=3)
    print(f"\nscorecard_as_at for {len(rows)} indicators: {median:.1f} ms")

    print("\nIndicator page weight (gzip -9 bytes):")
    assets = [
        "js/plotly-basic.min.js",
        "js/indicator-chart.js",
        "js/govuk-frontend.min.js",
        "js/init.mjs",
        "css/app.css",
        "css/indicators.css",
    ]
    total = gz(html["indicator page"])
    print(f"  {'HTML (' + str(indicator.measurements.count()) + ' periods)':32} {total:10,d}")
    for asset in assets:
        path = finders.find(asset)
        size = gz(Path(path).read_bytes())
        total += size
        print(f"  {asset:32} {size:10,d}")
    print(f"  {'total':32} {total:10,d}")


if __name__ == "__main__":
    main()
