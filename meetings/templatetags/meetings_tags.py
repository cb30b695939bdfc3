"""Pure filters for meetings pages and board packs (whose dates are stored as ISO strings).

None runs a query: related objects they read must be fetched by the view.
"""

from datetime import date

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.safestring import mark_safe

from meetings.rules import days_overdue as _days_overdue
from meetings.rules import has_minutes as _has_minutes
from meetings.rules import minutes_words as _minutes_words
from meetings.rules import overdue_words as _overdue_words
from meetings.rules import resolution_wording as _resolution_wording

register = template.Library()


@register.filter
def iso_date(value, fmt="j F Y"):
    """'2026-11-22' -> '22 November 2026'; empty for no date."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return value
    return format_date(day, fmt)


@register.filter
def css_string(value) -> str:
    """Text for inside a double-quoted CSS string in a <style> element: every character other than a
    letter, digit or space written as a six-digit CSS escape and the space that ends one, so no quote,
    backslash, "<" or "&" of a board's name can end the string or the element (HTML escaping does not
    apply inside <style>)."""
    kept = lambda ch: ch.isascii() and (ch.isalnum() or ch == " ")  # noqa: E731
    return mark_safe("".join(ch if kept(ch) else f"\\{ord(ch):06x} " for ch in str(value)))


@register.filter
def days_words(days):
    """12 -> '12 days overdue'; 0 -> ''."""
    if not days:
        return ""
    return f"{days} day{'s' if days != 1 else ''} overdue"


@register.filter
def overdue_words(action, today):
    """{{ action|overdue_words:today }} -> "12 days overdue", "Due in 5 days", "Done"... (meetings.rules)."""
    return _overdue_words(action, today)


@register.filter
def asked_of(action) -> str:
    """Who an action arising was asked of, as the minutes put it, else the user's name."""
    if action.owner_name:
        return action.owner_name
    if action.owner_id:
        return action.owner.get_full_name() or action.owner.get_username()
    return "Not recorded"


@register.filter
def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@register.filter
def govuk_time(value) -> str:
    """A datetime's local time the GOV.UK way: 2pm, 2:30pm, midday."""
    if not value:
        return ""
    local = timezone.localtime(value)
    if local.hour == 12 and local.minute == 0:
        return "midday"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


_MEETING_STATUS_TAGS = {"scheduled": "govuk-tag--blue", "held": "govuk-tag--green", "cancelled": "govuk-tag--grey"}
_MINUTES_STATUS_TAGS = {"draft": "govuk-tag--yellow", "approved": "govuk-tag--green"}
_ACTION_STATUS_TAGS = {
    "open": "govuk-tag--blue",
    "answered": "govuk-tag--purple",
    "done": "govuk-tag--green",
    "dropped": "govuk-tag--grey",
}


@register.filter
def meeting_status_class(status) -> str:
    return _MEETING_STATUS_TAGS.get(status, "govuk-tag--grey")


@register.filter
def minutes_status_class(status) -> str:
    return _MINUTES_STATUS_TAGS.get(status, "govuk-tag--grey")


@register.filter
def has_minutes(meeting) -> bool:
    return _has_minutes(meeting)


@register.filter
def minutes_words(meeting) -> str:
    return _minutes_words(meeting)


@register.filter
def action_status_class(action, today) -> str:
    """Red for an overdue open action arising, otherwise by status."""
    if _days_overdue(action, today):
        return "govuk-tag--red"
    return _ACTION_STATUS_TAGS.get(action.status, "govuk-tag--grey")


@register.filter
def resolution_wording(text) -> str:
    return _resolution_wording(text or "")
