"""Reads for the overview dashboard and the progress page. Every figure comes from the plan's
and the KPIs' own "as at" functions: nothing here re-implements a rule."""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from core import worker
from imports.models import ImportJob
from improvement.models import InterventionEvent
from improvement.queries import (
    MAX_TREND_DATES,
    RAG_ORDER,
    month_ends,
    rag_counts,
    rag_counts_on_dates,
)
from meetings.models import Board, Meeting
from meetings.pack import plan_in_force_from
from meetings.queries import NOT_CANCELLED
from meetings.rules import upcoming_meetings


@dataclass(frozen=True)
class ThemeSummary:
    theme: object
    counts: list  # (rag, count) pairs, worst first
    total: int

    def count_of(self, rag):
        return dict(self.counts).get(rag, 0)


def counts_by_theme(states) -> list[ThemeSummary]:
    by_theme: OrderedDict = OrderedDict()
    for state in states:
        by_theme.setdefault(state.action.theme_id, (state.action.theme, []))[1].append(state)
    return [ThemeSummary(theme, rag_counts(items), len(items)) for theme, items in by_theme.values()]


def recent_updates_from(states, limit=8) -> list:
    """The newest progress updates in force among the plan's states (each action's latest by the as-at
    date, so no action is listed twice), newest first; no query (plan_as_at read them with their authors)."""
    updates = []
    for state in states:
        if state.last_update is not None:
            state.last_update.action = state.action  # already read: its page link needs no query
            updates.append(state.last_update)
    updates.sort(key=lambda u: (u.date, u.created_at, u.pk), reverse=True)
    return updates[:limit]


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


def trend_start(plans, inspections, end: date) -> date | None:
    """Where "the whole intervention" starts: the first plan's start or the first inspection, if earlier."""
    days = [p.start_date for p in plans if p.start_date and p.start_date <= end]
    days += [v.start_date for v in inspections if not v.is_planned and v.start_date <= end]
    return min(days, default=None)


def rag_trend(plans, inspections, end: date) -> list[TrendMonth]:
    """Each month's RAG counts from trend_start to end (the latest MAX_TREND_DATES months), each month
    counted on the plan version in force then: one query a plan version (rag_counts_on_dates)."""

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
    counts = {}
    for plan, plan_days in by_plan.items():
        counts.update(rag_counts_on_dates(plan, plan_days))
    return [
        TrendMonth(day=day, counts=[(rag.value, counts.get(day, {}).get(rag.value, 0)) for rag in RAG_ORDER])
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


def next_meetings(user, today: date, limit: int = 6) -> tuple:
    """(the first upcoming, non-cancelled meeting of any board, the next such meeting of each board the
    user is a member of, soonest first, the first `limit` boards), each with its board, in ONE query:
    the user's boards' meetings and the first of any board, marked `mine` when it is one of theirs."""
    upcoming = Meeting.objects.filter(NOT_CANCELLED, upcoming_meetings(today))
    first_of_any = upcoming.order_by("starts_at", "pk").values("pk")[:1]
    membership = Board.members.through.objects.filter(board_id=OuterRef("board_id"), user_id=user.pk)
    meetings = list(
        upcoming.filter(Q(Exists(membership)) | Q(pk=Subquery(first_of_any)))
        .annotate(mine=Exists(membership))
        .select_related("board")
        .order_by("starts_at", "pk")[:100]
    )
    first = {}
    for meeting in meetings:
        if meeting.mine:
            first.setdefault(meeting.board_id, meeting)
    # The first of any board is the earliest upcoming meeting, so it is the first row whenever there is one.
    return (meetings[0] if meetings else None), list(first.values())[:limit]


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
    running while it is not (stuck until a worker runs). Two queries."""

    jobs = list(
        ImportJob.objects.defer("file_bytes", "parsed", "preview", "result", "mappings").order_by("-created_at", "-pk")[
            :limit
        ]
    )
    status = worker.status()
    stuck = [job for job in jobs if job.state in STUCK_STATES] if status.get("worker") != "ok" else []
    return ImportStatus(jobs=jobs, worker=status, stuck=stuck)
