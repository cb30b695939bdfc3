"""Each board member sits in a capacity (issue 17): the board form's one row per member (a person and a
role), what it refuses, the board page and the printed and Word pack covers saying who is on the board
and as what; everything that reads `board.members` keeps working."""

import datetime
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Board, BoardMembership
from tests.factories.core import UserFactory
from tests.factories.meetings import BoardFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _errors(response) -> list[str]:
    summary = response.content.decode().split('class="govuk-error-summary"')[1].split("</ul>")[0]
    return [unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(r"<li>(.*?)</li>", summary, flags=re.S)]


def _board(**rows):
    return {"name": "Improvement board", "kind": "improvement_board", "cadence": "monthly", **rows}


@pytest.fixture
def people():
    return {name: UserFactory(first_name=name, last_name="Example") for name in ("Asha", "Ben", "Cara", "Dev")}


def test_clerk_gives_each_member_a_role_and_the_chair_follows(clerk_client, people):
    response = clerk_client.post(
        reverse("meetings:board_create"),
        _board(
            member_0=people["Ben"].pk,
            role_0="member",
            member_1=people["Asha"].pk,
            role_1="chair",
            member_2=people["Cara"].pk,
            role_2="observer",
        ),
    )
    board = Board.objects.get()
    assert response.status_code == 302
    assert board.chair == people["Asha"]
    assert sorted(board.memberships.values_list("user__first_name", "role")) == [
        ("Asha", "chair"),
        ("Ben", "member"),
        ("Cara", "observer"),
    ]
    page = _text(clerk_client.get(board.get_absolute_url()))
    assert "Members Asha Example, chair Ben Example, member Cara Example, observer" in page


def test_editing_changes_roles_removes_with_no_one_and_offers_empty_rows(clerk_client, people):
    board = services.create_board(
        name="Board", kind="other", members=[people["Ben"], people["Cara"]], chair=people["Asha"]
    )
    form = clerk_client.get(reverse("meetings:board_update", args=[board.pk])).content.decode()
    # Three seats, the chair first, then three empty rows; selects, never a multi-select.
    assert form.count('name="member_') == 6 and "multiple" not in form
    response = clerk_client.post(
        reverse("meetings:board_update", args=[board.pk]),
        _board(
            member_0=people["Asha"].pk,
            role_0="member",
            member_1="",  # Ben taken off
            role_1="member",
            member_2=people["Cara"].pk,
            role_2="vice_chair",
            member_3=people["Dev"].pk,
            role_3="officer",
        ),
    )
    assert response.status_code == 302
    board.refresh_from_db()
    assert board.chair is None
    assert sorted(board.members.values_list("first_name", flat=True)) == ["Asha", "Cara", "Dev"]
    assert board.memberships.get(user=people["Dev"]).role == "officer"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            {"member_0": "Asha", "role_0": "chair", "member_1": "Asha", "role_1": "member"},
            "Asha Example is already on the board in row 1: choose them once",
        ),
        (
            {"member_0": "Asha", "role_0": "chair", "member_1": "Ben", "role_1": "chair"},
            "Only one member can be the chair: choose another role for this one",
        ),
    ],
)
def test_a_person_twice_or_two_chairs_are_refused(clerk_client, people, rows, message):
    data = {key: (people[value].pk if key.startswith("member_") else value) for key, value in rows.items()}
    response = clerk_client.post(reverse("meetings:board_create"), _board(**data))
    assert response.status_code == 200
    assert _errors(response) == [message]
    assert not Board.objects.exists()


def test_officers_and_board_members_cannot_edit_a_board(officer_client, board_client):
    board = BoardFactory()
    for client in (officer_client, board_client):
        assert client.get(reverse("meetings:board_update", args=[board.pk])).status_code == 403


def test_the_pack_cover_lists_members_by_role(officer_client, people):
    board = services.create_board(
        name="Board",
        kind="improvement_board",
        members=[people["Ben"]],
        external_members="Det Supt Claire Hollis, Police (observer)",
    )
    services.save_memberships(
        board, [(people["Ben"], "member"), (people["Dev"], "adviser"), (people["Cara"], "officer")]
    )
    board.chair_name = "Dr Ruth Hale, independent chair"
    board.save()
    meeting = MeetingFactory(board=board, starts_at=timezone.make_aware(datetime.datetime(2026, 2, 10, 14)))
    page = _text(officer_client.get(reverse("meetings:pack_print", args=[meeting.pk])))
    assert (
        "Board members Dr Ruth Hale, independent chair, chair Dev Example, dfe adviser or commissioner "
        "Ben Example, member Cara Example, officer in attendance Det Supt Claire Hollis, Police (observer) Agenda"
    ) in page

    from docx import Document

    word = officer_client.get(reverse("meetings:pack_docx", args=[meeting.pk]))
    paragraphs = [p.text for p in Document(io.BytesIO(word.content)).paragraphs]
    start = paragraphs.index("Board members")
    assert paragraphs[start + 1 : start + 3] == [
        "Dr Ruth Hale, independent chair, chair",
        "Dev Example, dfe adviser or commissioner",
    ]


def test_members_given_the_old_way_still_read_through_board_members(people):
    board = services.create_board(name="Board", kind="other", members=[people["Ben"]], chair=people["Asha"])
    assert sorted(u.first_name for u in board.members.all()) == ["Asha", "Ben"]
    assert list(people["Ben"].boards.all()) == [board]
    assert board.memberships.get(user=people["Asha"]).role == BoardMembership.Role.CHAIR
    services.update_board(board=board, chair=people["Ben"])  # only the chair changes
    assert dict(board.memberships.values_list("user__first_name", "role")) == {"Asha": "member", "Ben": "chair"}
