"""Writes for account management. Each change and its audit entry are saved in one transaction."""

import logging
from urllib.parse import urlsplit

from axes.utils import reset as reset_sign_in_attempts
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core import audit, emails
from core.formats import person_name
from core.roles import ROLE_NAMES
from core.rules import account_change_refusal

log = logging.getLogger(__name__)


class AccountChangeRefused(Exception):
    """The change is not allowed; the message says why, in words for the admin."""


class EmailNotSent(Exception):
    """The mail server did not take the message; nothing was recorded as sent."""


def _role_words(role: str | None) -> str:
    return role or "no role"


def _refuse_unless_allowed(actor, user):
    refusal = account_change_refusal(actor, user)
    if refusal:
        raise AccountChangeRefused(refusal)


def _set_role_groups(user, role: str | None):
    # Only role groups are replaced: any other group a superuser set up stays as it was.
    user.groups.remove(*Group.objects.filter(name__in=ROLE_NAMES))
    if role:
        user.groups.add(Group.objects.get(name=role))


@transaction.atomic
def create_user(actor, *, username: str, first_name: str, last_name: str, email: str, role: str | None):
    """A new account with no password: the person chooses one from the link e-mailed to them."""
    user = get_user_model()(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_unusable_password()
    user.save()
    _set_role_groups(user, role)
    audit.record(actor, "user.created", user, f"{person_name(user)} ({email}), {_role_words(role)}", role=role or "")
    return user


@transaction.atomic
def change_role(actor, user, role: str | None) -> bool:
    """Give the user exactly this role (or none). False when it was already theirs."""
    _refuse_unless_allowed(actor, user)
    if role is not None and role not in ROLE_NAMES:
        raise AccountChangeRefused("Choose one of the roles.")
    held = set(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))
    if held == ({role} if role else set()):
        return False
    old = next((name for name in ROLE_NAMES if name in held), None)
    _set_role_groups(user, role)
    audit.record(
        actor,
        "user.role_changed",
        user,
        f"{person_name(user)}: {_role_words(old)} to {_role_words(role)}",
        old=old or "",
        new=role or "",
    )
    return True


@transaction.atomic
def set_active(actor, user, active: bool) -> bool:
    """Deactivate (the person can no longer sign in; their records stay) or reactivate an account."""
    _refuse_unless_allowed(actor, user)
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    event = "user.reactivated" if active else "user.deactivated"
    audit.record(actor, event, user, person_name(user))
    return True


@transaction.atomic
def unlock(actor, user) -> int:
    """Clear django-axes' failed sign-ins for this user name, from every address. Returns how many."""
    if user.is_superuser and not actor.is_superuser:
        raise AccountChangeRefused("Only a superuser can remove a superuser's sign-in lock.")
    cleared = reset_sign_in_attempts(username=user.get_username())
    audit.record(actor, "user.unlocked", user, person_name(user), attempts_cleared=cleared)
    return cleared


def send_password_link(actor, user, *, site_url: str, new_account: bool = False):
    """E-mail Django's password reset link (the same token the "forgotten password" page sends)."""
    if user.is_superuser and not actor.is_superuser:
        raise AccountChangeRefused("Only a superuser can send a superuser a password link.")
    if not user.is_active:
        raise AccountChangeRefused("Reactivate the account before sending a password link.")
    if not user.email:
        raise AccountChangeRefused("This account has no e-mail address to send a link to.")
    address = urlsplit(site_url)
    context = {
        "email": user.email,
        "domain": address.netloc,
        "site_name": settings.SERVICE_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": address.scheme or "https",
    }
    try:
        # Sent here rather than through PasswordResetForm, which logs a failure and carries on.
        emails.send("account-created" if new_account else "password-reset", context, [user.email])
    except OSError as error:  # smtplib's errors are OSErrors, as are refused connections
        log.warning("Password link for user %s not sent: %s", user.pk, error)
        raise EmailNotSent from error
    with transaction.atomic():
        audit.record(actor, "user.password_link_sent", user, f"{person_name(user)} at {user.email}", email=user.email)
