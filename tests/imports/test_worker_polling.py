"""The import status page's polling never keeps a session alive (issue 13 finding 4)."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from imports.models import ImportJob
from tests.factories.imports import ImportJobFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
LONDON = dt.timezone(dt.timedelta(0))


def _signed_in_admin(make_user):
    make_user("admin", username="ada")
    client = Client()
    assert client.post(reverse("login"), {"username": "ada", "password": PASSWORD}).status_code == 302
    return client


def _expiry(client):
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date


def test_polling_for_an_hour_does_not_keep_the_session_alive(make_user):
    job = ImportJobFactory(state=ImportJob.State.QUEUED, queued_for="preview")
    poll = reverse("imports:job_status_json", args=[job.pk])
    refresh = reverse("imports:job_status", args=[job.pk]) + "?refresh=1"
    with time_machine.travel(dt.datetime(2026, 12, 2, 8, 0, tzinfo=LONDON), tick=False) as traveller:
        client = _signed_in_admin(make_user)
        signed_in_expiry = _expiry(client)
        for _ in range(59):  # a status page left open: JavaScript polls, the no-script page reloads
            traveller.shift(dt.timedelta(minutes=1))
            response = client.get(poll)
            assert response.status_code == 200 and response.json()["state"] == "queued"
            assert settings.SESSION_COOKIE_NAME not in response.cookies  # no cookie pushed on either
            assert client.get(refresh).status_code == 200
        assert _expiry(client) == signed_in_expiry
        traveller.shift(dt.timedelta(minutes=2))  # 61 minutes after the person last did anything
        response = client.get(poll)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_opening_the_status_page_itself_still_counts_as_use(make_user):
    job = ImportJobFactory(state=ImportJob.State.QUEUED, queued_for="preview")
    with time_machine.travel(dt.datetime(2026, 12, 2, 8, 0, tzinfo=LONDON), tick=False) as traveller:
        client = _signed_in_admin(make_user)
        first = _expiry(client)
        traveller.shift(dt.timedelta(minutes=30))
        assert client.get(reverse("imports:job_status", args=[job.pk])).status_code == 200
        assert _expiry(client) == first + dt.timedelta(minutes=30)
