"""The permissions backend gives exactly what Django's ModelBackend gives, in one query instead of two."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from core.auth_backends import PermissionsInOneQueryBackend
from core.roles import ADMIN, BOARD_MEMBER, CLERK, OFFICER
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # no permission cache carried over


@pytest.mark.parametrize("role", [ADMIN, OFFICER, BOARD_MEMBER, CLERK, None])
def test_the_same_permissions_as_django_for_each_role_with_one_given_directly(role, django_assert_num_queries):
    user = UserFactory(role=role)
    user.user_permissions.add(Permission.objects.get(codename="view_logentry"))
    expected = ModelBackend().get_all_permissions(_fresh(user))

    reader = _fresh(user)
    with django_assert_num_queries(1):
        assert PermissionsInOneQueryBackend().get_all_permissions(reader) == expected
        assert PermissionsInOneQueryBackend().get_all_permissions(reader) == expected  # cached on the user
    assert "admin.view_logentry" in expected


def test_a_superuser_has_every_permission_and_an_inactive_user_none():
    superuser = UserFactory(is_superuser=True)
    inactive = UserFactory(role=ADMIN, is_active=False)
    backend = PermissionsInOneQueryBackend()

    assert backend.get_all_permissions(_fresh(superuser)) == ModelBackend().get_all_permissions(_fresh(superuser))
    assert len(backend.get_all_permissions(_fresh(superuser))) == Permission.objects.count()
    assert backend.get_all_permissions(_fresh(inactive)) == set()
    assert not _fresh(inactive).has_perm("core.use_admin_site")


def test_a_role_check_through_the_user_uses_it():
    admin, board = UserFactory(role=ADMIN), UserFactory(role=BOARD_MEMBER)
    assert _fresh(admin).has_perm("core.use_admin_site")
    assert not _fresh(board).has_perm("core.use_admin_site")
