"""Publishing a visit brief (issue 14): the progress page for a period, frozen as published, listed on the
visit's page, in the next pack of every board that meets after it, and on a board member's first screen."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.records import PermanentRecordError
from dashboard.models import PublishedVisitBrief
from dashboard.progress import Period
from dashboard.services import publish_visit_brief
from improvement.models import Action, ActionStatus, Inspection, Progress, Rag
from improvement.queries import plans_newest_first
from tests.dates import NOW, TODAY
from tests.factories.improvement import (
    ActionFactory,
    ActionUpdateFactory,
    InspectionFactory,
    PlanFactory,
    ThemeFactory,
)
from tests.factories.meetings import BoardFactory, MeetingFactory


def _at(day, hour=14):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def visit(db):
    """A plan whose one action is on track at the visit (1 July 2026), and the visit."""
    plan = PlanFactory(start_date=datetime.date(2025, 4, 1))
    theme = ThemeFactory(plan=plan, reference="1", title="Front door")
    action = ActionFactory(
        theme=theme, reference="1.1", title="Audit the front door", original_target_date=datetime.date(2027, 3, 31)
    )
    ActionUpdateFactory(
        action=action,
        date=datetime.date(2026, 6, 1),
        status=ActionStatus.IN_PROGRESS,
        progress=Progress.ON_TRACK,
        computed_rag=Rag.GREEN,
    )
    return InspectionFactory(
        kind=Inspection.Kind.MONITORING_VISIT,
        title="Monitoring visit 2",
        start_date=datetime.date(2026, 7, 1),
        end_date=None,
        sequence=2,
    )


def _confirm_fields(client, query=None):
    """The hidden fields of the confirmation page's form (the period and the one-time token)."""
    response = client.get(reverse("progress_publish"), query or {})
    assert response.status_code == 200
    html = response.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    fields.pop("csrfmiddlewaretoken", None)
    return html, fields


def _publish(visit, *, user, published_at=None, end=TODAY):
    inspections = list(Inspection.objects.order_by("start_date", "pk"))
    return publish_visit_brief(
        period=Period(start=visit.last_day, end=end, start_visit=visit),
        inspections=inspections,
        plans=list(plans_newest_first()),
        published_by=user,
        published_at=published_at,
    )


def test_a_clerk_confirms_and_publishes_the_brief_from_the_latest_visit_to_today(visit, clerk_client):
    html, fields = _confirm_fields(clerk_client)
    assert "Publish a visit brief?" in html
    assert "Monitoring visit 2 (July 2026) (1 July 2026)" in html  # the default: the latest held visit
    assert "22 November 2026" in html  # ... to today, the data date
    assert not PublishedVisitBrief.objects.exists()  # the GET publishes nothing

    response = clerk_client.post(reverse("progress_publish"), fields)

    brief = PublishedVisitBrief.objects.get()
    assert response.status_code == 302 and response["Location"] == brief.get_absolute_url()
    assert (brief.visit, brief.period_start, brief.period_end) == (visit, datetime.date(2026, 7, 1), TODAY)
    page = clerk_client.get(brief.get_absolute_url()).content.decode()
    stamp = page.split('id="brief-stamp"')[1].split("</div>")[0]
    assert "Data as at 22 November 2026. Published on 22 November 2026." in stamp
    assert "Front door" in page.split('id="themes"')[1]  # the progress page's sections, as stored
    assert "Figures as known on 22 November 2026, when this brief was published" in page


def test_the_same_publish_form_sent_twice_publishes_one_brief(visit, clerk_client):
    _, fields = _confirm_fields(clerk_client)
    first = clerk_client.post(reverse("progress_publish"), fields)
    second = clerk_client.post(reverse("progress_publish"), fields, follow=True)
    assert PublishedVisitBrief.objects.count() == 1
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "This brief was already published from that page" in second.content.decode()


def test_a_brief_never_changes_when_the_plan_does(visit, clerk_user, board_client):
    brief = _publish(visit, user=clerk_user)
    ActionUpdateFactory(
        action=Action.objects.get(reference="1.1"), date=TODAY, status=ActionStatus.COMPLETE, progress="",
        computed_rag=Rag.BLUE, narrative="Finished early",
    )  # fmt: skip

    live = board_client.get(reverse("progress"), {"from_visit": visit.pk}).content.decode()
    stored = board_client.get(brief.get_absolute_url()).content.decode()

    assert "Completed (1)" in live
    assert "Completed (0)" in stored and "Completed (1)" not in stored
    assert PublishedVisitBrief.objects.get().html == brief.html


def test_a_brief_is_a_permanent_record(visit, clerk_user):
    brief = _publish(visit, user=clerk_user)
    brief.published_by_name = "Someone else"
    with pytest.raises(PermanentRecordError):
        brief.save()
    with pytest.raises(PermanentRecordError):
        PublishedVisitBrief.objects.filter(pk=brief.pk).delete()
    assert PublishedVisitBrief.objects.get().published_by_name == clerk_user.get_full_name()


def test_a_period_that_starts_on_a_date_is_refused_and_publishes_nothing(visit, clerk_client):
    dates = {"from_date-day": "1", "from_date-month": "6", "from_date-year": "2026"}
    html, _ = _confirm_fields(clerk_client, dates)
    assert "A visit brief starts at a visit" in html
    response = clerk_client.post(reverse("progress_publish"), dates)
    assert response.status_code == 200
    assert "A visit brief starts at a visit" in response.content.decode()
    assert not PublishedVisitBrief.objects.exists()


def test_a_period_in_the_wrong_order_is_explained_and_publishes_nothing(visit, clerk_client):
    dates = {"from_visit": visit.pk, "to_date-day": "1", "to_date-month": "6", "to_date-year": "2026"}
    response = clerk_client.post(reverse("progress_publish"), dates)
    assert response.status_code == 200
    assert "The date to compare from must be before the date to compare to" in response.content.decode()
    assert not PublishedVisitBrief.objects.exists()


@pytest.mark.parametrize("role", ["officer", "board", "outsider"])
def test_only_clerks_and_admins_publish(role, visit, request):
    client = request.getfixturevalue(f"{role}_client")
    assert client.get(reverse("progress_publish")).status_code == 403
    assert client.post(reverse("progress_publish"), {"from_visit": visit.pk}).status_code == 403
    assert not PublishedVisitBrief.objects.exists()


def test_admin_publishes_too(visit, admin_client_):
    _, fields = _confirm_fields(admin_client_)
    assert admin_client_.post(reverse("progress_publish"), fields).status_code == 302
    assert PublishedVisitBrief.objects.count() == 1


@pytest.mark.parametrize("role", ["admin", "officer", "board", "clerk"])
def test_everyone_with_a_role_reads_a_brief_and_its_word_copy(role, visit, clerk_user, request):
    brief = _publish(visit, user=clerk_user)
    client = request.getfixturevalue("admin_client_" if role == "admin" else f"{role}_client")
    assert client.get(brief.get_absolute_url()).status_code == 200
    download = client.get(reverse("published_visit_brief_docx", args=[brief.pk]))
    assert download.status_code == 200
    assert download.content == bytes(PublishedVisitBrief.objects.get().docx)  # the stored copy
    assert download["Content-Disposition"].endswith('-published-2026-11-22.docx"')


def test_an_outsider_reads_no_brief(visit, clerk_user, outsider_client):
    brief = _publish(visit, user=clerk_user)
    assert outsider_client.get(brief.get_absolute_url()).status_code == 403
    assert outsider_client.get(reverse("published_visit_brief_docx", args=[brief.pk])).status_code == 403


def test_the_word_copy_carries_the_stamp(visit, clerk_user):
    from io import BytesIO

    from docx import Document

    brief = _publish(visit, user=clerk_user)
    text = "\n".join(p.text for p in Document(BytesIO(bytes(brief.docx))).paragraphs)
    assert "Figures as known on 22 November 2026." in text
    assert "Data as at 22 November 2026; published on 22 November 2026." in text
    assert "today" not in text.split("Figures")[0]  # the period's end is a date: the brief is read later


def test_the_visit_page_lists_its_briefs_and_offers_publishing_to_clerks_only(visit, clerk_user, clerk_client,
                                                                             board_client):  # fmt: skip
    brief = _publish(visit, user=clerk_user)
    clerk_page = clerk_client.get(visit.get_absolute_url()).content.decode()
    board_page = board_client.get(visit.get_absolute_url()).content.decode()

    for page in (clerk_page, board_page):
        briefs = page.split('id="visit-briefs"')[1]
        assert brief.get_absolute_url() in briefs
        assert "Published by" in briefs and "22 November 2026" in briefs
    assert "Publish a visit brief from this monitoring visit" in clerk_page
    assert "Publish a visit brief" not in board_page


def test_a_planned_visit_has_no_briefs_panel(db, board_client):
    planned = InspectionFactory(kind=Inspection.Kind.MONITORING_VISIT, start_date=TODAY, is_planned=True)
    assert 'id="visit-briefs"' not in board_client.get(planned.get_absolute_url()).content.decode()


def test_a_brief_goes_into_the_next_pack_of_every_board_that_meets_after_it(visit, clerk_user, board_client):
    """Published on 20 October: the improvement board met on 14 October and meets on 11 November; scrutiny
    met on 1 October and meets on 2 December. Each next pack lists it; the earlier and later ones do not."""
    improvement = BoardFactory(name="Improvement board")
    scrutiny = BoardFactory(name="Scrutiny committee")
    before = MeetingFactory(board=improvement, starts_at=_at(datetime.date(2026, 10, 14)), status="held")
    after = MeetingFactory(board=improvement, starts_at=_at(datetime.date(2026, 11, 11)), status="held")
    later = MeetingFactory(board=improvement, starts_at=_at(datetime.date(2026, 12, 9)))
    MeetingFactory(board=scrutiny, starts_at=_at(datetime.date(2026, 10, 1)), status="held")
    scrutiny_next = MeetingFactory(board=scrutiny, starts_at=_at(datetime.date(2026, 12, 2)))
    brief = _publish(visit, user=clerk_user, published_at=_at(datetime.date(2026, 10, 20), 10),
                     end=datetime.date(2026, 10, 20))  # fmt: skip

    def papers(meeting):
        html = board_client.get(reverse("meetings:pack", args=[meeting.pk])).content.decode()
        return html.split('id="pack-papers"')[1].split("</section>")[0] if 'id="pack-papers"' in html else ""

    assert brief.get_absolute_url() in papers(after)
    assert brief.get_absolute_url() in papers(scrutiny_next)
    assert "published by" in papers(after) and "20 October 2026" in papers(after)
    assert papers(before) == ""
    assert papers(later) == ""


def test_a_pack_published_before_the_brief_keeps_its_papers_as_they_were(visit, clerk_user, board_client):
    from meetings.services import publish_pack

    board = BoardFactory()
    meeting = MeetingFactory(board=board, starts_at=_at(TODAY + datetime.timedelta(days=10)))
    pack = publish_pack(meeting=meeting, published_by=clerk_user)
    _publish(visit, user=clerk_user)
    assert pack.content["papers"] == []
    live = board_client.get(reverse("meetings:pack", args=[meeting.pk])).content.decode()
    assert 'id="pack-papers"' in live
    assert 'id="pack-papers"' not in board_client.get(pack.get_absolute_url()).content.decode()


def test_a_board_members_first_screen_shows_the_latest_visit_brief(visit, clerk_user, board_user, board_client):
    board = BoardFactory(name="Improvement board")
    board.members.add(board_user)
    MeetingFactory(board=board, starts_at=_at(TODAY + datetime.timedelta(days=10)))
    older = _publish(visit, user=clerk_user, published_at=NOW - datetime.timedelta(days=30),
                     end=TODAY - datetime.timedelta(days=30))  # fmt: skip
    latest = _publish(visit, user=clerk_user)

    html = board_client.get(reverse("home")).content.decode()

    line = html.split('id="latest-brief"')[1].split("</p>")[0]
    assert latest.get_absolute_url() in line and older.get_absolute_url() not in line
    assert "22 November 2026" in line
    assert "board pack" in html.split('id="my-meetings"')[1]


def test_the_links_back_to_the_progress_page_carry_the_period_url_encoded(visit, clerk_client):
    """What a reader typed in a date box goes back into the link as data, never as more of the query."""
    html = clerk_client.get(
        reverse("progress_publish"), {"from_date-day": "1&kpis=all", "from_date-month": "6"}
    ).content
    assert b"from_date-day=1%26kpis%3Dall&amp;from_date-month=6" in html
    assert b"from_date-day=1&kpis=all" not in html


def test_a_brief_carries_what_children_and_young_people_told_us_as_it_was_published(
    visit, clerk_user, officer_user, board_client
):
    """The progress page, its print view and its Word download have "you said, we did" for the period, so
    the brief frozen from them has it too: on its page and in its Word copy, as it stood that day."""
    from io import BytesIO

    from docx import Document

    from improvement.models import Theme
    from improvement.services import save_you_said

    record = save_you_said(
        theme=Theme.objects.get(reference="1"),
        said_by="Children in care council",
        what_was_said="We have to tell our story again to every new worker",
        said_on=datetime.date(2026, 8, 1),
        written_by=officer_user,
    )
    brief = _publish(visit, user=clerk_user)
    # Acted on after publication: the live page shows it, the brief keeps "not yet".
    save_you_said(record=record, what_changed="A named back-up worker", changed_on=TODAY, written_by=officer_user)

    stored = " ".join(board_client.get(brief.get_absolute_url()).content.decode().split())
    assert "What children and young people told us" in stored
    assert "We have to tell our story again to every new worker" in stored
    assert "A named back-up worker" not in stored
    live = " ".join(board_client.get(reverse("progress"), {"from_visit": visit.pk}).content.decode().split())
    assert "A named back-up worker" in live

    document = Document(BytesIO(bytes(PublishedVisitBrief.objects.get().docx)))
    assert "What children and young people told us" in [p.text for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Children in care council, 1 August 2026" in cells
    assert not any("A named back-up worker" in cell for cell in cells)
