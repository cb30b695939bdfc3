"""Rules of the plan, one function each, used by every page, export, import and board pack: the action
RAG, when an action needs an update, and how early an update or a target date revision may take effect."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings

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


def effective_rag(computed: str, override: str) -> str:
    """The officer's own RAG wins when they chose one (they must give a reason; pages show both)."""
    return override or computed


def rag_label(rag: str) -> str:
    return settings.ACTION_RAG_LABELS[rag]


def needs_update(*, finished: bool, last_update_on: date | None, target_date: date | None, today: date) -> bool:
    """An unfinished action needs an update when its last one is older than ACTION_UPDATE_DUE_DAYS, or
    it has none, or its target date is that close (or past): what "My actions" puts first."""
    if finished:
        return False
    due_days = settings.ACTION_UPDATE_DUE_DAYS
    stale = last_update_on is None or (today - last_update_on).days > due_days
    due_soon = target_date is not None and (target_date - today).days <= due_days
    return stale or due_soon


def plan_may_be_deleted(plan) -> bool:
    """Only a draft that has never been active may be deleted (with everything under it), so a
    mistaken import can be undone. Once a plan has been in force its progress log is a record;
    a closed plan counts as having been in force even where nothing recorded when."""
    return plan.status == plan.Status.DRAFT and plan.activated_on is None


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


def date_words(day: date) -> str:
    """A date as GOV.UK writes it ("3 December 2026"), for the rule's messages and help texts."""
    return f"{day.day} {day:%B %Y}"


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
