from tests.access import ADMIN_ONLY, READ_ALL, Rule
from tests.factories.indicators import IndicatorFactory, TargetFactory

# Values are entered by the indicator's owner (the officer persona) or an admin; another officer is refused.
ENTRY_FOR_OWNER = {"admin": 200, "officer": 200, "other_officer": 403, "board": 403, "clerk": 403, "outsider": 403}
ENTRY_NOT_OWNER = {"admin": 200, "officer": 403, "other_officer": 403, "board": 403, "clerk": 403, "outsider": 403}


def _owned_by_officer(users):
    return {"pk": IndicatorFactory(owner=users["officer"]).pk}


def _owned_by_someone_else(users):
    return {"pk": IndicatorFactory(owner=users["admin"]).pk}


RULES = [
    Rule("indicators:scorecard", READ_ALL),
    Rule("indicators:indicator_detail", READ_ALL, kwargs=_owned_by_officer),
    Rule(
        "indicators:my_indicators",
        {**ENTRY_FOR_OWNER, "other_officer": 200},
        note="the list of indicators to enter values for: every officer has one (another officer's is empty)",
    ),
    Rule("indicators:measurement_entry", ENTRY_FOR_OWNER, kwargs=_owned_by_officer, note="the officer owns it"),
    Rule(
        "indicators:measurement_entry",
        ENTRY_NOT_OWNER,
        kwargs=_owned_by_someone_else,
        query="owner=other",
        note="another person's indicator: officers may not enter values for it",
    ),
    Rule(
        "indicators:measurement_entry",
        ENTRY_FOR_OWNER,
        kwargs=_owned_by_officer,
        method="post",
        data=lambda users: {"period": "2026-13-01", "value": "50"},
        note="POST with an invalid period: the form is shown again with an error (200), nothing saved",
    ),
]

RULES += [
    Rule("indicators:spc_baseline", ENTRY_FOR_OWNER, kwargs=_owned_by_officer, note="the owner sets the SPC baseline"),
    Rule(
        "indicators:spc_baseline",
        ENTRY_NOT_OWNER,
        kwargs=_owned_by_someone_else,
        query="owner=other",
        note="another person's indicator: officers may not change its baseline",
    ),
    Rule(
        "indicators:spc_baseline",
        ENTRY_FOR_OWNER,
        kwargs=_owned_by_officer,
        method="post",
        data=lambda users: {"baseline_points": "5"},
        note="POST with too short a baseline: the form is shown again with an error (200), nothing saved",
    ),
]


# Indicator definitions and targets (issue 17): admins keep them in the app; every other role is refused,
# and a refused POST changes nothing.
def _with_target(users):
    return {"pk": TargetFactory(indicator=IndicatorFactory(owner=users["officer"])).pk}


RULES += [
    Rule("indicators:definition_list", ADMIN_ONLY),
    Rule("indicators:definition_create", ADMIN_ONLY),
    Rule(
        "indicators:definition_create",
        ADMIN_ONLY,
        method="post",
        data=lambda users: {"code": "", "title": ""},
        note="POST with no code or name: the form is shown again with errors (200), nothing saved",
    ),
    Rule("indicators:definition_update", ADMIN_ONLY, kwargs=_owned_by_officer),
    Rule(
        "indicators:definition_update",
        ADMIN_ONLY,
        kwargs=_owned_by_officer,
        method="post",
        data=lambda users: {"code": "", "title": ""},
        note="POST with no code or name: shown again with errors, the indicator unchanged",
    ),
    Rule("indicators:target_list", ADMIN_ONLY, kwargs=_owned_by_officer),
    Rule("indicators:target_create", ADMIN_ONLY, kwargs=_owned_by_officer),
    Rule(
        "indicators:target_create",
        ADMIN_ONLY,
        kwargs=_owned_by_officer,
        method="post",
        data=lambda users: {"value": "not a number"},
        note="POST with no start date and a bad value: shown again with errors, no target added",
    ),
    Rule("indicators:target_update", ADMIN_ONLY, kwargs=_with_target),
    Rule(
        "indicators:target_update",
        ADMIN_ONLY,
        kwargs=_with_target,
        method="post",
        data=lambda users: {"tolerance": "-1"},
        note="POST with a negative tolerance: shown again with errors, the target unchanged",
    ),
]
