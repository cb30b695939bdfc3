"""Reusable reads of the plan. "As at a date" is rebuilt from the update log and the date history."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from improvement.models import (
    Action,
    ActionStatus,
    ActionUpdate,
    Plan,
    Rag,
    Recommendation,
    TargetDateRevision,
)
from improvement.rules import compute_action_rag, effective_rag, finding_gap

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


def _latest_update_id(as_at):
    return latest_update_as_at(as_at)


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


def plan_as_at(plan, as_at: date, *, actions=None) -> list[ActionState]:
    """The state of every action in the plan on as_at, in plan order. Two queries whatever the size:
    the actions (with theme, lead officer, and the ids of the latest update and the target date on that
    date worked out by subqueries), then those latest updates with their authors."""
    queryset = Action.objects.all() if actions is None else actions
    if not isinstance(queryset, QuerySet):
        queryset = Action.objects.filter(pk__in=[a.pk for a in queryset])
    queryset = (
        queryset.filter(theme__plan=plan, added_on__lte=as_at)
        .select_related("theme", "lead_officer")
        .annotate(as_at_update_id=_latest_update_id(as_at), as_at_target_date=target_date_as_at(as_at))
        .order_by("theme__order", "theme__reference", "order", "reference", "pk")
    )
    action_list = list(queryset)
    updates = {}
    if any(a.as_at_update_id for a in action_list):
        # A subquery rather than a list of ids: one query even past SQLite's limit on parameters.
        updates = {
            u.pk: u
            for u in ActionUpdate.objects.select_related("author").filter(pk__in=queryset.values("as_at_update_id"))
        }
    return [_state(action, updates.get(action.as_at_update_id), as_at) for action in action_list]


def _state(action, update, as_at) -> ActionState:
    status = update.status if update else ActionStatus.NOT_STARTED
    progress = update.progress if update else ""
    target = action.as_at_target_date
    computed = compute_action_rag(status=status, progress=progress, target_date=target, as_at=as_at)
    override = update.rag_override if update else ""
    overdue = (as_at - target).days if target and status not in _FINISHED and as_at > target else 0
    original = action.original_target_date or target
    return ActionState(
        action=action,
        status=status,
        progress=progress,
        target_date=target,
        original_target_date=original,
        computed_rag=computed,
        rag_override=override,
        rag_override_reason=update.rag_override_reason if update and override else "",
        rag=effective_rag(computed, override),
        last_update=update,
        days_overdue=overdue,
        has_slipped=bool(target and original and target > original),
    )


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
    """What changed between two plan_as_at results, matched by action."""
    earlier = {s.action.pk: s for s in before}
    changes = PlanChanges()
    for now in after:
        then = earlier.get(now.action.pk)
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
