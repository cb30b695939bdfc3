"""Reads for the overview dashboard and the progress page. Every figure comes from the plan's
and the KPIs' own "as at" functions: nothing here re-implements a rule."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, DateTimeField, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from core import cache, worker
from core.models import WorkerHeartbeat
from dashboard.models import PublishedVisitBrief
from imports.models import ImportJob
from improvement.models import InterventionEvent, Rag
from improvement.queries import (
    MAX_TREND_DATES,
    action_rag_counts_on_plans_dates,
    month_ends,
)
from meetings.models import Board, Meeting
from meetings.pack import PaperSource, plan_in_force_from
from meetings.queries import NOT_CANCELLED
from meetings.rules import upcoming_meetings

# ---- RAG counts month by month across the intervention, with what happened when


@dataclass
class TrendMonth:
    day: date  # the month's last day (today for the current month)
    counts: list  # (rag, count), worst first
    events: list = field(default_factory=list)  # Marker in that month

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts)


@dataclass(frozen=True)
class Marker:
    date: date
    kind: str  # in words: "Monitoring visit", "Improvement notice", "Board meeting"
    label: str
    url: str = ""


def dashboard_reads() -> frozenset[str]:
    """What the first screen's shared part reads: the plan's, the indicators', the boards' and the visit
    briefs' tables, and people's names; an import's job records (shown to admins outside it) do not move it."""
    return cache.tables_of_apps("improvement", "indicators", "meetings", "dashboard")


def trend_start(plans, inspections, end: date) -> date | None:
    """Where "the whole intervention" starts: the first plan's start or the first inspection, if earlier."""
    days = [p.start_date for p in plans if p.start_date and p.start_date <= end]
    days += [v.start_date for v in inspections if not v.is_planned and v.start_date <= end]
    return min(days, default=None)


def rag_trend(plans, inspections, end: date) -> list[TrendMonth]:
    """Each month's RAG counts from trend_start to end (the latest MAX_TREND_DATES months), each month
    counted on the plan version in force then: one query however many versions (action_rag_counts_on_plans_dates)."""

    first = trend_start(plans, inspections, end)
    if first is None:
        return []
    days = month_ends(max(first, date(end.year - 10, end.month, 1)), end)[-MAX_TREND_DATES:]
    by_plan = defaultdict(list)
    for day in days:
        plan = plan_in_force_from(plans, day)
        # Before the first plan started there was nothing to count (no query for those months).
        if plan is not None and (plan.start_date is None or plan.start_date <= day):
            by_plan[plan].append(day)
    counts = action_rag_counts_on_plans_dates(by_plan)
    return [
        TrendMonth(day=day, counts=[(rag.value, counts.get(day, {}).get(rag.value, 0)) for rag in Rag.in_order()])
        for day in days
    ]


def intervention_markers(inspections, start: date, end: date) -> list[Marker]:
    """Inspections and visits (from the list given), intervention events and board meetings (held or
    scheduled) between start and end, oldest first: one query (a UNION of events and meetings)."""

    markers = [
        Marker(v.last_day, v.get_kind_display(), str(v), v.get_absolute_url())
        for v in inspections
        if not v.is_planned and start <= v.last_day <= end
    ]
    zone = timezone.get_current_timezone()
    columns = ("k_source", "k_pk", "k_day", "k_kind", "k_label")
    events = (
        InterventionEvent.objects.filter(date__gte=start, date__lte=end)
        .order_by()
        .annotate(k_source=Value("event"), k_pk=F("pk"), k_day=F("date"), k_kind=F("kind"), k_label=F("person"))
        .values_list(*columns)
    )
    meetings = (
        Meeting.objects.filter(
            starts_at__gte=datetime.combine(start, time.min, tzinfo=zone),
            starts_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
        )
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by()
        .annotate(
            k_source=Value("meeting"),
            k_pk=F("pk"),
            k_day=TruncDate("starts_at", tzinfo=zone),
            k_kind=F("status"),
            k_label=F("board__name"),
        )
        .values_list(*columns)
    )
    for source, pk, day, kind, label in events.union(meetings, all=True):
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        if source == "event":
            words = InterventionEvent.Kind(kind).label
            markers.append(Marker(day, words, f"{words}{', ' + label if label else ''}",
                                  InterventionEvent(pk=pk).get_absolute_url()))  # fmt: skip
        else:
            markers.append(Marker(day, "Board meeting", label, reverse("meetings:meeting_detail", args=[pk])))
    return sorted(markers, key=lambda m: (m.date, m.kind != "Board meeting", m.label))


def attach_events(trend: list[TrendMonth], markers: list[Marker]) -> None:
    """Put each marker in its month's row of the trend table."""
    by_month = {(m.day.year, m.day.month): m for m in trend}
    for marker in markers:
        month = by_month.get((marker.date.year, marker.date.month))
        if month is not None:
            month.events.append(marker)


# ---- the role-aware first screen


@dataclass(frozen=True)
class BriefLink:
    """Enough of a published visit brief to name and link it (its stored content stays unread)."""

    pk: int
    start_words: str
    end_words: str
    published_at: datetime
    published_by: str

    @property
    def url(self) -> str:
        return reverse("published_visit_brief", args=[self.pk])

    @property
    def title(self) -> str:
        return f"From {self.start_words} to {self.end_words}"


_BRIEF_COLUMNS = {
    "id": "pk",
    "start": "content__start_words",
    "end": "content__end_words",
    "at": "published_at",
    "by": "published_by_name",
}


def _brief_annotations(prefix: str, briefs) -> dict:
    """The first of `briefs` (ordered) as annotations named prefix_id, prefix_start, ... (_BRIEF_COLUMNS)."""
    return {f"{prefix}_{name}": Subquery(briefs.values(column)[:1]) for name, column in _BRIEF_COLUMNS.items()}


def _brief_from(row, prefix: str) -> BriefLink | None:
    pk = getattr(row, f"{prefix}_id")
    if pk is None:
        return None
    return BriefLink(pk, *(getattr(row, f"{prefix}_{name}") for name in list(_BRIEF_COLUMNS)[1:]))


@dataclass(frozen=True)
class UpcomingMeetings:
    next_meeting: object  # the first upcoming meeting of any board, or None
    mine: list  # the next meeting of each board the reader is a member of, soonest first
    latest_brief: BriefLink | None  # the latest published visit brief


def upcoming_meetings_for(user, today: date, limit: int = 6) -> UpcomingMeetings:
    """The first upcoming (not cancelled) meeting of any board, the next meeting of each of the reader's
    boards (the first `limit`), and the latest published visit brief: one query, or two when no meeting
    is scheduled at all (the brief is then read on its own)."""
    membership = Board.members.through.objects.filter(board_id=OuterRef("board_id"), user_id=user.pk)
    latest = PublishedVisitBrief.objects.filter(published_at__date__lte=today).order_by("-published_at", "-pk")
    upcoming = Meeting.objects.filter(NOT_CANCELLED, upcoming_meetings(today))
    # Only each board's next meeting (none of its upcoming meetings comes before it, in (starts_at, pk)
    # order): the first of those is the next meeting of any board, and the reader's are among them. So
    # the rows are one a board, not every meeting scheduled ahead (on the large demo, 200 instances a
    # request for the few shown).
    earlier = upcoming.filter(board_id=OuterRef("board_id")).filter(
        Q(starts_at__lt=OuterRef("starts_at")) | Q(starts_at=OuterRef("starts_at"), pk__lt=OuterRef("pk"))
    )
    meetings = list(
        upcoming.filter(~Exists(earlier))
        .select_related("board")
        .annotate(is_mine=Exists(membership), **_brief_annotations("latest_brief", latest))
        .order_by("starts_at", "pk")[:200]
    )
    mine = {}
    for meeting in meetings:
        if meeting.is_mine:
            mine.setdefault(meeting.board_id, meeting)
    if meetings:
        brief = _brief_from(meetings[0], "latest_brief")
    else:
        row = latest.values_list(*_BRIEF_COLUMNS.values()).first()
        brief = BriefLink(*row) if row else None
    return UpcomingMeetings(meetings[0] if meetings else None, list(mine.values())[:limit], brief)


# ---- published visit briefs where other pages list them


def briefs_of_visit(visit) -> list:
    """The briefs published from a visit, newest first, without their stored copies (one query)."""
    return list(PublishedVisitBrief.objects.filter(visit=visit).defer("html", "docx"))


# The briefs a pack lists: published after the board's previous meeting began and before this one does.
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def _briefs_for_pack():
    since = Coalesce(OuterRef("pack_previous_starts_at"), Value(_EARLIEST, output_field=DateTimeField()))
    return PublishedVisitBrief.objects.filter(published_at__lt=OuterRef("starts_at"), published_at__gte=since)


def _pack_brief_annotations() -> dict:
    window = _briefs_for_pack()
    count = window.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")[:1]
    return {
        "pack_briefs_count": Subquery(count),
        **_brief_annotations("pack_brief", window.order_by("-published_at", "-pk")),
    }


def _pack_papers(meeting) -> list[dict]:
    brief = _brief_from(meeting, "pack_brief")
    if brief is None:
        return []
    count = meeting.pack_briefs_count or 1
    note = f"{count} visit briefs were published since the previous meeting; this is the latest" if count > 1 else ""
    return [
        {
            "kind": "Visit brief",
            "title": brief.title,
            "url": brief.url,
            "published_on": timezone.localdate(brief.published_at).isoformat(),
            "published_by": brief.published_by,
            "note": note,
        }
    ]


VISIT_BRIEF_PAPERS = PaperSource(
    name="visit_briefs",
    annotations=_pack_brief_annotations,
    papers=_pack_papers,
    reads=frozenset({PublishedVisitBrief._meta.db_table}),
)


STUCK_STATES = ("queued", "previewing", "applying")


@dataclass(frozen=True)
class ImportStatus:
    jobs: list  # the latest few ImportJob, without their files
    worker: dict  # core.worker.status()
    stuck: list  # jobs waiting or running while no worker is alive

    @property
    def worker_ok(self) -> bool:
        return self.worker.get("worker") == "ok"


def import_status(limit: int = 3) -> ImportStatus:
    """For an admin's first screen: the latest imports, whether the worker is alive, and any job waiting or
    running while it is not (stuck until a worker runs). One query: the worker's last heartbeat is read
    with the jobs."""

    heartbeat = WorkerHeartbeat.objects.order_by("-last_seen").values("last_seen")[:1]
    jobs = list(
        ImportJob.objects.defer("file_bytes", "parsed", "preview", "result", "mappings")
        .annotate(worker_last_seen=Subquery(heartbeat))
        .order_by("-created_at", "-pk")[:limit]
    )
    # With no import yet nothing can be stuck, and the screen offers to start one rather than naming the
    # worker: /healthz and the import pages say whether it runs (this screen keeps to its query budget).
    status = worker.status(jobs[0].worker_last_seen) if jobs else {}
    stuck = [job for job in jobs if job.state in STUCK_STATES] if status.get("worker") != "ok" else []
    return ImportStatus(jobs=jobs, worker=status, stuck=stuck)
