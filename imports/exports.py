"""Downloads of the plan and of indicator values, in the layout the importers read, so
export-then-import changes nothing.

The Resources live with the models they export (improvement.exports, indicators.exports, on
core.exports' formula-safe base); this module answers the download requests."""

import re

from django.http import Http404, HttpResponse

from core import clock
from core.exports import FORMULA_STARTS, SafeResource, neutralise
from improvement.exports import ActionExportResource, plan_actions, plan_dataset, status_words, with_export_columns
from improvement.filters import ActionFilter
from improvement.models import Action, Plan
from improvement.queries import current_plan, filter_states, plan_as_at
from indicators.exports import MeasurementExportResource, indicators_dataset

__all__ = [
    "FORMULA_STARTS",
    "ActionExportResource",
    "MeasurementExportResource",
    "SafeResource",
    "indicators_dataset",
    "neutralise",
    "plan_actions",
    "plan_dataset",
    "status_words",
    "with_export_columns",
]

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _response(dataset, fmt, name):
    if fmt == "csv":
        body = "\ufeff" + dataset.export("csv")  # the BOM makes Excel read £ and é correctly
        response = HttpResponse(body.encode("utf-8"), content_type=CONTENT_TYPES["csv"])
    else:
        response = HttpResponse(dataset.export("xlsx"), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def plan_response(request, fmt):
    """The plan, or the plan page's filtered list (same GET parameters as the plan page's filters)."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    plan_id = request.GET.get("plan")
    if plan_id:
        # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
        plan = Plan.objects.filter(pk=int(plan_id)).first() if re.fullmatch(r"[0-9]{1,18}", plan_id) else None
    else:
        plan = current_plan()
    if plan is None:
        raise Http404("No plan")
    filterset = ActionFilter(request.GET or None, queryset=Action.objects.all(), plan=plan)
    states = filter_states(plan_as_at(plan, clock.today(), actions=filterset.qs), **filterset.state_filters)
    rag_by_id = {state.action.pk: state.rag for state in states}
    actions = [
        a for a in plan_actions(plan).filter(pk__in=list(rag_by_id)) if not setattr(a, "state_rag", rag_by_id[a.pk])
    ]
    dataset = ActionExportResource().export(queryset=actions)
    response = _response(dataset, fmt, f"plan-{plan.pk}-{clock.today():%Y-%m-%d}")
    response.exported_plan = plan  # for the view's audit entry: which plan was downloaded
    response.exported_rows = len(actions)
    return response


def indicators_response(request, fmt):
    if fmt not in CONTENT_TYPES:
        raise Http404
    return _response(indicators_dataset(), fmt, f"indicator-values-{clock.today():%Y-%m-%d}")
