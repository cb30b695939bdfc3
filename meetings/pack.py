"""The board pack: the plan and KPIs as at a meeting's date, built once into plain data.

build_pack(meeting) returns a dict of strings, numbers, lists and ISO dates (no model instances), so
the same data drives the web page, the print view, the Word document and the frozen published copy.
It uses improvement.queries.plan_as_at / changes_between and indicators.queries.scorecard_as_at:
never a second implementation of "as at".
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Aggregate, Exists, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.template.loader import render_to_string

from core import cache, clock
from core.formats import date_words, person_name, person_name_of, time_words, value_words
from improvement.models import Rag, Theme
from improvement.queries import (
    action_rag_counts,
    changes_between,
    current_plan_from,
    plan_as_at,
    plans_as_at_two_dates,
    plans_newest_first,
    risks_and_you_said,
)
from improvement.rules import is_due_before_meeting, rag_label
from indicators import periods
from indicators.models import Indicator
from indicators.queries import Knowledge, memo_by_indicator_data, scorecard_as_at, target_display, target_in_force
from indicators.rules import direction_words, kpi_rag
from indicators.rules import rag_label as kpi_rag_label
from meetings import queries
from meetings.dates import after_one_cycle
from meetings.models import AgendaItem, Board, BoardMembership, Meeting
from meetings.rules import days_overdue, pack_data_date

PACK_VERSION = 1


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def plan_in_force(as_at: date):
    """The plan a board was looking at on `as_at`: the newest non-draft plan started by then, else the
    current plan (one query)."""
    return plan_in_force_from(list(plans_newest_first()), as_at)


def plan_in_force_from(plans: list, as_at: date):
    """plan_in_force from a newest-first list already read (no query)."""
    for plan in plans:
        if plan.status != plan.Status.DRAFT and (plan.start_date is None or plan.start_date <= as_at):
            return plan
    return current_plan_from(plans)


@dataclass(frozen=True)
class PaperSource:
    """Papers a higher app publishes between meetings (a visit brief) that go into the next pack of
    every board, read in the query that finds the meeting, so a pack costs no extra query for them.

    annotations() returns Meeting annotations (subqueries that may use OuterRef("starts_at") and
    OuterRef("pack_previous_starts_at"), None for a board's first meeting); papers(meeting) turns the
    annotated meeting into plain dicts {"kind", "title", "url", "published_on", "published_by", "note"}.
    """

    name: str
    annotations: Callable[[], dict]
    papers: Callable[[object], list]
    # The tables the annotations read, so the cached live pack moves on when a paper is published.
    reads: frozenset[str] = frozenset()


_paper_sources: list[PaperSource] = []


def register_paper_source(source: PaperSource) -> None:
    """Called from a higher app's AppConfig.ready(); meetings never imports it. Idempotent."""
    if source not in _paper_sources:
        _paper_sources.append(source)


def live_pack_reads() -> frozenset[str]:
    """What a live pack reads (build_pack, and the pages that show it): the plan's, the indicators' and
    the boards' tables, people's names, and each paper source's tables. An import's job records, the
    worker's bookkeeping and anything else written leave a cached pack as it is."""
    reads = cache.tables_of_apps("improvement", "indicators", "meetings")
    return reads.union(*(source.reads for source in _paper_sources))


def _papers(meeting) -> list[dict]:
    return [paper for source in _paper_sources for paper in source.papers(meeting)]


class _JSONArrayOf(Aggregate):
    """The aggregated JSON objects as one JSON array: jsonb_agg on PostgreSQL, json_group_array on
    SQLite (Django 5.2 has no aggregate for both). The pack reads its agenda with it inside the meeting's
    own query, so the pack page stays within its query budget."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def _agenda_subquery():
    items = AgendaItem.objects.filter(meeting=OuterRef("pk")).order_by().values("meeting")
    rows = items.annotate(rows=_JSONArrayOf(JSONObject(id="pk", order="order", title="title", presenter="presenter")))
    return Subquery(rows.values("rows")[:1], output_field=JSONField())


def _members_subquery():
    # The board's members and their roles, read inside the meeting's query (as the agenda is).
    seats = BoardMembership.objects.filter(board_id=OuterRef("board_id")).order_by().values("board")
    rows = seats.annotate(
        rows=_JSONArrayOf(
            JSONObject(
                role="role", first="user__first_name", last="user__last_name", username="user__username", id="user_id"
            )
        )
    )
    return Subquery(rows.values("rows")[:1], output_field=JSONField())


def _members(rows, board) -> list[dict]:
    """Who sits on the board and in what capacity, for the cover: the members who use the service by
    role (the chair first), then a chair named without an account and the members who do not use it."""
    seats = sorted(
        (
            {"name": person_name_of(row["first"], row["last"], row["username"]), "role": row["role"]}
            for row in rows or []
        ),
        key=lambda seat: BoardMembership.listing_key(seat["role"], seat["name"]),
    )
    found = [{"name": seat["name"], "role": BoardMembership.Role(seat["role"]).label} for seat in seats]
    if board.chair_name and not any(seat["role"] == BoardMembership.Role.CHAIR for seat in seats):
        found.insert(0, {"name": board.chair_name, "role": BoardMembership.Role.CHAIR.label})
    found += [{"name": line, "role": ""} for line in board.external_members_list]
    return found


def pack_meeting_queryset():
    """Meetings with what build_pack needs besides the plan and the KPIs, read in the query that finds
    the meeting: its board, the board's previous and next meetings (id and start), whether the board
    reviews chosen themes and indicators, and the meeting's agenda (for the pack's cover). The rules
    are queries.previous_meeting (not cancelled, starting earlier) and queries.next_meeting (not
    cancelled, on a later day)."""
    same_board = Meeting.objects.filter(queries.NOT_CANCELLED, board_id=OuterRef("board_id"))
    earlier = same_board.filter(starts_at__lt=OuterRef("starts_at")).order_by("-starts_at", "-pk")
    # A later day in local time: the same test as next_meeting's "after the end of the meeting's day".
    later = same_board.filter(starts_at__date__gt=OuterRef("starts_at__date")).order_by("starts_at", "pk")
    meetings = Meeting.objects.select_related("board").annotate(
        pack_previous_id=Subquery(earlier.values("pk")[:1]),
        pack_previous_starts_at=Subquery(earlier.values("starts_at")[:1]),
        pack_next_id=Subquery(later.values("pk")[:1]),
        pack_next_starts_at=Subquery(later.values("starts_at")[:1]),
        pack_reviews_themes=Exists(Board.themes.through.objects.filter(board_id=OuterRef("board_id"))),
        pack_reviews_indicators=Exists(Board.indicators.through.objects.filter(board_id=OuterRef("board_id"))),
        pack_agenda=_agenda_subquery(),
        pack_members=_members_subquery(),
    )
    for source in _paper_sources:
        meetings = meetings.annotate(**source.annotations())
    return meetings


def _with_pack_context(meeting):
    """The meeting as pack_meeting_queryset reads it: as given when it was read that way (the pack
    pages do), else read again (one query), e.g. for publish_pack's meeting."""
    if hasattr(meeting, "pack_reviews_themes"):
        return meeting
    return pack_meeting_queryset().get(pk=meeting.pk)


def _other_meeting(pk, starts_at):
    """The previous or next meeting from pack_meeting_queryset's columns; None when there is none."""
    return None if pk is None else Meeting(pk=pk, starts_at=starts_at)


def _action_row(state) -> dict:
    action = state.action
    update = state.last_update
    lead = person_name(action.lead_officer)
    return {
        "id": action.pk,
        "reference": action.reference,
        "title": action.title,
        "theme": str(action.theme),
        "lead": lead or action.lead_job_title,
        "lead_job_title": action.lead_job_title,
        "status": state.status_label,
        "rag": str(state.rag),
        "rag_label": rag_label(state.rag),
        "target_date": _iso(state.target_date),
        "original_target_date": _iso(state.original_target_date),
        "has_slipped": state.has_slipped,
        "days_overdue": state.days_overdue,
        "narrative": update.narrative if update else "",
        "update_date": _iso(update.date) if update else None,
        "url": action.get_absolute_url(),
    }


class _Rows:
    """Each action's row, made the first time a section lists it: most of a large plan is listed in no
    section, and an action listed twice (an exception that is also a new red) is made once. Only the
    states on the pack's own date become rows (an earlier state only gives a "from" column)."""

    def __init__(self):
        self.made = {}

    def __call__(self, state) -> dict:
        if state.action_id not in self.made:
            self.made[state.action_id] = _action_row(state)
        return self.made[state.action_id]


def _exception_reasons(state) -> list[str]:
    """Why an action is among the exceptions, in words (the RAG itself has its own column)."""
    reasons = []
    if state.rag in (Rag.RED, Rag.AMBER):
        reasons.append(f"RAG is {state.rag}")
    if state.days_overdue:
        reasons.append(f"{state.days_overdue} day{'s' if state.days_overdue != 1 else ''} overdue")
    if state.has_slipped:
        reasons.append("Target date moved")
    return reasons


def _kpi_since(row, since: date | None) -> dict:
    """What moved since the previous meeting, from the values the scorecard already read (no query): the
    latest value of a period ended by then (an original figure is known from the end of its period), its
    RAG against the target then in force, and whether the indicator is new (no value by then). The
    figures are as the board knows them at this meeting."""
    if since is None:
        return {"new": False, "value_then": "", "rag_then": "", "rag_then_label": "", "moved": ""}
    indicator = row.indicator
    earlier = [(p, v) for p, v in row.trend if periods.period_end(p, indicator.frequency) <= since]
    if not earlier:
        return {"new": True, "value_then": "", "rag_then": "", "rag_then_label": "", "moved": "New since then"}
    period, value = earlier[-1]
    target = target_in_force(indicator.targets_sorted, period)
    rag = kpi_rag(value=value, target=target, polarity=indicator.polarity)
    value_then = value_words(value, indicator.unit, indicator.decimal_places)
    now = row.measurement.value if row.measurement else None
    if (value, rag) == (now, row.rag):
        moved = "No change"
    elif rag != row.rag:
        moved = f"RAG moved from {kpi_rag_label(rag, indicator.polarity)}"
    else:
        moved = "Value changed, same RAG"
    return {
        "new": False,
        "value_then": value_then,
        "rag_then": rag,
        "rag_then_label": kpi_rag_label(rag, indicator.polarity),
        "moved": moved,
    }


def _kpi_row(row, since: date | None = None) -> dict:
    indicator = row.indicator
    short_words = direction_words(row.short_term)
    long_words = direction_words(row.long_term)
    return {
        "id": indicator.pk,
        "code": indicator.code,
        "title": indicator.title,
        "value": row.value_display,
        "correction": row.correction_display,  # "corrected on 3 Dec: was 25.8%" (known by the pack's date)
        "period": row.period_label,
        "target": row.target_display,
        "rag": row.rag,
        "rag_label": row.rag_label,
        "short_term": short_words,
        "long_term": long_words,
        "england": row.england_display,
        "stat_neighbours": row.stat_neighbours_display,
        "commentary": row.commentary,
        "url": indicator.get_absolute_url(),
        "signal": row.spc.words if row.spc else "",
        "signal_assurance": row.spc.assurance_words if row.spc else "",
        # Plain English beside each figure (issue 17), and what moved since the previous meeting.
        "what_it_measures": indicator.what_it_measures,
        "which_way": indicator.get_polarity_display(),
        "target_note": row.target.expected_direction_note if row.target else "",
        "since": _kpi_since(row, since),
    }


def _about(action_arising) -> str:
    """What an action arising is about, in words: "Action 2.3 Audit ...", "Recommendation R1", "CIN-01"."""
    about = []
    if action_arising.plan_action_id:
        about.append(f"Action {action_arising.plan_action.reference} {action_arising.plan_action.title}")
    if action_arising.recommendation_id:
        about.append(f"Recommendation {action_arising.recommendation.reference}")
    if action_arising.indicator_id:
        about.append(f"Indicator {action_arising.indicator.code}: {action_arising.indicator.title}")
    return "; ".join(about)


def _arising_row(action_arising, as_at: date) -> dict:
    answered_by = person_name(action_arising.answered_by)
    return {
        "id": action_arising.pk,
        "description": action_arising.description,
        "kind": action_arising.get_kind_display(),
        "owner": action_arising.owner_name or person_name(action_arising.owner),
        "raised_at": _iso(action_arising.meeting.date),
        "raised_by": action_arising.meeting.board.name,
        "referred_to": action_arising.referred_to.name if action_arising.referred_to_id else "",
        "due_date": _iso(action_arising.due_date),
        "days_overdue": days_overdue(action_arising, as_at),
        "status": action_arising.get_status_display(),
        "response": action_arising.response,
        "answered_on": _iso(action_arising.answered_on),
        "answered_by": answered_by,
        "about": _about(action_arising),
        "url": action_arising.get_absolute_url(),
    }


def _agenda(rows) -> list[dict]:
    """The meeting's agenda items in their order (as the meeting page lists them: order, then when added)."""
    rows = sorted(rows or [], key=lambda row: (row["order"], row["id"]))
    return [{"order": row["order"], "title": row["title"], "presenter": row["presenter"]} for row in rows]


def _meeting_summary(meeting, board) -> dict | None:
    if meeting is None:
        return None
    # Named from the board already loaded: str(meeting) would read the board again.
    return {"id": meeting.pk, "date": _iso(meeting.date), "title": f"{board.name}, {date_words(meeting.date)}"}


def build_pack(meeting, *, on: date | None = None) -> dict:
    """The pack for a meeting as at its date. A fixed number of queries whatever the size of the plan:
    the meeting with its board, neighbours and scope (pack_meeting_queryset; none when the meeting was
    read that way), plans (1), plan as at this meeting and the previous one (1: plans_as_at_two_dates), the
    scorecard (scorecard_as_at, whose targets also give the targets starting before the next
    meeting), matters arising with the referrals to this board (1), risks to delivery with "you said,
    we did" (1). Papers
    published since the previous meeting (PaperSource) come with the meeting: no query of their own."""
    meeting = _with_pack_context(meeting)
    board = meeting.board
    # A pack for a meeting still to come shows what is known on `on` (today, or the publication day).
    as_at = pack_data_date(meeting, on or clock.today())
    actions = queries.actions_reviewed_by(board, reviews_themes=meeting.pack_reviews_themes)
    plan = plan_in_force(as_at)
    previous = _other_meeting(meeting.pack_previous_id, meeting.pack_previous_starts_at)
    following = _other_meeting(meeting.pack_next_id, meeting.pack_next_starts_at)
    window_end = following.date if following else after_one_cycle(meeting.date, board.cadence)

    # Both dates' states in one query when there is a previous meeting to compare with.
    before = None
    if plan is not None and previous is not None:
        before, now_states = plans_as_at_two_dates(plan, previous.date, plan, as_at, actions=actions)
    else:
        now_states = plan_as_at(plan, as_at, actions=actions) if plan else []
    row_of = _Rows()

    exceptions = []
    for state in now_states:
        if state.is_finished:
            continue
        reasons = _exception_reasons(state)
        if reasons:
            exceptions.append({**row_of(state), "reasons": reasons})
    exceptions.sort(key=lambda r: (Rag.rank(r["rag"]), -r["days_overdue"]))

    changes = None
    if before is not None:
        changes = _changes(before, now_states, since=previous.date, row_of=row_of)

    due_actions = [
        row_of(state)
        for state in now_states
        if is_due_before_meeting(
            finished=state.is_finished, target_date=state.target_date, as_at=as_at, meeting_date=window_end
        )
    ]
    due_actions.sort(key=lambda r: (r["target_date"], r["reference"]))

    indicators = Indicator.objects.filter(boards=board) if meeting.pack_reviews_indicators else None
    kpis = _indicator_sections(
        as_at, indicators=indicators, since=previous.date if previous else None, until=window_end
    )

    # One query for both: this board's matters arising (answers to referrals it made come back here) and
    # the matters other boards referred to it.
    arising_actions, referred_actions = queries.matters_arising_and_referrals(meeting)
    arising = [_arising_row(a, as_at) for a in arising_actions]
    referred = [_arising_row(a, as_at) for a in referred_actions]

    # Open risks to delivery in the themes the board reviews, and those linked to no theme; and what
    # children and young people told us in those themes, still being acted on or said or changed since the
    # previous meeting, as known at the pack's date (issue 17). One query for both.
    # Risks have no dated history of their own to read "as at", so a pack shows them as they stand.
    risks, you_said = risks_and_you_said(
        themes=Theme.objects.filter(boards=board) if meeting.pack_reviews_themes else None,
        since=previous.date if previous else None,
        until=as_at,
    )
    return {
        "version": PACK_VERSION,
        "as_at": _iso(as_at),
        "meeting": {
            "id": meeting.pk,
            "title": f"{board.name}, {date_words(meeting.date)}",
            "board": board.name,
            "board_kind": board.get_kind_display(),
            "date": _iso(meeting.date),
            "starts_at": meeting.starts_at.isoformat(),
            "time": time_words(meeting.starts_at),
            "place": meeting.place,
            "url": meeting.get_absolute_url(),
        },
        "plan": {"title": plan.title, "version": plan.version} if plan else None,
        "scope": {
            "themes": "the themes this board reviews" if actions is not None else "every theme of the plan",
            "indicators": "the indicators this board reviews" if indicators is not None else "every active indicator",
        },
        "agenda": _agenda(meeting.pack_agenda),
        "members": _members(meeting.pack_members, board),
        "previous_meeting": _meeting_summary(previous, board),
        "next_meeting": _meeting_summary(following, board),
        "window_end": _iso(window_end),
        "rag_counts": _rag_count_items(now_states),
        "exceptions": {"actions": exceptions, "kpis": kpis["exceptions"]},
        "changes": changes,
        "due": {"actions": due_actions, "targets": kpis["due_targets"]},
        "scorecard": kpis["scorecard"],
        "actions_arising": arising,
        "referred_to_board": referred,
        "risks": risks,
        "you_said_we_did": you_said,
        # Papers published since the previous meeting (a visit brief), read with the meeting; a pack
        # published before there were any has no such key and shows none.
        "papers": [paper for paper in _papers(meeting) if paper["published_on"] <= as_at.isoformat()],
    }


def _indicator_sections(as_at: date, *, indicators, since: date | None, until: date) -> dict:
    """The pack's indicator parts (its scorecard, the indicators off target, the targets starting by
    `until`), as the figures were known on `as_at`. Memoised by the indicator tables' versions alone, so
    an officer's action update, which moves the pack's action sections on, leaves them as they were: as
    plain rows they cost a few milliseconds to read back, where the scorecard's rows (model instances, a
    megabyte of pickle on a large demo) cost 70."""

    def compute():
        # Papers for a date show the figures known on that date (shared/design.md, "What was known when").
        kpi_rows = scorecard_as_at(as_at, indicators=indicators, knowledge=Knowledge.AS_KNOWN_THEN)
        scorecard = [_kpi_row(row, since) for row in kpi_rows]
        return {
            "scorecard": scorecard,
            "exceptions": [row for row in scorecard if row["rag"] in ("red", "amber")],
            "due_targets": _due_targets(kpi_rows, as_at, until),
        }

    return memo_by_indicator_data("pack_indicator_sections", compute, indicators, as_at, since, until)


def _due_targets(kpi_rows, as_at: date, window_end: date) -> list[dict]:
    """Indicator targets starting after the meeting and by the window's end, for the active indicators
    of the scorecard, from the targets scorecard_as_at already read for each (no query)."""
    starting = [
        (target, row.indicator)
        for row in kpi_rows
        if row.indicator.is_active
        for target in row.indicator.targets_sorted
        if as_at < target.effective_from <= window_end
    ]
    starting.sort(key=lambda pair: (pair[0].effective_from, pair[1].order, pair[1].code))
    return [
        {
            "code": indicator.code,
            "title": indicator.title,
            "effective_from": _iso(target.effective_from),
            "target": target_display(target, indicator),
            "note": target.expected_direction_note,
            "url": indicator.get_absolute_url(),
        }
        for target, indicator in starting
    ]


def _changes(before, after, *, since: date, row_of) -> dict:
    """changes_between, said once per fact: an action completed is listed as completed (not also as a
    move to blue), a new red as a new red (not also as a RAG move)."""
    found = changes_between(before, after)
    completed_ids = {s.action_id for s in found.completed}
    new_red_ids = {s.action_id for s in found.new_reds}
    earlier_rag = {now.action_id: then.rag for then, now in found.rag_moves}  # absent: new since then
    return {
        "since": _iso(since),
        "completed": [row_of(s) for s in found.completed],
        "new_reds": [
            {
                **row_of(s),
                "from_rag": str(earlier_rag[s.action_id]) if s.action_id in earlier_rag else None,
                "from_label": rag_label(earlier_rag[s.action_id]) if s.action_id in earlier_rag else "",
            }
            for s in found.new_reds
        ],
        "rag_moves": [
            {**row_of(now), "from_rag": str(then.rag), "from_label": rag_label(then.rag)}
            for then, now in found.rag_moves
            if now.action_id not in completed_ids and now.action_id not in new_red_ids
        ],
        "slipped": [{**row_of(now), "from_date": _iso(then.target_date)} for then, now in found.slipped],
        "added": [row_of(s) for s in found.added],
    }


def _rag_count_items(states) -> list[dict]:
    """action_rag_counts as plain data for the stored pack, each RAG with its words."""
    return [{"rag": rag, "label": rag_label(rag), "count": count} for rag, count in action_rag_counts(states)]


def render_pack_html(pack: dict) -> str:
    """The pack's sections as HTML (no page layout), as shown on the page and stored when published."""
    return render_to_string("meetings/includes/pack_body.html", {"pack": pack})
