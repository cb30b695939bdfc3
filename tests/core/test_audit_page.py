"""The audit log page: admins read every entry, newest first, 100 to a page, by event and by person."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from core import audit
from core.models import AuditEntry
from core.user_views import AUDIT_PAGE_SIZE

BASE = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC)


def _entry(actor, event, at, subject=None, summary=""):
    with time_machine.travel(at, tick=False):
        return audit.record(actor, event, subject, summary)


def test_newest_first_with_who_what_and_when(admin_client_, admin_user, make_user):
    target = make_user("officer", username="target", first_name="Tess", last_name="Target")
    _entry(admin_user, "user.created", BASE, target, "Tess Target, Officer")
    _entry(admin_user, "user.role_changed", BASE + datetime.timedelta(days=1), target, "Officer to no role")
    html = admin_client_.get(reverse("audit:log")).content.decode()
    table = html.split("<tbody")[1]
    assert table.index("Role changed") < table.index("Account created")
    assert "alice.admin" in html and "Officer to no role" in html and "2 November 2026 at 9am" in html
    assert f'href="{reverse("users:detail", args=[target.pk])}"' in html


def test_pages_of_one_hundred(admin_client_, admin_user):
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=BASE + datetime.timedelta(minutes=i),
                actor_name="alice.admin",
                event="user.created",
                summary=f"entry {i:03}",
            )
            for i in range(AUDIT_PAGE_SIZE + 5)
        ]
    )
    first = admin_client_.get(reverse("audit:log")).content.decode()
    assert "entry 104" in first and "entry 005" in first and "entry 004" not in first
    assert "Page 1 of 2" in first and "?page=2" in first
    second = admin_client_.get(reverse("audit:log"), {"page": 2}).content.decode()
    assert "entry 004" in second and "entry 005" not in second
    # A page past the end shows the last page rather than an error.
    assert "entry 000" in admin_client_.get(reverse("audit:log"), {"page": 99}).content.decode()


def test_filter_by_event(admin_client_, admin_user):
    _entry(admin_user, "user.created", BASE, summary="made one")
    _entry(admin_user, "export.downloaded", BASE, summary="took a file")
    html = admin_client_.get(reverse("audit:log"), {"event": "export.downloaded"}).content.decode()
    assert "took a file" in html and "made one" not in html


def test_filter_by_person_shows_what_they_did_and_what_was_done_to_them(admin_client_, admin_user, make_user):
    tess = make_user("officer", username="tess")
    other = make_user("admin", username="other.admin")
    _entry(other, "user.role_changed", BASE, tess, "done to Tess")
    _entry(tess, "export.downloaded", BASE, summary="done by Tess")
    _entry(admin_user, "user.created", BASE, other, "about someone else")
    html = admin_client_.get(reverse("audit:log"), {"person": tess.pk}).content.decode()
    assert "done to Tess" in html and "done by Tess" in html and "about someone else" not in html


def test_unknown_filter_values_say_so_and_change_nothing(admin_client_, admin_user):
    _entry(admin_user, "user.created", BASE, summary="made one")
    response = admin_client_.get(reverse("audit:log"), {"event": "nonsense", "person": "999999"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "made one" in html


@pytest.mark.django_db
def test_the_page_is_read_only(admin_client_):
    assert admin_client_.post(reverse("audit:log")).status_code == 405
