"""Boards, meeting and actions arising pages on the large demo, plus a board scaled up to many meetings
and actions arising: time, queries and page size.

Run: DEBUG=true .venv/bin/python bench/bench_meeting_pages.py
Uses a scratch SQLite file (built once with `seed_demo --size large`, reused on later runs) unless
DATABASE_URL is set: then use a scratch database, which is filled when empty.
"""

import time
from datetime import datetime, timedelta

from _django import measure, start  # bench/ is on the path when a script runs

start("bench_meeting_pages")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo.builder import build_demo  # noqa: E402
from improvement.models import Action  # noqa: E402
from meetings import services  # noqa: E402
from meetings.models import AgendaItem, Board, Meeting, MeetingAction, Resolution  # noqa: E402

RUNS = 7
STRESS_BOARD = "Bench: a board meeting weekly for four years"


def stress_board():
    """208 meetings, 6 items each with 2 resolutions and 3 plan links, and 2 actions arising a meeting,
    a quarter of them still open: far more than any council's board."""
    board = Board.objects.filter(name=STRESS_BOARD).first()
    if board:
        return board
    plan_actions = list(Action.objects.all()[:3])
    board = services.create_board(name=STRESS_BOARD, kind=Board.Kind.OTHER, cadence=Board.Cadence.AS_NEEDED)
    start = timezone.make_aware(datetime(2023, 1, 5, 14, 0))
    for week in range(208):
        meeting = Meeting.objects.create(board=board, starts_at=start + timedelta(weeks=week), status="held")
        for order in range(1, 7):
            item = AgendaItem.objects.create(meeting=meeting, order=order, title=f"Item {order}", minutes="Noted.")
            item.actions.set(plan_actions)
            Resolution.objects.bulk_create(
                [Resolution(item=item, number=n, text="the report be noted") for n in (1, 2)]
            )
        MeetingAction.objects.bulk_create(
            [
                MeetingAction(
                    meeting=meeting,
                    description=f"Request {week}.{n}",
                    owner_name=f"Owner {n}",
                    due_date=meeting.date + timedelta(weeks=1),
                    status="open" if week % 4 == 0 else "done",
                    responded_on=None if week % 4 == 0 else meeting.date + timedelta(days=6),
                )
                for n in (1, 2)
            ]
        )
    return board


def main():
    call_command("migrate", verbosity=0)
    if not Action.objects.exists():
        started = time.perf_counter()
        build_demo(size="large", password="bench-password")
        print(f"large demo built in {time.perf_counter() - started:.1f} s")
    stress = stress_board()
    print(f"database: {connection.vendor}")
    print(
        f"{Board.objects.count()} boards, {Meeting.objects.count()} meetings, {AgendaItem.objects.count()} agenda "
        f"items, {MeetingAction.objects.count()} actions arising "
        f"({MeetingAction.objects.filter(status='open').count()} open)"
    )

    demo_board = Board.objects.exclude(pk=stress.pk).order_by("pk").first()
    demo_meeting = demo_board.meetings.filter(status="held").order_by("-starts_at").first()
    last_stress_meeting = stress.meetings.order_by("-starts_at").first()
    clerk = Client()
    clerk.force_login(get_user_model().objects.get(username="clerk"))
    pages = [
        ("boards list", reverse("meetings:board_list")),
        ("board page (demo)", demo_board.get_absolute_url()),
        ("meeting page (demo)", demo_meeting.get_absolute_url()),
        ("register, all open", reverse("meetings:action_register")),
        ("register, one board overdue", reverse("meetings:action_register") + f"?board={demo_board.pk}&overdue=yes"),
        ("board page (208 meetings)", stress.get_absolute_url()),
        ("meeting page (208th meeting)", last_stress_meeting.get_absolute_url()),
        ("record an action arising form", reverse("meetings:action_create", args=[demo_meeting.pk])),
    ]
    print(f"\n{'page (as the clerk)':32} {'median ms':>10} {'queries':>8} {'HTML bytes':>11}  ({RUNS} runs)")
    for name, url in pages:
        clerk.get(url)  # warm the session

        def get(url=url):
            response = clerk.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        median, queries, response = measure(get)
        print(f"{name:32} {median:10.1f} {queries:8d} {len(response.content):11,d}")


if __name__ == "__main__":
    main()
