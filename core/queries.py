"""Reads for the Users and Audit pages."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Prefetch, Q
from django.utils import timezone

from core.models import AuditEntry
from core.roles import ROLE_NAMES

NO_ROLE = "none"


def _role_groups():
    return Prefetch("groups", queryset=Group.objects.filter(name__in=ROLE_NAMES), to_attr="role_groups")


def users_for_admin(role: str | None = None):
    """Every account, with its role groups prefetched; `role` is a role name or NO_ROLE."""
    users = get_user_model().objects.prefetch_related(_role_groups()).order_by("last_name", "first_name", "username")
    if role == NO_ROLE:
        users = users.exclude(groups__name__in=ROLE_NAMES)
    elif role:
        users = users.filter(groups__name=role)
    return users


def role_of(user) -> str | None:
    """The user's one role, read from users_for_admin()'s prefetch (first in ROLE_NAMES order if several)."""
    groups = user.role_groups if hasattr(user, "role_groups") else user.groups.filter(name__in=ROLE_NAMES)
    names = {group.name for group in groups}
    return next((name for name in ROLE_NAMES if name in names), None)


def locked_out_usernames(usernames) -> set[str]:
    """Which of these user names django-axes is refusing at the moment (one query).

    Axes stamps attempts with the machine's clock, so this compares with the same clock rather than
    the service's pinned "today": the answer must match what the sign-in page does.
    """
    since = timezone.now() - settings.AXES_COOLOFF_TIME  # machine clock: axes stamps attempts in real time

    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )


def audit_entries(event: str | None = None, person=None):
    """The audit log, newest first; `person` matches what they did and what was done to their account."""
    entries = AuditEntry.objects.all()
    if event:
        entries = entries.filter(event=event)
    if person is not None:
        user_label = get_user_model()._meta.label_lower
        entries = entries.filter(Q(actor=person) | Q(subject_type=user_label, subject_id=str(person.pk)))
    return entries.order_by("-at", "-id")


def audit_entries_about(user, limit: int = 20):
    user_label = get_user_model()._meta.label_lower
    entries = AuditEntry.objects.filter(subject_type=user_label, subject_id=str(user.pk))
    return list(entries.order_by("-at", "-id")[:limit])
