from tests.access import READ_ALL, Rule
from tests.factories.indicators import IndicatorFactory

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
