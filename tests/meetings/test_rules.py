"""Which meetings are upcoming and what their minutes say: one rule each (meetings/rules.py),
the same in Python and as a database filter."""

import datetime

import pytest
from django.utils import timezone

from meetings.models import Meeting
from meetings.rules import has_minutes, is_upcoming, minutes_words, upcoming_meetings
from tests.dates import TODAY
from tests.factories.meetings import MeetingFactory

HELD, SCHEDULED, CANCELLED = Meeting.Status.HELD, Meeting.Status.SCHEDULED, Meeting.Status.CANCELLED
DRAFT, APPROVED = Meeting.MinutesStatus.DRAFT, Meeting.MinutesStatus.APPROVED


def at(day_offset: int, hour: int):
    day = TODAY + datetime.timedelta(days=day_offset)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


UPCOMING_CASES = [
    # (days from today, hour, status, upcoming?)
    (-1, 18, SCHEDULED, False),  # yesterday, never marked held: past
    (-1, 10, HELD, False),
    (0, 0, SCHEDULED, True),  # today, earlier than now: upcoming until the day ends
    (0, 10, SCHEDULED, True),
    (0, 23, SCHEDULED, True),
    (0, 10, HELD, False),  # the bug: held today was listed as upcoming
    (0, 23, HELD, False),
    (0, 10, CANCELLED, True),  # listed, tagged Cancelled, until its day has passed
    (1, 10, SCHEDULED, True),
    (14, 10, CANCELLED, True),
    (14, 10, HELD, False),  # held is never upcoming, even if dated ahead by mistake
]


@pytest.mark.parametrize(("offset", "hour", "status", "upcoming"), UPCOMING_CASES)
def test_is_upcoming(offset, hour, status, upcoming):
    meeting = Meeting(starts_at=at(offset, hour), status=status)
    assert is_upcoming(meeting, TODAY) is upcoming


@pytest.mark.django_db
def test_the_upcoming_filter_agrees_with_the_rule():
    meetings = [MeetingFactory(starts_at=at(offset, hour), status=status) for offset, hour, status, _ in UPCOMING_CASES]
    filtered = set(Meeting.objects.filter(upcoming_meetings(TODAY)).values_list("pk", flat=True))
    assert filtered == {m.pk for m in meetings if is_upcoming(m, TODAY)}
    assert len(filtered) == sum(1 for case in UPCOMING_CASES if case[3])


@pytest.mark.parametrize(
    ("status", "minutes_status", "words", "minutes"),
    [
        (HELD, DRAFT, "Draft", True),
        (HELD, APPROVED, "Approved", True),
        (SCHEDULED, DRAFT, "Not yet held", False),  # the bug: a future meeting showed "Minutes: Draft"
        (CANCELLED, DRAFT, "None", False),
    ],
)
def test_minutes_words(status, minutes_status, words, minutes):
    meeting = Meeting(starts_at=at(7, 10), status=status, minutes_status=minutes_status)
    assert (minutes_words(meeting), has_minutes(meeting)) == (words, minutes)
