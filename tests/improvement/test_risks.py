"""Issue 17: the risks to delivery register, its rule, its pages and its place in the board pack."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from improvement.models import Risk
from improvement.queries import risk_rows
from improvement.rules import risk_rating
from meetings.pack import build_pack
from tests.factories.improvement import ThemeFactory
from tests.factories.meetings import BoardFactory, MeetingFactory
from tests.meetings.test_pages import text_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "likelihood, impact, words, rag",
    [(5, 5, "High (25)", "red"), (3, 5, "High (15)", "red"), (4, 3, "Medium (12)", "amber"),
     (1, 5, "Medium (5)", "amber"), (2, 2, "Low (4)", "green"), (1, 1, "Low (1)", "green")],
)  # fmt: skip
def test_risk_rating_in_words_and_colour(likelihood, impact, words, rag):
    assert risk_rating(likelihood, impact) == (words, rag)


def _post(**changes):
    data = {
        "title": "We cannot recruit enough social workers",
        "cause": "Agency rates in the region",
        "likelihood": "4",
        "impact": "5",
        "owner_name": "Head of Workforce",
        "mitigation": "Market supplement from January",
        "review_date-day": "15",
        "review_date-month": "1",
        "review_date-year": "2027",
        "status": "open",
    }
    data.update(changes)
    return data


def test_an_officer_adds_a_risk_with_themes_and_a_review_date_and_its_history_is_kept(officer_client):
    theme = ThemeFactory(reference="2", title="Workforce")
    response = officer_client.post(reverse("improvement:risk_create"), _post(themes=[theme.pk]))
    assert response.status_code == 302
    risk = Risk.objects.get()
    assert (risk.likelihood, risk.impact, risk.review_date) == (4, 5, datetime.date(2027, 1, 15))
    assert list(risk.themes.all()) == [theme]
    officer_client.post(reverse("improvement:risk_update", args=[risk.pk]), _post(likelihood="2", themes=[theme.pk]))
    risk.refresh_from_db()
    assert risk.likelihood == 2
    assert {entry.likelihood for entry in risk.history.all()} == {4, 2}  # the earlier scoring is kept
    page = text_of(officer_client.get(risk.get_absolute_url()))
    assert "Medium (10)" in page and "Likelihood 4, impact 5" in page and "Likelihood 2, impact 5" in page


def test_bad_input_is_refused_with_gov_uk_messages_and_nothing_saved(officer_client):
    response = officer_client.post(
        reverse("improvement:risk_create"), _post(likelihood="", owner_name="", **{"review_date-month": "13"})
    )
    page = text_of(response)
    assert "Select how likely the risk is, from 1 to 5" in page
    assert "Choose the owner, or enter their job title" in page
    assert "Review date must be a real date" in page
    assert not Risk.objects.exists()


def test_the_pack_lists_open_risks_in_the_boards_themes_and_plan_wide_ones(board_user):
    workforce, front_door = ThemeFactory(reference="2"), ThemeFactory(reference="1")
    board = BoardFactory()
    board.themes.add(workforce)
    mine = Risk.objects.create(title="Recruitment", likelihood=4, impact=4, owner_name="HR")
    mine.themes.add(workforce)
    other = Risk.objects.create(title="MASH systems", likelihood=5, impact=5, owner_name="IT")
    other.themes.add(front_door)
    everyone = Risk.objects.create(title="Budget", likelihood=3, impact=3, owner_name="Finance")
    Risk.objects.create(title="Closed one", likelihood=5, impact=5, owner_name="x", status=Risk.Status.CLOSED)
    meeting = MeetingFactory(board=board, starts_at=timezone.make_aware(datetime.datetime(2026, 10, 14, 14)))

    pack = build_pack(meeting)

    assert [r["id"] for r in pack["risks"]] == [mine.pk, everyone.pk]
    assert pack["risks"][0]["rating"] == "High (16)" and pack["risks"][0]["themes"] == [f"2. {workforce.title}"]
    assert [r["id"] for r in risk_rows()] == [other.pk, mine.pk, everyone.pk]


@pytest.mark.parametrize("size", [1, 4])
def test_register_query_count_does_not_grow(size, board_client, django_assert_num_queries):
    for n in range(size):
        risk = Risk.objects.create(title=f"Risk {n}", likelihood=3, impact=3, owner_name="x")
        risk.themes.set([ThemeFactory(), ThemeFactory()])
    url = reverse("improvement:risk_list")
    board_client.get(url)
    # 1 session, 2 user, 3 permissions, 4 the risks joined to their themes.
    with django_assert_num_queries(4):
        assert board_client.get(url).status_code == 200


@pytest.mark.parametrize("size", [1, 4])
def test_risk_page_query_count_does_not_grow(size, board_client, django_assert_num_queries):
    risk = Risk.objects.create(title="Risk", likelihood=3, impact=3, owner_name="x")
    risk.themes.set([ThemeFactory() for _ in range(size)])
    for n in range(size):
        risk.likelihood = 1 + n
        risk.save()
    board_client.get(risk.get_absolute_url())
    # 1 session, 2 user, 3 permissions, 4 the risk with owner, 5 its themes, 6 its history.
    with django_assert_num_queries(6):
        assert board_client.get(risk.get_absolute_url()).status_code == 200
