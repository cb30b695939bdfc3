"""/healthz: 200 while the database answers, with the worker's liveness; 503 only when the database fails."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection

from core import worker

pytestmark = pytest.mark.django_db


def test_healthz_says_the_worker_is_ok_when_it_was_seen_just_now(client, fixed_clock):
    worker.beat("w1")
    fixed_clock.shift(dt.timedelta(seconds=20))
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["database"], body["worker"]) == ("ok", "ok")
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_healthz_says_how_long_since_a_stale_worker_was_seen_and_stays_200(client, fixed_clock, settings):
    settings.WORKER_STALE_SECONDS = 60
    worker.beat("w1")
    fixed_clock.shift(dt.timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["worker"] == "last seen 5 minutes ago"
    assert 300 <= body["worker_seconds_since_seen"] < 302


def test_healthz_takes_the_most_recent_of_several_workers(client, fixed_clock):
    worker.beat("old")
    fixed_clock.shift(dt.timedelta(hours=3))
    worker.beat("new")
    assert client.get("/healthz").json()["worker"] == "ok"


def test_healthz_says_when_no_worker_was_ever_seen(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "worker": "never seen", "worker_last_seen": None}


def test_healthz_is_503_when_the_database_fails_even_with_a_fresh_worker(client, monkeypatch):
    worker.beat("w1")

    def refused(*args, **kwargs):
        raise DatabaseError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refused)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable", "worker": "unknown"}


def test_healthz_is_503_when_the_heartbeat_query_fails(client, monkeypatch):
    def lost(*args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(worker, "last_seen", lost)
    assert client.get("/healthz").status_code == 503
