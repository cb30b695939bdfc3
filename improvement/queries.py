"""Reusable reads of the plan. "As at a date" reads the stored state history (ActionStatePeriod), which
improvement.services.refresh_action_state replays from the update log and the date history."""

import calendar
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection
from django.db.models import Count, DateField, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from improvement.models import (
    Action,
    ActionStatePeriod,
    ActionStatus,
    ActionUpdate,
    Plan,
    Rag,
    Recommendation,
    TargetDateRevision,
)
from improvement.rules import action_rag_expression, amber_grace_date, effective_rag_expression, finding_gap

# Worst first: the order RAG counts and "sort by RAG" use.
RAG_ORDER = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.GREY, Rag.BLUE]
_FINISHED = {ActionStatus.COMPLETE, ActionStatus.CLOSED}


@dataclass(frozen=True)
class ActionState:
    action: Action
    status: str
    progress: str
    target_date: date | None
    original_target_date: date | None
    computed_rag: str
    rag_override: str
    rag_override_reason: str
    rag: str
    last_update: ActionUpdate | None
    days_overdue: int
    has_slipped: bool
    # The first action of its lineage across plan versions (improvement.models.Action.carried_from).
    lineage_id: int | None = None

    @property
    def is_finished(self) -> bool:
        return self.status in _FINISHED

    @property
    def status_label(self) -> str:
        return ActionStatus(self.status).label

    @property
    def progress_label(self) -> str:
        return dict(ActionUpdate._meta.get_field("progress").choices).get(self.progress, "")


def latest_update_as_at(as_at: date | None, field_name: str = "pk"):
    """A subquery: one field of the action's latest update dated on or before as_at (None: any date).
    The latest is by date, then by when it was recorded: a back-dated entry never replaces a newer one.
    Shared with improvement.services.refresh_action_state, so the stored current state and "as at"
    can never disagree."""
    updates = ActionUpdate.objects.filter(action=OuterRef("pk"))
    if as_at is not None:
        updates = updates.filter(date__lte=as_at)
    return Subquery(updates.order_by("-date", "-created_at", "-pk").values(field_name)[:1])


def target_date_as_at(as_at: date | None):
    """An expression: the action's target date in force on as_at (None: after every revision)."""
    revisions = TargetDateRevision.objects.filter(action=OuterRef("pk"))
    if as_at is not None:
        revisions = revisions.filter(effective_on__lte=as_at)
    latest_revision = Subquery(revisions.order_by("-effective_on", "-recorded_at", "-pk").values("new_date")[:1])
    # Without an original date, the date before the first revision was the first target.
    first_previous = Subquery(
        TargetDateRevision.objects.filter(action=OuterRef("pk"))
        .order_by("effective_on", "recorded_at", "pk")
        .values("previous_date")[:1]
    )
    return Coalesce(latest_revision, "original_target_date", first_previous, "target_date")


def _periods_on(plan, as_at: date, actions=None) -> QuerySet:
    """The stored state periods of the plan's actions in force on as_at (actions listed from added_on)."""
    periods = ActionStatePeriod.objects.filter(plan=plan, valid_from__lte=as_at, action__added_on__lte=as_at).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=as_at)
    )
    if actions is not None:
        if isinstance(actions, QuerySet):
            periods = periods.filter(action__in=actions.order_by().values("pk"))
        else:
            periods = periods.filter(action__in=[a.pk for a in actions])
    return periods


def plan_as_at(plan, as_at: date, *, actions=None) -> list[ActionState]:
    """The state of every action in the plan on as_at (or of those in `actions`, a queryset or a list), in
    plan order. One query whatever the size: the stored state periods in force on that date, with the
    action, theme, lead officer, update in force and its author, and the RAG worked out in SQL by
    improvement.rules from the stored inputs and the date."""
    periods = (
        _periods_on(plan, as_at, actions)
        .select_related("action__theme", "action__lead_officer", "update__author")
        .annotate(computed=action_rag_expression(as_at), shown=effective_rag_expression(as_at))
        .order_by("action__theme__order", "action__theme__reference", "action__order", "action__reference", "action")
    )
    return [_state(period, as_at) for period in periods]


def _state(period, as_at) -> ActionState:
    target = period.target_date
    finished = period.status in _FINISHED
    overdue = (as_at - target).days if target and not finished and as_at > target else 0
    original = period.original_target_date
    override = period.rag_override
    return ActionState(
        action=period.action,
        status=period.status,
        progress=period.progress,
        target_date=target,
        original_target_date=original,
        computed_rag=period.computed,
        rag_override=override,
        rag_override_reason=period.rag_override_reason if override else "",
        rag=period.shown,
        last_update=period.update,
        days_overdue=overdue,
        has_slipped=bool(target and original and target > original),
        lineage_id=period.lineage_root_id,
    )


def rag_counts_by_theme(plan, as_at: date) -> dict[int, dict[str, int]]:
    """{theme id: {rag: count}} for the plan's actions on as_at: one aggregate query (themes with no action
    listed on that date are absent; a RAG with no action is absent from its theme's counts)."""
    rows = (
        _periods_on(plan, as_at)
        .annotate(shown=effective_rag_expression(as_at))
        .values("theme_id", "shown")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        result[row["theme_id"]][row["shown"]] = row["n"]
    return dict(result)


MAX_TREND_DATES = 120


def rag_counts_on_dates(plan, dates) -> dict[date, dict[str, int]]:
    """{date: {rag: count}} for the plan on each of up to MAX_TREND_DATES dates, in ONE query whatever the
    size: the dates (each with its amber grace date) joined as a VALUES list to the stored state periods,
    the RAG worked out by the same rule as plan_as_at. Every date asked about is in the answer, zeros
    included. Dates are parameters: no date arithmetic in SQL, so SQLite and PostgreSQL agree."""
    days = sorted(set(dates))
    if len(days) > MAX_TREND_DATES:
        raise ValueError(f"At most {MAX_TREND_DATES} dates in one trend")
    result = {day: {rag.value: 0 for rag in RAG_ORDER} for day in days}
    if not days or plan is None:
        return result
    table = connection.ops.quote_name(ActionStatePeriod._meta.db_table)
    action_table = connection.ops.quote_name(Action._meta.db_table)
    cast = "::date" if connection.vendor == "postgresql" else ""
    # The rule from improvement.rules, compiled against the period table with the joined list's columns as
    # the date and its grace date: the same expression plan_as_at uses, not a copy of it.
    rag = effective_rag_expression(
        RawSQL("d.day", (), output_field=DateField()), grace_date=RawSQL("d.grace", (), output_field=DateField())
    )
    query = ActionStatePeriod.objects.all().query
    compiler = query.get_compiler(connection=connection)
    rag_sql, rag_params = compiler.compile(rag.resolve_expression(query, allow_joins=False))
    rows = " UNION ALL ".join([f"SELECT %s{cast} AS day, %s{cast} AS grace"] + ["SELECT %s, %s"] * (len(days) - 1))
    params: list = []
    for day in days:
        params += [day, amber_grace_date(day)]
    sql = (
        f"WITH d AS ({rows}) "
        f"SELECT d.day, {rag_sql} AS rag, COUNT(*) FROM d "
        f"JOIN {table} ON {table}.valid_from <= d.day AND ({table}.valid_to IS NULL OR {table}.valid_to > d.day) "
        f"JOIN {action_table} a ON a.id = {table}.action_id AND a.added_on <= d.day "
        f"WHERE {table}.plan_id = %s GROUP BY d.day, {rag_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *rag_params, plan.pk, *rag_params])
        for day, rag, count in cursor.fetchall():
            if isinstance(day, str):
                day = date.fromisoformat(day[:10])
            elif isinstance(day, datetime):
                day = day.date()
            result[day][rag] = count
    return result


def month_ends(start: date, end: date) -> list[date]:
    """The last day of each month from start's month to end's month (up to ten years: 120 dates), the
    last clipped to end, so a trend to today ends today."""
    days = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        last = date(year, month, calendar.monthrange(year, month)[1])
        days.append(min(last, end))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if len(days) > MAX_TREND_DATES:
        raise ValueError(f"At most {MAX_TREND_DATES} months in one trend")
    return days


def rag_counts(states) -> list[tuple[str, int]]:
    """(rag, count) for every RAG, worst first, zeros included."""
    counts = Counter(s.rag for s in states)
    return [(rag.value, counts.get(rag, 0)) for rag in RAG_ORDER]


@dataclass
class PlanChanges:
    completed: list = field(default_factory=list)
    rag_moves: list = field(default_factory=list)
    new_reds: list = field(default_factory=list)
    slipped: list = field(default_factory=list)
    added: list = field(default_factory=list)


def changes_between(before: list[ActionState], after: list[ActionState]) -> PlanChanges:
    """What changed between two plan_as_at results, matched by lineage: an action carried into a newer plan
    version is the same action as the one it continues."""
    earlier = {s.lineage_id or s.action.pk: s for s in before}
    changes = PlanChanges()
    for now in after:
        then = earlier.get(now.lineage_id or now.action.pk)
        if then is None:
            changes.added.append(now)
            if now.rag == Rag.RED:
                changes.new_reds.append(now)
            continue
        if now.is_finished and not then.is_finished:
            changes.completed.append(now)
        if now.rag != then.rag:
            changes.rag_moves.append((then, now))
            if now.rag == Rag.RED:
                changes.new_reds.append(now)
        if now.target_date and then.target_date and now.target_date > then.target_date:
            changes.slipped.append((then, now))
    return changes


def plans_newest_first():
    return Plan.objects.order_by(F("start_date").desc(nulls_last=True), "-pk")


def current_plan_from(plans) -> Plan | None:
    """The newest active plan in a newest-first list, else the newest of any status."""
    plans = list(plans)
    return next((p for p in plans if p.status == Plan.Status.ACTIVE), plans[0] if plans else None)


def current_plan() -> Plan | None:
    """The newest active plan, else the newest plan of any status (one query)."""
    return current_plan_from(plans_newest_first())


@dataclass(frozen=True)
class PlanContents:
    """What deleting a plan would take with it, in the words the confirmation page uses."""

    themes: int
    actions: int
    updates: int
    revisions: int

    def as_dict(self) -> dict:
        return {"themes": self.themes, "actions": self.actions, "updates": self.updates, "revisions": self.revisions}


def plan_contents(plan) -> PlanContents:
    """Counts of what is under a plan (four queries)."""
    return PlanContents(
        themes=plan.themes.count(),
        actions=Action.objects.filter(theme__plan=plan).count(),
        updates=ActionUpdate.objects.filter(action__theme__plan=plan).count(),
        revisions=TargetDateRevision.objects.filter(action__theme__plan=plan).count(),
    )


GAP_NO_ACTION = "Gap: no action in the plan answers this recommendation"
GAP_NO_SUCCESS_MEASURE = "Gap: it has actions, but none of them has a success measure"


@dataclass
class RecommendationProgress:
    recommendation: Recommendation
    states: list[ActionState]
    counts: list[tuple[str, int]]
    complete: bool
    gap: str  # "" when there is no gap; otherwise says which kind in words

    @property
    def total(self) -> int:
        return len(self.states)

    @property
    def completed_count(self) -> int:
        return sum(1 for s in self.states if s.is_finished)


def recommendation_progress(
    recommendations, *, plan=None, as_at: date, plan_states: list[ActionState] | None = None
) -> list[RecommendationProgress]:
    """Progress of each recommendation from its actions in the plan (default: the current plan).
    Complete only when every one of its actions is complete; gaps are named in words.
    Fixed queries: the plan (unless given), the recommendation-action links, then plan_as_at, unless
    the caller already has the whole plan as at that date (plan_states), as the dashboard does."""
    recommendations = list(recommendations)
    plan = plan or current_plan()
    through = Action.recommendations.through
    links = list(
        through.objects.filter(recommendation__in=[r.pk for r in recommendations]).values_list(
            "recommendation_id", "action_id"
        )
    )
    states_by_action = {}
    if plan_states is not None:
        states_by_action = {s.action.pk: s for s in plan_states}
    elif plan is not None and links:
        action_ids = {action_id for _, action_id in links}
        states_by_action = {
            s.action.pk: s for s in plan_as_at(plan, as_at, actions=Action.objects.filter(pk__in=action_ids))
        }
    actions_of = defaultdict(list)
    for rec_id, action_id in links:
        if action_id in states_by_action:
            actions_of[rec_id].append(states_by_action[action_id])
    result = []
    for recommendation in recommendations:
        states = actions_of[recommendation.pk]
        states.sort(key=lambda s: (s.action.theme.order, s.action.order, s.action.reference))
        if not states:
            gap = GAP_NO_ACTION
        elif not any(s.action.success_measure.strip() for s in states):
            gap = GAP_NO_SUCCESS_MEASURE
        else:
            gap = ""
        result.append(
            RecommendationProgress(
                recommendation=recommendation,
                states=states,
                counts=rag_counts(states),
                complete=bool(states) and all(s.is_finished for s in states),
                gap=gap,
            )
        )
    return result


@dataclass(frozen=True)
class FindingWithGap:
    finding: object  # VisitFinding
    recommendations: list
    gap: str  # "" when an action in the plan answers it


def findings_with_gaps(inspection, *, plan) -> list[FindingWithGap]:
    """The visit's findings in order, each with its recommendations and whether the plan answers it
    (an action in `plan` is linked to one of its recommendations). Two queries: the findings, with
    "answered" worked out by the database, and their recommendations."""
    answered = Action.recommendations.through.objects.filter(
        recommendation__findings=OuterRef("pk"), action__theme__plan=plan
    )
    findings = (
        inspection.findings.annotate(answered=Exists(answered))
        .prefetch_related("recommendations")
        .order_by("order", "pk")
    )
    return [
        FindingWithGap(
            finding=finding,
            recommendations=list(finding.recommendations.all()),
            gap=finding_gap(linked=bool(finding.recommendations.all()), answered=finding.answered),
        )
        for finding in findings
    ]


def risk_rows(*, themes=None) -> list[dict]:
    """Open risks to delivery as plain data (for a board pack, the register, the dashboard), highest score
    first, in ONE query: the risk's columns joined to its themes (a row per theme, folded here). `themes`
    (a queryset of Theme, read as a subquery) narrows them to risks linked to a theme with one of those
    references, across plan versions, plus risks linked to no theme (they threaten the whole plan)."""
    from django.urls import reverse

    from improvement.models import Risk
    from improvement.rules import risk_rating

    risks = Risk.objects.filter(status=Risk.Status.OPEN)
    if themes is not None:
        linked = Risk.themes.through.objects.filter(risk_id=OuterRef("pk"))
        chosen = linked.filter(theme__reference__in=themes.order_by().values("reference"))
        risks = risks.filter(~Exists(linked) | Exists(chosen))
    rows = risks.order_by("pk", "themes__reference").values(
        "pk", "title", "cause", "likelihood", "impact", "owner_name", "owner__first_name", "owner__last_name",
        "owner__username", "mitigation", "review_date", "themes__reference", "themes__title",
    )  # fmt: skip
    found = {}
    for row in rows:
        risk = found.get(row["pk"])
        if risk is None:
            owner = row["owner_name"] or f"{row['owner__first_name'] or ''} {row['owner__last_name'] or ''}".strip()
            words, rag = risk_rating(row["likelihood"], row["impact"])
            risk = found[row["pk"]] = {
                "id": row["pk"],
                "title": row["title"],
                "cause": row["cause"],
                "likelihood": row["likelihood"],
                "impact": row["impact"],
                "score": row["likelihood"] * row["impact"],
                "rating": words,
                "rag": rag,
                "owner": owner or row["owner__username"] or "",
                "mitigation": row["mitigation"],
                "review_date": row["review_date"].isoformat() if row["review_date"] else None,
                "themes": [],
                "url": reverse("improvement:risk_detail", args=[row["pk"]]),
            }
        if row["themes__reference"]:
            risk["themes"].append(f"{row['themes__reference']}. {row['themes__title']}")
    return sorted(found.values(), key=lambda r: (-r["score"], r["id"]))
