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
