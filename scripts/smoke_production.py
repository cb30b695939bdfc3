"""Production smoke test: the README's production deployment, run for real on a scratch database.

`make test` runs this after pytest, so CI deploys the way an operator does. With the built .venv
and build/, it:

1. creates a scratch database (a temporary SQLite file, or `<name>_smoke` beside a PostgreSQL
   DATABASE_URL, dropped afterwards; the real database is never touched);
2. runs `migrate`, loads the demo council (`seed_demo`, which needs DEBUG on), and runs
   `collectstatic` into a temporary STATIC_ROOT and `check --deploy` under the production
   settings (config.settings, DEBUG off);
3. starts gunicorn with DEBUG off on a free loopback port (plain HTTP, so SECURE_SSL_REDIRECT and
   SECURE_COOKIES are off for it);
4. signs in through the sign-in form as each demo role and follows every same-host GET link from
   `/` (one page per URL shape, numbers replaced; never sign-out), fetching every download and
   every static file a page or a served stylesheet refers to.

It fails (exit 1, with the list) on any 5xx, any 404 under /static/, and any role that cannot sign
in. Usage: .venv/bin/python scripts/smoke_production.py
"""

import contextlib
import email.message
import html.parser
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ROLES = ["admin", "officer", "board", "clerk"]
VISITOR = "visitor"  # not signed in
# Where each crawl starts: every link from the home page, plus Django admin, which admins reach
# by address (README, Roles) rather than by a link, and the pages a visitor can open.
START_PATHS = {role: ["/"] for role in ROLES} | {"admin": ["/", "/admin/"], VISITOR: ["/sign-in/"]}
PASSWORD = "demo-password"
SKIPPED_PATHS = re.compile(r"/(sign-out|logout)/")
REQUEST_TIMEOUT = 30
NO_ANSWER = 0  # the status recorded when the server does not answer
MAX_PAGES_PER_ROLE = 400  # a runaway crawl fails clearly instead of running for ever


class SmokeFailure(Exception):
    pass


# The scratch database


@contextlib.contextmanager
def scratch_database(tmp: Path):
    url = os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        yield f"sqlite:///{tmp / 'smoke.sqlite3'}"
        return
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise SmokeFailure(f"DATABASE_URL scheme {parts.scheme!r}: only SQLite and PostgreSQL are supported")
    name = f"{parts.path.lstrip('/')}_smoke"
    if not re.fullmatch(r"\w+", name):
        raise SmokeFailure(f"cannot make a scratch database name from {parts.path!r}")
    import psycopg2  # only needed, and only installed, where PostgreSQL is used

    def server(sql):
        connection = psycopg2.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")))
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # left over from an interrupted run
    server(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Deployment steps


def production_env(database_url: str, static_root: Path) -> dict:
    # Nothing from the caller's environment may relax or change what is being tested.
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "SESSION_"))
        and key not in {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "BEHIND_TLS_PROXY"}
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(static_root),
    }


def manage(step: str, env: dict, *args: str) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise SmokeFailure(f"{step} failed:\n{result.stdout}{result.stderr}")
    print(f"  {step}: ok ({time.monotonic() - started:.1f} s)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict, log_path: Path):
    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so its workers stop with it
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise SmokeFailure(f"gunicorn stopped at start-up:\n{log_path.read_text()}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            if time.monotonic() > deadline:
                raise SmokeFailure(f"gunicorn did not answer /healthz within 30 s:\n{log_path.read_text()}")
            time.sleep(0.3)
        print(f"  gunicorn: answering on {base}")
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# The crawl


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # redirects are followed by the crawl, so each hop is checked


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects()
        )

    def fetch(self, path: str, data: dict | None = None):
        """(status, headers, body) for a path on the server; redirects are returned, not followed."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=REQUEST_TIMEOUT) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()
        except (urllib.error.URLError, OSError):  # no answer at all (reset, timeout): as bad as a 5xx
            return NO_ANSWER, email.message.Message(), b""


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.pages: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.pages.append(attrs["href"])
        elif tag == "link" and attrs.get("href"):
            self.assets.append(attrs["href"])
        elif tag in {"script", "img", "source"} and attrs.get("src"):
            self.assets.append(attrs["src"])


def same_host_path(base: str, page: str, href: str) -> str | None:
    """The path and query of href (relative to page) when it is on our server, else None."""
    url = urllib.parse.urljoin(base + page, href.strip())
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or f"{parts.scheme}://{parts.netloc}" != base:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def shape(path: str) -> str:
    """/plan/12/?theme=3&page=2 and /plan/7/?page=1&theme=9 are one page to check: /plan/N/?page&theme.

    Query values are left out: filters and sort orders are the same page with other data. In
    Django admin the whole query is, or its combinations of filters would multiply the crawl.
    """
    parts = urllib.parse.urlsplit(path)
    query = "" if parts.path.startswith("/admin/") else parts.query
    keys = sorted({key for key, _ in urllib.parse.parse_qsl(query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + (f"?{'&'.join(keys)}" if keys else "")


def sign_in(browser: Browser, username: str) -> None:
    status, _, body = browser.fetch("/sign-in/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token:
        raise SmokeFailure(f"{username}: the sign-in page answered {status} without a form")
    form = {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": PASSWORD, "next": ""}
    status, headers, _ = browser.fetch("/sign-in/", form)
    if status != 302 or headers.get("Location") != "/":
        raise SmokeFailure(f"{username}: signing in through the form answered {status}, not a redirect to /")


def crawl(browser: Browser, role: str, results: dict, assets: set) -> None:
    queue = deque(START_PATHS[role])
    seen = set()
    while queue:
        path = queue.popleft()
        if shape(path) in seen or SKIPPED_PATHS.search(path) or path.startswith("/static/"):
            continue
        seen.add(shape(path))
        if len(seen) > MAX_PAGES_PER_ROLE:
            examples = "\n    ".join(sorted(seen)[:: max(1, len(seen) // 40)])
            raise SmokeFailure(
                f"{role}: more than {MAX_PAGES_PER_ROLE} URL shapes; is a link generating URLs? Some:\n    {examples}"
            )
        status, headers, body = browser.fetch(path)
        results.setdefault(shape(path), {})[role] = (status, path)
        if status in {301, 302, 303, 307, 308}:
            target = same_host_path(browser.base, path, headers.get("Location", ""))
            if target:
                queue.append(target)
        elif status == 200 and headers.get_content_type() == "text/html":
            links = _Links()
            links.feed(body.decode("utf-8", "replace"))
            for href in links.pages:
                target = same_host_path(browser.base, path, href.split("#")[0] or path)
                if target:
                    queue.append(target)
            for src in links.assets:
                target = same_host_path(browser.base, path, src)
                if target and target.startswith("/static/"):
                    assets.add(target)


def check_static(browser: Browser, assets: set) -> dict:
    """Fetch every static file once, and every url(...) in a served stylesheet."""
    statuses = {}
    queue = deque(sorted(assets))
    while queue:
        path = queue.popleft()
        if path in statuses:
            continue
        status, headers, body = browser.fetch(path)
        statuses[path] = status
        if status == 200 and headers.get_content_type() == "text/css":
            for url in re.findall(rb"url\(\s*[\"']?([^\"')]+)[\"']?\s*\)", body):
                url = url.decode()
                if not url.startswith("data:"):
                    target = same_host_path(browser.base, path, url)
                    if target:
                        queue.append(target.split("#")[0])
    return statuses


# Report


def report(results: dict, static: dict) -> list[str]:
    failures = []
    width = max(len(s) for s in results) if results else 10
    columns = [*ROLES, VISITOR]
    print(f"\n{'URL shape':<{width}}  " + "  ".join(f"{role:>7}" for role in columns))
    admin_pages = 0
    for page_shape in sorted(results):
        row = results[page_shape]
        for role, (status, path) in row.items():
            if status >= 500 or status == NO_ANSWER:
                failures.append(f"{status or 'no answer'} {path} ({role})")
        # Django admin's many pages make one line unless one of them has a problem.
        if page_shape.startswith("/admin/") and all(status < 400 for status, _ in row.values()):
            admin_pages += 1
            continue
        print(f"{page_shape:<{width}}  " + "  ".join(f"{row[r][0] if r in row else '-':>7}" for r in columns))
    if admin_pages:
        print(f"{'/admin/...':<{width}}  {admin_pages} more URL shapes in Django admin, none answering 4xx or 5xx")
    broken = {path: status for path, status in static.items() if status in {404, NO_ANSWER} or status >= 500}
    print(f"\n{len(static)} static files fetched, {len(static) - len(broken)} answered without error")
    failures += [f"{status or 'no answer'} {path} (static file)" for path, status in sorted(broken.items())]
    return failures


def main() -> int:
    started = time.monotonic()
    # A stopped CI job or make sends SIGTERM: exit through the finally blocks, so gunicorn is
    # stopped and the scratch database dropped whatever happens.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print("Production smoke test (README, Production deployment)")
    failures = []
    try:
        with tempfile.TemporaryDirectory(prefix="smoke-") as tmp_name:
            tmp = Path(tmp_name)
            with scratch_database(tmp) as database_url:
                env = production_env(database_url, tmp / "static")
                manage("migrate", env, "migrate", "--noinput")
                manage("seed_demo (DEBUG on)", {**env, "DEBUG": "true"}, "seed_demo", "--password", PASSWORD)
                manage("collectstatic", env, "collectstatic", "--noinput")
                manage("check --deploy", env, "check", "--deploy", "--fail-level", "WARNING")
                # Plain HTTP on loopback: the TLS proxy that would redirect and carry secure cookies is absent.
                http_env = {**env, "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false"}
                with gunicorn(http_env, tmp / "gunicorn.log") as base:
                    results, assets = {}, set()
                    for role in [*ROLES, VISITOR]:
                        browser = Browser(base)
                        if role != VISITOR:
                            sign_in(browser, role)
                        crawl(browser, role, results, assets)
                    failures = report(results, check_static(Browser(base), assets))
                    if failures:
                        print("\nServer log (last 80 lines):")
                        print("\n".join((tmp / "gunicorn.log").read_text().splitlines()[-80:]))
    except (SmokeFailure, subprocess.TimeoutExpired) as error:
        failures.append(str(error))
    elapsed = time.monotonic() - started
    if failures:
        print(f"\nProduction smoke test FAILED in {elapsed:.0f} s:", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        return 1
    print(f"\nProduction smoke test passed in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
