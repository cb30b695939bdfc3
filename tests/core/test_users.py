"""The Users page: accounts, their one role, lock-outs and password links, each change audited."""

import datetime
import re

import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from core.roles import ADMIN, BOARD_MEMBER, OFFICER
from tests.factories.core import UserFactory

User = get_user_model()
MOMENT = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC)


def _entries(event):
    return list(AuditEntry.objects.filter(event=event))


def _signs_in(username, password, client=None) -> bool:
    """Through the sign-in form, as a person would (django-axes refuses Client.login())."""
    response = (client or Client()).post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and response["Location"] == reverse("home")


def _roles(user):
    return sorted(user.groups.values_list("name", flat=True))


def test_list_shows_name_email_role_and_state(admin_client_, make_user):
    make_user("board", username="bella.b", first_name="Bella", last_name="Board", email="bella@example.gov.uk")
    make_user("officer", username="gone", first_name="Gone", last_name="Away", is_active=False)
    html = admin_client_.get(reverse("users:list")).content.decode()
    assert "Bella Board" in html and "bella@example.gov.uk" in html and "Board member" in html
    assert "Deactivated" in html
    assert "Not locked" in html


def test_list_filters_by_role(admin_client_, make_user):
    make_user("board", username="bella.b", first_name="Bella", last_name="Board")
    make_user("officer", username="oz", first_name="Oz", last_name="Officer")
    make_user("outsider", username="nobody", first_name="No", last_name="Role")
    html = admin_client_.get(reverse("users:list"), {"role": BOARD_MEMBER}).content.decode()
    assert "Bella Board" in html and "Oz Officer" not in html
    html = admin_client_.get(reverse("users:list"), {"role": "none"}).content.decode()
    assert "No Role" in html and "Bella Board" not in html


def test_list_with_an_unknown_role_says_so_and_shows_everyone(admin_client_, make_user):
    make_user("board", username="bella.b", first_name="Bella", last_name="Board")
    response = admin_client_.get(reverse("users:list"), {"role": "Emperor"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "Bella Board" in html


def test_navigation_links_the_admin_area_with_users_and_audit_log_for_admins_only(admin_client_, officer_client):
    # One "Admin" entry in the navigation (issue 17); the users and audit pages are listed there.
    assert 'href="/manage/"' in admin_client_.get(reverse("account")).content.decode()
    admin_area = admin_client_.get(reverse("admin_area")).content.decode()
    assert 'href="/users/"' in admin_area and 'href="/audit/"' in admin_area
    assert 'href="/manage/"' not in officer_client.get(reverse("account")).content.decode()


def test_create_account_emails_a_password_link_and_is_audited(admin_client_, admin_user, mailoutbox):
    response = admin_client_.post(
        reverse("users:create"),
        {
            "first_name": "Nia",
            "last_name": "New",
            "email": "nia.new@example.gov.uk",
            "username": "nia.new",
            "role": OFFICER,
        },
        follow=True,
    )
    user = User.objects.get(username="nia.new")
    assert (user.first_name, user.email, user.is_active, user.is_superuser, user.is_staff) == (
        "Nia",
        "nia.new@example.gov.uk",
        True,
        False,
        False,
    )
    assert not user.has_usable_password()
    assert _roles(user) == [OFFICER]
    assert "Account created for Nia New" in response.content.decode()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["nia.new@example.gov.uk"]
    created, sent = _entries("user.created"), _entries("user.password_link_sent")
    assert [(e.actor, e.subject_id, e.detail["role"]) for e in created] == [(admin_user, str(user.pk), OFFICER)]
    assert [e.subject_id for e in sent] == [str(user.pk)]

    # The link in the e-mail lets the person choose a password and sign in.
    link = re.search(r"https?://[^/]+(/password-reset/\S+)", mailoutbox[0].body).group(1)
    person = Client()
    form_page = person.get(link, follow=True)
    assert "password" in form_page.content.decode().lower()
    new_password = {"new_password1": "a-new-long-password", "new_password2": "a-new-long-password"}
    person.post(form_page.redirect_chain[-1][0], new_password)
    assert _signs_in("nia.new", "a-new-long-password")


def test_create_account_with_bad_input_changes_nothing(admin_client_, make_user, mailoutbox):
    make_user("officer", username="taken", email="taken@example.gov.uk")
    before = User.objects.count()
    response = admin_client_.post(
        reverse("users:create"),
        {"first_name": "", "last_name": "X", "email": "TAKEN@example.gov.uk", "username": "Taken", "role": "Emperor"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Enter a first name",
        "There is already an account with this user name",
        "There is already an account with this email address",
        "Select a valid choice",
    ):
        assert message in html
    assert User.objects.count() == before
    assert not AuditEntry.objects.exists() and mailoutbox == []


def test_create_account_with_an_email_too_long_to_store_says_so_and_changes_nothing(admin_client_, mailoutbox):
    # A well-formed address of 311 characters: valid to the email validator, too long for the column.
    email = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".gov.uk"
    before = User.objects.count()
    response = admin_client_.post(
        reverse("users:create"),
        {"first_name": "Lon", "last_name": "Gaddress", "email": email, "username": "lon.g", "role": "none"},
    )
    assert response.status_code == 200
    assert "Email address must be 254 characters or fewer" in response.content.decode()
    assert User.objects.count() == before
    assert not AuditEntry.objects.exists() and mailoutbox == []


def test_create_form_has_no_superuser_or_password_field(admin_client_):
    html = admin_client_.get(reverse("users:create")).content.decode()
    assert "is_superuser" not in html and "is_staff" not in html and 'type="password"' not in html


def test_posting_is_superuser_to_the_app_forms_never_sets_it(admin_client_, make_user):
    admin_client_.post(
        reverse("users:create"),
        {
            "first_name": "Sly",
            "last_name": "Sneak",
            "email": "sly@example.gov.uk",
            "username": "sly",
            "role": ADMIN,
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    target = make_user("officer", username="target")
    admin_client_.post(reverse("users:role", args=[target.pk]), {"role": ADMIN, "is_superuser": "on"})
    assert not User.objects.filter(is_superuser=True).exists()
    assert not User.objects.filter(is_staff=True).exists()


def test_change_role_replaces_the_one_role_and_is_audited(admin_client_, admin_user, make_user):
    target = make_user("officer", username="target")
    response = admin_client_.post(reverse("users:role", args=[target.pk]), {"role": BOARD_MEMBER}, follow=True)
    assert _roles(target) == [BOARD_MEMBER]
    assert "role is now Board member" in response.content.decode()
    [entry] = _entries("user.role_changed")
    assert (entry.actor, entry.subject_id, entry.detail) == (
        admin_user,
        str(target.pk),
        {"old": OFFICER, "new": BOARD_MEMBER},
    )
    admin_client_.post(reverse("users:role", args=[target.pk]), {"role": "none"})
    assert _roles(target) == []
    assert AuditEntry.objects.filter(event="user.role_changed").count() == 2


def test_change_role_to_the_same_role_records_nothing(admin_client_, make_user):
    target = make_user("officer", username="target")
    response = admin_client_.post(reverse("users:role", args=[target.pk]), {"role": OFFICER}, follow=True)
    assert "already had that role" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_change_role_with_no_choice_shows_error(admin_client_, make_user):
    target = make_user("officer", username="target")
    response = admin_client_.post(reverse("users:role", args=[target.pk]), {})
    assert "Choose a role, or no role" in response.content.decode()
    assert _roles(target) == [OFFICER]


def test_the_new_role_applies_on_the_next_request(admin_client_, make_user):
    target = make_user("officer", username="target")
    client = Client()
    client.force_login(target)
    assert client.get(reverse("users:list")).status_code == 403
    admin_client_.post(reverse("users:role", args=[target.pk]), {"role": ADMIN})
    assert client.get(reverse("users:list")).status_code == 200


def test_deactivate_asks_first_then_stops_sign_in_and_is_audited(admin_client_, admin_user, make_user):
    target = make_user("officer", username="leaver")
    client = Client()
    client.force_login(target)
    page = admin_client_.get(reverse("users:deactivate", args=[target.pk])).content.decode()
    assert "Deactivate" in page and "account?" in page
    target.refresh_from_db()
    assert target.is_active

    response = admin_client_.post(reverse("users:deactivate", args=[target.pk]), follow=True)
    target.refresh_from_db()
    assert not target.is_active
    assert "can no longer sign in" in response.content.decode()
    assert [(e.actor, e.subject_id) for e in _entries("user.deactivated")] == [(admin_user, str(target.pk))]
    # Their open session ends too.
    assert client.get(reverse("home")).status_code == 302
    assert not _signs_in("leaver", "a-long-test-password")

    admin_client_.post(reverse("users:reactivate", args=[target.pk]))
    target.refresh_from_db()
    assert target.is_active
    assert len(_entries("user.reactivated")) == 1
    assert _signs_in("leaver", "a-long-test-password")


def test_an_admin_cannot_deactivate_or_rerole_themselves(admin_client_, admin_user):
    response = admin_client_.post(reverse("users:deactivate", args=[admin_user.pk]), follow=True)
    assert "You cannot change your own account" in response.content.decode()
    admin_client_.post(reverse("users:role", args=[admin_user.pk]), {"role": "none"})
    admin_user.refresh_from_db()
    assert admin_user.is_active and _roles(admin_user) == [ADMIN]
    assert not AuditEntry.objects.exists()


def test_the_admin_role_cannot_change_a_superuser(admin_client_):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    for name, data in (("deactivate", {}), ("role", {"role": OFFICER}), ("unlock", {}), ("password_link", {})):
        response = admin_client_.post(reverse(f"users:{name}", args=[root.pk]), data, follow=True)
        assert "superuser" in response.content.decode()
    root.refresh_from_db()
    assert root.is_active and root.is_superuser and _roles(root) == []
    assert not AuditEntry.objects.exists()


def test_a_superuser_can_change_a_superuser(make_user):
    root = UserFactory(username="root", is_superuser=True)
    other = UserFactory(username="other-root", is_superuser=True)
    client = Client()
    client.force_login(root)
    client.post(reverse("users:deactivate", args=[other.pk]))
    other.refresh_from_db()
    assert not other.is_active


def test_resend_password_link_sends_django_reset_email_and_is_audited(admin_client_, make_user, mailoutbox):
    target = make_user("officer", username="forgetful", email="forgetful@example.gov.uk")
    response = admin_client_.post(reverse("users:password_link", args=[target.pk]), follow=True)
    assert "We have emailed a password link to forgetful@example.gov.uk" in response.content.decode()
    assert mailoutbox[0].to == ["forgetful@example.gov.uk"]
    assert "/password-reset/" in mailoutbox[0].body
    assert [e.detail["email"] for e in _entries("user.password_link_sent")] == ["forgetful@example.gov.uk"]


def test_password_link_for_a_deactivated_account_is_refused(admin_client_, make_user, mailoutbox):
    target = make_user("officer", username="leaver", is_active=False)
    response = admin_client_.post(reverse("users:password_link", args=[target.pk]), follow=True)
    assert "Reactivate the account before sending a password link" in response.content.decode()
    assert mailoutbox == [] and not AuditEntry.objects.exists()


def test_password_link_when_mail_server_fails_says_so_and_records_nothing(admin_client_, make_user, monkeypatch):
    target = make_user("officer", username="forgetful")

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    response = admin_client_.post(reverse("users:password_link", args=[target.pk]), follow=True)
    assert "could not be sent" in response.content.decode()
    assert not AuditEntry.objects.exists()


@time_machine.travel(MOMENT, tick=False)
def test_unlock_after_a_real_lockout_lets_the_person_sign_in(admin_client_, admin_user, make_user, settings):
    make_user("officer", username="locked.out")
    person = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        person.post(reverse("login"), {"username": "locked.out", "password": "wrong"})
    refused = person.post(reverse("login"), {"username": "locked.out", "password": "a-long-test-password"})
    assert refused.status_code == 429

    target = User.objects.get(username="locked.out")
    assert "Locked out" in admin_client_.get(reverse("users:list")).content.decode()
    detail = admin_client_.get(reverse("users:detail", args=[target.pk])).content.decode()
    assert "Remove the sign-in lock" in detail

    response = admin_client_.post(reverse("users:unlock", args=[target.pk]), follow=True)
    assert "can try to sign in again" in response.content.decode()
    [entry] = _entries("user.unlocked")
    assert (entry.actor, entry.subject_id, entry.detail["attempts_cleared"]) == (admin_user, str(target.pk), 1)
    assert "Locked out" not in admin_client_.get(reverse("users:list")).content.decode()

    assert _signs_in("locked.out", "a-long-test-password", client=person)


def test_unknown_account_is_404(admin_client_):
    assert admin_client_.get(reverse("users:detail", args=[999999])).status_code == 404


def test_list_runs_a_fixed_number_of_queries_however_many_accounts(
    admin_client_, make_user, django_assert_max_num_queries
):
    for i in range(12):
        make_user(["officer", "board", "outsider"][i % 3], username=f"person{i}")
    # 1 session, 2 user, 3 permissions, 4 accounts, 5 their role groups, 6 sign-in locks,
    # 7-9 the session's expiry pushed forward (a savepoint, the update, its release).
    with django_assert_max_num_queries(9):
        response = admin_client_.get(reverse("users:list"))
    assert response.content.decode().count("No role") >= 4
