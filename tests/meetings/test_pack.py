"""The board pack: what it lists as at a meeting's date, its pages, publishing, and the Word download."""

import datetime
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length

from improvement.models import ActionStatus, Progress, Rag
from indicators.models import Measurement
from meetings.docx_pack import EXCEPTION_HEADERS, column_widths, pack_docx_bytes
from meetings.models import PublishedPack
from meetings.pack import build_pack, pack_meeting_queryset, render_pack_html
from meetings.services import publish_pack
from tests.factories.improvement import (
    ActionFactory,
    ActionUpdateFactory,
    PlanFactory,
    TargetDateRevisionFactory,
    ThemeFactory,
)
from tests.factories.indicators import IndicatorFactory, MeasurementFactory, TargetFactory
from tests.factories.meetings import AgendaItemFactory, BoardFactory, MeetingActionFactory, MeetingFactory

PREVIOUS = datetime.date(2026, 1, 13)
MEETING = datetime.date(2026, 2, 10)
NEXT = datetime.date(2026, 3, 10)


def _at(day, hour=14):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _update(action, day, *, status=ActionStatus.IN_PROGRESS, progress=Progress.ON_TRACK, narrative="On plan."):
    return ActionUpdateFactory(action=action, date=day, status=status, progress=progress, narrative=narrative)


@pytest.fixture
def board_case(db):
    """A board that met on 13 January and meets on 10 February and 10 March 2026. Between the first two
    meetings: 1.1 went green to red, 1.2 was completed, 1.3's target date moved; 1.4 did not change."""
    plan = PlanFactory(start_date=datetime.date(2025, 4, 1))
    theme = ThemeFactory(plan=plan, reference="1", title="Front door")
    board = BoardFactory(name="Children's Improvement Board")
    previous = MeetingFactory(board=board, starts_at=_at(PREVIOUS))
    meeting = MeetingFactory(board=board, starts_at=_at(MEETING))
    following = MeetingFactory(board=board, starts_at=_at(NEXT))

    target = datetime.date(2026, 6, 30)
    went_red = ActionFactory(theme=theme, reference="1.1", title="Redesign the MASH", original_target_date=target)
    _update(went_red, datetime.date(2026, 1, 5))
    _update(went_red, datetime.date(2026, 2, 2), progress=Progress.OFF_TRACK, narrative="Recruitment failed.")

    completed = ActionFactory(
        theme=theme, reference="1.2", title="Strategy meetings with police", original_target_date=target
    )
    _update(completed, datetime.date(2026, 1, 5))
    _update(completed, datetime.date(2026, 2, 3), status=ActionStatus.COMPLETE, narrative="Daily slots in place.")

    slipped = ActionFactory(theme=theme, reference="1.3", title="Thresholds guidance", original_target_date=target)
    _update(slipped, datetime.date(2026, 1, 5))
    TargetDateRevisionFactory(
        action=slipped,
        previous_date=target,
        new_date=datetime.date(2026, 9, 30),
        effective_on=datetime.date(2026, 2, 1),
    )

    steady = ActionFactory(theme=theme, reference="1.4", title="Out-of-hours review", original_target_date=target)
    _update(steady, datetime.date(2026, 1, 5))

    due_soon = ActionFactory(
        theme=theme,
        reference="1.5",
        title="Publish the front door leaflet",
        original_target_date=datetime.date(2026, 3, 1),
    )
    _update(due_soon, datetime.date(2026, 1, 5))

    indicator = IndicatorFactory(code="CIN-ASSESS-45", title="Assessments within 45 working days")
    TargetFactory(indicator=indicator, value=Decimal("85"))
    TargetFactory(indicator=indicator, value=Decimal("90"), effective_from=datetime.date(2026, 3, 1))
    MeasurementFactory(
        indicator=indicator, period=datetime.date(2025, 12, 1), value=Decimal("61.0"), commentary="Agency staff left."
    )
    arising = MeetingActionFactory(
        meeting=previous, description="A written update on the 30 September targets", due_date=datetime.date(2026, 2, 1)
    )
    return {
        "board": board, "previous": previous, "meeting": meeting, "following": following, "went_red": went_red,
        "completed": completed, "slipped": slipped, "steady": steady, "due_soon": due_soon,
        "indicator": indicator, "arising": arising,
    }  # fmt: skip


def _refs(rows):
    return [row["reference"] for row in rows]


def test_changes_since_the_previous_meeting_list_exactly_what_changed(board_case):
    changes = build_pack(board_case["meeting"])["changes"]

    assert changes["since"] == "2026-01-13"
    assert _refs(changes["completed"]) == ["1.2"]
    assert _refs(changes["new_reds"]) == ["1.1"]
    assert changes["new_reds"][0]["from_rag"] == Rag.GREEN
    assert changes["rag_moves"] == []  # the completion and the new red are each said once, not twice
    assert _refs(changes["slipped"]) == ["1.3"]
    assert changes["slipped"][0]["from_date"] == "2026-06-30"
    assert changes["slipped"][0]["target_date"] == "2026-09-30"
    assert changes["added"] == []


def test_an_action_due_on_the_meeting_day_is_due_before_the_next_meeting(board_case):
    # The pack's window starts on the meeting's own day (as_at <= target date), as the dashboard's does:
    # an action due that day has not yet slipped, so the board sees it among those due.
    on_the_day = ActionFactory(
        theme=board_case["due_soon"].theme, reference="1.6", title="Sign off the leaflet", original_target_date=MEETING
    )
    _update(on_the_day, datetime.date(2026, 1, 5))

    pack = build_pack(board_case["meeting"])

    assert _refs(pack["due"]["actions"]) == ["1.6", "1.5"]


def test_exceptions_come_first_with_reasons_and_dates(board_case):
    pack = build_pack(board_case["meeting"])

    exceptions = {row["reference"]: row for row in pack["exceptions"]["actions"]}
    assert list(exceptions) == ["1.1", "1.3"]  # red first; the completed and steady ones are not exceptions
    assert exceptions["1.1"]["reasons"] == ["RAG is red"]
    assert exceptions["1.1"]["narrative"] == "Recruitment failed."
    assert exceptions["1.3"]["reasons"] == ["Target date moved"]
    assert (exceptions["1.3"]["original_target_date"], exceptions["1.3"]["target_date"]) == ("2026-06-30", "2026-09-30")
    [kpi] = pack["exceptions"]["kpis"]
    assert (kpi["code"], kpi["rag"], kpi["commentary"]) == ("CIN-ASSESS-45", "red", "Agency staff left.")


def test_due_before_the_next_meeting_and_matters_arising(board_case):
    pack = build_pack(board_case["meeting"])

    assert pack["next_meeting"]["date"] == "2026-03-10"
    assert _refs(pack["due"]["actions"]) == ["1.5"]
    assert [(t["code"], t["effective_from"], t["target"]) for t in pack["due"]["targets"]] == [
        ("CIN-ASSESS-45", "2026-03-01", "90.0%")
    ]
    [arising] = pack["actions_arising"]
    assert (arising["description"], arising["days_overdue"]) == ("A written update on the 30 September targets", 9)


def test_first_meeting_has_nothing_to_compare_with(board_case):
    pack = build_pack(board_case["previous"])
    assert pack["changes"] is None
    assert "There is no earlier meeting of this board to compare with." in render_pack_html(pack)


def _main(response):
    """The page's main content (the header's sign-out form carries a fresh CSRF token each time)."""
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def test_a_published_pack_never_changes_when_the_data_does(board_case, clerk_user, board_client):
    meeting = board_case["meeting"]
    published = publish_pack(meeting=meeting, published_by=clerk_user)
    stored_content, stored_html = published.content, published.html
    url = published.get_absolute_url()
    page_before = _main(board_client.get(url))

    # Later: 1.4 goes red and is back-dated to before the meeting, the KPI value is corrected, a new
    # action arising is closed, and the next meeting moves.
    _update(board_case["steady"], datetime.date(2026, 2, 5), progress=Progress.OFF_TRACK, narrative="Now off track")
    Measurement.objects.filter(indicator=board_case["indicator"]).update(value=Decimal("95.0"), commentary="Fixed")
    board_case["arising"].status = "done"
    board_case["arising"].save()
    board_case["following"].starts_at = _at(datetime.date(2026, 3, 24))
    board_case["following"].save()

    assert build_pack(meeting) != stored_content  # the live pack does change
    published = PublishedPack.objects.get(pk=published.pk)
    assert (published.content, published.html) == (stored_content, stored_html)
    page_after = _main(board_client.get(url))
    assert page_after == page_before
    assert "Now off track" not in page_after and "Agency staff left." in page_after


def test_published_page_says_when_and_by_whom(board_case, clerk_user, board_client):
    clerk_user.first_name, clerk_user.last_name = "Cara", "Clerk"
    clerk_user.save()
    published = publish_pack(meeting=board_case["meeting"], published_by=clerk_user)
    page = board_client.get(published.get_absolute_url()).content.decode()
    assert "As at 10 February 2026, published by Cara Clerk" in page
    assert "1. Exceptions" in page and "Redesign the MASH" in page


def test_pack_page_shows_the_sections_with_rag_in_words(board_case, board_client):
    response = board_client.get(reverse("meetings:pack", args=[board_case["meeting"].pk]))
    page = response.content.decode()
    for heading in ["1. Exceptions", "2. What changed since the previous meeting", "3. Due before the next meeting",
                    "4. Indicator scorecard", "5. Actions arising from previous meetings"]:  # fmt: skip
        assert heading in page
    assert "Red - off track" in page and "Blue - complete" in page
    assert "<caption" in page
    assert "Publish this pack" not in page  # a board member reads, and cannot publish


def test_clerk_and_admin_publish_from_the_pack_page(board_case, clerk_client, admin_client_):
    meeting = board_case["meeting"]
    assert "Publish this pack" in clerk_client.get(reverse("meetings:pack", args=[meeting.pk])).content.decode()
    for client in (clerk_client, admin_client_):
        response = client.post(reverse("meetings:pack_publish", args=[meeting.pk]))
        published = PublishedPack.objects.latest()
        assert response.status_code == 302 and response["Location"] == published.get_absolute_url()
        assert published.as_at == MEETING
    assert PublishedPack.objects.filter(meeting=meeting).count() == 2
    page = clerk_client.get(reverse("meetings:pack", args=[meeting.pk])).content.decode()
    assert "As at 10 February 2026, published by" in page  # published copies listed beside the live pack


@pytest.mark.parametrize("client_name", ["board_client", "officer_client", "outsider_client"])
def test_only_clerks_and_admins_publish(board_case, client_name, request):
    client = request.getfixturevalue(client_name)
    response = client.post(reverse("meetings:pack_publish", args=[board_case["meeting"].pk]))
    assert response.status_code == 403
    assert not PublishedPack.objects.exists()


def test_publishing_asks_for_confirmation_first(board_case, clerk_client):
    response = clerk_client.get(reverse("meetings:pack_publish", args=[board_case["meeting"].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Publish this board pack?" in page and "Publish the pack</button>" in page
    assert not PublishedPack.objects.exists()


def test_outsider_cannot_read_a_pack_or_a_published_pack(board_case, clerk_user, outsider_client):
    published = publish_pack(meeting=board_case["meeting"], published_by=clerk_user)
    assert outsider_client.get(reverse("meetings:pack", args=[board_case["meeting"].pk])).status_code == 403
    assert outsider_client.get(published.get_absolute_url()).status_code == 403


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_print_view_has_a_cover_with_the_agenda_and_contents_and_a_running_header(board_case, officer_client):
    meeting = board_case["meeting"]
    AgendaItemFactory(meeting=meeting, order=2, title="Performance scorecard", presenter="Head of Performance")
    AgendaItemFactory(meeting=meeting, order=1, title="Minutes of the last meeting", presenter="")
    board_case["board"].name = 'The "Improvement" Board & <Partners>'
    board_case["board"].save()

    response = officer_client.get(reverse("meetings:pack_print", args=[meeting.pk]))

    page = response.content.decode()
    assert "govuk-service-navigation" not in page and "govuk-footer" not in page
    assert 'href="/static/css/print.css" media="print"' in page
    assert "app-page-break-before" not in page  # no forced breaks: small sections follow on
    cover = _words(page.split('<div class="app-pack-cover">')[1].split("</ol>\n      </div>")[0])
    assert "Agenda Minutes of the last meeting Performance scorecard (Head of Performance)" in cover
    assert "Contents 1. Exceptions 2. What changed since the previous meeting 3. Due before the next meeting" in cover
    assert cover.endswith("7. Risks to delivery 8. What children and young people told us")
    assert "Red - off track" in page
    # The header's text is escaped for CSS inside the <style> element: the name's quotes and angle
    # brackets cannot end the string or the element.
    header = page.split("<style>")[1].split("</style>")[0]
    name = "The \\000022 Improvement\\000022  Board \\000026  \\00003c Partners\\00003e "
    assert f'"{name}\\00002c  10 February 2026' in header
    assert 'counter(page) " of " counter(pages)' in header


def test_pack_lists_the_agenda_in_order_from_the_meetings_own_query(board_case, django_assert_num_queries):
    meeting = board_case["meeting"]
    AgendaItemFactory(meeting=meeting, order=2, title="Scorecard", presenter="Head of Performance")
    AgendaItemFactory(meeting=meeting, order=1, title="Apologies", presenter="Chair")
    AgendaItemFactory(meeting=board_case["previous"], order=1, title="Another meeting's item")
    with django_assert_num_queries(1):
        read = pack_meeting_queryset().get(pk=meeting.pk)
    assert build_pack(read)["agenda"] == [
        {"order": 1, "title": "Apologies", "presenter": "Chair"},
        {"order": 2, "title": "Scorecard", "presenter": "Head of Performance"},
    ]
    assert build_pack(board_case["following"])["agenda"] == []


def _tables(document):
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def test_word_download_has_the_sections_and_the_exception_table(board_case, board_client):
    response = board_client.get(reverse("meetings:pack_docx", args=[board_case["meeting"].pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert response["Content-Disposition"] == (
        'attachment; filename="childrens-improvement-board-2026-02-10-pack.docx"'
    )
    document = Document(BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "Agenda", "Contents",
        "1. Exceptions", "2. What changed since the previous meeting", "3. Due before the next meeting",
        "4. Indicator scorecard", "5. Actions arising from previous meetings", "6. Referred to this board",
        "7. Risks to delivery", "8. What children and young people told us",
    ]  # fmt: skip
    exception_table = next(t for t in _tables(document) if t[0] == EXCEPTION_HEADERS)
    assert [row[0].split(" (lead")[0] for row in exception_table[1:]] == [
        "1.1 Redesign the MASH",
        "1.3 Thresholds guidance",
    ]
    assert exception_table[1][1] == "Red - off track"
    assert exception_table[2][3] == "30 September 2026 (originally 30 June 2026)"


def _field_codes(paragraph) -> list[str]:
    return [node.text.strip() for node in paragraph._p.iter(qn("w:instrText"))]


def test_word_pages_have_a_header_a_numbered_footer_and_a_cover(board_case, board_client):
    AgendaItemFactory(meeting=board_case["meeting"], order=1, title="Improvement plan: exceptions", presenter="Chair")
    response = board_client.get(reverse("meetings:pack_docx", args=[board_case["meeting"].pk]))
    document = Document(BytesIO(response.content))
    section = document.sections[0]

    assert [p.text for p in section.header.paragraphs] == ["Children's Improvement Board, 10 February 2026"]
    footer = section.footer.paragraphs[0]
    assert _field_codes(footer) == ["PAGE", "NUMPAGES"]
    assert footer.text == "Page 1 of 1"  # the last values shown; Word fills in the real ones
    kinds = [node.get(qn("w:fldCharType")) for node in footer._p.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"] * 2

    paragraphs = document.paragraphs
    first_section = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1" and p.text[0] == "1")
    cover = [p.text for p in paragraphs[:first_section]]
    assert cover[cover.index("Agenda") + 1] == "Improvement plan: exceptions (Chair)"
    contents = cover[cover.index("Contents") + 1 : cover.index("Contents") + 9]
    assert contents[0] == "1. Exceptions" and contents[-1] == "8. What children and young people told us"
    page_breaks = document.element.body.findall(f".//{qn('w:br')}[@{qn('w:type')}='page']")
    assert len(page_breaks) == 1  # after the cover only


def test_word_columns_are_sized_to_their_content(board_case, board_client):
    response = board_client.get(reverse("meetings:pack_docx", args=[board_case["meeting"].pk]))
    document = Document(BytesIO(response.content))
    table = next(t for t in document.tables if [c.text for c in t.rows[0].cells] == EXCEPTION_HEADERS)
    cells = table.rows[1].cells
    widths = {header: round(Length(cell.width).mm) for header, cell in zip(EXCEPTION_HEADERS, cells, strict=True)}

    assert widths == {"Action": 68, "RAG": 25, "Why it is here": 49, "Target date": 27, "Latest update": 97}
    assert sum(widths.values()) <= 267  # the text width of landscape A4 with 15 mm margins
    assert [round(Length(column.width).mm) for column in table.columns] == list(widths.values())
    assert table.autofit is False


def test_column_widths_give_narrative_the_room_and_rag_little():
    headers = ["Indicator", "RAG", "Commentary"]
    widths = dict(zip(headers, column_widths(headers), strict=True))
    assert widths["Commentary"] > widths["Indicator"] > widths["RAG"]
    assert sum(widths.values()) in (266, 267, 268)  # whole millimetres, rounded
    assert column_widths(["Something new", "Something else"]) == [134, 134]


def test_word_download_of_a_published_pack_comes_from_the_stored_copy(board_case, clerk_user, board_client):
    published = publish_pack(meeting=board_case["meeting"], published_by=clerk_user)
    _update(board_case["steady"], datetime.date(2026, 2, 5), progress=Progress.OFF_TRACK)
    response = board_client.get(reverse("meetings:published_pack_docx", args=[published.pk]))
    assert "childrens-improvement-board-2026-02-10-pack-as-published.docx" in response["Content-Disposition"]
    document = Document(BytesIO(response.content))
    exception_table = next(t for t in _tables(document) if t[0] == EXCEPTION_HEADERS)
    assert len(exception_table) == 3  # 1.4 turned red later: not in what the board saw
    assert any("published by" in p.text for p in document.paragraphs)


def _more_data(board_case, n):
    """n more actions (with updates and a moved date), indicators (with values) and actions arising."""
    theme = board_case["went_red"].theme
    for i in range(n):
        action = ActionFactory(theme=theme, reference=f"9.{i}", title=f"Extra action {i}")
        _update(action, datetime.date(2026, 1, 2))
        _update(action, datetime.date(2026, 2, 1), progress=Progress.AT_RISK)
        TargetDateRevisionFactory(action=action, effective_on=datetime.date(2026, 1, 20))
        indicator = IndicatorFactory()
        TargetFactory(indicator=indicator)
        MeasurementFactory(indicator=indicator, period=datetime.date(2026, 1, 1), value=Decimal("70"))
        MeetingActionFactory(meeting=board_case["previous"], due_date=datetime.date(2026, 3, 1))


@pytest.mark.parametrize("extra", [0, 12])
def test_build_pack_runs_a_fixed_number_of_queries(board_case, extra, django_assert_num_queries):
    _more_data(board_case, extra)
    meeting = pack_meeting_queryset().get(pk=board_case["meeting"].pk)
    # Plans 1, plan as at now and then 1 (plans_as_at_two_dates), scorecard 5 (indicators, targets,
    # benchmarks, values as known then, SPC re-bases; its targets also give the targets due), matters
    # arising with the referrals to this board 1, risks to delivery 1. The board, its scope and the
    # neighbouring meetings came with the meeting.
    with django_assert_num_queries(9):
        pack = build_pack(meeting)
    assert len(pack["scorecard"]) == 1 + extra
    assert len(pack["due"]["targets"]) == 1


def test_build_pack_reads_the_meeting_again_when_given_a_plain_one(board_case, django_assert_num_queries):
    meeting = type(board_case["meeting"]).objects.get(pk=board_case["meeting"].pk)
    with django_assert_num_queries(10):  # the meeting with its board, neighbours and scope, then the 9
        pack = build_pack(meeting)
    assert (pack["previous_meeting"]["date"], pack["next_meeting"]["date"]) == ("2026-01-13", "2026-03-10")


# Sign-in and permissions (session, user, the permissions in one query: 3; the session is
# not saved, touched within the minute), the meeting with its board, neighbours and scope 1, then
# build_pack's 9.
PAGE_OVERHEAD = 3 + 1


@pytest.mark.parametrize("extra", [0, 12])
def test_pack_page_runs_a_fixed_number_of_queries(board_case, extra, board_client, django_assert_num_queries):
    _more_data(board_case, extra)
    publish_pack(meeting=board_case["meeting"], published_by=board_case["went_red"].lead_officer)
    url = reverse("meetings:pack", args=[board_case["meeting"].pk])
    board_client.get(url)  # warm the session and permission caches
    # The latest published copy and the count of copies come with the meeting: no query of their own.
    with django_assert_num_queries(PAGE_OVERHEAD + 9):
        response = board_client.get(url)
    assert response.status_code == 200
    assert "As at 10 February 2026, published by" in response.content.decode()


@pytest.mark.parametrize("extra", [0, 12])
def test_word_download_runs_a_fixed_number_of_queries(board_case, extra, board_client, django_assert_num_queries):
    _more_data(board_case, extra)
    url = reverse("meetings:pack_docx", args=[board_case["meeting"].pk])
    board_client.get(url)
    with django_assert_num_queries(PAGE_OVERHEAD + 9 + 1):  # and the download's audit entry 1
        response = board_client.get(url)
    document = Document(BytesIO(response.content))
    scorecard = next(t for t in _tables(document) if t[0][0] == "Indicator" and "Direction of travel" in t[0])
    assert len(scorecard) == 1 + 1 + extra  # the header row and one row an indicator


def test_next_meeting_is_the_first_one_on_a_later_day_and_not_cancelled(board_case):
    board, meeting = board_case["board"], board_case["meeting"]
    MeetingFactory(board=board, starts_at=_at(MEETING, hour=17))  # the same day: not the next meeting
    MeetingFactory(board=board, starts_at=_at(datetime.date(2026, 2, 24)), status="cancelled")
    MeetingFactory(board=board, starts_at=_at(datetime.date(2026, 1, 20)), status="cancelled")
    MeetingFactory(starts_at=_at(datetime.date(2026, 2, 17)))  # another board's

    pack = build_pack(meeting)

    assert (pack["previous_meeting"]["date"], pack["next_meeting"]["date"]) == ("2026-01-13", "2026-03-10")
    assert pack["window_end"] == "2026-03-10"


def test_a_boards_chosen_indicators_narrow_the_scorecard_and_the_targets_due(board_case):
    board = board_case["board"]
    chosen = IndicatorFactory(code="CLA-STAB", title="Placement stability")
    TargetFactory(indicator=chosen, value=Decimal("70"), effective_from=datetime.date(2026, 2, 20))
    board.indicators.set([chosen])

    pack = build_pack(board_case["meeting"])

    assert [row["code"] for row in pack["scorecard"]] == ["CLA-STAB"]
    assert [t["code"] for t in pack["due"]["targets"]] == ["CLA-STAB"]
    assert pack["scope"]["indicators"] == "the indicators this board reviews"


def test_a_board_keeps_its_themes_when_the_plan_is_refreshed_into_a_new_version(db):
    old_plan = PlanFactory(version="v1", status="closed", start_date=datetime.date(2025, 4, 1))
    new_plan = PlanFactory(version="v2", start_date=datetime.date(2025, 10, 1))
    board = BoardFactory()
    board.themes.set([ThemeFactory(plan=old_plan, reference="2", title="Front door")])
    reviewed = ActionFactory(theme=ThemeFactory(plan=new_plan, reference="2"), reference="2.1", title="Reviewed")
    ActionFactory(theme=ThemeFactory(plan=new_plan, reference="3"), reference="3.1", title="Another board's")
    _update(reviewed, datetime.date(2026, 1, 5), progress=Progress.OFF_TRACK, narrative="Behind.")

    pack = build_pack(MeetingFactory(board=board, starts_at=_at(MEETING)))

    assert pack["plan"]["version"] == "v2"
    assert [row["reference"] for row in pack["exceptions"]["actions"]] == ["2.1"]
    assert sum(count["count"] for count in pack["rag_counts"]) == 1


def test_word_cells_keep_line_breaks_tabs_and_spaces_as_python_docx_writes_them():
    from docx import Document as NewDocument

    from meetings.docx_pack import _table

    values = ["Line one\nline two", "a\tb", " padded ", "", "crlf\r\nend"]
    document = NewDocument()
    _table(document, ["A", "B", "C", "D", "E"], [values], "Caption")
    reference = NewDocument().add_table(rows=1, cols=5)
    for cell, text in zip(reference.rows[0].cells, values, strict=True):
        cell.text = text  # python-docx's own writer, which the fast rows copy

    [table] = document.tables
    written = [cell._tc.xml for cell in table.rows[1].cells]
    assert [cell.text for cell in table.rows[1].cells] == ["Line one\nline two", "a\tb", " padded ", "", "crlf\n\nend"]
    assert [w.split("</w:tcPr>")[1] for w in written] == [
        c._tc.xml.split("</w:tcPr>")[1] for c in reference.rows[0].cells
    ]


def test_the_word_scorecard_marks_an_indicator_new_since_the_previous_meeting_as_the_page_does(db):
    IndicatorFactory(code="NEW-1", title="Care leavers in touch")
    meeting = MeetingFactory(starts_at=_at(datetime.date(2026, 10, 14)))
    pack = build_pack(meeting)
    pack["scorecard"][0]["since"]["new"] = True  # no value by the previous meeting (see _kpi_since)

    document = Document(BytesIO(pack_docx_bytes(pack)))

    scorecard = next(t for t in _tables(document) if "Direction of travel" in t[0])
    assert scorecard[1][0] == "Care leavers in touch (NEW-1). New since the previous meeting"
