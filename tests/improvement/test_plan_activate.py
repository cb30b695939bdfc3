"""An admin makes an imported plan the active plan from the plan page, after a confirmation naming the
plan it replaces (issue 15); the replaced plan is closed, and both changes are in the audit log."""

import pytest
from django.urls import reverse

from core.models import AuditEntry
from improvement.models import Plan
from tests.factories.improvement import PlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans():
    old = PlanFactory(title="Improvement plan", version="v2", status=Plan.Status.ACTIVE)
    new = PlanFactory(title="Improvement plan", version="v3 (imported)", status=Plan.Status.DRAFT)
    return old, new


def test_the_plan_page_offers_it_and_the_confirmation_names_the_plan_it_replaces(admin_client_, plans):
    old, new = plans
    page = admin_client_.get(new.get_absolute_url()).content.decode()
    assert reverse("improvement:plan_activate", args=[new.pk]) in page
    assert (
        reverse("improvement:plan_activate", args=[old.pk])
        not in admin_client_.get(old.get_absolute_url()).content.decode()
    )
    confirm = admin_client_.get(reverse("improvement:plan_activate", args=[new.pk])).content.decode()
    assert "Make Improvement plan v3 (imported) the active plan?" in confirm
    assert "It replaces <strong>Improvement plan v2</strong> as the active plan." in confirm
    assert Plan.objects.get(pk=new.pk).status == Plan.Status.DRAFT  # nothing changes until confirmed


def test_confirming_makes_it_active_and_closes_the_old_one(admin_client_, plans):
    old, new = plans
    response = admin_client_.post(reverse("improvement:plan_activate", args=[new.pk]), follow=True)
    assert "Improvement plan v3 (imported) is now the active plan. It replaces Improvement plan v2" in (
        response.content.decode()
    )
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (Plan.Status.CLOSED, Plan.Status.ACTIVE)
    assert new.activated_on is not None
    entry = AuditEntry.objects.get(event="plan.activated")
    assert entry.summary == "Made Improvement plan v3 (imported) the active plan, replacing Improvement plan v2"
    assert new.history.first().history_change_reason == "Made the active plan"


def test_officers_cannot_and_an_active_plan_says_so(officer_client, admin_client_, plans):
    old, new = plans
    assert officer_client.get(reverse("improvement:plan_activate", args=[new.pk])).status_code == 403
    assert officer_client.post(reverse("improvement:plan_activate", args=[new.pk])).status_code == 403
    assert Plan.objects.get(pk=new.pk).status == Plan.Status.DRAFT
    response = admin_client_.post(reverse("improvement:plan_activate", args=[old.pk]))
    assert "Improvement plan v2 is already the active plan." in response.content.decode()
