"""Reusable reads for boards, meetings and actions arising. Each runs a fixed number of queries."""

from datetime import date, datetime, time

from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from improvement.models import Action, Theme
from meetings.models import AgendaItem, Board, BoardMembership, Meeting, MeetingAction, PublishedPack, Resolution
from meetings.rules import upcoming_meetings

NOT_CANCELLED = ~Q(status=Meeting.Status.CANCELLED)


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def next_meeting(board, after: date) -> Meeting | None:
    """The board's first non-cancelled meeting on a day after `after` (one query)."""
    return (
        Meeting.objects.filter(NOT_CANCELLED, board=board, starts_at__gt=end_of_day(after))
        .order_by("starts_at", "pk")
        .first()
    )


def next_upcoming_meeting(board, today: date) -> Meeting | None:
    """The board's first upcoming (meetings/rules.py), non-cancelled meeting (one query)."""
    return (
        Meeting.objects.filter(NOT_CANCELLED, upcoming_meetings(today), board=board).order_by("starts_at", "pk").first()
    )


def previous_meeting(meeting) -> Meeting | None:
    """The board's latest held or scheduled meeting before this one (one query)."""
    return (
        Meeting.objects.filter(NOT_CANCELLED, board_id=meeting.board_id, starts_at__lt=meeting.starts_at)
        .order_by("-starts_at", "-pk")
        .first()
    )


def next_item_number(meeting) -> int:
    """The item number after the meeting's last agenda item: where a new item goes (one query)."""
    return (meeting.agenda_items.aggregate(last=Max("order"))["last"] or 0) + 1


def _open_on(day: date) -> Q:
    """Actions arising still open on `day`: open or answered (awaiting the board) now, or closed on that
    day or later (one closed at the meeting was open when the meeting began: its papers list it)."""
    return Q(status__in=MeetingAction.STILL_OPEN) | Q(responded_on__gte=day)


def action_arising_queryset():
    return MeetingAction.objects.select_related(
        "meeting__board", "owner", "item", "referred_to", "answered_by", "plan_action", "recommendation", "indicator"
    )


def matters_arising(meeting):
    """Actions arising from this board's earlier meetings that were still open at this meeting.

    Open actions carry forward to every later meeting until they are closed; for a past meeting
    an action closed since then still shows, with its status now. One query.
    """
    return (
        action_arising_queryset()
        .filter(_open_on(meeting.date), meeting__board_id=meeting.board_id, meeting__starts_at__lt=meeting.starts_at)
        .order_by(F("due_date").asc(nulls_last=True), "meeting__starts_at", "pk")
    )


def _referred_to_board(board_id, before) -> Q:
    """Referrals to the board from another board's meetings before `before` (a datetime)."""
    return Q(kind=MeetingAction.Kind.REFERRAL, referred_to_id=board_id, meeting__starts_at__lt=before)


def matters_arising_and_referrals(meeting) -> tuple[list, list]:
    """(matters arising, matters referred to this board) at the meeting, in ONE query: the referrals are
    those made by other boards before the meeting and still open at it (the referral is answered by
    this board; the answer goes back to the referring board's matters arising)."""
    mine = Q(meeting__board_id=meeting.board_id, meeting__starts_at__lt=meeting.starts_at)
    rows = (
        action_arising_queryset()
        .filter(_open_on(meeting.date))
        .filter(mine | _referred_to_board(meeting.board_id, meeting.starts_at))
        .order_by(F("due_date").asc(nulls_last=True), "meeting__starts_at", "pk")
    )
    arising, referred = [], []
    for action_arising in rows:
        (arising if action_arising.meeting.board_id == meeting.board_id else referred).append(action_arising)
    return arising, referred


def referrals_to_board(board):
    """Matters other boards have referred to this one, still open (one query)."""
    return (
        action_arising_queryset()
        .filter(status__in=MeetingAction.STILL_OPEN, kind=MeetingAction.Kind.REFERRAL, referred_to=board)
        .order_by(F("due_date").asc(nulls_last=True), "meeting__starts_at", "pk")
    )


def answers_about(**link) -> list:
    """Actions arising linked to one plan action, recommendation or indicator (e.g. plan_action=action),
    newest meeting first, with their answers: for that item's page (one query)."""
    return list(
        MeetingAction.objects.filter(**link)
        .select_related("meeting__board", "answered_by")
        .order_by("-meeting__starts_at", "-pk")
    )


def open_actions_register(filters=None):
    """Open actions arising across every board, overdue first (earliest due date first, undated last).

    `filters` is an optional dict of extra filter arguments (e.g. {"meeting__board": board}).
    """
    queryset = action_arising_queryset().filter(status__in=MeetingAction.STILL_OPEN, **(filters or {}))
    return queryset.order_by(F("due_date").asc(nulls_last=True), "meeting__starts_at", "pk")


def boards_with_summary(today: date):
    """Boards with chair, the next meeting (start and id) and the count of open actions arising (one query)."""
    upcoming = Meeting.objects.filter(NOT_CANCELLED, upcoming_meetings(today), board=OuterRef("pk")).order_by(
        "starts_at", "pk"
    )
    next_start = Subquery(upcoming.values("starts_at")[:1])
    next_id = Subquery(upcoming.values("pk")[:1])
    open_count = Subquery(
        MeetingAction.objects.filter(meeting__board=OuterRef("pk"), status__in=MeetingAction.STILL_OPEN)
        .order_by()
        .values("meeting__board")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Board.objects.select_related("chair").annotate(
        next_meeting_at=next_start, next_meeting_id=next_id, open_actions_count=open_count
    )


def open_actions_for_board(board):
    """The board's open actions arising, overdue first (one query)."""
    return open_actions_register({"meeting__board": board})


def register_owner_names():
    """The distinct "asked of" names on open actions arising, for the register's owner filter (one query)."""
    return (
        MeetingAction.objects.filter(status__in=MeetingAction.STILL_OPEN)
        .exclude(owner_name="")
        .order_by("owner_name")
        .values_list("owner_name", flat=True)
        .distinct()
    )


def board_detail_queryset():
    return Board.objects.select_related("chair").prefetch_related(
        Prefetch("memberships", queryset=BoardMembership.objects.select_related("user")), "themes", "indicators"
    )


def meeting_detail_queryset():
    items = AgendaItem.objects.prefetch_related(
        "themes",
        "indicators",
        Prefetch("actions", queryset=_plan_actions()),
        Prefetch("resolutions", queryset=Resolution.objects.order_by("number")),
    )
    return Meeting.objects.select_related("board__chair").prefetch_related(
        Prefetch("agenda_items", queryset=items),
        Prefetch(
            "actions_arising",
            queryset=MeetingAction.objects.select_related("owner", "item", "referred_to").order_by("pk"),
        ),
        Prefetch(
            "published_packs", queryset=PublishedPack.objects.select_related("published_by").defer("html", "content")
        ),
    )


def _plan_actions():
    return Action.objects.select_related("theme")


def board_meetings(board):
    """Every meeting of the board, newest first (one query)."""
    return board.meetings.order_by("-starts_at", "-pk")


def action_detail_queryset():
    return action_arising_queryset()


def actions_reviewed_by(board, *, reviews_themes: bool | None = None):
    """The actions in the themes a board reviews, or None when it reviews every theme.

    Themes are matched by reference, so a board set up on one version of the plan keeps its themes
    when the plan is refreshed into a new version (plan_as_at narrows them to the plan in force).
    One query for the board's themes, none when they are prefetched. A caller that already knows
    whether the board reviews chosen themes (the pack reads it with the meeting) passes reviews_themes:
    then the references stay a subquery of the caller's own query, and no query runs here.
    """
    if reviews_themes is not None:
        references = Theme.objects.filter(boards=board).values("reference")
        return Action.objects.filter(theme__reference__in=references) if reviews_themes else None
    references = sorted({theme.reference for theme in board.themes.all()})
    return Action.objects.filter(theme__reference__in=references) if references else None
