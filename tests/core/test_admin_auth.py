"""Django admin's user pages are for a command-line superuser only: the Admin role manages accounts
on the Users page, where it cannot make anyone (itself included) a superuser."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from core.roles import ADMIN
from tests.factories.core import UserFactory


def test_admin_role_holds_no_auth_permissions(db):
    names = set(Group.objects.get(name=ADMIN).permissions.values_list("content_type__app_label", flat=True))
    assert "auth" not in names


def test_admin_role_holds_manage_users_but_cannot_edit_the_audit_log(admin_user):
    assert admin_user.has_perm("core.manage_users")
    assert admin_user.has_perm("core.view_auditentry")
    assert not admin_user.has_perm("core.change_auditentry")
    assert not admin_user.has_perm("core.delete_auditentry")


@pytest.mark.parametrize("path", ["/admin/auth/user/", "/admin/auth/user/add/", "/admin/auth/group/"])
def test_admin_role_cannot_open_django_admin_user_pages(admin_client_, path):
    assert admin_client_.get(path).status_code == 403


def test_admin_role_cannot_make_itself_superuser_through_django_admin(admin_client_, admin_user):
    url = f"/admin/auth/user/{admin_user.pk}/change/"
    assert admin_client_.get(url).status_code == 403
    response = admin_client_.post(
        url,
        {
            "username": admin_user.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser and not admin_user.is_staff
    assert admin_user.user_permissions.count() == 0


def test_django_admin_index_offers_the_admin_role_no_user_pages(admin_client_):
    html = admin_client_.get("/admin/").content.decode()
    assert "/admin/auth/" not in html


def test_a_command_line_superuser_keeps_django_admins_user_pages(db):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    assert client.get("/admin/auth/user/").status_code == 200
    assert client.get(f"/admin/auth/user/{root.pk}/change/").status_code == 200


def _change_form_data(client, user):
    page = client.get(f"/admin/auth/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value in (None, False) or name == "password":
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        elif value is True:
            data[name] = "on"
        elif hasattr(value, "strftime"):
            data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
        else:
            data[name] = str(getattr(value, "pk", value))
    return data


def test_a_superusers_changes_in_django_admin_are_audited_too(db):
    from core.models import AuditEntry
    from core.roles import BOARD_MEMBER, OFFICER

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    target = UserFactory(username="target", role=OFFICER)
    client = Client()
    client.force_login(root)
    data = _change_form_data(client, target)
    data.pop("is_active")
    data["is_superuser"] = "on"
    data["groups"] = [str(Group.objects.get(name=BOARD_MEMBER).pk)]
    response = client.post(f"/admin/auth/user/{target.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    entries = {e.event: e for e in AuditEntry.objects.filter(subject_id=str(target.pk))}
    assert set(entries) == {"user.deactivated", "user.superuser_changed", "user.role_changed"}
    assert {e.actor for e in entries.values()} == {root}
    assert entries["user.role_changed"].detail == {"old": OFFICER, "new": BOARD_MEMBER}
