"""50 simulated users for 60 s against a running server, and /healthz watched throughout (issue 13,
reliability suite), with threads and http.client: bounded users, bounded time, no external tools. The
same users and turns run under locust too (locustfile.py here, which imports this file's turns).

    DATABASE_URL=... .venv/bin/python bench/reliability/load.py --url http://127.0.0.1:8790 [--users 50 --duration 60]

Start the server first (gunicorn, 3 workers, PostgreSQL, the large demo), e.g.
    .venv/bin/python manage.py seed_demo --size large   # whatever the demo command offers
    DEBUG=false .venv/bin/gunicorn config.wsgi --workers 3 --bind 127.0.0.1:8790
and run `manage.py run_worker` beside it. Sessions are made in-process (as `manage.py shell` would) for
the demo's first board member, officer and admin, so sign-in throttling is not what is measured.
Users: 60% board members (dashboard, plan, scorecard, packs), 30% officers (my actions, an action's
update form, and a posted update every few turns), 10% admins (the import pages and an upload).
Prints p50/p95 per page, errors by status, and every change of /healthz with its time."""

import argparse
import collections
import datetime
import http.client
import json
import os
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def sessions():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse

    from core import clock
    from core.roles import ADMIN, BOARD_MEMBER, OFFICER

    found = {}
    for key, role in (("board", BOARD_MEMBER), ("officer", OFFICER), ("admin", ADMIN)):
        user = get_user_model().objects.filter(groups__name=role, is_active=True).order_by("pk").first()
        if user is None:
            sys.exit(f"No active {role} in the database: seed the demo first.")
        store = SessionStore()
        store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[-1]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store["signed_in_at"] = clock.now().timestamp()
        store.create()
        found[key] = store.session_key
    from meetings.models import Meeting, PublishedPack

    following = Meeting.objects.filter(starts_at__gte=clock.now()).order_by("starts_at").first()
    if following is not None:
        PACKS["pack"] = reverse("meetings:pack", args=[following.pk])
    # The month the admin's KPI file reports: last month, by the service's clock.
    PACKS["last month"] = (clock.today().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
    published = PublishedPack.objects.order_by("-pk").first()
    if published is not None:
        PACKS["published pack"] = reverse("meetings:published_pack", args=[published.pk])
    return found, settings.SESSION_COOKIE_NAME


class Client:
    def __init__(self, base, cookie_name, session_key):
        self.base = urllib.parse.urlsplit(base)
        self.cookies = {cookie_name: session_key}
        self.last_location = None  # the last response's Location header (where a form's POST sent us)

    def request(self, method, path, body=None, headers=None, label=None):
        # `label` names the page for a client that keeps its own figures (locustfile.py's); this one's
        # are kept by timed().
        conn = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=30)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers={"Cookie": cookie, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        self.last_location = response.getheader("Location")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, data


RESULTS = collections.defaultdict(list)
ERRORS = collections.Counter()
OUTCOMES = (
    collections.Counter()
)  # updates saved, updates refused by the version check then resubmitted, imports applied
FAILED_AT = []  # (wall clock, page, status) of every request that did not succeed
OUTAGE_PAGE = b"Sorry, the service is unavailable"
LOCK = threading.Lock()


def timed(client, label, method, path, **kwargs):
    start = time.monotonic()
    try:
        status, data = client.request(method, path, label=label, **kwargs)
    except OSError as error:
        status, data = type(error).__name__, b""
    took = time.monotonic() - start
    if status == 503 and OUTAGE_PAGE in data:
        status = "503 page"  # the GOV.UK outage page, what a database outage must give
    with LOCK:
        RESULTS[label].append(took)
        if not (isinstance(status, int) and status < 400):
            ERRORS[(label, status)] += 1
            FAILED_AT.append((time.time(), label, status))  # machine clock: when a real request failed
    return status, data


# Found by sessions(): "pack", the next meeting's pack as it stands; "published pack", the latest published;
# "last month", the period the admin's KPI file reports.
PACKS = {}


def board_turn(client, turn):
    for label, path in (
        ("dashboard", "/"),
        ("plan", "/plan/"),
        ("scorecard", "/indicators/"),
        ("boards", "/meetings/"),
    ):
        timed(client, label, "GET", path)
    label = "pack" if turn % 2 == 0 else "published pack"
    if label in PACKS:
        timed(client, label, "GET", PACKS[label])


_FIELD = re.compile(rb"<(input|textarea|select)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(rb'([\w-]+)(?:="([^"]*)")?')


def form_fields(form: bytes) -> dict:
    """What a browser would submit from the page's form as it stands: every input's value, the checked
    radios and boxes, empty text areas and the first option of each select (the update form's choices are
    pre-filled with the action's state, so an officer confirming it as it is, with a new narrative)."""
    fields = {}
    for tag, attributes in _FIELD.findall(form):
        attrs = {name.lower(): value for name, value in _ATTR.findall(attributes)}
        name = attrs.get(b"name")
        if not name:
            continue
        kind = attrs.get(b"type", b"").lower()
        if kind in (b"radio", b"checkbox") and b"checked" not in attrs:
            continue
        value = (attrs.get(b"value") or b"") if tag.lower() == b"input" else b""
        fields.setdefault(name.decode(), value.decode())
    return fields


def officer_turn(client, turn):
    status, data = timed(client, "my actions", "GET", "/plan/my-actions/")
    links = re.findall(rb'href="(/plan/actions/\d+/)"', data)
    if links:
        action = random.choice(links).decode()
        timed(client, "action", "GET", action)
        status, form = timed(client, "update form", "GET", action + "update/")
        if b"csrfmiddlewaretoken" in form and turn % 3 == 0:
            post_update(client, action, form, turn)


def post_update(client, action, form, turn):
    """A real update: the form as it stands (dated today, the action's status and progress), with a
    narrative and evidence, so it is saved (302) and every page that reads the plan moves on. The
    simulated officers share one account and pick actions at random, so two sometimes update one action
    at once: the second is refused by the version check (issue 13, item 5), is shown the form again with
    the newer version, and submits again, as a person reading the message would."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://127.0.0.1/"}
    for _attempt in range(3):
        fields = form_fields(form)
        fields.update(narrative=f"Load test update {turn}", evidence_of_impact="Load test evidence")
        body = urllib.parse.urlencode(fields)
        status, page = timed(client, "post update", "POST", action + "update/", body=body, headers=headers)
        if status != 200:
            if status == 302:
                with LOCK:
                    OUTCOMES["saved"] += 1
            return
        if b"after you opened this form" in page:
            with LOCK:
                OUTCOMES["resubmitted"] += 1
            form = page
            continue
        said = re.findall(rb"<li>\s*(?:<a [^>]*>)?\s*([^<]+?)\s*<", page.split(b"govuk-error-summary__list", 1)[-1])
        with LOCK:  # the form again, with its errors: nothing was saved
            ERRORS[("post update", "form refused: " + (said[0].decode() if said else "?"))] += 1
        return


def admin_turn(client, turn):
    timed(client, "import start", "GET", "/import/")
    timed(client, "plan upload page", "GET", "/import/plan/")


def importing_admin_turn(client, turn):
    """One admin of the five also imports: a KPI file every other turn (one every 6-8 s with the waits)."""
    admin_turn(client, turn)
    if turn % 2 == 0:
        import_kpi_values(client, turn)


# The demo's first indicators by code: the admin's file gives each a value for last month, as a council's
# monthly return would (a correction where the month already has one).
KPI_CODES = ("CIN-REF-M", "CIN-REREF-12M", "CIN-ASSESS-45", "CIN-ASSESS-DAYS", "CP-ICPC-15")
_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
_CONFIRM_FORM = re.compile(rb'<form[^>]*action="(/import/jobs/\d+/confirm/)"(.*?)</form>', re.DOTALL)


def import_kpi_values(client, turn):
    """A real KPI import through the pages: the upload form, the status page while the worker reads the
    file, the preview, the confirm, and the status page until the worker has applied it. Polls count as
    "import status"; a job that does not finish in 30 s, or ends failed, is an error."""
    status, page = timed(client, "indicators upload page", "GET", "/import/indicators/")
    token = _CSRF.search(page)
    if not token:
        return
    period = PACKS["last month"]
    rows = ["Indicator code,Period,Value"] + [
        f"{code},{period},{20 + (turn + n) % 60}" for n, code in enumerate(KPI_CODES)
    ]
    boundary = f"load{random.getrandbits(64):x}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token[1].decode()}\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="kpis-{turn}.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n" + "\r\n".join(rows) + "\r\n",
        f"--{boundary}--\r\n",
    ]
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": "http://127.0.0.1/"}
    status, _ = timed(
        client, "import upload", "POST", "/import/indicators/", body="".join(parts).encode(), headers=headers
    )
    job = client.last_location
    if status != 302 or not job or "/status/" not in job:
        with LOCK:
            ERRORS[("import upload", f"not sent to the status page: {status}")] += 1
        return
    done = wait_for_job(client, job)
    if done is None:
        return
    status, preview = timed(client, "import preview", "GET", done["next_url"])
    form = _CONFIRM_FORM.search(preview)
    if not form:
        with LOCK:
            ERRORS[("import preview", "no confirm button")] += 1
        return
    fields = form_fields(form[2])
    fields.setdefault("backdate_reason", "Load test: last month's return")
    body = urllib.parse.urlencode(fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://127.0.0.1/"}
    status, _ = timed(client, "import confirm", "POST", form[1].decode(), body=body, headers=headers)
    applied = wait_for_job(client, client.last_location or job)
    with LOCK:
        if applied is not None and applied["state"] == "done":
            OUTCOMES["imports applied"] += 1
        elif applied is not None:
            ERRORS[("import", f"ended {applied['state']}")] += 1


def wait_for_job(client, status_path, timeout=30):
    """The status page's own polling (its script reads status.json every second), until the worker is done."""
    timed(client, "import status", "GET", status_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, data = timed(client, "import status", "GET", status_path.rstrip("/") + ".json")
        if status != 200:
            return None
        payload = json.loads(data)
        if not payload["running"]:
            if payload["state"] == "failed":
                with LOCK:
                    ERRORS[("import", "failed: " + str(payload.get("error", ""))[:80])] += 1
                return None
            return payload
        time.sleep(1)
    with LOCK:
        ERRORS[("import", "still running after 30 s")] += 1
    return None


def watch_health(base, stop, log):
    client = Client(base, "none", "")
    last = None
    while not stop.is_set():
        try:
            status, data = client.request("GET", "/healthz")
            state = (status, data.decode()[:120])
        except OSError as error:
            state = (type(error).__name__, "")
        if state[:1] != (last or (None,))[:1] or (last and state[1][:30] != last[1][:30]):
            log.append((time.monotonic(), state))
            print(f"{time.strftime('%H:%M:%S')} healthz {state[0]} {state[1]}", flush=True)
            last = state
        time.sleep(0.5)


def clock(moment):
    return time.strftime("%H:%M:%S", time.localtime(moment)) + f".{int(moment % 1 * 10)}"


def print_outcomes():
    """Errors (a refused form as well as an HTTP failure), what the writes achieved, and when requests failed."""
    print("errors:", dict(ERRORS) or "none")
    print(
        f"updates saved: {OUTCOMES['saved']}; refused by the version check and submitted again: "
        f"{OUTCOMES['resubmitted']}; KPI imports applied: {OUTCOMES['imports applied']}"
    )
    if FAILED_AT:
        first, last = min(FAILED_AT), max(FAILED_AT)
        print(f"failed requests from {clock(first[0])} to {clock(last[0])}:")
        for status, count in collections.Counter(status for _, _, status in FAILED_AT).most_common():
            print(f"  {status}: {count}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8790")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument(
        "--sessions-json",
        action="store_true",
        help="only make the sessions and print them, with the pages found, as JSON (for locustfile.py)",
    )
    args = parser.parse_args()
    keys, cookie_name = sessions()
    if args.sessions_json:
        print(json.dumps({"keys": keys, "cookie_name": cookie_name, "packs": PACKS}))
        return
    # The outage scripts wait for this line: making the sessions needs the database too.
    print(f"{time.strftime('%H:%M:%S')} load started", flush=True)
    stop, health_log = threading.Event(), []
    threading.Thread(target=watch_health, args=(args.url, stop, health_log), daemon=True).start()
    end = time.monotonic() + args.duration

    def user(n):
        role = "board" if n % 10 < 6 else "officer" if n % 10 < 9 else "admin"
        client = Client(args.url, cookie_name, keys[role])
        act = {"board": board_turn, "officer": officer_turn, "admin": admin_turn}[role]
        if n == 9:
            act = importing_admin_turn
        turn = 0
        while time.monotonic() < end:
            act(client, turn)
            turn += 1
            time.sleep(random.uniform(0.5, 1.5))  # think time

    threads = [threading.Thread(target=user, args=(n,)) for n in range(args.users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    print(f"\n{args.users} users for {args.duration:.0f} s against {args.url}")
    print(f"{'page':<18}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for label, times in sorted(RESULTS.items()):
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"{label:<18}{len(times):>9}{statistics.median(times) * 1000:>9.0f}{p95 * 1000:>9.0f}")
    print_outcomes()


if __name__ == "__main__":
    main()
