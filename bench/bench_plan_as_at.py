"""Plan as at a date for the whole large demo plan, and the pages built on it: time and queries.

Run: DEBUG=true .venv/bin/python bench/bench_plan_as_at.py
Uses a scratch SQLite file (built once with `seed_demo --size large`, reused on later runs) unless
DATABASE_URL is set: then use a scratch database, which is filled when empty.
"""

import time
from datetime import timedelta

from _django import measure, start  # bench/ is on the path when a script runs

start("bench_plan_as_at")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from core import clock  # noqa: E402
from demo.builder import build_demo  # noqa: E402
from improvement.models import Action, ActionUpdate, TargetDateRevision  # noqa: E402
from improvement.queries import current_plan, plan_as_at  # noqa: E402

RUNS = 7


def main():
    call_command("migrate", verbosity=0)
    if not Action.objects.exists():
        start = time.perf_counter()
        build_demo(size="large", password="bench-password")
        print(f"large demo built in {time.perf_counter() - start:.1f} s")
    print(f"database: {connection.vendor}")
    plan = current_plan()
    print(
        f"plan: {plan}; {Action.objects.filter(theme__plan=plan).count()} actions, "
        f"{ActionUpdate.objects.filter(action__theme__plan=plan).count()} updates, "
        f"{TargetDateRevision.objects.filter(action__theme__plan=plan).count()} date revisions"
    )

    today = clock.today()
    print(f"\n{'plan_as_at':32} {'actions':>8} {'median ms':>10} {'queries':>8}  ({RUNS} runs)")
    for label, as_at in [
        ("today", today),
        ("six months ago", today - timedelta(days=182)),
        ("a year ago", today - timedelta(days=365)),
    ]:
        median, queries, states = measure(lambda as_at=as_at: plan_as_at(plan, as_at))
        print(f"{label:32} {len(states):8d} {median:10.1f} {queries:8d}")

    users = get_user_model().objects
    board, officer = Client(), Client()
    board.force_login(users.get(username="board"))
    officer.force_login(users.get(username="officer"))
    pages = [
        ("dashboard (board)", board, reverse("home")),
        ("plan, whole (board)", board, reverse("improvement:plan")),
        ("plan, red by date (board)", board, reverse("improvement:plan") + "?rag=red&sort=target_date"),
        ("my actions (officer)", officer, reverse("improvement:my_actions")),
        ("inspections (board)", board, reverse("improvement:inspection_list")),
    ]
    print(f"\n{'page':32} {'median ms':>10} {'queries':>8} {'HTML bytes':>11}  ({RUNS} runs)")
    for name, client, url in pages:
        client.get(url)  # warm the session

        def get(client=client, url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        median, queries, response = measure(get)
        print(f"{name:32} {median:10.1f} {queries:8d} {len(response.content):11,d}")


if __name__ == "__main__":
    main()
