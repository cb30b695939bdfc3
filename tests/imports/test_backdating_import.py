"""Imports follow the back-dating rule: entries dated before the plan's start or a published pack that
shows the action are listed on the preview, and saved only with one reason from the admin, kept on each."""

import datetime
import io
import re
from html import unescape

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from imports.models import ImportJob
from improvement.models import ActionStatus, ActionUpdate
from meetings.models import PublishedPack
from tests.factories.improvement import ActionFactory, ActionUpdateFactory, PlanFactory, ThemeFactory
from tests.factories.meetings import BoardFactory, MeetingFactory
from tests.imports import fixtures
from tests.imports.helpers import domain_counts, preview

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("frozen_today"),
]

REASON = "The March board papers were lost; entries restored from the signed minutes"


@pytest.fixture
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 12, 0), tick=False):
        yield


def text_of(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def plan():
    plan = PlanFactory(start_date=datetime.date(2025, 4, 1))
    theme = ThemeFactory(plan=plan, reference="1", title="Leadership, management and governance")
    action = ActionFactory(theme=theme, reference="1.1", title="Establish an improvement board")
    ActionUpdateFactory(action=action, date=datetime.date(2026, 2, 1))
    meeting = MeetingFactory(
        board=BoardFactory(name="Children's Improvement Board"),
        starts_at=datetime.datetime(2026, 5, 12, 14, tzinfo=datetime.UTC),
    )
    PublishedPack.objects.create(
        meeting=meeting, as_at=datetime.date(2026, 5, 12), published_by_name="Clerk", content={}, html=""
    )
    return plan


def _sheet(progress="01/03/26: Recruitment to the board stalled."):
    return fixtures.xlsx_bytes(
        {
            "Plan": [
                fixtures.PLAN_HEADER,
                ["1. Leadership, management and governance"],
                [
                    "1.1",
                    "Establish an improvement board",
                    "",
                    "Director of Children's Services",
                    datetime.datetime(2026, 3, 31),
                    "Off track",
                    "R",
                    "",
                    progress,
                ],
            ]
        }
    )


def _file(tmp_path, data):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(data)
    return str(path)


def test_preview_lists_entries_dated_before_a_published_pack(plan, admin_client_, admin_user):
    job = preview(_sheet(), options={"plan_id": plan.pk}, user=admin_user)
    assert job.preview["backdated"] == [
        {
            "reference": "1.1",
            "row": 3,
            "entry": "Progress update",
            "date": "1 March 2026",
            "earliest": "12 May 2026",
            "why": "the board pack for Children's Improvement Board, 12 May 2026 has been published and shows "
            "this action as at that date",
        }
    ]
    page = text_of(admin_client_.get(reverse("imports:job_preview", args=[job.pk])))
    assert "Entries dated earlier than usually allowed (1)" in page
    assert "1.1 3 Progress update 1 March 2026 12 May 2026 The board pack for Children's Improvement Board" in page
    assert "Reason for recording these earlier dates" in page


def test_confirm_without_a_reason_saves_nothing_and_says_why(plan, admin_client_, admin_user):
    job = preview(_sheet(), options={"plan_id": plan.pk}, user=admin_user)
    before = domain_counts()
    response = admin_client_.post(reverse("imports:job_confirm", args=[job.pk]), {"backdate_reason": "  "})
    assert response.status_code == 200
    assert "Enter the reason for recording entries dated earlier than usually allowed" in text_of(response)
    assert "<title>Error: Check the import" in response.content.decode()
    assert domain_counts() == before
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWED


def test_confirm_with_a_reason_keeps_it_on_the_entry_and_shows_it(plan, admin_client_, admin_user):
    job = preview(_sheet(), options={"plan_id": plan.pk}, user=admin_user)
    admin_client_.post(reverse("imports:job_confirm", args=[job.pk]), {"backdate_reason": REASON})
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, job.message
    entry = ActionUpdate.objects.get(date=datetime.date(2026, 3, 1))
    assert entry.backdating_reason == REASON
    assert ActionUpdate.objects.get(date=datetime.date(2026, 2, 1)).backdating_reason == ""
    # Newer than the February entry, so it is now the action's state.
    assert (entry.action.status, entry.action.progress) == (ActionStatus.IN_PROGRESS, "off_track")
    page = text_of(admin_client_.get(entry.action.get_absolute_url()))
    assert f"Reason for recording this earlier date: {REASON}" in page


def test_entries_the_rule_allows_need_no_reason(plan, admin_user):
    job = preview(_sheet("13/05/26: Board recruited."), options={"plan_id": plan.pk}, user=admin_user)
    assert job.preview["backdated"] == [] and job.preview["can_confirm"]


def test_command_refuses_back_dated_entries_without_a_reason(plan, tmp_path):
    before = domain_counts()
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 entry in this file would take effect earlier than is usually allowed"):
        call_command("import_plan", _file(tmp_path, _sheet()), "--plan", str(plan.pk), stdout=out)
    assert "[back-dated] action 1.1: progress update dated 1 March 2026, before 12 May 2026" in out.getvalue()
    counts = domain_counts()
    assert {k: v for k, v in counts.items() if k != "ImportChange"} == {
        k: v for k, v in before.items() if k != "ImportChange"
    }
    assert not ActionUpdate.objects.filter(date=datetime.date(2026, 3, 1)).exists()


def test_command_saves_back_dated_entries_with_the_reason(plan, tmp_path):
    path = _file(tmp_path, _sheet())
    call_command("import_plan", path, "--plan", str(plan.pk), "--backdate-reason", REASON, stdout=io.StringIO())
    assert ActionUpdate.objects.get(date=datetime.date(2026, 3, 1)).backdating_reason == REASON
