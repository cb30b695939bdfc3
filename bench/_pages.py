"""What profile_pages.py and load_pages.py share: the data sizes, the scratch database for each, the
main pages (issue 11's list) and a board member's session.

A script handles one size per process (Django settles its database once), so each re-runs itself
once per size with BENCH_SIZE set; call start_size() before importing anything from the project.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = ("small", "large")  # seed_demo's names: "small" is the demo council
LARGE_ACTIONS = 500  # the small demo has a few dozen actions, the large one about a thousand
BOARD_MEMBER = "board"
# "dashboard-at-visit": the first screen as at the latest held visit (issue 14: the as-at dashboard keeps
# the page budget), cached as any as-at date is.
PAGE_NAMES = ("dashboard", "plan", "scorecard", "indicator", "pack", "progress", "dashboard-at-visit")


DATABASES = ("sqlite", "postgres")


def database_url(size: str, database: str | None = None) -> str:
    """The scratch database of a size: a SQLite file per size and per checkout (two checkouts on
    different branches, with different migrations, never share one), or on PostgreSQL a database per
    size beside the one DATABASE_URL names (`<its name>_bench_<size>`, created when missing), so
    switching sizes never rebuilds. `database` defaults to postgres when DATABASE_URL is set."""
    database = database or ("postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite")
    if database == "sqlite":
        return f"sqlite:////tmp/bench_pages_{ROOT.name}_{size}.sqlite3"
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        sys.exit("--databases postgres needs DATABASE_URL=postgres://user@host:port/<a database of yours>")
    base, _, name = server.rpartition("/")
    return f"{base}/{name.split('?')[0]}_bench_{size}"


def ensure_postgres_database(url: str) -> None:
    """Create the scratch PostgreSQL database `url` names unless it exists (connecting to the server's
    own DATABASE_URL database to do it)."""
    import psycopg2
    from psycopg2 import sql

    name = url.rpartition("/")[2]
    connection = psycopg2.connect(os.environ["DATABASE_URL"])
    connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created the PostgreSQL database {name}", flush=True)
    finally:
        connection.close()


def run_per_size(script: str, sizes, argv, databases=(None,), extra_env=None) -> int:
    """Run `script` once per database and size in its own process; the exit code of the first that
    failed, else 0."""
    for database in databases:
        for size in sizes:
            print(f"\n== {Path(script).name}: {size} demo on {database_url(size, database).split(':')[0]}", flush=True)
            env = {**os.environ, "BENCH_SIZE": size, **(extra_env or {})}
            if database:
                env["BENCH_DATABASE"] = database
            result = subprocess.run([sys.executable, script, *argv], cwd=ROOT, env=env)
            if result.returncode:
                return result.returncode
    return 0


def start_size(name: str) -> str:
    """Point Django at this size's database (creating a PostgreSQL one) and set it up; returns the size."""
    size = os.environ["BENCH_SIZE"]
    url = database_url(size, os.environ.get("BENCH_DATABASE"))
    if url.startswith("postgres"):
        ensure_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    # The app's settings plus the floor page's URL; BENCH_CACHE=off turns every cache off.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings_bench")
    from _django import start

    start(name)
    return size


def prepare(size: str) -> None:
    """Migrate and build the demo of this size unless the database already holds it."""
    from django.core.management import call_command

    from demo.builder import build_demo
    from improvement.models import Action

    call_command("migrate", verbosity=0)
    create_app_cache_table()
    actions = Action.objects.count()
    if actions and (actions >= LARGE_ACTIONS) == (size == "large"):
        return
    if actions:  # a shared PostgreSQL database holding the other size
        call_command("flush", interactive=False, verbosity=0)
    began = time.perf_counter()
    build_demo(size=size, password="bench-password")
    print(f"built the {size} demo in {time.perf_counter() - began:.0f} s", flush=True)


def create_app_cache_table() -> None:
    """The app's database cache table (config.settings' CACHES, core_cache), whatever BENCH_CACHE says.

    With BENCH_CACHE=off this process runs on Django's dummy cache, so `createcachetable` and the core
    migration that calls it create nothing; a demo built that way had no core_cache table, and a server
    started on it later with the cache on failed every cached page ("no such table: core_cache": the
    500s, later 503s, that stopped the small demo's runs while the large demo, first built by
    profile_pages.py with the cache on, worked)."""
    from django.core.management.commands.createcachetable import Command
    from django.db import DEFAULT_DB_ALIAS

    app_caches = sys.modules["config.settings"].CACHES
    command = Command()
    for cache in app_caches.values():
        if cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
            command.verbosity = 0
            command.create_table(DEFAULT_DB_ALIAS, cache["LOCATION"], dry_run=False)


def pages() -> list[tuple[str, str]]:
    """(name, url) of each main page; the indicator and pack are the ones a board reads most."""
    from django.urls import reverse

    from core import clock
    from improvement.models import Inspection
    from improvement.rules import latest_held_visit
    from indicators.models import Indicator
    from meetings.models import Meeting

    indicator = Indicator.objects.order_by("pk").first()
    meeting = (
        Meeting.objects.filter(board__kind="improvement_board", status=Meeting.Status.HELD)
        .order_by("-starts_at")
        .first()
    )
    visit = latest_held_visit(Inspection.objects.all(), clock.today())
    urls = {
        "dashboard": reverse("home"),
        "plan": reverse("improvement:plan"),
        "scorecard": reverse("indicators:scorecard"),
        "indicator": reverse("indicators:indicator_detail", args=[indicator.pk]),
        "pack": reverse("meetings:pack", args=[meeting.pk]),
        "progress": reverse("progress"),
        "dashboard-at-visit": reverse("home") + f"?as_at={visit.last_day.isoformat() if visit else ''}",
    }
    return [(name, urls[name]) for name in PAGE_NAMES]


def board_member():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=BOARD_MEMBER)


def signed_in_client():
    import logging

    from django.test import Client

    logging.getLogger("axes").setLevel(logging.WARNING)  # one sign-in a run: not worth a log line

    client = Client()
    # Our ModelBackend (settings.AUTHENTICATION_BACKENDS): django-axes' backend has no get_user to
    # restore the user from the session.
    client.force_login(board_member(), backend="core.auth_backends.PermissionsInOneQueryBackend")
    return client


def session_cookie() -> str:
    """A board member's session key, as a browser would hold after signing in."""
    return signed_in_client().cookies["sessionid"].value


def pick(value: str, allowed, what: str) -> list[str]:
    chosen = list(allowed) if value == "all" else [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        sys.exit(f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(allowed)} or all)")
    return chosen
