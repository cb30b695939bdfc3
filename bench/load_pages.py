"""Throughput of the main pages under gunicorn beside a trivial "floor" page (issue 11, "Targets").

For each size it builds (or reuses) the demo, counts each page's queries and HTML through Django's
test client, collects static files, starts gunicorn (2 workers, DEBUG=false, plain HTTP on loopback)
serving the app plus bench/urls_bench.py's floor page (a 100-row template, sessions on), signs in a
board member (a session made in-process, as `manage.py shell` would), and drives each page with wrk
for a bounded time. The floor runs first and last; each page's ratio is to the mean of the two.

Run:   .venv/bin/python bench/load_pages.py [--sizes small,large] [--pages dashboard,plan,...]
           [--duration 10] [--connections 16] [--port 8790]
PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch database> (rebuilt per size).
Needs wrk (apt-get install -y wrk). Takes about (pages + 2) x duration per size, plus start-up.
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pages import PAGE_NAMES, ROOT, SIZES, pick, run_per_size  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
STATIC_ROOT = "/tmp/bench_pages_static"
# Sessions are checked against SECRET_KEY, so this process and gunicorn share one (never a real one).
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-any-real-deployment-0123456789"
FLOOR_URL = "/bench/floor/"


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="all", help=f"comma-separated: {', '.join(SIZES)} (default all)")
    parser.add_argument("--pages", default="all", help=f"comma-separated: {', '.join(PAGE_NAMES)} (default all)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--port", type=int, default=8790, help="loopback port for gunicorn (default 8790)")
    return parser.parse_args()


def server_env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings_bench",
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
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
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


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def drive(port: int, url: str, cookie: str, args) -> dict:
    """wrk's requests a second, p50 and p90 in ms, and failed requests (non-2xx/3xx, errors)."""
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


def load_size(args):
    os.environ["SECRET_KEY"] = BENCH_SECRET_KEY
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
    shape = {}
    for name, url in chosen:
        client.get(url)  # warm
        reset_queries()  # the query log is capped, and building the demo may have filled it
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        shape[name] = (len(captured.captured_queries), len(response.content))
    cookie = session_cookie()
    connection.close()  # SQLite: leave the file to gunicorn's workers

    env = server_env()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "config.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{args.port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Stopped from outside (kill, Ctrl-C): still stop gunicorn in the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    try:
        wait_until_serving(args.port, cookie, server)
        for name, url in [("floor", FLOOR_URL), *chosen]:
            status = status_of(args.port, url, cookie)
            if status != 200:
                sys.exit(f"{name} {url} answered {status} under gunicorn (expected 200 for a signed-in board member)")
            status_of(args.port, url, cookie)  # warm the second worker too, more or less
        results = {"floor (first)": drive(args.port, FLOOR_URL, cookie, args)}
        for name, url in chosen:
            print(f"  wrk {url} ...", flush=True)
            results[name] = drive(args.port, url, cookie, args)
        results["floor (last)"] = drive(args.port, FLOOR_URL, cookie, args)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    floor_rps = (results["floor (first)"]["rps"] + results["floor (last)"]["rps"]) / 2
    print(
        f"\n{size} demo, {vendor}, gunicorn 2 workers, wrk {args.connections} connections x {args.duration} s, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print("| page | url | req/s | p50 ms | p90 ms | queries | HTML KB | ratio to floor | failed |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    urls = dict(chosen)
    for name, result in results.items():
        url = urls.get(name, FLOOR_URL)
        queries, html = shape.get(name, ("", None))
        html_kb = f"{html / 1024:.0f}" if html else ""
        print(
            f"| {name} | `{url}` | {result['rps']:.1f} | {result['p50']:.0f} | {result['p90']:.0f} | {queries} | "
            f"{html_kb} | {result['rps'] / floor_rps:.2f} | {result['errors']} |"
        )


def main():
    args = options()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    if "BENCH_SIZE" in os.environ:
        load_size(args)
        return 0
    return run_per_size(__file__, pick(args.sizes, SIZES, "sizes"), sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
