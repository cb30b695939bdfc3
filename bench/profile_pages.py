"""Where each main page spends its time (issue 11, "Profile first"), at both data sizes.

For each page, signed in as a board member (the officer's pages, OFFICER_PAGES, as the demo's first
officer, on one of the actions they lead, as bench/reliability/load.py's officers do) and warmed
once, it prints a row of: median time of a request through Django's test client, queries and the
time the database took, template rendering (less the queries templates ran), and what is left, which
is Python in views and queries.py/rules.py (the replay of state from the update log). Then the
project functions that took the most time under pyinstrument, counted once per stack, so a caller
includes its callees.

Run:   .venv/bin/python bench/profile_pages.py [--sizes small,large] [--pages dashboard,my-actions,...]
           [--runs 5] [--top 8] [--html-dir /tmp/profiles]
The large demo takes a few minutes to build the first time (SQLite files /tmp/bench_pages_<size>.sqlite3
are kept for later runs). With DATABASE_URL set (a scratch database), each size is rebuilt in turn.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pages import PAGE_NAMES, ROOT, SIZES, pick, run_per_size  # noqa: E402

# What officers read under load between their updates (each update makes every cached page a miss).
OFFICER_PAGES = ("my-actions", "action", "update-form")
ALL_PAGES = (*PAGE_NAMES, *OFFICER_PAGES)


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="all", help=f"comma-separated: {', '.join(SIZES)} (default all)")
    parser.add_argument("--pages", default="all", help=f"comma-separated: {', '.join(ALL_PAGES)} (default all)")
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page (default 5)")
    parser.add_argument("--top", type=int, default=8, help="project functions to list per page (default 8)")
    parser.add_argument("--html-dir", help="also write a pyinstrument HTML profile per page and size here")
    return parser.parse_args()


class Timers:
    """SQL time (every query, through a database execute wrapper) and the outermost template render of
    each request with the SQL run inside it (lazy querysets), by wrapping Django's template backend
    (includes and inheritance stay inside the outer render)."""

    def __init__(self):
        from django.template.backends.django import Template

        self.backend_template = Template
        self.original = Template.render
        self.depth = 0
        self.reset()

    def reset(self):
        self.sql = 0.0
        self.template = 0.0
        self.template_sql = 0.0

    def sql_wrapper(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - began
            self.sql += spent
            if self.depth:
                self.template_sql += spent

    def install(self):
        timers = self

        def render(template, context=None, request=None):
            timers.depth += 1
            began = time.perf_counter()
            try:
                return timers.original(template, context, request)
            finally:
                timers.depth -= 1
                if timers.depth == 0:
                    timers.template += time.perf_counter() - began

        self.backend_template.render = render


def request_breakdown(client, url, connection, timers):
    """(total s, queries, SQL s, template s less its SQL, HTML bytes) of one request."""
    from django.db import reset_queries
    from django.test.utils import CaptureQueriesContext

    timers.reset()
    reset_queries()  # the query log is capped, and building the demo may have filled it
    # Queries counted as the tests' assertNumQueries counts them; timed by the wrapper (Django's log rounds to 1 ms).
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timers.sql_wrapper):
        began = time.perf_counter()
        response = client.get(url)
        total = time.perf_counter() - began
    assert response.status_code == 200, (url, response.status_code)
    return (
        total,
        len(captured.captured_queries),
        timers.sql,
        timers.template - timers.template_sql,
        len(response.content),
    )


# Not worth listing: every request passes through them, and the view is the page itself.
SKIPPED = tuple(f"{ROOT}/{part}" for part in (".venv/", "bench/", "core/middleware.py"))


def top_project_functions(frame, root_prefix, totals, on_stack=frozenset()):
    """Add each project function's time to `totals`, once per stack (recursion is not counted twice)."""
    path = frame.file_path or ""
    key = None
    if path.startswith(root_prefix) and not path.startswith(SKIPPED):
        key = f"{path[len(root_prefix) :]}:{frame.function}"
        if key not in on_stack:
            totals[key] = totals.get(key, 0.0) + frame.time
    below = on_stack | {key} if key else on_stack
    for child in frame.children:
        top_project_functions(child, root_prefix, totals, below)


# Where a sample's innermost frame sits, first match wins: says whether the Python time is our own
# code or the ORM turning rows into model objects.
AREAS = (
    ("SQL driver", ("django/db/backends/", "django/db/utils.py", "sqlite3/", "psycopg2/")),
    ("ORM", ("django/db/models/", "django/utils/dateparse.py")),
    (
        "templates",
        ("django/template/", "django/templatetags/", "django/utils/html", "django/utils/safestring", "formats.py"),
    ),
    ("plotly", ("plotly/", "narwhals/", "_plotly_utils/")),
    ("project", tuple(f"{ROOT}/{app}/" for app in ("core", "improvement", "indicators", "meetings", "dashboard"))),
)


def self_time_by_area(frame, totals, parent_path=""):
    own = frame.time - sum(child.time for child in frame.children)
    # pyinstrument keeps a function's own time in a synthetic "[self]" child that has no file; a
    # built-in (sorted, the sqlite3 module's C code) counts where it was called from.
    path = frame.file_path or ""
    if frame.is_synthetic or path.startswith("<"):
        path = parent_path
    area = next((name for name, parts in AREAS if any(part in path for part in parts)), "other")
    if path.startswith(f"{ROOT}/") and "/.venv/" not in path and area == "other":
        area = "project"
    totals[area] = totals.get(area, 0.0) + own
    for child in frame.children:
        self_time_by_area(child, totals, path)


def officer_pages():
    """(name, url, client) of the officer's pages: the demo's first active officer, on the first action in
    plan order they lead in the current plan."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from core.roles import OFFICER
    from improvement.models import Action
    from improvement.queries import current_plan

    officer = get_user_model().objects.filter(groups__name=OFFICER, is_active=True).order_by("pk").first()
    client = Client()
    client.force_login(officer, backend="core.auth_backends.PermissionsInOneQueryBackend")
    action = (
        Action.objects.filter(theme__plan=current_plan(), lead_officer=officer)
        .order_by("theme__order", "theme__reference", "order", "reference")
        .first()
    )
    return [
        ("my-actions", reverse("improvement:my_actions"), client),
        ("action", reverse("improvement:action_detail", args=[action.pk]), client),
        ("update-form", reverse("improvement:action_update", args=[action.pk]), client),
    ]


def profile_size(args):
    from _pages import prepare, signed_in_client, start_size

    size = start_size("bench_pages")
    prepare(size)

    from django.db import connection
    from pyinstrument import Profiler

    from improvement.models import Action, ActionUpdate
    from indicators.models import Indicator, Measurement

    print(
        f"{size} demo on {connection.vendor}: {Action.objects.count()} actions, "
        f"{ActionUpdate.objects.count()} updates, {Indicator.objects.count()} indicators, "
        f"{Measurement.objects.count()} values; {args.runs} requests a page, signed in as a board member "
        f"(the officer's pages as an officer)"
    )
    from _pages import pages

    wanted = pick(args.pages, ALL_PAGES, "pages")
    board = signed_in_client()
    timers = Timers()
    timers.install()
    rows, profiles = [], []
    officer = officer_pages() if any(name in OFFICER_PAGES for name in wanted) else []
    for name, url, client in [*((name, url, board) for name, url in pages()), *officer]:
        if name not in wanted:
            continue
        request_breakdown(client, url, connection, timers)  # warm: caches, session, imports
        samples = [request_breakdown(client, url, connection, timers) for _ in range(args.runs)]
        median = sorted(samples, key=lambda s: s[0])[len(samples) // 2]
        total, queries, sql, template, size_bytes = median
        rows.append((name, url, total, queries, sql, template, total - sql - template, size_bytes))

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.runs):
            client.get(url)
        session = profiler.stop()
        profiles.append((name, session, profiler))
        if args.html_dir:
            out = Path(args.html_dir)
            out.mkdir(parents=True, exist_ok=True)
            target = out / f"{size}-{connection.vendor}-{name}.html"
            target.write_text(profiler.output_html())

    print(
        f"\n{'page':11} {'url':24} {'total ms':>9} {'queries':>8} {'SQL ms':>8} {'template ms':>12} "
        f"{'python ms':>10} {'HTML KB':>8}"
    )
    for name, url, total, queries, sql, template, python, size_bytes in rows:
        print(
            f"{name:11} {url[:24]:24} {total * 1000:9.0f} {queries:8d} {sql * 1000:8.0f} {template * 1000:12.0f} "
            f"{python * 1000:10.0f} {size_bytes / 1024:8.0f}"
        )
    print("(python = views, queries.py and rules.py: everything that is neither SQL nor template rendering)")

    root_prefix = f"{ROOT}/"
    for name, session, _profiler in profiles:
        totals = {}
        top_project_functions(session.root_frame(), root_prefix, totals)
        whole = session.duration or 1
        print(f"\n{name}: top project functions over {args.runs} requests ({whole * 1000 / args.runs:.0f} ms each)")
        areas = {}
        self_time_by_area(session.root_frame(), areas)
        split = ", ".join(f"{name} {areas.get(name, 0) / whole:.0%}" for name in (*(a for a, _ in AREAS), "other"))
        print(f"  innermost frame: {split}")
        ranked = sorted(totals.items(), key=lambda item: -item[1])[: args.top]
        for key, seconds in ranked:
            print(f"  {seconds / whole:5.0%} {seconds * 1000 / args.runs:7.0f} ms  {key}")
    if args.html_dir:
        print(f"\nHTML profiles in {args.html_dir}")


def main():
    args = options()
    if "BENCH_SIZE" in os.environ:
        profile_size(args)
        return 0
    return run_per_size(__file__, pick(args.sizes, SIZES, "sizes"), sys.argv[1:])


if __name__ == "__main__":
    began = time.perf_counter()
    code = main()
    if "BENCH_SIZE" not in os.environ:
        print(f"\nprofiled in {time.perf_counter() - began:.0f} s")
    sys.exit(code)
