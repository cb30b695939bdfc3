"""The background worker's liveness: a heartbeat each worker writes, and how /healthz and the import
pages describe it. Lives in core because /healthz does; the worker itself is imports' run_worker."""

import os
import socket

from django.conf import settings

from core import clock
from core.models import WorkerHeartbeat

# Set by run_worker in its own process, so a job it runs can record which worker ran it.
_current_worker_id = ""


def set_current_worker(worker_id: str) -> None:
    global _current_worker_id
    _current_worker_id = worker_id


def current_worker_id() -> str:
    return _current_worker_id


def beat(worker_id: str, *, started_at=None) -> None:
    """Record that this worker is alive now (one upsert)."""
    now = clock.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"last_seen": now, "host": socket.gethostname()[:255], "pid": os.getpid()},
        create_defaults={
            "last_seen": now,
            "started_at": started_at or now,
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def ago_words(seconds: int) -> str:
    """'45 seconds', '3 minutes', '2 hours': how long since a worker was seen."""
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 2 * 3600:
        return f"{seconds // 60} minutes"
    return f"{seconds // 3600} hours"


def stale_after_seconds() -> int:
    return settings.WORKER_STALE_SECONDS


def last_seen():
    """When any worker was last seen, or None if none ever was."""
    return WorkerHeartbeat.objects.order_by("-last_seen").values_list("last_seen", flat=True).first()


def status(seen=...) -> dict:
    """{"worker": "ok"} while a worker was seen within WORKER_STALE_SECONDS, else how long ago (in
    seconds and words), or that none has been seen."""
    seen = last_seen() if seen is ... else seen
    if seen is None:
        return {"worker": "never seen", "worker_last_seen": None}
    ago = max(0, int((clock.now() - seen).total_seconds()))
    if ago <= stale_after_seconds():
        return {"worker": "ok", "worker_last_seen": seen.isoformat()}
    return {
        "worker": f"last seen {ago_words(ago)} ago",
        "worker_last_seen": seen.isoformat(),
        "worker_seconds_since_seen": ago,
    }


def is_alive(seen=...) -> bool:
    return status(seen)["worker"] == "ok"
