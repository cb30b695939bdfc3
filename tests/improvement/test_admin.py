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
