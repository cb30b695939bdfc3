"""Issue 17, closing the loop: the officer asked answers a written update, it waits for the board in the
next pack and on the linked item's page, the clerk closes it; a referral travels both ways; publishing
asks first and a pack for a meeting still to come is draft papers."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, MeetingAction, PublishedPack
from meetings.pack import build_pack
from meetings.services import publish_pack, respond_to_action_arising
from tests.dates import TODAY
from tests.factories.improvement import ActionFactory, RecommendationFactory
from tests.factories.indicators import IndicatorFactory
from tests.factories.meetings import BoardFactory, MeetingActionFactory, MeetingFactory
from tests.meetings.test_pages import text_of

pytestmark = pytest.mark.django_db


def at(day, hour=14):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def board():
    return BoardFactory(name="Children's Improvement Board")


@pytest.fixture
def october(board):
    return MeetingFactory(board=board, starts_at=at(datetime.date(2026, 10, 14)), status=Meeting.Status.HELD)


@pytest.fixture
def december(board):
    return MeetingFactory(board=board, starts_at=at(datetime.date(2026, 12, 9)))


@pytest.fixture
def written_update(october, officer_user):
    return MeetingActionFactory(
        meeting=october,
        owner=officer_user,
        owner_name="Head of Service, Front Door",
        description="A written update on the MASH audit",
        due_date=datetime.date(2026, 12, 9),
    )


def answer_url(action):
    return reverse("meetings:action_answer", args=[action.pk])


def test_the_officer_asked_answers_and_it_appears_in_the_next_pack(
    officer_client, officer_user, written_update, december
):
    page = text_of(officer_client.get(written_update.get_absolute_url()))
    assert "Give the written update" in page

    response = officer_client.post(answer_url(written_update), {"response": "The audit found 92% of contacts on time."})

    assert response.status_code == 302
    written_update.refresh_from_db()
    assert written_update.status == MeetingAction.Status.ANSWERED
    assert (written_update.answered_by, written_update.answered_on) == (officer_user, TODAY)
    pack = build_pack(december)
    row = next(r for r in pack["actions_arising"] if r["id"] == written_update.pk)
    assert row["status"] == "Answered, awaiting the board"
    assert row["response"] == "The audit found 92% of contacts on time."
    assert row["answered_on"] == TODAY.isoformat() and row["days_overdue"] == 0
    pack_page = text_of(officer_client.get(reverse("meetings:pack", args=[december.pk])))
    assert "Answered, awaiting the board" in pack_page and "The audit found 92% of contacts on time." in pack_page


def test_an_empty_answer_is_refused_and_nothing_changes(officer_client, written_update):
    response = officer_client.post(answer_url(written_update), {"response": "  "})
    assert response.status_code == 200
    assert "Enter the written update" in text_of(response)
    written_update.refresh_from_db()
    assert (written_update.status, written_update.response) == (MeetingAction.Status.OPEN, "")


def test_someone_else_cannot_answer_but_the_clerk_answers_for_a_person_with_no_account(
    make_user, clerk_client, october
):
    other_officer = make_user("officer", username="other")
    from tests.conftest import _client_for

    no_account = MeetingActionFactory(meeting=october, owner=None, owner_name="Chief Superintendent, Police")
    assert _client_for(other_officer).post(answer_url(no_account), {"response": "x"}).status_code == 403
    assert clerk_client.post(answer_url(no_account), {"response": "Police reply by letter."}).status_code == 302
    no_account.refresh_from_db()
    assert no_account.status == MeetingAction.Status.ANSWERED


def test_the_clerk_closes_it_at_the_meeting_and_the_meetings_pack_still_lists_it(
    written_update, december, officer_user, time_machine
):
    from meetings.services import answer_action_arising

    answer_action_arising(action_arising=written_update, response="Done.", answered_by=officer_user)
    time_machine.move_to(at(december.date, 16))
    respond_to_action_arising(
        action_arising=written_update, status=MeetingAction.Status.DONE, response="Done. Noted by the board."
    )
    written_update.refresh_from_db()
    assert written_update.status == MeetingAction.Status.DONE
    # Closed at the meeting, on its day: the board took it there, so its pack still shows it.
    assert [r["id"] for r in build_pack(december)["actions_arising"]] == [written_update.pk]


def test_a_closed_action_cannot_be_answered(officer_client, written_update):
    written_update.status = MeetingAction.Status.DONE
    written_update.save()
    response = officer_client.post(answer_url(written_update), {"response": "Late answer"})
    assert response.status_code == 200 and "cannot be answered again" in text_of(response)
    written_update.refresh_from_db()
    assert written_update.response == ""


def test_the_answer_shows_on_the_linked_action_recommendation_and_indicator_pages(
    board_client, written_update, officer_user
):
    from meetings.services import answer_action_arising

    plan_action, recommendation, indicator = ActionFactory(), RecommendationFactory(), IndicatorFactory()
    written_update.plan_action, written_update.recommendation, written_update.indicator = (
        plan_action,
        recommendation,
        indicator,
    )
    written_update.save()
    answer_action_arising(action_arising=written_update, response="Caseloads now average 17.", answered_by=officer_user)
    for item in (plan_action, recommendation, indicator):
        page = text_of(board_client.get(item.get_absolute_url()))
        assert "What boards asked about this" in page, item
        assert "Caseloads now average 17." in page and "Answered, awaiting the board" in page


def test_the_clerk_links_an_action_arising_to_what_it_is_about(clerk_client, october):
    plan_action, indicator = ActionFactory(), IndicatorFactory()
    url = reverse("meetings:action_create", args=[october.pk])
    response = clerk_client.post(
        url,
        {
            "kind": MeetingAction.Kind.WRITTEN_UPDATE,
            "description": "Why re-referrals rose",
            "owner_name": "Head of Service",
            "plan_action": plan_action.pk,
            "indicator": indicator.pk,
        },
    )
    assert response.status_code == 302
    action = MeetingAction.objects.get(description="Why re-referrals rose")
    assert (action.plan_action, action.indicator, action.recommendation) == (plan_action, indicator, None)


def test_a_referral_appears_on_the_other_boards_page_and_pack_and_its_answer_comes_back(
    clerk_client, board, october, december, clerk_user
):
    from meetings.services import answer_action_arising

    parenting = BoardFactory(name="Corporate Parenting Board")
    parenting_meeting = MeetingFactory(board=parenting, starts_at=at(datetime.date(2026, 11, 25)))
    referral = MeetingActionFactory(
        meeting=october,
        kind=MeetingAction.Kind.REFERRAL,
        referred_to=parenting,
        description="Placement sufficiency for older children",
        owner_name="Chair of the Corporate Parenting Board",
    )
    page = text_of(clerk_client.get(parenting.get_absolute_url()))
    assert "Referred to this board" in page and "Placement sufficiency for older children" in page
    pack = build_pack(parenting_meeting)
    assert [r["id"] for r in pack["referred_to_board"]] == [referral.pk]
    assert pack["referred_to_board"][0]["raised_by"] == "Children's Improvement Board"
    assert pack["actions_arising"] == []

    answer_action_arising(action_arising=referral, response="Ten more places commissioned.", answered_by=clerk_user)
    back = build_pack(december)
    row = next(r for r in back["actions_arising"] if r["id"] == referral.pk)
    assert (row["referred_to"], row["response"]) == ("Corporate Parenting Board", "Ten more places commissioned.")
    page = text_of(clerk_client.get(reverse("meetings:pack", args=[december.pk])))
    assert "Answer from Corporate Parenting Board: Ten more places commissioned." in page


def test_a_pack_for_a_meeting_still_to_come_is_published_as_draft_papers(clerk_client, clerk_user, december):
    confirm = text_of(clerk_client.get(reverse("meetings:pack_publish", args=[december.pk])))
    assert "Publish draft papers for this meeting?" in confirm
    assert "draft papers as at 22 November 2026" in confirm
    assert not PublishedPack.objects.exists()

    clerk_client.post(reverse("meetings:pack_publish", args=[december.pk]), {"form_token": "t1"})

    published = PublishedPack.objects.get()
    assert published.as_at == TODAY and published.content["draft"] is True
    page = text_of(clerk_client.get(published.get_absolute_url()))
    assert "Draft papers as at 22 November 2026" in page
    assert "Data as at 22 November 2026. Published on 22 November 2026" in page
    assert "this is not the pack as the board saw it" in page
    assert "This is the pack as the board saw it" not in page


def test_a_held_meetings_pack_is_the_pack_as_the_board_saw_it_with_both_dates(clerk_client, clerk_user, october):
    published = publish_pack(meeting=october, published_by=clerk_user)
    assert published.as_at == october.date and published.content["draft"] is False
    page = text_of(clerk_client.get(published.get_absolute_url()))
    assert "Data as at 14 October 2026. Published on 22 November 2026." in page
    assert "This is the pack as the board saw it" in page


@pytest.mark.parametrize("size", [1, 4])
def test_answer_page_query_count_does_not_grow(size, officer_client, officer_user, october, django_assert_num_queries):
    actions = [MeetingActionFactory(meeting=october, owner=officer_user) for _ in range(size)]
    url = answer_url(actions[0])
    officer_client.get(url)  # warm the session
    # 1 session, 2 user, 3 permissions, 4 the action with its meeting, board and links, 5-7 saving the session.
    with django_assert_num_queries(4):
        assert officer_client.get(url).status_code == 200


@pytest.mark.parametrize("size", [1, 4])
def test_publish_confirmation_query_count_does_not_grow(size, clerk_client, board, django_assert_num_queries):
    meetings = [MeetingFactory(board=board, starts_at=at(datetime.date(2026, 1 + m, 10))) for m in range(size)]
    for meeting in meetings:
        PublishedPack.objects.create(meeting=meeting, as_at=meeting.date, published_by_name="C", content={}, html="")
    url = reverse("meetings:pack_publish", args=[meetings[-1].pk])
    clerk_client.get(url)
    # 1 session, 2 user, 3 permissions, 4 the meeting with its pack context, 5 its published copies.
    with django_assert_num_queries(5):
        assert clerk_client.get(url).status_code == 200


def test_the_packs_kpis_say_what_moved_since_the_previous_meeting_in_plain_english(board, october, december):
    from decimal import Decimal

    from tests.factories.indicators import MeasurementFactory, TargetFactory

    moved = IndicatorFactory(
        code="CIN-ASSESS-45",
        what_it_measures="Assessments finished within 45 working days",
        polarity="higher",
    )
    TargetFactory(
        indicator=moved,
        effective_from=datetime.date(2025, 4, 1),
        value=Decimal("85"),
        expected_direction_note="Rising to 90% by March",
    )
    MeasurementFactory(indicator=moved, period=datetime.date(2026, 8, 1), value=Decimal("86"))
    MeasurementFactory(indicator=moved, period=datetime.date(2026, 10, 1), value=Decimal("60"))
    new = IndicatorFactory(code="NEW-1", polarity="lower")
    MeasurementFactory(indicator=new, period=datetime.date(2026, 10, 1), value=Decimal("3"))

    rows = {row["code"]: row for row in build_pack(december)["scorecard"]}

    assert rows["CIN-ASSESS-45"]["what_it_measures"] == "Assessments finished within 45 working days"
    assert rows["CIN-ASSESS-45"]["which_way"] == "Higher is better"
    assert rows["CIN-ASSESS-45"]["target_note"] == "Rising to 90% by March"
    since = rows["CIN-ASSESS-45"]["since"]
    assert since["new"] is False and since["rag_then"] == "green" and since["moved"].startswith("RAG moved from")
    assert rows["NEW-1"]["since"]["new"] is True
