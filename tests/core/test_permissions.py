"""core.permissions: people without a role are refused before a view runs."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.views.decorators.http import require_POST

from core.permissions import service_user_required
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db


def _view_that_records(ran):
    def view(request):
        ran.append(request.user)
        return "answered"

    return view


def test_a_user_without_a_role_is_refused_before_the_view_runs():
    ran = []
    request = RequestFactory().get("/")
    request.user = UserFactory()  # signed in, no role

    with pytest.raises(PermissionDenied):
        service_user_required(_view_that_records(ran))(request)
    assert ran == []


def test_a_user_with_a_role_reaches_the_view(officer_user):
    ran = []
    request = RequestFactory().get("/")
    request.user = officer_user

    assert service_user_required(_view_that_records(ran))(request) == "answered"
    assert ran == [officer_user]


def test_require_post_outside_it_still_answers_first():
    request = RequestFactory().get("/")
    request.user = UserFactory()

    response = require_POST(service_user_required(_view_that_records([])))(request)

    assert response.status_code == 405
