"""Rules about meetings and actions arising: which meetings are upcoming, what their minutes
say, when an action arising is overdue, and how that is said."""

from datetime import date, datetime, time

from django.db.models import Q
from django.utils import timezone

from meetings.models import Meeting, MeetingAction


def is_upcoming(meeting: Meeting, today: date) -> bool:
    """A meeting is upcoming from now until the end of its day, unless it has been held.

    Held is never upcoming, whatever the date: once the clerk records a meeting as held it moves
    to the past, even on its own day. A meeting still scheduled stays upcoming for the whole of
    its day (the clerk marks it held afterwards); a cancelled one stays listed, tagged, until its
    day has passed, so nobody turns up to it. `upcoming_meetings` is the same rule as a filter.
    """
    return meeting.status != Meeting.Status.HELD and meeting.date >= today


def upcoming_meetings(today: date) -> Q:
    """`is_upcoming` as a queryset filter on Meeting."""
    start_of_today = timezone.make_aware(datetime.combine(today, time.min))
    return Q(starts_at__gte=start_of_today) & ~Q(status=Meeting.Status.HELD)


def has_minutes(meeting: Meeting) -> bool:
    """Only a held meeting has minutes; a scheduled one's "draft" is just the field's default."""
    return meeting.status == Meeting.Status.HELD


def minutes_words(meeting: Meeting) -> str:
    """What a page says about a meeting's minutes: "Draft" or "Approved" once held."""
    if has_minutes(meeting):
        return meeting.get_minutes_status_display()
    if meeting.status == Meeting.Status.CANCELLED:
        return "None"
    return "Not yet held"


def is_draft_papers(meeting: Meeting, published_on: date) -> bool:
    """Papers published before the meeting was held are draft papers as at their publication date, never
    "the pack as the board saw it": the meeting is still to come (or is today and not yet recorded held)."""
    return meeting.status != Meeting.Status.HELD and meeting.date >= published_on


def pack_data_date(meeting: Meeting, on: date) -> date:
    """The date a pack's figures are as at: the meeting's day, or `on` (today, the publication day) when
    that is earlier, since nothing is known yet about days still to come."""
    return min(meeting.date, on)


def days_overdue(action_arising: MeetingAction, today: date) -> int:
    if (
        action_arising.status != MeetingAction.Status.OPEN
        or action_arising.due_date is None
        or action_arising.due_date >= today
    ):
        return 0
    return (today - action_arising.due_date).days


def overdue_words(action_arising: MeetingAction, today: date) -> str:
    """Plain English: "12 days overdue", "Due today", "Due in 5 days", "No due date", or the status."""
    if action_arising.status != MeetingAction.Status.OPEN:
        return action_arising.get_status_display()
    if action_arising.due_date is None:
        return "No due date"
    days = (action_arising.due_date - today).days
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} overdue"
    if days == 0:
        return "Due today"
    return f"Due in {days} day{'s' if days != 1 else ''}"


def resolution_wording(text: str) -> str:
    """What follows "RESOLVED that", however the minutes wrote it.

    "RESOLVED: That the report be noted." and "That the report be noted." both become
    "the report be noted.", because pages and packs print "RESOLVED that" themselves.
    """
    wording = text.strip()
    for prefix in ("resolved that", "resolved:", "resolved -", "resolved", "that"):
        if wording.lower().startswith(prefix) and (len(wording) == len(prefix) or not wording[len(prefix)].isalnum()):
            wording = wording[len(prefix) :].strip()
    return wording
