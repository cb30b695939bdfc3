"""Permanent records (progress updates, date revisions, published packs, the import log, the audit
log) cannot be edited or deleted: not in Django admin (as the Admin role or a superuser), not by
a role's permissions, not through the ORM, and not by deleting what they belong to."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from core import audit
from core.models import AuditEntry
from core.records import PermanentRecordError
from core.roles import PERMANENT_RECORDS
from imports.models import ImportChange
from improvement.models import ActionUpdate, TargetDateRevision
from meetings.models import PublishedPack
from tests.factories.core import UserFactory
from tests.factories.imports import ImportJobFactory
from tests.factories.improvement import ActionUpdateFactory, TargetDateRevisionFactory
from tests.factories.indicators import MeasurementFactory
from tests.factories.meetings import MeetingFactory


def _pack(meeting=None):
    meeting = meeting or MeetingFactory()
    return PublishedPack.objects.create(
        meeting=meeting, as_at=meeting.date, published_by_name="Cara Clerk", content={"a": 1}, html="<p>Pack</p>"
    )


def _import_change():
    job = ImportJobFactory(state="done")
    return ImportChange.objects.create(job=job, kind="created", object_type="Action", object_id=1, object_label="1.1")


# model, a builder, a text field to try changing
RECORDS = {
    "actionupdate": (ActionUpdate, lambda: ActionUpdateFactory(), "narrative"),
    "targetdaterevision": (TargetDateRevision, lambda: TargetDateRevisionFactory(), "reason"),
    "publishedpack": (PublishedPack, _pack, "published_by_name"),
    "auditentry": (AuditEntry, lambda: audit.record(None, "export.downloaded", summary="Plan export"), "summary"),
    "importchange": (ImportChange, _import_change, "object_label"),
}
ADMIN_URLS = {
    "actionupdate": "improvement_actionupdate",
    "targetdaterevision": "improvement_targetdaterevision",
    "publishedpack": "meetings_publishedpack",
    "auditentry": "core_auditentry",
}


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(UserFactory(is_superuser=True, is_staff=True, username="sam.superuser"))
    return client


@pytest.fixture(params=["admin role", "superuser"])
def any_admin_client(request, admin_client_, superuser_client):
    return admin_client_ if request.param == "admin role" else superuser_client


@pytest.mark.parametrize("key", ADMIN_URLS)
def test_django_admin_shows_a_record_but_cannot_add_change_or_delete_it(key, any_admin_client):
    model, build, field = RECORDS[key]
    record = build()
    before = getattr(record, field)
    name = ADMIN_URLS[key]

    assert any_admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert any_admin_client.get(reverse(f"admin:{name}_change", args=[record.pk])).status_code == 200
    assert any_admin_client.get(reverse(f"admin:{name}_add")).status_code == 403
    changed = any_admin_client.post(reverse(f"admin:{name}_change", args=[record.pk]), {field: "Rewritten"})
    assert changed.status_code == 403
    assert any_admin_client.get(reverse(f"admin:{name}_delete", args=[record.pk])).status_code == 403
    assert any_admin_client.post(reverse(f"admin:{name}_delete", args=[record.pk]), {"post": "yes"}).status_code == 403
    changelist = any_admin_client.get(reverse(f"admin:{name}_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    any_admin_client.post(
        reverse(f"admin:{name}_changelist"),
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
    )

    assert getattr(model.objects.get(pk=record.pk), field) == before


@pytest.mark.parametrize("key", ["actionupdate", "targetdaterevision", "publishedpack"])
def test_reverting_a_record_to_a_version_from_its_history_is_refused(key, any_admin_client):
    # simple_history's revert page saves on POST with only view permission; the record refuses.
    model, build, field = RECORDS[key]
    record = build()
    version = record.history.get()
    url = reverse(f"admin:{ADMIN_URLS[key]}_simple_history", args=[record.pk, version.history_id])

    assert any_admin_client.get(url).status_code == 200
    assert any_admin_client.post(url, {field: "Rewritten"}).status_code == 403
    assert model.objects.get(pk=record.pk).history.count() == 1


def test_the_audit_log_is_readable_in_django_admin(admin_client_, admin_user):
    audit.record(admin_user, "plan.deleted", summary="Deleted Imported plan v2")

    page = admin_client_.get(reverse("admin:core_auditentry_changelist")).content.decode()

    assert "Plan deleted" in page and "Deleted Imported plan v2" in page and "alice.admin" in page


@pytest.mark.parametrize("key", RECORDS)
def test_the_orm_refuses_to_change_or_delete_a_record(key, db):
    model, build, field = RECORDS[key]
    record = build()
    before = getattr(record, field)

    setattr(record, field, "Rewritten")
    with pytest.raises(PermanentRecordError, match="permanent records and cannot be changed"):
        record.save()
    with pytest.raises(PermanentRecordError, match="cannot be deleted"):
        record.delete()
    with pytest.raises(PermanentRecordError):
        model.objects.filter(pk=record.pk).update(**{field: "Rewritten"})
    with pytest.raises(PermanentRecordError):
        model.objects.filter(pk=record.pk).delete()
    copy = model.objects.get(pk=record.pk)
    copy.pk = record.pk
    copy._state.adding = True  # a fresh instance given an existing row's id would overwrite it
    with pytest.raises(PermanentRecordError):
        copy.save()

    assert getattr(model.objects.get(pk=record.pk), field) == before


def test_a_refusal_reaches_a_person_as_forbidden_not_as_a_server_error():
    assert issubclass(PermanentRecordError, PermissionDenied)


def test_new_records_are_still_written(db):
    ActionUpdateFactory()
    TargetDateRevisionFactory()
    assert ActionUpdate.objects.count() == 1 and TargetDateRevision.objects.count() == 1


def test_no_role_is_given_change_or_delete_on_a_record(db):
    granted = {
        f"{p.content_type.app_label}.{p.codename}"
        for group in Group.objects.prefetch_related("permissions__content_type")
        for p in group.permissions.all()
    }
    record_permissions = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
        if f"{p.content_type.app_label}.{p.content_type.model}" in PERMANENT_RECORDS
    }
    forbidden = {name for name in record_permissions if name.split(".")[1].split("_")[0] in {"change", "delete"}}

    assert len(forbidden) == 2 * len(PERMANENT_RECORDS)
    assert granted & forbidden == set()
    # Admins still read them, add progress as everyone does, and maintain the plan.
    assert {"improvement.view_actionupdate", "core.view_auditentry", "improvement.delete_plan"} <= granted


# Deleting what a record belongs to


def test_a_meeting_with_a_published_pack_cannot_be_deleted_and_admin_says_why(admin_client_):
    pack = _pack()
    url = reverse("admin:meetings_meeting_delete", args=[pack.meeting_id])

    page = admin_client_.get(url)
    admin_client_.post(url, {"post": "yes"})

    assert page.status_code == 200
    assert "would require deleting the following protected related objects" in page.content.decode()
    assert "Pack for Children" in page.content.decode()
    assert PublishedPack.objects.filter(pk=pack.pk).exists()
    with pytest.raises(ProtectedError):
        pack.meeting.delete()


def test_an_action_with_progress_cannot_be_deleted_and_admin_says_why(admin_client_):
    update = ActionUpdateFactory()
    url = reverse("admin:improvement_action_delete", args=[update.action_id])

    page = admin_client_.get(url)
    admin_client_.post(url, {"post": "yes"})

    assert "would require deleting the following protected related objects" in page.content.decode()
    assert ActionUpdate.objects.filter(pk=update.pk).exists()


def test_an_indicator_with_values_cannot_be_deleted_and_admin_says_why(admin_client_):
    measurement = MeasurementFactory()
    url = reverse("admin:indicators_indicator_delete", args=[measurement.indicator_id])

    page = admin_client_.get(url)
    admin_client_.post(url, {"post": "yes"})

    assert "would require deleting the following protected related objects" in page.content.decode()
    assert measurement.indicator.measurements.get() == measurement
    with pytest.raises(ProtectedError):
        measurement.indicator.delete()


def test_a_published_pack_keeps_a_history_of_who_published_it(db, clerk_user):
    from meetings.services import publish_pack

    pack = publish_pack(meeting=MeetingFactory(), published_by=clerk_user)

    history = pack.history.get()
    assert (history.history_type, history.published_by_name) == ("+", clerk_user.get_full_name())
