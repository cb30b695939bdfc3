"""A plan never made active may be deleted whole by an admin (undoing a mistaken import), and the
deletion is written to the audit log. Any other plan keeps its records."""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from improvement.models import Action, ActionUpdate, Plan, TargetDateRevision, Theme
from improvement.services import PlanNotDeletableError, delete_unactivated_plan
from tests.factories.core import UserFactory
from tests.factories.improvement import (
    ActionFactory,
    ActionUpdateFactory,
    PlanFactory,
    TargetDateRevisionFactory,
    ThemeFactory,
)


def text_of(response):
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _filled(plan):
    """Two themes, three actions, two updates (one correcting the other) and a date revision."""
    first, second = ThemeFactory(plan=plan, reference="1"), ThemeFactory(plan=plan, reference="2")
    action = ActionFactory(theme=first, reference="1.1")
    ActionFactory(theme=first, reference="1.2")
    ActionFactory(theme=second, reference="2.1")
    wrong = ActionUpdateFactory(action=action, narrative="Wrong figures")
    ActionUpdateFactory(action=action, narrative="Right figures", corrects=wrong)
    TargetDateRevisionFactory(action=action)
    return plan


@pytest.fixture
def draft_plan(db):
    return _filled(PlanFactory(title="Imported plan", version="v2", status=Plan.Status.DRAFT))


def _nothing_left_of(plan_pk):
    return (
        not Plan.objects.filter(pk=plan_pk).exists()
        and not Theme.objects.filter(plan_id=plan_pk).exists()
        and not Action.objects.filter(theme__plan_id=plan_pk).exists()
        and not ActionUpdate.objects.exists()
        and not TargetDateRevision.objects.exists()
    )


def test_a_plan_never_made_active_is_deleted_whole_and_the_deletion_is_audited(draft_plan, admin_user):
    pk = draft_plan.pk

    counts = delete_unactivated_plan(plan=draft_plan, by=admin_user)

    assert counts == {"themes": 2, "actions": 3, "updates": 2, "revisions": 1}
    assert _nothing_left_of(pk)
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.actor, entry.subject_type, entry.subject_id) == (
        "plan.deleted",
        admin_user,
        "improvement.plan",
        str(pk),
    )
    assert entry.subject_name == "Imported plan v2"
    assert entry.detail == counts
    assert "3 actions, 2 progress updates and 1 target date revisions" in entry.summary


@pytest.mark.parametrize("status", [Plan.Status.ACTIVE, Plan.Status.CLOSED])
def test_a_plan_that_has_been_in_force_is_refused_and_nothing_changes(status, admin_user):
    plan = _filled(PlanFactory(status=status))

    with pytest.raises(PlanNotDeletableError, match="part of the record"):
        delete_unactivated_plan(plan=plan, by=admin_user)

    assert Action.objects.filter(theme__plan=plan).count() == 3
    assert ActionUpdate.objects.count() == 2
    assert not AuditEntry.objects.exists()


def test_a_draft_that_was_once_active_is_refused(admin_user):
    plan = _filled(PlanFactory(status=Plan.Status.ACTIVE))
    plan.status = Plan.Status.DRAFT
    plan.save()

    with pytest.raises(PlanNotDeletableError):
        delete_unactivated_plan(plan=plan, by=admin_user)
    assert Plan.objects.filter(pk=plan.pk).exists() and ActionUpdate.objects.count() == 2


@time_machine.travel(datetime.datetime(2026, 5, 4, 12, 0), tick=False)
def test_making_a_plan_active_records_the_day_and_it_is_never_cleared(db):
    plan = PlanFactory(status=Plan.Status.DRAFT)
    assert plan.activated_on is None
    stale_copy = Plan.objects.get(pk=plan.pk)

    plan.status = Plan.Status.ACTIVE
    plan.save(update_fields=["status"])
    stale_copy.status = Plan.Status.DRAFT
    stale_copy.save()  # read before activation, as a history revert would be

    assert Plan.objects.get(pk=plan.pk).activated_on == datetime.date(2026, 5, 4)


def test_the_migration_marks_plans_active_now_or_in_their_history(db):
    from django.apps import apps

    migration = __import__(
        "improvement.migrations.0002_protect_records_and_plan_activated_on", fromlist=["record_when_plans_were_active"]
    )
    was_active = PlanFactory(status=Plan.Status.ACTIVE, start_date=datetime.date(2025, 4, 1))
    was_active.status = Plan.Status.CLOSED
    was_active.save()
    never = PlanFactory(status=Plan.Status.DRAFT)
    Plan.objects.update(activated_on=None)  # as before the field existed

    migration.record_when_plans_were_active(apps, None)

    first_active = was_active.history.filter(status="active").earliest("history_date").history_date.date()
    assert Plan.objects.get(pk=was_active.pk).activated_on == first_active
    assert Plan.objects.get(pk=never.pk).activated_on is None


def test_a_record_outside_the_plan_that_protects_it_stops_the_deletion_and_nothing_changes(
    draft_plan, admin_user, monkeypatch
):
    # Nothing in today's schema protects a draft plan's structure from outside; a later one might
    # (an action carried into a newer plan, say). Stand in for it with the collector's refusal.
    theme = draft_plan.themes.first()

    def refusing_delete(self, *args, **kwargs):
        raise ProtectedError("protected", {theme})

    monkeypatch.setattr(Plan, "delete", refusing_delete)

    with pytest.raises(PlanNotDeletableError, match="other records refer to it: 1. Children"):
        delete_unactivated_plan(plan=draft_plan, by=admin_user)

    assert ActionUpdate.objects.count() == 2 and TargetDateRevision.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_deleting_a_plan_that_has_been_active_through_the_orm_is_protected(db):
    plan = _filled(PlanFactory(status=Plan.Status.ACTIVE))
    with pytest.raises(ProtectedError):
        plan.delete()
    with pytest.raises(ProtectedError):
        plan.themes.first().delete()
    with pytest.raises(ProtectedError):
        Action.objects.get(reference="1.1").delete()
    assert ActionUpdate.objects.count() == 2 and TargetDateRevision.objects.count() == 1


# The page


def _page(plan):
    return reverse("improvement:plan_delete", args=[plan.pk])


def test_the_admin_sees_what_will_be_deleted_and_deletes_it(draft_plan, admin_client_, admin_user):
    page = admin_client_.get(_page(draft_plan))
    words = text_of(page)
    assert "Delete Imported plan v2?" in words
    assert "Themes 2 Actions 3 Progress updates 2 Target date revisions 1" in words

    response = admin_client_.post(_page(draft_plan), follow=True)

    assert response.redirect_chain[-1][0] == reverse("improvement:plan")
    assert "Imported plan v2 has been deleted, with everything in it." in text_of(response)
    assert not Plan.objects.exists()
    assert AuditEntry.objects.get().actor == admin_user


def test_the_page_refuses_a_plan_that_has_been_active_with_a_clear_message(admin_client_):
    plan = _filled(PlanFactory(title="Live plan", version="v1", status=Plan.Status.ACTIVE))

    page = admin_client_.get(_page(plan))
    assert "Live plan v1 cannot be deleted" in text_of(page)
    assert "Delete the plan" not in text_of(page)

    response = admin_client_.post(_page(plan))
    assert response.status_code == 200
    assert "There is a problem Live plan v1 has been in use, so it is part of the record" in text_of(response)
    assert Plan.objects.filter(pk=plan.pk).exists() and ActionUpdate.objects.count() == 2


@pytest.mark.parametrize("role", ["officer", "board", "clerk", "outsider"])
def test_nobody_but_an_admin_may_delete_a_plan(role, role_clients, draft_plan):
    client = role_clients[role][1]
    assert client.get(_page(draft_plan)).status_code == 403
    assert client.post(_page(draft_plan)).status_code == 403
    assert Plan.objects.filter(pk=draft_plan.pk).exists() and ActionUpdate.objects.count() == 2


def test_a_visitor_is_sent_to_sign_in_and_nothing_is_deleted(draft_plan):
    response = Client().post(_page(draft_plan))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Plan.objects.filter(pk=draft_plan.pk).exists()


def test_the_plan_page_links_to_deletion_only_for_admins_and_plans_never_active(
    draft_plan, admin_client_, officer_client
):
    active = PlanFactory(title="Live plan", status=Plan.Status.ACTIVE)
    link = f'href="{_page(draft_plan)}"'

    assert link in admin_client_.get(draft_plan.get_absolute_url()).content.decode()
    assert link not in officer_client.get(draft_plan.get_absolute_url()).content.decode()
    assert "Delete this plan" not in admin_client_.get(active.get_absolute_url()).content.decode()


# Django admin goes through the same page and service


def test_django_admins_delete_for_a_plan_goes_to_the_services_confirmation_page(draft_plan, admin_client_):
    response = admin_client_.post(reverse("admin:improvement_plan_delete", args=[draft_plan.pk]), {"post": "yes"})

    assert response.status_code == 302 and response["Location"] == _page(draft_plan)
    assert Plan.objects.filter(pk=draft_plan.pk).exists()


def test_django_admin_offers_no_delete_for_an_active_plan_and_no_bulk_delete(admin_client_, db):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    superuser_client = Client()
    superuser_client.force_login(superuser)
    plan = _filled(PlanFactory(status=Plan.Status.ACTIVE))

    for client in (admin_client_, superuser_client):
        change_page = client.get(reverse("admin:improvement_plan_change", args=[plan.pk]))
        assert reverse("admin:improvement_plan_delete", args=[plan.pk]) not in change_page.content.decode()
        changelist = client.get(reverse("admin:improvement_plan_changelist"))
        assert "delete_selected" not in changelist.content.decode()
        client.post(
            reverse("admin:improvement_plan_changelist"),
            {"action": "delete_selected", "_selected_action": [plan.pk], "post": "yes"},
        )
    assert Plan.objects.filter(pk=plan.pk).exists() and ActionUpdate.objects.count() == 2
