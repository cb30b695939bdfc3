"""The visit briefs published from a visit, on the visit's page (improvement's inspection page), with a
link to publish one for clerks and admins (registered with core.panels from DashboardConfig.ready())."""

from django.template.loader import render_to_string

from dashboard.permissions import can_publish_briefs
from dashboard.queries import briefs_of_visit
from improvement.models import Inspection


def visit_briefs_panel(obj, reader=None) -> str:
    """One query for an inspection or visit page; none for anything else, or for a visit still planned."""
    if not isinstance(obj, Inspection) or obj.is_planned:
        return ""
    context = {
        "visit": obj,
        "briefs": briefs_of_visit(obj),
        "can_publish": reader is not None and can_publish_briefs(reader),
    }
    return render_to_string("dashboard/includes/visit_briefs_panel.html", context)
