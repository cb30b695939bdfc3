"""Board pack pages: the live pack for a meeting (page, print view, Word), publishing it, and the
published copies, which are shown only from what was stored when they were published."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.text import slugify

from core import audit, cache, clock
from core.formats import date_words
from core.permissions import service_user_required
from meetings.docx_pack import DOCX_CONTENT_TYPE, pack_docx_bytes
from meetings.forms import form_token
from meetings.models import Meeting, PublishedPack
from meetings.pack import build_pack, live_pack_reads, pack_meeting_queryset
from meetings.permissions import can_edit_meetings
from meetings.rules import is_draft_papers, pack_data_date
from meetings.services import publish_pack


def _meeting(request, pk) -> Meeting:
    """Every service user reads every meeting; people with no role read none (403). Read with what the
    pack needs besides the plan and KPIs (its board, neighbouring meetings, scope): one query for both."""
    return get_object_or_404(pack_meeting_queryset(), pk=pk)


def _pack_meeting(request, pk, more=lambda meetings: meetings) -> Meeting:
    """The meeting for the live pack's page, print view and Word download, read by every service user as
    _meeting is. With the page cache on, the pack
    (and the page's sections) usually come from the cache and need none of pack_meeting_queryset's columns,
    its heaviest query (the agenda aggregate, the papers, the neighbouring meetings): read the meeting and
    its board alone, and build_pack reads the rest only on a miss (_with_pack_context, one query). With the
    cache off the pack is built every time, so read both in one query as _meeting does. `more` adds what
    the page itself shows (the pack page's published copies)."""
    meetings = Meeting.objects.select_related("board") if cache.enabled() else pack_meeting_queryset()
    return get_object_or_404(more(meetings), pk=pk)


def _published(request, pk) -> PublishedPack:
    return get_object_or_404(PublishedPack.objects.select_related("meeting"), pk=pk)


def docx_filename(pack: dict, *, published: bool = False) -> str:
    """'childrens-improvement-board-2026-10-14-pack.docx': board, meeting date, and what it is."""
    suffix = "pack-as-published" if published else "pack"
    return f"{slugify(pack['meeting']['board'])}-{pack['meeting']['date']}-{suffix}.docx"


def _published_list(meeting):
    # The list beside the live pack needs only who and when: leave the stored pack unread.
    return list(meeting.published_packs.defer("content", "html").order_by("-published_at"))


def _with_latest_copy(queryset):
    """The meeting with how many copies of its pack were published and the latest one's id, data date,
    publisher and time, read in the query that finds it: the pack page spends its queries on the pack."""
    copies = PublishedPack.objects.filter(meeting=OuterRef("pk"))
    latest = copies.order_by("-published_at", "-pk")
    return queryset.annotate(
        published_count=Subquery(copies.order_by().values("meeting").annotate(n=Count("pk")).values("n")[:1]),
        latest_copy_id=Subquery(latest.values("pk")[:1]),
        latest_copy_as_at=Subquery(latest.values("as_at")[:1]),
        latest_copy_by=Subquery(latest.values("published_by_name")[:1]),
        latest_copy_at=Subquery(latest.values("published_at")[:1]),
    )


def _live_pack(request, meeting):
    """build_pack(meeting) as known today, worked out once per day and version of the tables it reads
    (live_pack_reads) and shared by the pack page, its print view and its Word download (core.cache: the
    same key for all three), so printing or downloading the pack a board member has just read does not
    work it out again."""
    return cache.cached(request, "pack", lambda: build_pack(meeting), parts=(meeting.pk,), reads=live_pack_reads())


@service_user_required
def pack(request, pk):
    meeting = _pack_meeting(request, pk, _with_latest_copy)
    return render(
        request,
        "meetings/pack.html",
        {
            "meeting": meeting,
            # Lazy: when the pack's sections come from the cache, the pack is never worked out.
            "pack": SimpleLazyObject(lambda: _live_pack(request, meeting)),
            "pack_reads": live_pack_reads(),
            "can_publish": can_edit_meetings(request.user),
            "still_to_come": meeting.date > clock.today(),
        },
    )


@service_user_required
def pack_print(request, pk):
    meeting = _pack_meeting(request, pk)
    return render(
        request,
        "meetings/pack_print.html",
        {
            "meeting": meeting,
            "pack": _live_pack(request, meeting),
            "pack_reads": live_pack_reads(),
            # Printed at the top of every page: "Children's Improvement Board, 14 October 2026 - page 2 of 9".
            "running_header": f"{meeting.board.name}, {date_words(meeting.date)}",
        },
    )


@service_user_required
def pack_docx(request, pk):
    meeting = _pack_meeting(request, pk)
    content = _live_pack(request, meeting)
    response = _docx_response(pack_docx_bytes(content), docx_filename(content))
    audit.record_download(request.user, response, f"Board pack for {meeting} (Word, live)", meeting)
    return response


@service_user_required
def pack_publish(request, pk):
    """GET: what publishing does, and a button to confirm it; POST: publish. Publishing cannot be undone
    (a published pack is a permanent record), so it is never one click from the pack page."""
    meeting = _meeting(request, pk)
    if not can_edit_meetings(request.user):
        raise PermissionDenied
    if request.method != "POST":
        today = clock.today()
        return render(
            request,
            "meetings/pack_publish_confirm.html",
            {
                "meeting": meeting,
                "today": today,
                "data_date": pack_data_date(meeting, today),
                "draft": is_draft_papers(meeting, today),
                "published_packs": _published_list(meeting),
                # One-time: a double-submitted publish makes one copy; publishing again needs a fresh page.
                "publish_token": form_token(),
            },
        )
    published = publish_pack(
        meeting=meeting, published_by=request.user, form_token=request.POST.get("form_token", "")[:64]
    )
    if published.already_recorded:
        messages.success(request, "This pack was already published from that page; it was not published again.")
    elif published.content.get("draft"):
        messages.success(
            request,
            f"Draft papers published as at {date_words(published.as_at)}. This copy will not change; "
            "publish again after the meeting for the pack as the board saw it.",
        )
    else:
        messages.success(request, f"Pack published as at {date_words(published.as_at)}. This copy will not change.")
    return redirect(published)


@service_user_required
def published_pack(request, pk):
    published = _published(request, pk)
    return render(
        request,
        "meetings/pack_published.html",
        {"published": published, "pack": published.content, "draft": bool(published.content.get("draft"))},
    )


@service_user_required
def published_pack_docx(request, pk):
    published = _published(request, pk)
    content = published.content
    data = pack_docx_bytes(content, published=published_stamp(published))
    response = _docx_response(data, docx_filename(content, published=True))
    what = f"Published board pack for {published.meeting} as at {date_words(published.as_at)} (Word)"
    audit.record_download(request.user, response, what, published, meeting=published.meeting_id)
    return response


def published_stamp(published: PublishedPack) -> str:
    """The stamp on a published copy: its data date and publication date, and what it is."""
    published_on = timezone.localtime(published.published_at)
    if published.content.get("draft"):
        return (
            f"Draft papers as at {date_words(published_on)}, published by {published.published_by_name} "
            f"before the meeting. Data as at {date_words(published.as_at)}; published on {date_words(published_on)}. "
            "The meeting had not been held: this is not the pack as the board saw it."
        )
    return (
        f"As at {date_words(published.as_at)}, published by {published.published_by_name} "
        f"on {date_words(published_on)}. Data as at {date_words(published.as_at)}; published on "
        f"{date_words(published_on)}. This is the pack the board saw; later changes are not shown."
    )


def _docx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
