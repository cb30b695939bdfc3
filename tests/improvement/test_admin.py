import pytest
from django.urls import reverse

from tests.factories.improvement import (
    ActionUpdateFactory,
    InterventionEventFactory,
    RecommendationFactory,
    TargetDateRevisionFactory,
)

MODELS = [
    "inspection",
    "interventionevent",
    "recommendation",
    "plan",
    "theme",
    "action",
    "targetdaterevision",
    "actionupdate",
]


@pytest.fixture
def plan_data(db):
    update = ActionUpdateFactory()
    update.action.recommendations.add(RecommendationFactory())
    TargetDateRevisionFactory(action=update.action)
    InterventionEventFactory()
    return update


@pytest.mark.parametrize("model", MODELS)
def test_admin_changelist_and_change_page_open_for_an_admin(model, plan_data, admin_client_):
    changelist = admin_client_.get(reverse(f"admin:improvement_{model}_changelist"))
    assert changelist.status_code == 200
    obj = changelist.context["cl"].result_list[0]
    assert admin_client_.get(reverse(f"admin:improvement_{model}_change", args=[obj.pk])).status_code == 200
    assert admin_client_.get(reverse(f"admin:improvement_{model}_history", args=[obj.pk])).status_code == 200


def test_admin_cannot_add_progress_updates_outside_the_service(admin_client_, db):
    assert admin_client_.get(reverse("admin:improvement_actionupdate_add")).status_code == 403


def test_admin_exports_chosen_actions_in_the_importers_layout(plan_data, admin_client_):
    from import_export.formats.base_formats import CSV

    action = plan_data.action
    chosen = admin_client_.post(
        reverse("admin:improvement_action_changelist"),
        {"action": "export_admin_action", "_selected_action": [action.pk]},
    )
    assert chosen.status_code == 200 and b"Export" in chosen.content
    form = chosen.context["form"]
    csv_format = next(value for value, title in form.fields["format"].choices if title.lower() == CSV().get_title())
    every_column = {name: "on" for name in form.fields if name.startswith("actionexportresource_")}
    response = admin_client_.post(
        reverse("admin:improvement_action_export"),
        {"format": csv_format, "export_items": [action.pk], "resource": 0, **every_column},
    )
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Theme ref,Theme,Ref,Action")
    assert action.reference in body and plan_data.narrative.splitlines()[0] in body
