"""Who may open each boards and meetings URL. Everyone with a role reads; clerks and admins change.

Invalid POSTs (empty forms) show the form again with errors to those allowed (200) and are refused
to everyone else (403), so nothing is saved by the access test itself.
"""

from tests.access import READ_ALL, Rule
from tests.factories.meetings import (
    AgendaItemFactory,
    BoardFactory,
    MeetingActionFactory,
    MeetingFactory,
    ResolutionFactory,
)
from tests.meetings.pack_access_rules import RULES as PACK_RULES

EDIT = {"admin": 200, "officer": 403, "other_officer": 403, "board": 403, "clerk": 200, "outsider": 403}


def _board(users):
    return {"pk": BoardFactory().pk}


def _meeting(users):
    return {"pk": MeetingFactory().pk}


def _item(users):
    return {"pk": AgendaItemFactory().pk}


def _item_on_the_record(users):
    return {"pk": ResolutionFactory().item_id}


def _resolution(users):
    return {"pk": ResolutionFactory().pk}


def _action(users):
    return {"pk": MeetingActionFactory().pk}


def _action_asked_of_the_officer(users):
    return {"pk": MeetingActionFactory(owner=users["officer"]).pk}


# The person asked answers (here the officer); clerks and admins answer for someone with no account.
ANSWER = {"admin": 200, "officer": 200, "other_officer": 403, "board": 403, "clerk": 200, "outsider": 403}


def _empty(users):
    return {}


def _edit_rules(url_name, kwargs):
    return [
        Rule(url_name, EDIT, kwargs=kwargs),
        Rule(url_name, EDIT, kwargs=kwargs, method="post", data=_empty, note="invalid POST: the form again, or 403"),
    ]


RULES = [
    Rule("meetings:board_list", READ_ALL),
    Rule("meetings:board_detail", READ_ALL, kwargs=_board),
    *_edit_rules("meetings:board_create", None),
    *_edit_rules("meetings:board_update", _board),
    *_edit_rules("meetings:meeting_create", _board),
    Rule("meetings:meeting_detail", READ_ALL, kwargs=_meeting),
    *_edit_rules("meetings:meeting_update", _meeting),
    *_edit_rules("meetings:item_create", _meeting),
    *_edit_rules("meetings:item_update", _item),
    Rule("meetings:item_delete", EDIT, kwargs=_item),
    Rule(
        "meetings:item_delete",
        EDIT,
        kwargs=_item_on_the_record,
        method="post",
        data=_empty,
        note="an item with a resolution is refused with a message (200), or 403",
    ),
    *_edit_rules("meetings:resolution_create", _item),
    *_edit_rules("meetings:resolution_update", _resolution),
    *_edit_rules("meetings:action_create", _meeting),
    Rule("meetings:action_register", READ_ALL),
    Rule("meetings:action_register", READ_ALL, query="board=1&owner=Nobody&kind=training&overdue=yes"),
    Rule("meetings:action_detail", READ_ALL, kwargs=_action),
    *_edit_rules("meetings:action_update", _action),
    *_edit_rules("meetings:action_respond", _action),
    Rule("meetings:action_answer", ANSWER, kwargs=_action_asked_of_the_officer),
    Rule(
        "meetings:action_answer",
        ANSWER,
        kwargs=_action_asked_of_the_officer,
        method="post",
        data=_empty,
        note="an empty answer: the form again with its error, or 403",
    ),
    Rule("meetings:action_answer", EDIT, kwargs=_action, note="asked of someone else: only clerks and admins"),
] + PACK_RULES
