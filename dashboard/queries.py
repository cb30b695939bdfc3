"""Reads for the overview dashboard and the progress page. Every figure comes from the plan's
and the KPIs' own "as at" functions: nothing here re-implements a rule."""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from improvement.models import ActionUpdate, Rag
from improvement.queries import changes_between, plan_as_at, rag_counts


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


def recent_updates(plan, limit=8):
    """The newest progress updates on the plan (one query)."""
    return list(
        ActionUpdate.objects.filter(action__theme__plan=plan)
        .select_related("action", "author")
        .order_by("-created_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class ThemeProgress:
    theme: object
    complete_before: int
    complete_after: int
    red_before: int
    red_after: int
    total_after: int


def progress_between(plan, start: date, end: date) -> dict:
    """Compare the plan on two dates: what changed, and each theme (practice area) on both dates."""
    before = plan_as_at(plan, start)
    after = plan_as_at(plan, end)
    earlier = {summary.theme.pk: summary for summary in counts_by_theme(before)}
    themes = []
    for summary in counts_by_theme(after):
        then = earlier.get(summary.theme.pk)
        themes.append(
            ThemeProgress(
                theme=summary.theme,
                complete_before=then.count_of(Rag.BLUE) if then else 0,
                complete_after=summary.count_of(Rag.BLUE),
                red_before=then.count_of(Rag.RED) if then else 0,
                red_after=summary.count_of(Rag.RED),
                total_after=summary.total,
            )
        )
    return {
        "before": rag_counts(before),
        "after": rag_counts(after),
        "changes": changes_between(before, after),
        "themes": themes,
    }
