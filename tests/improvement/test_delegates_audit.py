"""Changing who may update an action (its delegates) leaves an audit entry naming who, when, old and new."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEntry
from tests.factories.core import UserFactory
from tests.factories.improvement import ActionFactory

MOMENT = datetime.datetime(2026, 11, 20, 10, 30, tzinfo=datetime.UTC)


def _entries(after=0):
    return list(AuditEntry.objects.filter(event="action.delegates_changed", pk__gt=after).order_by("id"))


def _last_entry_id():
    # The audit log is permanent (it cannot be emptied), so a test reads only what came after this.
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _form_data(form):
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v.pk if hasattr(v, "pk") else v) for v in value]
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        elif value is True:
            data[name] = "on"
        else:
            data[name] = str(getattr(value, "pk", value))
    return data


def _admin_change_data(client, action):
    """What Django admin's change form for the action would post back unchanged."""
    page = client.get(reverse("admin:improvement_action_change", args=[action.pk]))
    assert page.status_code == 200
    data = _form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in _form_data(formset.management_form).items()})
    return data


@pytest.fixture
def people(db):
    return {
        "jo": UserFactory(username="jo", first_name="Jo", last_name="Bloggs", role="Officer"),
        "sam": UserFactory(username="sam", first_name="Sam", last_name="Smith", role="Officer"),
        "pat": UserFactory(username="pat", first_name="Pat", last_name="Lee", role="Officer"),
    }


@time_machine.travel(MOMENT, tick=False)
def test_django_admin_change_of_delegates_is_one_entry_old_to_new(admin_client_, admin_user, people):
    action = ActionFactory(reference="2.3")
    action.delegates.add(people["jo"], people["sam"])
    before = _last_entry_id()

    data = _admin_change_data(admin_client_, action)
    data["delegates"] = [str(people["jo"].pk), str(people["pat"].pk)]
    response = admin_client_.post(reverse("admin:improvement_action_change", args=[action.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    [entry] = _entries(after=before)
    assert entry.actor == admin_user and entry.at == MOMENT
    assert (entry.subject_type, entry.subject_id) == ("improvement.action", str(action.pk))
    assert entry.detail["before"] == ["Jo Bloggs", "Sam Smith"]
    assert entry.detail["after"] == ["Jo Bloggs", "Pat Lee"]
    assert (entry.detail["added"], entry.detail["removed"]) == (["Pat Lee"], ["Sam Smith"])
    assert entry.summary == "Added Pat Lee; removed Sam Smith. May now update: Jo Bloggs, Pat Lee."


def test_saving_the_admin_form_without_changing_delegates_records_nothing(admin_client_, people):
    action = ActionFactory()
    action.delegates.add(people["jo"])
    before = _last_entry_id()
    data = _admin_change_data(admin_client_, action)
    assert admin_client_.post(reverse("admin:improvement_action_change", args=[action.pk]), data).status_code == 302
    assert _entries(after=before) == []


def test_code_that_adds_removes_or_clears_delegates_is_recorded(people):
    action = ActionFactory()
    action.delegates.add(people["jo"])
    action.delegates.remove(people["jo"])
    action.delegates.set([people["sam"], people["pat"]])
    action.delegates.clear()
    summaries = [e.summary for e in _entries()]
    assert summaries == [
        "Added Jo Bloggs. May now update: Jo Bloggs.",
        "Removed Jo Bloggs. May now update: nobody.",
        "Added Sam Smith, Pat Lee. May now update: Sam Smith, Pat Lee.",
        "Removed Sam Smith, Pat Lee. May now update: nobody.",
    ]
    # No request, so nobody signed in: the entry says the system did it.
    assert {e.actor_name for e in _entries()} == {"system"}


def test_changes_from_the_users_side_of_the_relation_are_recorded(people):
    first, second = ActionFactory(reference="1.1"), ActionFactory(reference="1.2")
    people["jo"].delegated_actions.add(first, second)
    people["jo"].delegated_actions.clear()
    entries = _entries()
    assert sorted((e.subject_id, e.detail["added"], e.detail["removed"]) for e in entries) == sorted(
        [
            (str(first.pk), ["Jo Bloggs"], []),
            (str(second.pk), ["Jo Bloggs"], []),
            (str(first.pk), [], ["Jo Bloggs"]),
            (str(second.pk), [], ["Jo Bloggs"]),
        ]
    )


def test_delegate_changes_show_on_the_audit_page(admin_client_, people):
    action = ActionFactory(reference="4.2", title="Reduce caseloads")
    action.delegates.add(people["jo"])
    html = admin_client_.get(reverse("audit:log"), {"event": "action.delegates_changed"}).content.decode()
    assert "Delegates changed" in html and "Added Jo Bloggs" in html


def test_adding_from_the_users_side_an_action_they_already_have_records_nothing(people):
    # Django sends post_add with an empty pk_set when every action was already there; that must not
    # be read as "the actions cleared earlier" and recorded as a second, untrue "added".
    first, second = ActionFactory(reference="1.1"), ActionFactory(reference="1.2")
    jo = people["jo"]
    jo.delegated_actions.add(first, second)
    jo.delegated_actions.clear()
    jo.delegated_actions.add(first)
    before = _last_entry_id()
    jo.delegated_actions.add(first)
    assert _entries(after=before) == []
