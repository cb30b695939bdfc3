import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "worker": "never seen", "worker_last_seen": None}


@pytest.mark.django_db
def test_healthz_reports_503_when_database_fails(client, monkeypatch):
    from django.db import DatabaseError, connection

    def broken():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable", "worker": "unknown"}


def test_account_page_shows_role(officer_client):
    response = officer_client.get(reverse("account"))
    assert "<strong>Officer</strong>" in response.content.decode()


def test_account_page_for_user_without_role_says_so(outsider_client):
    response = outsider_client.get(reverse("account"))
    assert "You have no role yet" in response.content.decode()


@pytest.mark.parametrize(
    "persona, visible, hidden",
    [
        ("admin", ["Dashboard", "Progress", "Plan", "Risks", "Indicators", "Meetings", "Import", "Admin"], []),
        ("officer", ["Dashboard", "Progress", "Plan", "Risks", "Indicators", "Meetings"], ["Import", "Admin"]),
        ("board", ["Dashboard", "Progress", "Plan", "Risks", "Indicators", "Meetings"], ["Import", "Admin"]),
        ("clerk", ["Dashboard", "Progress", "Plan", "Risks", "Indicators", "Meetings"], ["Import", "Admin"]),
    ],
)
def test_navigation_shows_only_what_the_role_may_use(persona, visible, hidden, role_clients):
    html = role_clients[persona][1].get(reverse("account")).content.decode()
    nav = html.split('id="navigation"')[1].split("</ul>")[0]
    for label in visible:
        assert f">{label}<" in nav.replace("\n", "").replace(" ", "") or label in nav
    for label in hidden:
        assert label not in nav


@pytest.mark.parametrize(
    ("url_name", "current"), [("progress", "Progress"), ("progress_publish", "Progress"), ("home", "Dashboard")]
)
def test_the_progress_page_has_its_own_navigation_item_marked_current_on_its_pages(url_name, current, clerk_client):
    html = clerk_client.get(reverse(url_name)).content.decode()
    nav = html.split('id="navigation"')[1].split("</ul>")[0]
    marked = [item for item in nav.split("<li")[1:] if "govuk-service-navigation__item--active" in item]
    assert len(marked) == 1 and f">{current}<" in marked[0].replace("\n", "").replace(" ", "")


def test_unknown_page_shows_404_page_without_detail(officer_client):
    response = officer_client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert "Traceback" not in body


def test_csrf_failure_page_is_plain(db, officer_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()


def test_server_error_page_has_no_technical_detail(rf):
    from core.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


@pytest.mark.django_db
def test_failed_sign_ins_are_throttled_with_clear_message(client, make_user, settings):
    make_user("officer", username="locked.out")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "locked.out", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "locked.out", "password": "a-long-test-password"})
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()


@pytest.mark.django_db
def test_sign_in_with_correct_password_reaches_dashboard(client, make_user):
    make_user("board", username="bea")
    response = client.post(reverse("login"), {"username": "bea", "password": "a-long-test-password"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Dashboard" in response.content.decode()


def test_session_expires_after_inactivity_setting(settings):
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    assert settings.SESSION_IDLE_TOUCH_SECONDS == 60


@pytest.mark.django_db
def test_a_persons_requests_push_the_idle_timeout_on_at_most_once_a_minute(board_client, time_machine):
    from django.contrib.sessions.models import Session  # noqa: PLC0415 (only this test reads sessions)

    def expiry():
        return Session.objects.get(session_key=board_client.session.session_key).expire_date

    board_client.get(reverse("account"))
    first = expiry()
    time_machine.shift(30)
    board_client.get(reverse("account"))
    assert expiry() == first  # within the minute: no write, the expiry stays
    time_machine.shift(31)
    board_client.get(reverse("account"))
    assert (expiry() - first).total_seconds() >= 60  # a minute on: pushed forward from now
    time_machine.shift(60 * 60 + 1)
    assert board_client.get(reverse("account")).status_code == 302  # an hour idle: signed out


@pytest.mark.django_db
def test_password_reset_sends_email(client, make_user, mailoutbox):
    make_user("officer", username="forgetful", email="forgetful@example.gov.uk")
    client.post(reverse("password_reset"), {"email": "forgetful@example.gov.uk"})
    assert len(mailoutbox) == 1
    assert "/password-reset/" in mailoutbox[0].body


def test_admin_site_open_to_admin_role_only(role_clients):
    statuses = {key: client.get("/admin/").status_code for key, (_, client) in role_clients.items()}
    assert statuses == {"admin": 200, "officer": 302, "board": 302, "clerk": 302, "outsider": 302}


def test_navigation_marks_only_the_current_section(officer_client):
    html = officer_client.get(reverse("account")).content.decode()
    assert 'aria-current="true"' not in html
    home = officer_client.get(reverse("home")).content.decode()
    assert home.count('aria-current="true"') == 1


def test_every_page_sends_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/sign-in/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy


def test_a_field_with_an_error_gets_the_govuk_error_border():
    from django import forms

    class ExampleForm(forms.Form):
        title = forms.CharField()
        kind = forms.ChoiceField(choices=[("a", "A")])
        narrative = forms.CharField(widget=forms.Textarea)

    html = str(ExampleForm(data={}))
    assert 'class="govuk-input govuk-input--error"' in html
    assert "govuk-select govuk-select--error" in html
    assert "govuk-textarea govuk-textarea--error" in html
    assert "--error" not in str(ExampleForm(data={"title": "x", "kind": "a", "narrative": "y"}))


def test_visitors_read_about_cookies_on_the_sign_in_page_and_signed_in_users_on_the_cookies_page(
    client, officer_client
):
    sign_in = client.get("/sign-in/").content.decode()
    assert "Cookies on this service" in sign_in and "sessionid" in sign_in and "csrftoken" in sign_in
    assert 'href="/cookies/"' not in sign_in  # the page needs sign-in, so visitors are not sent there
    cookies = officer_client.get("/cookies/").content.decode()
    assert "sessionid" in cookies
    assert "After 60 minutes without using the service, 12 hours after you sign in, or when you sign out" in cookies
    assert 'href="/cookies/"' in officer_client.get("/accessibility/").content.decode()


def test_the_risk_register_is_the_current_navigation_item_not_the_plan(board_client):
    html = board_client.get(reverse("improvement:risk_list")).content.decode()
    nav = html.split('id="navigation"')[1].split("</ul>")[0]
    current = [item for item in nav.split("<li")[1:] if "aria-current" in item]
    assert len(current) == 1 and "Risks" in current[0]
