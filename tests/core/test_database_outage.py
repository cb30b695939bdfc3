"""While the database is down every request gets the GOV.UK 503 page, never a 500 or a traceback, and
/healthz says 503; a fault in the service itself (an IntegrityError) is still a 500.

"Down" is every query raising what psycopg raises when PostgreSQL refuses connections or is
restarting, through Django's execute_wrapper, so the real middleware, views and error handler run.
"""

from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from core.middleware import SIGNED_IN_AT, SessionMiddleware
from core.views import database_unavailable, server_error

pytestmark = pytest.mark.django_db

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'


@contextmanager
def database_down(error=OperationalError):
    def refuse(execute, sql, params, many, context):
        raise error(REFUSED)

    with connection.execute_wrapper(refuse):
        yield


def _client(user=None):
    # As a browser sees it: the handler's answer, not the exception the test client re-raises.
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _assert_outage_page(response):
    assert response.status_code == 503
    text = response.content.decode()
    assert "Sorry, the service is unavailable" in text
    assert "Try again in a minute" in text
    assert "Traceback" not in text and "OperationalError" not in text and "Connection refused" not in text
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    # Made where the exception was caught, maybe before the middleware that adds these ran.
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("role", ["admin", "officer", "board", "clerk"])
def test_a_signed_in_page_in_an_outage_is_the_503_page(make_user, role):
    client = _client(make_user(role))
    with database_down():
        response = client.get(reverse("home"))
    _assert_outage_page(response)


def test_a_form_posted_in_an_outage_is_the_503_page_and_the_page_does_not_say_who_is_signed_in(officer_user):
    client = _client(officer_user)
    with database_down():
        response = client.post(reverse("home"), {"anything": "x"})
    _assert_outage_page(response)
    # The header's name and sign-out form need the user, which is read through the database.
    assert "Sign out" not in response.content.decode()


def test_signing_in_during_an_outage_is_the_503_page(make_user):
    make_user("officer", username="in.the.outage")
    client = _client()
    client.get(reverse("login"))
    with database_down():
        response = client.post(reverse("login"), {"username": "in.the.outage", "password": "a-long-test-password"})
    _assert_outage_page(response)


def test_a_closed_connection_is_an_outage_too(officer_user):
    client = _client(officer_user)
    with database_down(InterfaceError):
        response = client.get(reverse("improvement:plan"))
    _assert_outage_page(response)


def test_the_service_answers_again_when_the_database_is_back(officer_user):
    client = _client(officer_user)
    with database_down():
        assert client.get(reverse("home")).status_code == 503
    assert client.get(reverse("home")).status_code == 200


def test_the_session_is_not_read_again_on_the_outage_page(officer_user):
    """The 9 requests that got 500 in the restart under load: the session had not loaded, and the idle
    touch in process_response tried the database again inside Django's error handling."""
    store = SessionStore()
    store[SIGNED_IN_AT] = 0
    store.create()
    request = RequestFactory().get("/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = store.session_key

    def view_that_fails_on_the_database(request):
        request.session.get(SIGNED_IN_AT)  # raises: the database is down
        return HttpResponse("unreachable")

    def handler(request):
        try:
            return view_that_fails_on_the_database(request)
        except OperationalError:
            return database_unavailable(request)

    with database_down():
        response = SessionMiddleware(handler)(request)
    assert response.status_code == 503


def test_the_error_handler_answers_503_for_an_outage_and_500_for_a_fault(rf):
    for error, status in [(OperationalError, 503), (InterfaceError, 503), (IntegrityError, 500)]:
        try:
            raise error("x")
        except error:
            response = server_error(rf.get("/"))
        assert response.status_code == status, error
    assert "Sorry, there is a problem with the service" in server_error(rf.get("/")).content.decode()


def test_healthz_is_503_while_every_query_fails(client):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert client.get("/healthz").json()["database"] == "ok"


def test_healthz_is_503_for_a_closed_connection(client, monkeypatch):
    def closed(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(connection, "ensure_connection", closed)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable", "worker": "unknown"}
