"""Access rules for the board pack URLs (meetings/pack_urls.py)."""

import datetime

from django.utils import timezone

from tests.access import READ_ALL, Rule

PUBLISHERS = {"admin": 302, "officer": 403, "other_officer": 403, "board": 403, "clerk": 302, "outsider": 403}


def _meeting(users):
    from tests.factories.meetings import MeetingFactory

    return MeetingFactory(starts_at=timezone.make_aware(datetime.datetime(2026, 2, 10, 14, 0)))


def _meeting_kwargs(users):
    return {"pk": _meeting(users).pk}


def _published_kwargs(users):
    from meetings.services import publish_pack

    return {"pk": publish_pack(meeting=_meeting(users), published_by=users["clerk"]).pk}


RULES = [
    Rule("meetings:pack", READ_ALL, kwargs=_meeting_kwargs),
    Rule("meetings:pack_print", READ_ALL, kwargs=_meeting_kwargs),
    Rule("meetings:pack_docx", READ_ALL, kwargs=_meeting_kwargs),
    Rule("meetings:pack_publish", PUBLISHERS, kwargs=_meeting_kwargs, method="post", data=lambda users: {}),
    Rule(
        "meetings:pack_publish",
        {**PUBLISHERS, "admin": 200, "clerk": 200},
        kwargs=_meeting_kwargs,
        note="GET: the confirmation page",
    ),
    Rule("meetings:published_pack", READ_ALL, kwargs=_published_kwargs),
    Rule("meetings:published_pack_docx", READ_ALL, kwargs=_published_kwargs),
]
