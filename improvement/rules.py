"""The action RAG rule: one function, used by every page, export, import and board pack."""

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
