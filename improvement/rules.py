"""Rules of the plan, one function each, used by every page, export, import and board pack: the action
RAG, when an action needs an update, and how early an update or a target date revision may take effect."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, CharField, F, Func, Q, TextField, Value, When
from django.db.models.lookups import Exact

from core.formats import date_words
from improvement.models import ActionStatus, Progress, Rag

_FINISHED = {ActionStatus.COMPLETE, ActionStatus.CLOSED}


def compute_action_rag(
    *, status: str, progress: str, target_date: date | None, as_at: date, amber_days: int | None = None
) -> str:
    """BRAG by default. The grace period N comes from settings because councils define lateness differently."""
    if status in _FINISHED:
        return Rag.BLUE.value
    grace = settings.ACTION_RAG_AMBER_DAYS_LATE if amber_days is None else amber_days
    days_late = (as_at - target_date).days if target_date else 0
    if progress == Progress.OFF_TRACK or days_late > grace:
        return Rag.RED.value
    if progress == Progress.AT_RISK or days_late > 0:
        return Rag.AMBER.value
    if status == ActionStatus.NOT_STARTED:
        return Rag.GREY.value
    return Rag.GREEN.value


def is_past_target(*, status: str, target_date: date | None, as_at: date) -> bool:
    """An unfinished action whose target date in force is before as_at."""
    return status not in _FINISHED and target_date is not None and target_date < as_at


def effective_rag(computed: str, override: str, *, past_target: bool) -> str:
    """The one RAG a page shows. The officer's own RAG (given with a reason) wins when it is worse than the
    computed one, and when better only while the action is not past its target date: an unfinished action
    past its target is never shown better than computed; the remedy is a revised target date with a reason.
    `past_target`: is_past_target(...) for the same date."""
    if not override:
        return computed
    if past_target and Rag.rank(override) > Rag.rank(computed):
        return computed
    return override


# ---- the same two rules as SQL expressions, for the stored state (improvement.models.ActionStatePeriod).
# Dates are compared, never subtracted, and as_at is a parameter (never CURRENT_DATE), so they run the same
# on SQLite and PostgreSQL and follow core.clock.


def amber_grace_date(as_at: date, amber_days: int | None = None) -> date:
    grace = settings.ACTION_RAG_AMBER_DAYS_LATE if amber_days is None else amber_days
    return as_at - timedelta(days=grace)


def _rag_conditions(as_at, prefix: str, amber_days: int | None, grace_date=None):
    """Q objects over the fields status, progress and target_date (prefixed for a related model). as_at and
    grace_date may be SQL expressions (a trend joins a list of dates: improvement.queries)."""
    f = (lambda name: f"{prefix}{name}") if prefix else (lambda name: name)
    grace_date = amber_grace_date(as_at, amber_days) if grace_date is None else grace_date
    finished = Q(**{f"{f('status')}__in": [s.value for s in _FINISHED]})
    very_late = Q(**{f"{f('target_date')}__lt": grace_date})
    late = Q(**{f"{f('target_date')}__lt": as_at})
    red = Q(**{f("progress"): Progress.OFF_TRACK.value}) | very_late
    amber = Q(**{f("progress"): Progress.AT_RISK.value}) | late
    not_started = Q(**{f("status"): ActionStatus.NOT_STARTED.value})
    return finished, red, amber, late, not_started


def action_rag_expression(as_at, *, prefix: str = "", amber_days: int | None = None, grace_date=None):
    """compute_action_rag as a Case expression over status, progress and target_date on as_at (grace_date:
    as_at less the amber grace, when as_at is an expression)."""
    finished, red, amber, _, not_started = _rag_conditions(as_at, prefix, amber_days, grace_date)
    return Case(
        When(finished, then=Value(Rag.BLUE.value)),
        When(red, then=Value(Rag.RED.value)),
        When(amber, then=Value(Rag.AMBER.value)),
        When(not_started, then=Value(Rag.GREY.value)),
        default=Value(Rag.GREEN.value),
        output_field=CharField(),
    )


def effective_rag_expression(as_at, *, prefix: str = "", amber_days: int | None = None, grace_date=None):
    """effective_rag(computed, rag_override, past_target=...) as a Case expression on as_at. Past its target
    the computed RAG is red or amber; then only a red override (worse than amber) changes it."""
    finished, red, _, late, _ = _rag_conditions(as_at, prefix, amber_days, grace_date)
    override = f"{prefix}rag_override"
    past_target = ~finished & late
    computed = action_rag_expression(as_at, prefix=prefix, amber_days=amber_days, grace_date=grace_date)
    return Case(
        When(Q(**{override: ""}), then=computed),
        When(past_target & (red | Q(**{override: Rag.RED.value})), then=Value(Rag.RED.value)),
        When(past_target, then=Value(Rag.AMBER.value)),
        default=F(override),
        output_field=CharField(),
    )


def rag_label(rag: str) -> str:
    return Rag(rag).words


def needs_update(*, finished: bool, last_update_on: date | None, target_date: date | None, today: date) -> bool:
    """An unfinished action needs an update when its last one is older than ACTION_UPDATE_DUE_DAYS, or
    it has none, or its target date is that close (or past): what "My actions" puts first."""
    if finished:
        return False
    due_days = settings.ACTION_UPDATE_DUE_DAYS
    stale = last_update_on is None or (today - last_update_on).days > due_days
    due_soon = target_date is not None and (target_date - today).days <= due_days
    return stale or due_soon


def is_due_before_meeting(*, finished: bool, target_date: date | None, as_at: date, meeting_date: date) -> bool:
    """An unfinished action is due before the next meeting when its current target date falls from the
    as-at date to the meeting's date, both included (as_at <= target date <= meeting date): an action due
    today is still due, not yet overdue. The dashboard and the board pack both ask this."""
    return not finished and target_date is not None and as_at <= target_date <= meeting_date


# ---- the same three rules as conditions over the stored state (ActionStatePeriod, or a model reaching it
# through `prefix`), for pages that list only the rows they show. The dates are parameters, never CURRENT_DATE.


def _finished_condition(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": [s.value for s in _FINISHED]})


def needs_update_condition(today: date, *, prefix: str = "") -> Q:
    """needs_update over status, target_date and the update in force (update, update__date): older than
    ACTION_UPDATE_DUE_DAYS is "before today less that many days"; due that soon is "on or before today plus"."""
    due = timedelta(days=settings.ACTION_UPDATE_DUE_DAYS)
    stale = Q(**{f"{prefix}update__isnull": True}) | Q(**{f"{prefix}update__date__lt": today - due})
    # Not NULL first, so a missing date makes each condition false rather than unknown (NULL) in SQL.
    due_soon = Q(**{f"{prefix}target_date__isnull": False, f"{prefix}target_date__lte": today + due})
    return ~_finished_condition(prefix) & (stale | due_soon)


def due_before_meeting_condition(as_at: date, meeting_date: date, *, prefix: str = "") -> Q:
    """is_due_before_meeting over status and target_date."""
    dates = Q(
        **{f"{prefix}target_date__isnull": False, f"{prefix}target_date__gte": as_at,
           f"{prefix}target_date__lte": meeting_date}
    )  # fmt: skip
    return ~_finished_condition(prefix) & dates


def plan_may_be_deleted(plan) -> bool:
    """Only a draft that has never been active may be deleted (with everything under it), so a
    mistaken import can be undone. Once a plan has been in force its progress log is a record;
    a closed plan counts as having been in force even where nothing recorded when."""
    return plan.status == plan.Status.DRAFT and plan.activated_on is None


def plan_may_be_activated(plan) -> bool:
    """Any plan not already active may be made the active plan (an imported draft, or a closed version
    brought back); the one it replaces is closed."""
    return plan.status != plan.Status.ACTIVE


# ---- back-dating: how early an update or a target date revision may take effect

# Higher apps (meetings: published board packs) say which actions a frozen paper has shown, and from
# which date an earlier entry would rewrite it. provider(actions) -> {action id: (date, why in words)}
_published_providers: list[Callable[[list], dict[int, tuple[date, str]]]] = []


def register_published_provider(provider) -> None:
    """Called from a higher app's AppConfig.ready(); improvement never imports it."""
    if provider not in _published_providers:
        _published_providers.append(provider)


@dataclass(frozen=True)
class EarliestDate:
    """The earliest date an entry may take effect on without an admin's reason, and why, in words."""

    date: date | None
    why: str = ""

    def allows(self, day: date) -> bool:
        return self.date is None or day >= self.date

    def refusal(self, day_words: str = "The date") -> str:
        return (
            f"{day_words} cannot be before {date_words(self.date)} because {self.why}. "
            "An admin can record an earlier date with a reason."
        )


def earliest_effective_date(
    *, added_on: date | None, plan_start: date | None, published: tuple[date, str] | None
) -> EarliestDate:
    """An update or a target date revision cannot take effect before the action existed (the plan's start,
    or the day it was added if that was earlier), nor before the as-at date of the latest published pack
    that includes it (`published`: (date, why), from the providers): either would change "as at" results
    and papers a board has already seen. An entry on that date is allowed (only earlier ones rewrite)."""
    candidates = []
    existed = [d for d in (added_on, plan_start) if d]
    if existed:
        start = min(existed)
        why = (
            f"the plan started on {date_words(start)}"
            if start == plan_start
            else f"the action was added to the plan on {date_words(start)}"
        )
        candidates.append(EarliestDate(start, why))
    if published:
        candidates.append(EarliestDate(*published))
    return max(candidates, key=lambda e: e.date, default=EarliestDate(None))


def earliest_effective_dates(actions: Iterable) -> dict[int, EarliestDate]:
    """earliest_effective_date for many actions at once (an import of thousands): each provider is asked
    once. Actions need their theme and plan loaded (select_related("theme__plan")) to avoid a query each."""
    actions = [a for a in actions if a.pk]
    published: dict[int, tuple[date, str]] = {}
    for provider in _published_providers:
        for action_id, (day, why) in provider(actions).items():
            if action_id not in published or day > published[action_id][0]:
                published[action_id] = (day, why)
    return {
        a.pk: earliest_effective_date(
            added_on=a.added_on, plan_start=a.theme.plan.start_date, published=published.get(a.pk)
        )
        for a in actions
    }


# ---- inspections and monitoring visits

GAP_FINDING_UNLINKED = "Gap: not linked to a recommendation, so no action answers it"
GAP_FINDING_UNANSWERED = "Gap: no action in the plan answers the recommendations it bears on"


def latest_held_visit(visits: Iterable, today: date):
    """The latest inspection or visit that has happened by `today`, by the day it stands for (its last
    day). A planned visit is never the latest, even once its date has passed and nobody marked it held."""
    held = [v for v in visits if not v.is_planned and v.last_day <= today]
    return max(held, key=lambda v: (v.last_day, v.pk), default=None)


def next_planned_visit(visits: Iterable, today: date):
    """The earliest planned visit starting today or later."""
    planned = [v for v in visits if v.is_planned and v.start_date >= today]
    return min(planned, key=lambda v: (v.start_date, v.pk), default=None)


def finding_gap(*, linked: bool, answered: bool) -> str:
    """A finding is answered when one of the recommendations it bears on has an action in the plan;
    otherwise it is a gap, said in words ("" when answered)."""
    if not linked:
        return GAP_FINDING_UNLINKED
    if not answered:
        return GAP_FINDING_UNANSWERED
    return ""


def visit_date_problem(*, is_planned: bool, start: date | None, end: date | None, today: date) -> str:
    """What is wrong with a visit's dates, in words ("" when nothing): a held visit cannot be in the
    future and a planned one cannot be in the past, so "latest visit" and "next visit" stay true."""
    if start and end and end < start:
        return "The last day must be the same as or after the first day"
    if start and is_planned and start < today:
        return "A planned visit cannot start in the past: untick \u201cplanned\u201d to record it as held"
    if start and not is_planned and start > today:
        return "A visit that has not happened yet is a planned visit: tick \u201cplanned, not yet held\u201d"
    return ""


# ---- one RAG with its reason, wherever an action appears


def rag_reason(
    *,
    rag: str,
    computed_rag: str,
    rag_override: str,
    rag_override_reason: str,
    status: str,
    progress: str,
    days_overdue: int,
    updated_on: date | None,
    evidence_of_impact: str = "",
) -> str:
    """Why the one RAG a page shows is what it is, in words, for a reader who sees only that RAG:
    "94 days overdue; the officer said on track on 20 October". The RAG comes from effective_rag (the
    precedence rule in shared/design.md); this only explains it, so every page words it the same."""
    said = ""
    if progress and updated_on:
        said = f"the officer said {Progress(progress).label.lower()} on {date_words(updated_on, 'day_month')}"
    elif progress:
        said = f"the officer said {Progress(progress).label.lower()}"
    overdue = f"{days_overdue} day{'s' if days_overdue != 1 else ''} overdue" if days_overdue else ""
    if status in _FINISHED:
        words = ActionStatus(status).label.lower()
        if status == ActionStatus.COMPLETE and not evidence_of_impact.strip():
            return f"{words}, no evidence of impact recorded"
        return words
    if rag_override and rag == rag_override and rag_override != computed_rag:
        reason = f"the officer's own rating: {rag_override_reason.strip()}" if rag_override_reason.strip() else ""
        reason = reason or "the officer's own rating"
        return "; ".join(part for part in (overdue, reason) if part)
    if rag_override and rag != rag_override:
        ignored = f"the officer said {Rag(rag_override).label.lower()}, but it is past its target date"
        return "; ".join(part for part in (overdue, ignored) if part)
    if status == ActionStatus.NOT_STARTED and not overdue and rag == Rag.GREY:
        return "not started, not yet due"
    parts = [overdue, said] if overdue else [said or ActionStatus(status).label.lower()]
    return "; ".join(part for part in parts if part)


def rag_with_reason(state) -> str:
    """rag_reason for an improvement.queries.ActionState, with the RAG first: "Red: 94 days overdue"."""
    return f"{Rag(state.rag).label}: {state_rag_reason(state)}"


def state_rag_reason(state) -> str:
    update = state.last_update
    return rag_reason(
        rag=state.rag,
        computed_rag=state.computed_rag,
        rag_override=state.rag_override,
        rag_override_reason=state.rag_override_reason,
        status=state.status,
        progress=state.progress,
        days_overdue=state.days_overdue,
        updated_on=update.date if update else None,
        evidence_of_impact=update.evidence_of_impact if update else "",
    )


def complete_without_evidence(state) -> bool:
    """An action complete with no evidence of impact on its latest update: flagged wherever it appears."""
    update = state.last_update
    return state.status == ActionStatus.COMPLETE and not (update and update.evidence_of_impact.strip())


# What str.strip() removes (str.isspace), so "blank" means the same in SQL as in Python.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class Stripped(Func):
    """str.strip() in SQL: TRIM(text, characters) on SQLite, BTRIM on PostgreSQL, with WHITESPACE."""

    function = "TRIM"
    output_field = TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(WHITESPACE), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="BTRIM", **extra_context)


def is_blank_condition(field_name: str) -> Q:
    """The field is empty once stripped as str.strip() strips (NULL is not blank: say so apart)."""
    return Q(Exact(Stripped(F(field_name)), ""))


def complete_without_evidence_condition(*, prefix: str = "") -> Q:
    """complete_without_evidence over status and the update in force's evidence_of_impact."""
    no_update = Q(**{f"{prefix}update__isnull": True})
    return Q(**{f"{prefix}status": ActionStatus.COMPLETE.value}) & (
        no_update | is_blank_condition(f"{prefix}update__evidence_of_impact")
    )


def risk_rating(likelihood: int, impact: int) -> tuple[str, str]:
    """(words, RAG key) for a risk scored likelihood x impact, each 1 to 5, on the usual 5 x 5 grid:
    15 or more is high (red), 5 to 12 medium (amber), 4 or less low (green). Always shown in words."""
    score = likelihood * impact
    if score >= 15:
        return f"High ({score})", "red"
    if score >= 5:
        return f"Medium ({score})", "amber"
    return f"Low ({score})", "green"
