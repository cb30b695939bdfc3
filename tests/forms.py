"""What a browser posts for the service's GOV.UK date and time inputs (core.forms), so tests post
dates as a person types them: three boxes, never an ISO string the page has no box for."""

import datetime as dt


def date_parts(name: str, day: dt.date | None) -> dict[str, str]:
    """{"<name>-day": "5", "<name>-month": "1", "<name>-year": "2027"}; all blank for None."""
    if day is None:
        return {f"{name}-day": "", f"{name}-month": "", f"{name}-year": ""}
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def time_parts(name: str, moment: dt.time | None) -> dict[str, str]:
    """{"<name>-hour": "14", "<name>-minute": "00"}; both blank for None."""
    if moment is None:
        return {f"{name}-hour": "", f"{name}-minute": ""}
    return {f"{name}-hour": str(moment.hour), f"{name}-minute": f"{moment.minute:02d}"}
