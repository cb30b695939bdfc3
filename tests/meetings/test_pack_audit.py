"""Every board pack download (live or as published) leaves an audit entry: who, which pack, when."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEntry
from meetings.services import publish_pack
from tests.factories.improvement import ActionFactory, PlanFactory, ThemeFactory
from tests.factories.meetings import BoardFactory, MeetingFactory

pytestmark = pytest.mark.django_db
MOMENT = datetime.datetime(2026, 11, 20, 16, 45, tzinfo=datetime.UTC)


@pytest.fixture
def meeting(db):
    ActionFactory(theme=ThemeFactory(plan=PlanFactory(start_date=datetime.date(2025, 4, 1))))
    return MeetingFactory(board=BoardFactory(name="Scrutiny Board"))


def _downloads():
    return list(AuditEntry.objects.filter(event="export.downloaded"))


@time_machine.travel(MOMENT, tick=False)
def test_live_pack_word_download_is_recorded_for_a_board_member(meeting, board_client, board_user):
    response = board_client.get(reverse("meetings:pack_docx", args=[meeting.pk]))
    assert response.status_code == 200
    [entry] = _downloads()
    assert (entry.actor, entry.at) == (board_user, MOMENT)
    assert (entry.subject_type, entry.subject_id) == ("meetings.meeting", str(meeting.pk))
    assert entry.detail["filename"] == "scrutiny-board-2025-10-14-pack.docx"
    assert entry.summary.startswith("Board pack for Scrutiny Board, 14 October 2025 (Word, live)")


def test_published_pack_word_download_is_recorded(meeting, clerk_user, officer_client, officer_user):
    published = publish_pack(meeting=meeting, published_by=clerk_user)
    officer_client.get(reverse("meetings:published_pack_docx", args=[published.pk]))
    [entry] = _downloads()
    assert entry.actor == officer_user
    assert (entry.subject_type, entry.subject_id) == ("meetings.publishedpack", str(published.pk))
    assert entry.detail["meeting"] == meeting.pk
    assert entry.detail["filename"].endswith("pack-as-published.docx")
    assert entry.summary.startswith("Published board pack for Scrutiny Board, 14 October 2025 as at")


def test_a_refused_pack_download_records_nothing(meeting, outsider_client):
    assert outsider_client.get(reverse("meetings:pack_docx", args=[meeting.pk])).status_code == 403
    assert _downloads() == []
