"""Rules about actions arising: when one is overdue, and how that is said."""

from datetime import date

from meetings.models import MeetingAction


def days_overdue(action: MeetingAction, today: date) -> int:
    if action.status != MeetingAction.Status.OPEN or action.due_date is None or action.due_date >= today:
        return 0
    return (today - action.due_date).days


def overdue_words(action: MeetingAction, today: date) -> str:
    """Plain English: "12 days overdue", "Due today", "Due in 5 days", "No due date", or the status."""
    if action.status != MeetingAction.Status.OPEN:
        return action.get_status_display()
    if action.due_date is None:
        return "No due date"
    days = (action.due_date - today).days
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
