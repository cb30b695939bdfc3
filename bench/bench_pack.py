"""Board pack on the large demo (960 actions, 150 indicators, three years of meetings): the time to
build a pack, render it, write the Word file and serve the page, with query counts.

Run: DEBUG=true .venv/bin/python bench/bench_pack.py
Uses a scratch SQLite file unless DATABASE_URL is set (then use a scratch database: it is filled).
"""

import time

from _django import start, timed  # bench/ is on the path when a script runs

start("bench_pack", fresh=True)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from demo.builder import build_demo  # noqa: E402
from improvement.models import Action  # noqa: E402
from indicators.models import Indicator  # noqa: E402
from meetings.docx_pack import pack_docx_bytes  # noqa: E402
from meetings.models import Meeting, MeetingAction, PublishedPack  # noqa: E402
from meetings.pack import build_pack, render_pack_html  # noqa: E402


def main():
    call_command("migrate", verbosity=0)
    if not Action.objects.exists():
        start = time.perf_counter()
        build_demo(size="large", password="bench-password")
        print(f"large demo built in {time.perf_counter() - start:.1f} s")
    print(
        f"{Action.objects.count()} actions, {Indicator.objects.count()} indicators, "
        f"{Meeting.objects.count()} meetings, "
        f"{MeetingAction.objects.count()} actions arising, {PublishedPack.objects.count()} published packs"
    )
    meeting = (
        Meeting.objects.select_related("board")
        .filter(board__kind="improvement_board", status=Meeting.Status.HELD)
        .order_by("-starts_at")
        .first()
    )
    print(f"meeting: {meeting} (the board reviews every theme and every active indicator)\n")

    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        pack = build_pack(meeting)
    build_ms, pack = timed(lambda: build_pack(meeting))
    render_ms, html = timed(lambda: render_pack_html(pack))
    docx_ms, docx = timed(lambda: pack_docx_bytes(pack), runs=3)
    print(f"{'step':28} {'median ms':>10} {'queries':>8}")
    print(f"{'build_pack':28} {build_ms:10.1f} {len(queries):8d}")
    print(f"{'render_pack_html':28} {render_ms:10.1f} {0:8d}")
    print(f"{'Word document':28} {docx_ms:10.1f} {0:8d}")
    print(
        f"pack: {len(pack['exceptions']['actions'])} action exceptions, {len(pack['scorecard'])} indicators, "
        f"{len(pack['actions_arising'])} actions arising; HTML {len(html):,d} bytes, .docx {len(docx):,d} bytes\n"
    )

    client = Client()
    client.force_login(get_user_model().objects.get(username="board"))
    published = PublishedPack.objects.filter(meeting=meeting).first()
    pages = [
        ("pack page", reverse("meetings:pack", args=[meeting.pk])),
        ("print view", reverse("meetings:pack_print", args=[meeting.pk])),
        ("Word download", reverse("meetings:pack_docx", args=[meeting.pk])),
    ]
    if published:
        pages.append(("published pack", published.get_absolute_url()))
    print(f"{'page':28} {'median ms':>10} {'queries':>8} {'bytes':>10}")
    for name, url in pages:
        reset_queries()
        with CaptureQueriesContext(connection) as page_queries:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        median, response = timed(lambda url=url: client.get(url), runs=3)
        print(f"{name:28} {median:10.1f} {len(page_queries):8d} {len(response.content):10,d}")


if __name__ == "__main__":
    main()
