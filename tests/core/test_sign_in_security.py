"""Sign-in behind a proxy, password-reset throttling and the session's absolute lifetime."""

import datetime as dt

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.urls import reverse

from core.network import client_ip

PASSWORD = "a-long-test-password"
LONDON = dt.timezone(dt.timedelta(0))  # 2 December is GMT


def _request(remote="10.0.0.2", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


# Client address


def test_without_a_proxy_the_forwarded_header_is_ignored(settings):
    settings.BEHIND_TLS_PROXY = False
    assert client_ip(_request(forwarded="203.0.113.9")) == "10.0.0.2"


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # The client wrote the left-hand entry itself: only the one our proxy added counts.
        (1, "192.0.2.1, 203.0.113.9", "203.0.113.9"),
        (2, "192.0.2.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (1, "2001:db8::1", "2001:db8::1"),
        # Fewer entries than proxies, no header, or rubbish: the proxy's own address, never a guess.
        (2, "203.0.113.9", "10.0.0.2"),
        (1, None, "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
    ],
)
def test_behind_a_proxy_the_client_is_the_entry_the_proxies_added(settings, proxies, forwarded, expected):
    settings.BEHIND_TLS_PROXY = True
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(_request(forwarded=forwarded)) == expected


def _sign_in(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=address)


@pytest.mark.django_db
def test_behind_a_proxy_failed_sign_ins_from_one_person_do_not_lock_out_another(make_user, settings):
    settings.BEHIND_TLS_PROXY = True
    make_user("officer", username="target")
    attacker = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(attacker, "target", "wrong", "203.0.113.66")

    assert _sign_in(attacker, "target", PASSWORD, "203.0.113.66").status_code == 429
    # The real user comes through the same proxy (same REMOTE_ADDR) from their own address.
    response = _sign_in(Client(REMOTE_ADDR="10.0.0.2"), "target", PASSWORD, "198.51.100.7")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_without_a_proxy_a_forged_forwarded_header_does_not_escape_the_lockout(make_user, settings):
    settings.BEHIND_TLS_PROXY = False
    make_user("officer", username="target")
    client = Client(REMOTE_ADDR="203.0.113.66")
    for number in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "target", "wrong", f"192.0.2.{number}")
    response = _sign_in(client, "target", PASSWORD, "192.0.2.200")
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()


# Password-reset throttle

THROTTLED = "You have asked for too many password reset links. Wait 60 minutes, then try again."


def _reset(client, email, address="203.0.113.5"):
    return client.post(reverse("password_reset"), {"email": email}, HTTP_X_FORWARDED_FOR=address)


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_TLS_PROXY = True
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 3
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 10
    return settings


@pytest.mark.django_db
def test_password_reset_requests_for_one_email_are_limited(client, make_user, mailoutbox, behind_proxy, caplog):
    make_user("officer", username="forgetful", email="forgetful@example.gov.uk")
    for _ in range(3):
        assert _reset(client, "forgetful@example.gov.uk").status_code == 302
    # Another address, and the email in capitals: still the same email.
    response = _reset(client, "Forgetful@Example.gov.uk", address="198.51.100.7")

    assert response.status_code == 429
    html = response.content.decode()
    assert "There is a problem" in html and THROTTLED in html
    assert len(mailoutbox) == 3
    # Operators see the address that was throttled, never the email (which may be someone's guess).
    assert "Password reset throttled for client address 198.51.100.7" in caplog.text
    assert "forgetful" not in caplog.text.lower()


@pytest.mark.django_db
def test_the_throttled_answer_says_a_one_minute_wait_in_the_singular(client, behind_proxy):
    behind_proxy.PASSWORD_RESET_LIMIT_PER_EMAIL = 1
    behind_proxy.PASSWORD_RESET_WINDOW = dt.timedelta(minutes=1)
    _reset(client, "someone@example.gov.uk")
    html = _reset(client, "someone@example.gov.uk").content.decode()
    assert "Wait 1 minute, then try again." in html


@pytest.mark.django_db
def test_the_throttled_answer_does_not_say_whether_the_account_exists(client, make_user, mailoutbox, behind_proxy):
    make_user("officer", username="known", email="known@example.gov.uk")
    answers = {}
    for email in ("known@example.gov.uk", "nobody@example.gov.uk"):
        for _ in range(3):
            assert _reset(client, email).status_code == 302
        response = _reset(client, email)
        answers[email] = (response.status_code, response.content.decode().replace(email, "EMAIL"))
    assert answers["known@example.gov.uk"][0] == answers["nobody@example.gov.uk"][0] == 429

    def without_csrf(html):
        return "\n".join(line for line in html.splitlines() if "csrfmiddlewaretoken" not in line)

    assert without_csrf(answers["known@example.gov.uk"][1]) == without_csrf(answers["nobody@example.gov.uk"][1])
    assert len(mailoutbox) == 3


@pytest.mark.django_db
def test_password_reset_requests_from_one_address_are_limited(client, make_user, mailoutbox, behind_proxy):
    make_user("officer", username="forgetful", email="forgetful@example.gov.uk")
    for number in range(10):
        assert _reset(client, f"guess{number}@example.gov.uk").status_code == 302
    assert THROTTLED in _reset(client, "forgetful@example.gov.uk").content.decode()
    assert mailoutbox == []
    # Someone else behind the same proxy is not held up.
    assert _reset(client, "forgetful@example.gov.uk", address="198.51.100.7").status_code == 302
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_password_reset_is_allowed_again_when_the_window_has_passed(client, make_user, mailoutbox, behind_proxy):
    make_user("officer", username="forgetful", email="forgetful@example.gov.uk")
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=LONDON), tick=False) as traveller:
        for _ in range(3):
            _reset(client, "forgetful@example.gov.uk")
        traveller.shift(dt.timedelta(minutes=59))
        assert _reset(client, "forgetful@example.gov.uk").status_code == 429
        traveller.shift(dt.timedelta(minutes=2))
        assert _reset(client, "forgetful@example.gov.uk").status_code == 302
    assert len(mailoutbox) == 4


# Session lifetime


def _signed_in_client(make_user):
    make_user("board", username="bea")
    client = Client()
    client.post(reverse("login"), {"username": "bea", "password": PASSWORD})
    return client


@pytest.mark.django_db
def test_a_session_ends_12_hours_after_sign_in_however_active(make_user, settings):
    assert settings.SESSION_ABSOLUTE_TIMEOUT == dt.timedelta(hours=12)
    with time_machine.travel(dt.datetime(2026, 12, 2, 8, 0, tzinfo=LONDON), tick=False) as traveller:
        client = _signed_in_client(make_user)
        for _ in range(25):  # busy all day, never idle: a page every 30 minutes from 08:00 to 20:00
            assert client.get(reverse("home")).status_code == 200
            traveller.shift(dt.timedelta(minutes=30))
        traveller.shift(dt.timedelta(minutes=-29))  # 20:01
        response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0] == f"{reverse('login')}?next=/"
    html = response.content.decode()
    assert "You have been signed out because you signed in more than 12 hours ago" in html
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_sign_out_message_names_a_lifetime_shorter_than_hours_as_the_cookies_page_does(make_user, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = dt.timedelta(minutes=90)
    with time_machine.travel(dt.datetime(2026, 12, 2, 8, 0, tzinfo=LONDON), tick=False) as traveller:
        client = _signed_in_client(make_user)
        traveller.shift(dt.timedelta(minutes=45))  # within the 60-minute idle timeout each time
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(dt.timedelta(minutes=46))
        html = client.get(reverse("home"), follow=True).content.decode()
    assert "You have been signed out because you signed in more than 90 minutes ago" in html


@pytest.mark.django_db
def test_a_session_ends_after_60_minutes_without_use(make_user):
    with time_machine.travel(dt.datetime(2026, 12, 2, 8, 0, tzinfo=LONDON), tick=False) as traveller:
        client = _signed_in_client(make_user)
        traveller.shift(dt.timedelta(minutes=59))
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(dt.timedelta(minutes=61))
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_session_from_before_the_rule_starts_its_lifetime_on_its_next_request(make_user, settings):
    with time_machine.travel(dt.datetime(2026, 12, 2, 8, 0, tzinfo=LONDON), tick=False) as traveller:
        client = _signed_in_client(make_user)
        session = client.session
        del session["signed_in_at"]
        session.save()
        traveller.shift(dt.timedelta(minutes=30))
        assert client.get(reverse("home")).status_code == 200
        assert client.session["signed_in_at"] == dt.datetime(2026, 12, 2, 8, 30, tzinfo=LONDON).timestamp()
