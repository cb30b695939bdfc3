"""Pure filters for meetings pages and board packs (dates and times: core_tags' govuk_date and govuk_time).

None runs a query: related objects they read must be fetched by the view.
"""

from django import template
from django.utils.safestring import mark_safe

from core.formats import person_name
from meetings.rules import days_overdue as _days_overdue
from meetings.rules import has_minutes as _has_minutes
from meetings.rules import minutes_words as _minutes_words
from meetings.rules import overdue_words as _overdue_words
from meetings.rules import resolution_wording as _resolution_wording

register = template.Library()


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
def overdue_words(action_arising, today):
    """{{ action|overdue_words:today }} -> "12 days overdue", "Due in 5 days", "Done"... (meetings.rules)."""
    return _overdue_words(action_arising, today)


@register.filter
def asked_of(action_arising) -> str:
    """Who an action arising was asked of, as the minutes put it, else the user's name."""
    if action_arising.owner_name:
        return action_arising.owner_name
    if action_arising.owner_id:
        return person_name(action_arising.owner)
    return "Not recorded"


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
def action_status_class(action_arising, today) -> str:
    """Red for an overdue open action arising, otherwise by status."""
    if _days_overdue(action_arising, today):
        return "govuk-tag--red"
    return _ACTION_STATUS_TAGS.get(action_arising.status, "govuk-tag--grey")


@register.filter
def resolution_wording(text) -> str:
    return _resolution_wording(text or "")
