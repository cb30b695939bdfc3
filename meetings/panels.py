"""The written updates an item's page shows: actions arising about a plan action, a recommendation or an
indicator, with their answers (registered with core.panels from MeetingsConfig.ready())."""

from django.template.loader import render_to_string

from core import clock
from improvement.models import Action, Recommendation
from indicators.models import Indicator
from meetings.queries import answers_about


def _link_for(obj) -> dict | None:
    if isinstance(obj, Action):
        return {"plan_action": obj}
    if isinstance(obj, Recommendation):
        return {"recommendation": obj}
    if isinstance(obj, Indicator):
        return {"indicator": obj}
    return None


def board_requests_panel(obj) -> str:
    """One query for an action, recommendation or indicator page; none for anything else. Rendered only
    when a board has asked about the item."""
    link = _link_for(obj)
    if link is None:
        return ""
    requests = answers_about(**link)
    if not requests:
        return ""
    context = {"requests": requests, "today": clock.today()}
    return render_to_string("meetings/includes/board_requests_panel.html", context)
