"""Issue 17: "you said, we did", what children and young people told us and what changed, per theme:
written by officers and admins, read by everyone, in the board pack (page and Word) and on the progress
page."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from improvement.models import Risk, Theme, YouSaidWeDid
from improvement.queries import risk_rows, risks_and_you_said, you_said_we_did_rows
from meetings.pack import build_pack
from tests.factories.improvement import PlanFactory, ThemeFactory
from tests.factories.meetings import BoardFactory, MeetingFactory
from tests.meetings.test_pages import text_of

pytestmark = pytest.mark.django_db
D = datetime.date


def _post(theme, **changes):
    data = {
        "theme": str(theme.pk),
        "said_by": "Children in care council",
        "what_was_said": "We have too many changes of social worker",
        "said_on-day": "14",
        "said_on-month": "5",
        "said_on-year": "2026",
        "what_changed": "",
        "changed_on-day": "",
        "changed_on-month": "",
        "changed_on-year": "",
    }
    data.update(changes)
    return data


def _record(theme, said_on=D(2026, 5, 14), changed_on=None, **fields):
    fields.setdefault("said_by", "Children in care council")
    fields.setdefault("what_was_said", "Too many changes of worker")
    fields.setdefault("what_changed", "A named back-up worker" if changed_on else "")
    return YouSaidWeDid.objects.create(theme=theme, said_on=said_on, changed_on=changed_on, **fields)


@pytest.fixture
def theme(db):
    return ThemeFactory(plan=PlanFactory(status="active"), reference="4", title="Children in care")


def test_an_officer_adds_a_record_then_says_what_changed_and_its_history_is_kept(officer_client, officer_user, theme):
    response = officer_client.post(reverse("improvement:you_said_create"), _post(theme))
    assert response.status_code == 302
    record = YouSaidWeDid.objects.get()
    assert (record.theme, record.said_on, record.changed_on, record.written_by) == (
        theme, D(2026, 5, 14), None, officer_user
    )  # fmt: skip

    officer_client.post(
        reverse("improvement:you_said_update", args=[record.pk]),
        _post(theme, what_changed="Each child has a named back-up worker",
              **{"changed_on-day": "1", "changed_on-month": "9", "changed_on-year": "2026"}),
    )  # fmt: skip

    record.refresh_from_db()
    assert (record.what_changed, record.changed_on) == ("Each child has a named back-up worker", D(2026, 9, 1))
    assert record.history.count() == 2
    page = text_of(officer_client.get(record.get_absolute_url()))
    assert "What Children in care council said" in page and "1 September 2026" in page
    assert "Not yet changed." in page  # the first version, in the history


def test_the_form_says_a_group_never_a_named_child_and_refuses_bad_input_saving_nothing(officer_client, theme):
    form_page = text_of(officer_client.get(reverse("improvement:you_said_create")))
    assert "Name a group, never a named child or young person" in form_page
    assert "When it changed (optional)" not in form_page  # required once "what we did" is given

    response = officer_client.post(
        reverse("improvement:you_said_create"),
        _post(theme, said_by="", what_changed="Meetings moved after school", **{"said_on-month": "13"}),
    )

    page = text_of(response)
    assert "Enter who said it: a group, never a named child" in page
    assert "When it was said must be a real date" in page
    assert "Enter when it changed" in page
    assert not YouSaidWeDid.objects.exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"said_on-year": "2027"}, "When it was said must be today or in the past"),
        ({"changed_on-day": "1", "changed_on-month": "4", "changed_on-year": "2026", "what_changed": "Done"},
         "When it changed must be the same as or after when it was said"),
        ({"changed_on-day": "1", "changed_on-month": "9", "changed_on-year": "2026"},
         "Enter what we did, or leave when it changed blank"),
    ],
)  # fmt: skip
def test_dates_that_cannot_be_are_refused(officer_client, theme, changes, message):
    response = officer_client.post(reverse("improvement:you_said_create"), _post(theme, **changes))
    assert message in text_of(response)
    assert not YouSaidWeDid.objects.exists()


def test_a_board_member_reads_the_list_but_cannot_add(board_client, theme):
    _record(theme, changed_on=D(2026, 9, 1))
    page = text_of(board_client.get(reverse("improvement:you_said_list")))
    assert "Too many changes of worker" in page and "A named back-up worker (1 September 2026)" in page
    assert "Add what children and young people said" not in page
    assert board_client.post(reverse("improvement:you_said_create"), _post(theme)).status_code == 403
    assert YouSaidWeDid.objects.count() == 1


def test_rows_for_a_period_are_the_open_ones_and_those_said_or_changed_in_it(theme):
    open_one = _record(theme, said_on=D(2025, 1, 10), what_was_said="Still open")
    _record(theme, said_on=D(2025, 1, 10), changed_on=D(2025, 3, 1), what_was_said="Closed long ago")
    changed_in = _record(theme, said_on=D(2025, 1, 10), changed_on=D(2026, 7, 1), what_was_said="Changed in")
    later = _record(theme, said_on=D(2026, 6, 1), changed_on=D(2026, 11, 1), what_was_said="Changed after")
    _record(theme, said_on=D(2026, 11, 2), what_was_said="Said after")

    rows = you_said_we_did_rows(since=D(2026, 6, 1), until=D(2026, 10, 1))

    assert [r["id"] for r in rows] == [later.pk, open_one.pk, changed_in.pk]  # newest said first
    assert rows[0]["changed_on"] is None and rows[0]["what_changed"] == ""  # not yet, as at 1 October
    assert rows[2]["changed_on"] == "2026-07-01"


def test_the_pack_has_the_boards_themes_records_on_the_page_and_in_word(board_client, theme):
    other = ThemeFactory(plan=theme.plan, reference="2", title="Front door")
    board = BoardFactory(name="Corporate Parenting Board")
    board.themes.add(theme)
    _record(theme, changed_on=D(2026, 9, 1))
    _record(other, what_was_said="About the front door")
    meeting = MeetingFactory(board=board, starts_at=timezone.make_aware(datetime.datetime(2026, 10, 14, 14)))

    pack = build_pack(meeting)

    assert [r["what_was_said"] for r in pack["you_said_we_did"]] == ["Too many changes of worker"]
    page = text_of(board_client.get(reverse("meetings:pack", args=[meeting.pk])))
    assert "8. What children and young people told us" in page and "About the front door" not in page
    document = Document(BytesIO(board_client.get(reverse("meetings:pack_docx", args=[meeting.pk])).content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[-1] == "8. What children and young people told us"
    table = [[c.text for c in row.cells] for row in document.tables[-1].rows]
    assert table[1] == [
        "Too many changes of worker", "Children in care council, 14 May 2026",
        "A named back-up worker (1 September 2026)", "4. Children in care",
    ]  # fmt: skip


def test_a_pack_published_before_the_section_existed_shows_none_of_it(board_client, theme):
    from meetings.docx_pack import pack_docx_bytes  # noqa: PLC0415 (only this test builds a file by hand)

    meeting = MeetingFactory(starts_at=timezone.make_aware(datetime.datetime(2026, 10, 14, 14)))
    pack = build_pack(meeting)
    del pack["you_said_we_did"]
    document = Document(BytesIO(pack_docx_bytes(pack)))
    assert "8. What children and young people told us" not in [p.text for p in document.paragraphs]


def test_the_progress_page_shows_what_was_said_or_changed_in_the_period(board_client, theme):
    _record(theme, said_on=D(2026, 6, 1), changed_on=D(2026, 9, 1))
    page = text_of(board_client.get(reverse("progress") + "?from_date=2026-07-01&to_date=2026-10-01"))
    section = page.split("What children and young people told us", 1)[1]
    assert "Too many changes of worker" in section and "A named back-up worker (1 September 2026)" in section


@pytest.mark.parametrize("size", [1, 4])
def test_list_query_count_does_not_grow(size, board_client, theme, django_assert_num_queries):
    for n in range(size):
        _record(ThemeFactory(plan=theme.plan, reference=f"{n + 5}"), changed_on=D(2026, 9, 1))
    url = reverse("improvement:you_said_list")
    board_client.get(url)
    # 1 session, 2 user, 3 permissions, 4 the records joined to their themes.
    with django_assert_num_queries(4):
        assert board_client.get(url).status_code == 200


@pytest.mark.parametrize("size", [1, 4])
def test_record_page_query_count_does_not_grow(size, board_client, theme, django_assert_num_queries):
    record = _record(theme)
    for n in range(size):
        record.what_changed, record.changed_on = f"Change {n}", D(2026, 9, 1 + n)
        record.save()
    board_client.get(record.get_absolute_url())
    # 1 session, 2 user, 3 permissions, 4 the record with its theme and author, 5 its history.
    with django_assert_num_queries(5):
        assert board_client.get(record.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("size", [1, 4])
def test_form_query_count_does_not_grow(size, officer_client, theme, django_assert_num_queries):
    record = _record(theme)
    for n in range(size):
        ThemeFactory(plan=theme.plan, reference=f"{n + 5}")
    url = reverse("improvement:you_said_update", args=[record.pk])
    officer_client.get(url)
    # 1 session, 2 user, 3 permissions, 4 the record, 5 plans (the current plan), 6 its themes.
    with django_assert_num_queries(6):
        assert officer_client.get(url).status_code == 200


def test_the_packs_one_query_reads_the_same_risks_and_records_as_the_two_alone(theme, django_assert_num_queries):
    other = ThemeFactory(plan=theme.plan, reference="2", title="Front door")
    _record(theme, said_on=D(2025, 1, 10), what_was_said="Still open")
    _record(theme, said_on=D(2026, 6, 1), changed_on=D(2026, 11, 1), what_was_said="Changed after")
    _record(other, said_on=D(2026, 7, 1), changed_on=D(2026, 8, 1), what_was_said="Front door")
    linked = Risk.objects.create(title="Recruitment", likelihood=4, impact=4, owner_name="HR", cause="Pay")
    linked.themes.set([theme, other])
    Risk.objects.create(title="Budget", likelihood=5, impact=3, owner_name="Finance", review_date=D(2027, 1, 5))
    chosen = Theme.objects.filter(pk=theme.pk)

    with django_assert_num_queries(1):
        both = risks_and_you_said(themes=chosen, since=D(2026, 6, 1), until=D(2026, 10, 1))

    assert both == (
        risk_rows(themes=chosen),
        you_said_we_did_rows(themes=chosen, since=D(2026, 6, 1), until=D(2026, 10, 1)),
    )
    assert [r["title"] for r in both[0]] == ["Recruitment", "Budget"] and len(both[1]) == 2
    assert both[0][1]["review_date"] == "2027-01-05"
    assert both[0][0]["themes"] == ["2. Front door", "4. Children in care"]
