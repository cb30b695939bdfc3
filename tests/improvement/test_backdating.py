"""Back-dating: an update or a target date revision cannot take effect before the action existed, nor
before the as-at date of the latest published pack that shows it, unless an admin records a reason."""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.formats import date_words
from improvement.models import ActionUpdate, TargetDateRevision
from improvement.rules import EarliestDate, earliest_effective_date, earliest_effective_dates
from improvement.services import BackdatedEntryError, record_update
from meetings.models import PublishedPack
from tests.factories.improvement import ActionFactory, PlanFactory, ThemeFactory
from tests.factories.meetings import BoardFactory, MeetingFactory
from tests.forms import date_parts

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
on_today = time_machine.travel(datetime.datetime(2026, 6, 15, 12, 0), tick=False)


def text_of(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def publish(as_at, *, board=None, themes=(), published_at=None):
    board = board or BoardFactory(name="Children's Improvement Board")
    board.themes.add(*themes)
    meeting = MeetingFactory(
        board=board, starts_at=datetime.datetime(as_at.year, as_at.month, as_at.day, 14, tzinfo=datetime.UTC)
    )
    extra = {"published_at": published_at} if published_at else {}
    return PublishedPack.objects.create(
        meeting=meeting, as_at=as_at, published_by_name="Clerk", content={}, html="<p>Frozen</p>", **extra
    )


@pytest.fixture
def plan():
    return PlanFactory(start_date=datetime.date(2025, 4, 1))


@pytest.fixture
def action(plan, officer_user):
    return ActionFactory(
        theme=ThemeFactory(plan=plan, reference="2"),
        lead_officer=officer_user,
        added_on=datetime.date(2025, 4, 1),
        original_target_date=datetime.date(2026, 12, 31),
        target_date=datetime.date(2026, 12, 31),
    )


# ---- the rule


@pytest.mark.parametrize(
    "added_on, plan_start, published, expected",
    [
        (datetime.date(2025, 5, 1), datetime.date(2025, 4, 1), None, datetime.date(2025, 4, 1)),
        (datetime.date(2025, 3, 1), datetime.date(2025, 4, 1), None, datetime.date(2025, 3, 1)),
        (datetime.date(2025, 5, 1), None, None, datetime.date(2025, 5, 1)),
        (
            datetime.date(2025, 5, 1),
            datetime.date(2025, 4, 1),
            (datetime.date(2026, 3, 10), "the board pack"),
            datetime.date(2026, 3, 10),
        ),
        (None, None, None, None),
    ],
)
def test_earliest_date_is_the_later_of_existence_and_the_latest_published_pack(
    added_on, plan_start, published, expected
):
    assert earliest_effective_date(added_on=added_on, plan_start=plan_start, published=published).date == expected


def test_an_entry_on_the_earliest_date_is_allowed_and_one_before_it_is_not():
    earliest = EarliestDate(datetime.date(2026, 3, 10), "the board pack has been published")
    assert earliest.allows(datetime.date(2026, 3, 10))
    assert not earliest.allows(datetime.date(2026, 3, 9))
    assert EarliestDate(None).allows(datetime.date(1900, 1, 1))


def test_dates_in_the_rule_are_written_as_govuk_writes_them():
    assert date_words(datetime.date(2026, 3, 3)) == "3 March 2026"


# ---- the provider meetings registers


def test_the_latest_published_pack_that_shows_the_action_sets_the_earliest_date(action):
    publish(datetime.date(2026, 1, 13))
    publish(datetime.date(2026, 3, 10))
    earliest = earliest_effective_dates([action])[action.pk]
    assert earliest.date == datetime.date(2026, 3, 10)
    assert "the board pack for Children's Improvement Board, 10 March 2026 has been published" in earliest.why


def test_packs_that_do_not_show_the_action_are_ignored(action, plan):
    # A board reviewing another theme, and a pack from before the action was in the plan.
    publish(datetime.date(2026, 4, 14), board=BoardFactory(name="Scrutiny"), themes=[ThemeFactory(plan=plan)])
    late = ActionFactory(theme=action.theme, added_on=datetime.date(2026, 2, 1))
    publish(datetime.date(2026, 1, 13))
    dates = earliest_effective_dates([action, late])
    assert dates[action.pk].date == datetime.date(2026, 1, 13)
    assert dates[late.pk].date == datetime.date(2025, 4, 1)  # the plan's start: no pack showed it


def test_a_pack_for_another_plan_does_not_lock_this_one(action):
    newer = PlanFactory(start_date=datetime.date(2026, 1, 1))
    other = ActionFactory(theme=ThemeFactory(plan=newer, reference="2"), added_on=datetime.date(2026, 1, 1))
    publish(datetime.date(2026, 3, 10))  # the newer plan is the one in force then
    dates = earliest_effective_dates([action, other])
    assert dates[action.pk].date == datetime.date(2025, 4, 1)
    assert dates[other.pk].date == datetime.date(2026, 3, 10)


def test_the_rule_reads_no_frozen_pack_content(action):
    # The update form asks on every view; the packs' data and HTML are the bulk of each row.
    publish(datetime.date(2026, 3, 10))
    with CaptureQueriesContext(connection) as queries:
        earliest_effective_dates([action])
    pack_sql = [q["sql"] for q in queries.captured_queries if "meetings_publishedpack" in q["sql"]]
    assert pack_sql
    assert not any('"content"' in sql or '"html"' in sql for sql in pack_sql)


# ---- the update form


def _post(action, **overrides):
    data = {
        "expected_version": action.version,
        "date": TODAY,
        "status": "in_progress",
        "progress": "on_track",
        "narrative": "Workshops held.",
        "evidence_of_impact": "",
        "rag_override": "",
        "rag_override_reason": "",
        "revised_target_date": None,
        "revision_reason": "",
        "revision_agreed_by": "",
    }
    data = {**data, **overrides}
    for name in ("date", "revised_target_date"):
        data.update(date_parts(name, data.pop(name)))
    return data


@on_today
def test_officer_cannot_date_an_update_before_the_plan_existed(officer_client, action):
    url = reverse("improvement:action_update", args=[action.pk])
    assert "It cannot be in the future, nor before 1 April 2025." in text_of(officer_client.get(url))
    response = officer_client.post(url, _post(action, date=datetime.date(1900, 1, 1)))
    assert response.status_code == 200
    assert (
        "The date of this update cannot be before 1 April 2025 because the plan started on 1 April 2025. "
        "An admin can record an earlier date with a reason." in text_of(response)
    )
    assert not ActionUpdate.objects.exists()


@on_today
def test_officer_cannot_revise_a_target_date_with_effect_before_a_published_pack(officer_client, action):
    publish(datetime.date(2026, 5, 12))
    url = reverse("improvement:action_update", args=[action.pk])
    response = officer_client.post(
        url,
        _post(
            action,
            date=datetime.date(2020, 1, 1),
            revised_target_date=datetime.date(2027, 3, 31),
            revision_reason="Recruitment",
            revision_agreed_by="Board",
        ),
    )
    page = text_of(response)
    assert "cannot be before 12 May 2026 because the board pack for Children's Improvement Board, 12 May 2026" in page
    assert "An admin can record an earlier date with a reason." in page
    assert "Reason for recording this earlier date" not in page
    assert not TargetDateRevision.objects.exists() and not ActionUpdate.objects.exists()
    # On the pack's date itself, the update is accepted.
    assert officer_client.post(url, _post(action, date=datetime.date(2026, 5, 12))).status_code == 302


@on_today
def test_admin_must_give_a_reason_to_record_an_earlier_date(admin_client_, action):
    publish(datetime.date(2026, 5, 12))
    url = reverse("improvement:action_update", args=[action.pk])
    assert "Reason for recording this earlier date" in text_of(admin_client_.get(url))
    response = admin_client_.post(url, _post(action, date=datetime.date(2026, 4, 30)))
    assert "Enter the reason for recording an update dated before 12 May 2026" in text_of(response)
    assert not ActionUpdate.objects.exists()


@on_today
def test_admin_records_an_earlier_date_with_a_reason_kept_and_shown_beside_the_entry(admin_client_, action):
    publish(datetime.date(2026, 5, 12))
    url = reverse("improvement:action_update", args=[action.pk])
    response = admin_client_.post(
        url,
        _post(
            action,
            date=datetime.date(2026, 4, 30),
            revised_target_date=datetime.date(2027, 3, 31),
            revision_reason="Recruitment",
            revision_agreed_by="Board",
            backdating_reason="The lead's April update was lost in an email outage",
        ),
    )
    assert response.status_code == 302
    update = ActionUpdate.objects.get()
    revision = TargetDateRevision.objects.get()
    assert (
        update.backdating_reason
        == revision.backdating_reason
        == ("The lead's April update was lost in an email outage")
    )
    page = text_of(admin_client_.get(reverse("improvement:action_detail", args=[action.pk])))
    assert (
        page.count("Reason for recording this earlier date: The lead's April update was lost in an email outage") == 1
    )
    assert "Reason: The lead's April update was lost in an email outage" in page  # beside the revision


@on_today
def test_a_reason_given_for_an_allowed_date_is_not_stored(admin_client_, action):
    url = reverse("improvement:action_update", args=[action.pk])
    admin_client_.post(url, _post(action, backdating_reason="Not needed"))
    assert ActionUpdate.objects.get().backdating_reason == ""


@on_today
def test_the_service_refuses_a_backdated_entry_from_an_officer_even_with_a_reason(action):
    with pytest.raises(BackdatedEntryError):
        record_update(
            action=action,
            author=action.lead_officer,
            expected_version=action.version,
            date=datetime.date(1900, 1, 1),
            status="in_progress",
            progress="on_track",
            narrative="",
            evidence_of_impact="",
            backdating_reason="Because I say so",
        )
    action.refresh_from_db()
    assert (ActionUpdate.objects.count(), action.version) == (0, 0)


@on_today
def test_a_pack_published_before_its_meeting_locks_from_its_publication_day(officer_client, action):
    # next week's meeting, sent out today
    publish(datetime.date(2026, 6, 23), published_at=datetime.datetime(2026, 6, 15, 9, 0, tzinfo=datetime.UTC))
    earliest = earliest_effective_dates([action])[action.pk]
    assert earliest.date == TODAY
    assert earliest.why == (
        "the board pack for Children's Improvement Board, 23 June 2026 was published on 15 June 2026 "
        "and shows this action"
    )
    # Officers keep recording today's progress, though the pack is as at next week.
    url = reverse("improvement:action_update", args=[action.pk])
    assert officer_client.post(url, _post(action)).status_code == 302
