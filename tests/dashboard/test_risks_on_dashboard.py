"""Issue 17: the highest open risks to delivery on the dashboard, in words as well as colour, and the one
query for the next meetings that leaves room for them in the page's budget."""

import datetime

import pytest
from django.urls import reverse

from dashboard.queries import upcoming_meetings_for
from improvement.models import Risk
from tests.factories.improvement import ThemeFactory
from tests.factories.meetings import BoardFactory, MeetingFactory
from tests.meetings.test_pages import at, text_of

pytestmark = pytest.mark.django_db


def test_the_dashboard_lists_the_five_highest_open_risks_with_their_rating_in_words(board_client):
    for n in range(6):
        Risk.objects.create(title=f"Risk scored {n + 1}", likelihood=n % 5 + 1, impact=5, owner_name="Head of HR")
    Risk.objects.create(title="A closed risk", likelihood=5, impact=5, owner_name="x", status=Risk.Status.CLOSED)

    page = text_of(board_client.get(reverse("home")))

    section = page.split("Risks to delivery", 1)[1]
    assert "The 5 highest of 6 open risks" in section
    assert section.index("Risk scored 5") < section.index("Risk scored 4") < section.index("Risk scored 1")
    assert "Risk scored 6" not in section.split("The risks to delivery register")[0]  # 1 x 5 = 5, the lowest
    assert "High (25)" in section and "A closed risk" not in page


def test_a_dashboard_as_at_a_past_date_says_the_risks_are_as_they_stand_today(board_client):
    Risk.objects.create(title="Recruitment", likelihood=4, impact=4, owner_name="HR").themes.add(ThemeFactory())

    page = text_of(board_client.get(reverse("home") + "?as_at=2026-06-04"))

    assert "The risks as they stand today" in page and "Recruitment" in page and "Open risks, highest first" in page


def test_with_no_open_risk_the_dashboard_says_so(board_client):
    page = text_of(board_client.get(reverse("home")))
    assert "No open risks to delivery are recorded." in page


def test_upcoming_meetings_is_one_query_for_the_first_of_any_board_and_each_of_the_readers_boards(
    board_user, django_assert_num_queries
):
    mine, other, also_mine = BoardFactory(name="Mine"), BoardFactory(name="Other"), BoardFactory(name="Also mine")
    mine.members.add(board_user)
    also_mine.members.add(board_user)
    first_of_any = MeetingFactory(board=other, starts_at=at(datetime.date(2026, 11, 25)))
    MeetingFactory(board=other, starts_at=at(datetime.date(2026, 11, 27)))
    next_of_mine = MeetingFactory(board=mine, starts_at=at(datetime.date(2026, 12, 1)))
    MeetingFactory(board=mine, starts_at=at(datetime.date(2027, 1, 5)))
    next_of_also_mine = MeetingFactory(board=also_mine, starts_at=at(datetime.date(2027, 2, 2)))
    MeetingFactory(board=mine, starts_at=at(datetime.date(2026, 11, 24)), status="cancelled")

    with django_assert_num_queries(1):
        upcoming = upcoming_meetings_for(board_user, datetime.date(2026, 11, 22))
        first, my_meetings = upcoming.next_meeting, upcoming.mine
        assert [m.board.name for m in my_meetings] == ["Mine", "Also mine"]

    assert first == first_of_any
    assert my_meetings == [next_of_mine, next_of_also_mine]
