from improvement.models import Plan, YouSaidWeDid
from tests.access import ADMIN_ONLY, READ_ALL, Rule
from tests.factories.improvement import (
    ActionFactory,
    InspectionFactory,
    InterventionEventFactory,
    PlanFactory,
    RecommendationFactory,
    ThemeFactory,
    VisitFindingFactory,
)

# Only the lead officer, a delegate or an admin may record progress. The action here is led by the
# officer persona, so the officer gets the form; another officer, board members and clerks are refused.
UPDATE_OWN_ACTION = {"admin": 200, "officer": 200, "other_officer": 403, "board": 403, "clerk": 403, "outsider": 403}


def _officers_action(users):
    return {"pk": ActionFactory(lead_officer=users["officer"]).pk}


def _a_plan(users):
    ActionFactory()  # the print view needs a plan to print (with none it is not found)
    return {}


RISK_EDIT = {"admin": 200, "officer": 200, "other_officer": 200, "board": 403, "clerk": 403, "outsider": 403}


def _a_risk(users):
    from improvement.models import Risk

    return {"pk": Risk.objects.create(title="Recruitment", likelihood=4, impact=4, owner_name="Head of HR").pk}


def _a_you_said(users):
    record = YouSaidWeDid.objects.create(
        theme=ThemeFactory(), said_by="Children in care council", what_was_said="Fewer changes of worker",
        said_on="2026-06-01",
    )  # fmt: skip
    return {"pk": record.pk}


RULES = [
    Rule("improvement:plan", READ_ALL),
    Rule("improvement:plan", READ_ALL, query="rag=red&sort=target_date&overdue=yes"),
    Rule("improvement:plan", READ_ALL, query="status=in_progress&page=2"),
    Rule("improvement:plan_print", READ_ALL, kwargs=_a_plan, note="every action on one page, never paged"),
    Rule("improvement:action_detail", READ_ALL, kwargs=lambda users: {"pk": ActionFactory().pk}),
    Rule("improvement:my_actions", READ_ALL),
    Rule("improvement:action_update", UPDATE_OWN_ACTION, kwargs=_officers_action),
    Rule(
        "improvement:action_update",
        UPDATE_OWN_ACTION,
        kwargs=_officers_action,
        method="post",
        data=lambda users: {"status": "in_progress"},
        note="invalid POST: allowed users see the form again with errors (200), others are refused",
    ),
    Rule("improvement:inspection_list", READ_ALL),
    Rule("improvement:inspection_detail", READ_ALL, kwargs=lambda users: {"pk": InspectionFactory().pk}),
    Rule("improvement:recommendation_detail", READ_ALL, kwargs=lambda users: {"pk": RecommendationFactory().pk}),
    Rule(
        "improvement:plan_delete",
        ADMIN_ONLY,
        kwargs=lambda users: {"pk": PlanFactory(status=Plan.Status.DRAFT).pk},
        note="only admins delete, and only a plan never made active",
    ),
    Rule(
        "improvement:plan_activate",
        ADMIN_ONLY,
        kwargs=lambda users: {"pk": PlanFactory(status=Plan.Status.DRAFT).pk},
        note="only admins make a plan active, after a confirmation naming the plan it replaces",
    ),
    Rule(
        "improvement:plan_activate",
        {**ADMIN_ONLY, "admin": 302},
        kwargs=lambda users: {"pk": PlanFactory(status=Plan.Status.DRAFT).pk},
        method="post",
        data=lambda users: {},
        note="the admin confirms and is sent to the plan; everyone else is refused",
    ),
    Rule(
        "improvement:plan_delete",
        {**ADMIN_ONLY, "admin": 302},
        kwargs=lambda users: {"pk": PlanFactory(status=Plan.Status.DRAFT).pk},
        method="post",
        data=lambda users: {},
        note="the admin deletes the draft and is sent to the plan; everyone else is refused",
    ),
    # Inspections, visits, findings, recommendations and intervention steps are entered by admins.
    Rule("improvement:inspection_create", ADMIN_ONLY),
    Rule("improvement:inspection_create", ADMIN_ONLY, method="post", data=lambda users: {"kind": "other"}),
    Rule("improvement:inspection_edit", ADMIN_ONLY, kwargs=lambda users: {"pk": InspectionFactory().pk}),
    Rule("improvement:recommendation_create", ADMIN_ONLY, kwargs=lambda users: {"pk": InspectionFactory().pk}),
    Rule("improvement:recommendation_edit", ADMIN_ONLY, kwargs=lambda users: {"pk": RecommendationFactory().pk}),
    Rule("improvement:finding_create", ADMIN_ONLY, kwargs=lambda users: {"pk": InspectionFactory().pk}),
    Rule("improvement:finding_edit", ADMIN_ONLY, kwargs=lambda users: {"pk": VisitFindingFactory().pk}),
    Rule("improvement:finding_delete", ADMIN_ONLY, kwargs=lambda users: {"pk": VisitFindingFactory().pk}),
    Rule(
        "improvement:finding_delete",
        {**ADMIN_ONLY, "admin": 302},
        kwargs=lambda users: {"pk": VisitFindingFactory().pk},
        method="post",
        data=lambda users: {},
        note="the admin deletes the finding and is sent to its visit; everyone else is refused",
    ),
    Rule("improvement:event_create", ADMIN_ONLY),
    Rule("improvement:event_edit", ADMIN_ONLY, kwargs=lambda users: {"pk": InterventionEventFactory().pk}),
    # The risks to delivery register (issue 17): everyone reads; officers and admins keep it.
    Rule("improvement:risk_list", READ_ALL),
    Rule("improvement:risk_detail", READ_ALL, kwargs=_a_risk),
    Rule("improvement:risk_create", RISK_EDIT),
    Rule("improvement:risk_create", RISK_EDIT, method="post", data=lambda users: {}, note="invalid POST: errors"),
    Rule("improvement:risk_update", RISK_EDIT, kwargs=_a_risk),
    Rule("improvement:risk_update", RISK_EDIT, kwargs=_a_risk, method="post", data=lambda users: {}),
    # "You said, we did" (issue 17): everyone reads; officers and admins keep it (the same roles as risks).
    Rule("improvement:you_said_list", READ_ALL),
    Rule("improvement:you_said_detail", READ_ALL, kwargs=_a_you_said),
    Rule("improvement:you_said_create", RISK_EDIT),
    Rule("improvement:you_said_create", RISK_EDIT, method="post", data=lambda users: {}, note="invalid POST: errors"),
    Rule("improvement:you_said_update", RISK_EDIT, kwargs=_a_you_said),
    Rule("improvement:you_said_update", RISK_EDIT, kwargs=_a_you_said, method="post", data=lambda users: {}),
]
