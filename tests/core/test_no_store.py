"""Nothing shown to a signed-in person is kept by a browser cache or a proxy."""

import pytest
from django.urls import reverse

from tests.factories.improvement import PlanFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["admin", "officer", "board", "clerk", "outsider"])
def test_pages_for_signed_in_people_are_not_stored(role_clients, role):
    _, client = role_clients[role]
    response = client.get(reverse("home"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_downloads_are_not_stored(admin_client_):
    PlanFactory()
    response = admin_client_.get(reverse("imports:export_plan", kwargs={"fmt": "csv"}))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
