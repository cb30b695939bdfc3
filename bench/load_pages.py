"""Throughput of the main pages under gunicorn beside a trivial "floor" page (issue 11, "Targets"), as
one Markdown table for every size and database asked for.

For each database and size it builds (or reuses) the demo, counts each page's queries and HTML in
process through Django's test client with every cache off, collects static files, starts gunicorn
(2 workers, DEBUG=false, plain HTTP on loopback) serving the app plus bench/urls_bench.py's floor page
(a 100-row template, sessions on), signs in a board member (a session made in-process, as
`manage.py shell` would), and drives each page with wrk for a bounded time. The floor runs first and
last; each page's ratio is to the mean of the two. Then the "as at a year ago" rows: each page that
takes a date, as at today and as at a year ago, with the cost of a year ago over today's (measured
with the cache off: a second server when --cache on).

Run:   .venv/bin/python bench/load_pages.py [--sizes small,large] [--databases sqlite,postgres]
           [--pages dashboard,plan,...] [--duration 10] [--cache on|off] [--connections 16] [--port 8790]
PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<your database>; the demo goes into
`<your database>_bench_<size>`, created and seeded the first time. Needs wrk (apt-get install -y wrk).
Takes about (pages + year-ago rows + 2) x (duration + 1 s) per size and database, plus start-up.
"""

import argparse
import contextlib
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pages import DATABASES, PAGE_NAMES, ROOT, SIZES, pick, run_per_size  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
# One per checkout, as the SQLite files are (_pages.database_url): every checkout collecting into one
# directory at once would let a server read a manifest another branch's collectstatic was rewriting.
STATIC_ROOT = f"/tmp/bench_pages_static_{ROOT.name}"
# gunicorn's output (its workers' tracebacks), one file per checkout: printed when a page fails.
SERVER_LOG = Path(f"/tmp/bench_pages_gunicorn_{ROOT.name}.log")
# Sessions are checked against SECRET_KEY, so this process and gunicorn share one (never a real one).
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-any-real-deployment-0123456789"
FLOOR_URL = "/bench/floor/"
YEAR = datetime.timedelta(days=365)


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="all", help=f"comma-separated: {', '.join(SIZES)} (default all)")
    parser.add_argument(
        "--databases", default="sqlite", help=f"comma-separated: {', '.join(DATABASES)} (default sqlite)"
    )
    parser.add_argument("--pages", default="all", help=f"comma-separated: {', '.join(PAGE_NAMES)} (default all)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page (default 10)")
    parser.add_argument("--cache", choices=("on", "off"), default="off", help="the app's caches (default off)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--port", type=int, default=8790, help="loopback port for gunicorn (default 8790)")
    return parser.parse_args()


def server_env(cache: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings_bench",
        "BENCH_CACHE": cache,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH_DIR)]),
        "DEBUG": "false",
        "SECRET_KEY": BENCH_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": STATIC_ROOT,
    }


def status_of(port: int, url: str, cookie: str) -> int:
    # Generous: on a busy machine a large page queued behind 16 others can take minutes to drain.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("GET", url, headers={"Cookie": f"sessionid={cookie}"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_until_serving(port: int, cookie: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited during start-up (see its output above)")
        try:
            if status_of(port, FLOOR_URL, cookie) == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit("gunicorn did not answer within 60 s")


@contextlib.contextmanager
def serving(port: int, cookie: str, cache: str, urls):
    """gunicorn, 2 workers, with the cache on or off, answering every url with 200 (each warmed)."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    # To a file, not a pipe nobody reads: a worker writing tracebacks into a full pipe would block.
    log = SERVER_LOG.open("w")
    server = subprocess.Popen(
        [gunicorn, "config.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=server_env(cache),
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    try:
        wait_until_serving(port, cookie, server)
        for url in [FLOOR_URL, *urls]:
            status = status_of(port, url, cookie)
            if status != 200:
                log.flush()
                tail = "".join(SERVER_LOG.read_text().splitlines(keepends=True)[-30:])
                sys.exit(
                    f"{url} answered {status} under gunicorn (expected 200 for a signed-in board member); "
                    f"the end of its log ({SERVER_LOG}):\n{tail}"
                )
            status_of(port, url, cookie)  # warm the second worker too, more or less
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def drive(port: int, url: str, cookie: str, args) -> dict:
    """wrk's requests a second, p50 and p90 in ms, and failed requests (non-2xx/3xx, errors)."""
    print(f"  wrk {url} ...", flush=True)
    command = [
        "wrk",
        f"-t{min(2, args.connections)}",  # wrk needs a connection a thread
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "30s",
        "--latency",
        "-H",
        f"Cookie: sessionid={cookie}",
        f"http://127.0.0.1:{port}{url}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60).stdout
    # wrk leaves up to one request a connection queued in gunicorn: let it drain before the next page.
    status_of(port, FLOOR_URL, cookie)
    time.sleep(1)
    latency = dict(re.findall(r"^\s+(50|90)%\s+(\S+)\s*$", output, re.MULTILINE))
    if "50" not in latency:
        sys.exit(f"wrk gave no latencies for {url}:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": milliseconds(latency["50"]),
        "p90": milliseconds(latency["90"]),
        "errors": errors,
    }


def year_ago_pairs(wanted, pack_url) -> list[tuple[str, str, str]]:
    """(page, url as at today, url as at a year ago) for each chosen page that takes a date. The
    dashboard, plan and scorecard are asked with ?as_at= (rows say so when a page does not read it);
    the pack is the improvement board's meeting nearest a year before the one benchmarked; progress
    compares the year to today with the year before."""
    from django.urls import reverse

    from core import clock
    from meetings.models import Meeting

    today = clock.today()
    year_ago = today - YEAR
    pairs = []
    for name, url in (("dashboard", reverse("home")), ("plan", reverse("improvement:plan"))):
        if name in wanted:
            pairs.append((name, f"{url}?as_at={today}", f"{url}?as_at={year_ago}"))
    if "scorecard" in wanted:
        url = reverse("indicators:scorecard")
        pairs.append(("scorecard", f"{url}?as_at={today}", f"{url}?as_at={year_ago}"))
    if "pack" in wanted:
        meeting = Meeting.objects.get(pk=int(re.search(r"/(\d+)/pack/", pack_url).group(1)))
        then = meeting.starts_at - YEAR
        earlier = Meeting.objects.filter(board=meeting.board, status=Meeting.Status.HELD, starts_at__lte=then)
        later = Meeting.objects.filter(board=meeting.board, status=Meeting.Status.HELD, starts_at__gt=then)
        candidates = [m for m in (earlier.order_by("-starts_at").first(), later.order_by("starts_at").first()) if m]
        if candidates:
            nearest = min(candidates, key=lambda m: abs(m.starts_at - then))
            pairs.append(("pack", pack_url, reverse("meetings:pack", args=[nearest.pk])))
    if "progress" in wanted:
        url = reverse("progress")
        pairs.append(
            (
                "progress",
                f"{url}?from_date={year_ago}&to_date={today}",
                f"{url}?from_date={year_ago - YEAR}&to_date={year_ago}",
            )
        )
    return pairs


_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|<meta name="csrf-token" content="[^"]*">')
# A page that ignores ?as_at= may still carry its querystring into its links (the plan page's filters and
# pages do): the date written there is no sign that the page read it.
_AS_AT_IN_LINKS = re.compile(r"as_at=\d{4}-\d{2}-\d{2}")


def same_page(first: bytes, second: bytes) -> bool:
    """Whether two responses are the same page, but for their CSRF tokens and the ?as_at= their links
    carry (a page ignoring ?as_at=)."""

    def bare(body: bytes) -> str:
        return _AS_AT_IN_LINKS.sub("", _TOKEN.sub("", body.decode()))

    return bare(first) == bare(second)


def load_size(args):
    os.environ["SECRET_KEY"] = BENCH_SECRET_KEY
    os.environ["BENCH_CACHE"] = "off"  # in this process: queries and HTML counted with every cache off
    from _pages import pages, prepare, session_cookie, signed_in_client, start_size

    size = start_size("bench_pages")
    prepare(size)

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from improvement.models import Action, ActionUpdate
    from indicators.models import Indicator, Measurement

    vendor = connection.vendor
    print(
        f"{size} demo on {vendor}: {Action.objects.count()} actions, {ActionUpdate.objects.count()} updates, "
        f"{Indicator.objects.count()} indicators, {Measurement.objects.count()} values"
    )
    wanted = pick(args.pages, PAGE_NAMES, "pages")
    chosen = [(name, url) for name, url in pages() if name in wanted]
    client = signed_in_client()
    shape, bodies = {}, {}

    def count(url):
        if url not in shape:
            client.get(url)  # warm
            reset_queries()  # the query log is capped, and building the demo may have filled it
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            shape[url] = (len(captured.captured_queries), len(response.content))
            bodies[url] = response.content
        return shape[url]

    for _name, url in chosen:
        count(url)
    pairs = []
    for name, today_url, year_url in year_ago_pairs(wanted, dict(chosen).get("pack", "")):
        count(today_url), count(year_url)
        ignored = name != "pack" and same_page(bodies[today_url], bodies[year_url])
        pairs.append((name, today_url, year_url, ignored))
    cookie = session_cookie()
    connection.close()  # SQLite: leave the file to gunicorn's workers

    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=server_env(args.cache),
        check=True,
    )
    # Stopped from outside (kill, Ctrl-C): still stop gunicorn in serving()'s finally.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    measured = {}
    driven_pairs = [(n, t, y) for n, t, y, ignored in pairs if not ignored]
    pair_urls = [url for _, today_url, year_url in driven_pairs for url in (today_url, year_url)]
    with serving(args.port, cookie, args.cache, [url for _, url in chosen]):
        floor_first = drive(args.port, FLOOR_URL, cookie, args)
        for _name, url in chosen:
            measured[url] = drive(args.port, url, cookie, args)
        if args.cache == "off":
            for url in pair_urls:
                if url not in measured:
                    measured[url] = drive(args.port, url, cookie, args)
        floor_last = drive(args.port, FLOOR_URL, cookie, args)
    uncached = measured
    if args.cache == "on" and pair_urls:
        # The year-ago cost is compared with every cache off: a cached page says nothing about it.
        uncached = {}
        with serving(args.port, cookie, "off", pair_urls):
            for url in pair_urls:
                uncached[url] = drive(args.port, url, cookie, args)

    floor_rps = (floor_first["rps"] + floor_last["rps"]) / 2
    common = {"size": size, "database": vendor, "cache": args.cache}
    rows = [
        {
            **common,
            "page": "floor (100-row page)",
            "url": FLOOR_URL,
            "rps": floor_rps,
            "p50": (floor_first["p50"] + floor_last["p50"]) / 2,
            "p90": (floor_first["p90"] + floor_last["p90"]) / 2,
            "errors": floor_first["errors"] + floor_last["errors"],
            "queries": None,
            "kb": None,
            "ratio": 1.0,
        }
    ]

    def row(page, url, result, **extra):
        queries, html = shape[url]
        return {**common, "page": page, "url": url, **result, "queries": queries, "kb": html / 1024,
                "ratio": result["rps"] / floor_rps, **extra}  # fmt: skip

    for name, url in chosen:
        rows.append(row(name, url, measured[url]))
    for name, today_url, year_url, ignored in pairs:
        if ignored:
            rows.append({**common, "page": f"{name}, a year ago", "url": year_url, "note": "the page ignores ?as_at="})
            continue
        today, then = uncached[today_url], uncached[year_url]
        cost = today["rps"] / then["rps"] if then["rps"] else None
        if args.cache == "on" or today_url not in dict(chosen).values():  # else it is the page's own row
            rows.append(row(f"{name}, as at today", today_url, today, cache="off"))
        rows.append(row(f"{name}, a year ago", year_url, then, cache="off", year_ratio=cost))
    with open(os.environ["BENCH_RESULTS"], "a") as out:
        for item in rows:
            out.write(json.dumps(item) + "\n")


def _number(value, digits=0) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def print_table(rows, args) -> None:
    print(
        f"\ngunicorn 2 workers, wrk {args.connections} connections x {args.duration} s, cache {args.cache} "
        f"(queries and year-ago rows with the cache off), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
    )
    print(
        "| page | size | database | req/s | p50 ms | p90 ms | queries | HTML KB | ratio to floor "
        "| year ago / today | failed |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for item in rows:
        if item.get("note"):
            print(f"| {item['page']} | {item['size']} | {item['database']} | {item['note']} |  |  |  |  |  |  |  |")
            continue
        page = item["page"] if item["page"].startswith("floor") else f"{item['page']} `{item['url']}`"
        print(
            f"| {page} | {item['size']} | {item['database']} | {_number(item['rps'], 1)} | {_number(item['p50'])} | "
            f"{_number(item['p90'])} | {item['queries'] if item['queries'] is not None else ''} | "
            f"{_number(item['kb'])} | {_number(item['ratio'], 2)} | {_number(item.get('year_ratio'), 2)} | "
            f"{item['errors']} |"
        )


def main():
    args = options()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    if "BENCH_SIZE" in os.environ:
        load_size(args)
        return 0
    with tempfile.NamedTemporaryFile(mode="r", suffix=".jsonl", prefix="load_pages_") as results:
        databases = pick(args.databases, DATABASES, "databases")
        code = run_per_size(
            __file__, pick(args.sizes, SIZES, "sizes"), sys.argv[1:], databases, {"BENCH_RESULTS": results.name}
        )
        rows = [json.loads(line) for line in results.read().splitlines() if line.strip()]
    if rows:
        print_table(rows, args)
    return code


if __name__ == "__main__":
    sys.exit(main())
