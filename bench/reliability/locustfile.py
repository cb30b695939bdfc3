"""The reliability load of issue 13 under locust, headless and bounded: load.py's users and turns, timed
and counted by locust, page by page (load.py's labels), with /healthz watched throughout.

locust has its own dependencies (gevent, Flask and more), so it runs from a virtualenv of its own and
never touches the app's; the sessions are made by the app's own Python (load.py --sessions-json):

    python3 -m venv /tmp/locustenv && /tmp/locustenv/bin/pip install locust
    DATABASE_URL=... /tmp/locustenv/bin/locust -f bench/reliability/locustfile.py --headless \\
        --users 50 --spawn-rate 50 --run-time 60s --host http://127.0.0.1:8790 --only-summary

Set APP_PYTHON if the app's Python is not .venv/bin/python. Of the 50 users 30 are board members, 15
officers and 5 admins, one of whom imports KPI values, as in load.py. locust prints each page's p50, p95
and failures; this file adds load.py's outcomes (updates saved, imports applied, forms refused).
"""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402 (the turns, from beside this file)

APP_PYTHON = os.environ.get("APP_PYTHON", str(load.ROOT / ".venv" / "bin" / "python"))
SESSIONS = {}
_HEALTH = {"stop": threading.Event(), "log": []}


@events.init.add_listener
def make_sessions(environment, **kwargs):
    made = subprocess.run(
        [APP_PYTHON, str(Path(load.__file__)), "--sessions-json"],
        cwd=load.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    SESSIONS.update(json.loads(made.stdout.splitlines()[-1]))
    load.PACKS.update(SESSIONS["packs"])


@events.test_start.add_listener
def watch_health(environment, **kwargs):
    threading.Thread(
        target=load.watch_health, args=(environment.host, _HEALTH["stop"], _HEALTH["log"]), daemon=True
    ).start()


@events.test_stop.add_listener
def report(environment, **kwargs):
    _HEALTH["stop"].set()
    load.print_outcomes()


class LocustClient:
    """What load.py's turns ask of a client (request, last_location), over the locust user's own
    session, so that locust times and counts each request under load.py's name for the page."""

    def __init__(self, user, role):
        self.session = user.client
        self.session.cookies.set(SESSIONS["cookie_name"], SESSIONS["keys"][role])
        self.last_location = None

    def request(self, method, path, body=None, headers=None, label=None):
        with self.session.request(
            method,
            path,
            data=body,
            headers=headers,
            name=label or path,
            allow_redirects=False,
            catch_response=True,
            timeout=30,
        ) as response:
            self.last_location = response.headers.get("Location")
            if response.status_code == 0:  # no answer at all (refused, reset, timed out)
                # Marked here, or locust would not count it; load.py counts a status that is not a
                # number as an error, as it does its own client's OSError.
                response.failure(response.error)
                return type(response.error).__name__, b""
            if response.status_code >= 400:
                response.failure(f"HTTP {response.status_code}")
            return response.status_code, response.content


class _Turns(HttpUser):
    """One of load.py's simulated people: a turn, then 0.5-1.5 s of thinking, as load.py's users do."""

    abstract = True
    wait_time = between(0.5, 1.5)
    role = ""
    take_turn = None

    def on_start(self):
        self.load_client = LocustClient(self, self.role)
        self.turn = 0

    @task
    def one_turn(self):
        type(self).take_turn(self.load_client, self.turn)
        self.turn += 1


def _people(name, role, take_turn, **how_many):
    """A kind of simulated person: their role's session and load.py's turn for it; `weight` or
    `fixed_count` says how many of the users they are."""
    return type(name, (_Turns,), {"role": role, "take_turn": staticmethod(take_turn), **how_many})


# 30, 15 and 4 of 49 by weight, and the one who imports: load.py's 50.
BoardMember = _people("BoardMember", "board", load.board_turn, weight=30)
Officer = _people("Officer", "officer", load.officer_turn, weight=15)
Admin = _people("Admin", "admin", load.admin_turn, weight=4)
ImportingAdmin = _people("ImportingAdmin", "admin", load.importing_admin_turn, fixed_count=1)
