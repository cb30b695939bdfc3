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
