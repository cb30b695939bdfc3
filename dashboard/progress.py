"""Progress between two monitoring visits (or dates): what a board reads after Ofsted has been.

build_progress works out every section of the page from the plan's and the KPIs' own "as at" reads
(improvement.queries, indicators.queries): nothing here re-implements a rule. The same result drives
the page, the print view and the Word download. A fixed number of queries whatever the size of the
plan: the plans in force at both ends and every action's state on both dates (one), the visit's focus
and findings with every recommendation, link and target date revision of the period (one), the KPIs
(four), the RAG-by-month trend (one a plan version it spans) and the chart's other markers (one).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef

from core.formats import person_name
from dashboard.queries import attach_events, intervention_markers, rag_trend
from improvement.models import Rag
from improvement.queries import (
    GAP_NO_ACTION,
    GAP_NO_SUCCESS_MEASURE,
    action_rag_counts,
    changes_between,
    plans_as_at_two_dates,
    progress_records,
)
from improvement.rules import finding_gap
from indicators.models import Indicator
from indicators.queries import scorecard_at_two_dates
from indicators.rules import direction_words
from meetings.pack import plan_in_force_from


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    start_visit: object = None  # the Inspection the start stands for, if any
    end_visit: object = None
    next_visit: object = None  # the next planned visit, if one is planned

    @property
    def end_words(self) -> str:
        return str(self.end_visit) if self.end_visit else "today"


def _key(state):
    return state.lineage_id or state.action_id


def lead_of(state) -> str:
    officer = state.action.lead_officer
    return person_name(officer) or state.action.lead_job_title or "No lead recorded"


@dataclass
class Pair:
    """An action at both ends (then is None for an action added in the period)."""

    then: object
    now: object

    @property
    def state(self):
        return self.now or self.then


@dataclass
class DateMove:
    then: object
    now: object
    revisions: list  # TargetDateRevision agreed in the period, oldest first

    @property
    def state(self):
        return self.now or self.then


@dataclass
class RecommendationRow:
    recommendation: object
    looked_at: bool
    before: dict  # {"complete", "on_track", "off_track", "total", "gap"}
    after: dict
    evidence: list  # (state, update) with evidence of impact recorded in the period
    actions: list  # states at the end

    @property
    def change_words(self) -> str:
        done = self.after["complete"] - self.before["complete"]
        off = self.after["off_track"] - self.before["off_track"]
        parts = []
        if done:
            parts.append(f"{done:+d} complete")
        if off:
            parts.append(f"{off:+d} off track")
        return ", ".join(parts) or "No change"


@dataclass
class ThemeRow:
    theme: object
    before: list  # (rag, count), worst first
    after: list
    looked_at: bool = False
    completed: int = 0
    new_reds: int = 0
    moved: int = 0


@dataclass
class KpiRow:
    indicator: object
    then: object  # ScorecardRow as at the start
    now: object
    in_focus: bool

    @property
    def turned_red(self) -> bool:
        return self.now.rag == "red" and self.then.rag != "red"

    @property
    def then_direction(self) -> str:
        return direction_words(self.then.short_term)

    @property
    def now_direction(self) -> str:
        return direction_words(self.now.short_term)


@dataclass
class Progress:
    period: Period
    plan: object
    before_plan: object
    findings: list = field(default_factory=list)  # (finding, recommendations, gap words)
    focus_themes: list = field(default_factory=list)  # ThemeRow
    focus_recommendations: list = field(default_factory=list)  # RecommendationRow
    recommendations: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    not_carried: list = field(default_factory=list)  # (rag, count) of actions not in the end's plan
    counts_before: list = field(default_factory=list)
    counts_after: list = field(default_factory=list)
    completed: list = field(default_factory=list)  # Pair
    reopened: list = field(default_factory=list)
    new_reds: list = field(default_factory=list)
    rag_moves: list = field(default_factory=list)
    added: list = field(default_factory=list)
    moved: list = field(default_factory=list)  # DateMove
    kpis: list = field(default_factory=list)  # KpiRow
    kpis_turned_red: list = field(default_factory=list)
    kpi_scope: str = ""
    trend: list = field(default_factory=list)  # dashboard.queries.TrendMonth
    markers: list = field(default_factory=list)
    due: list = field(default_factory=list)  # states due before the next visit


def _ends_counts(states) -> dict:
    complete = sum(1 for s in states if s.is_finished)
    off = sum(1 for s in states if not s.is_finished and s.rag in (Rag.RED, Rag.AMBER))
    if not states:
        gap = GAP_NO_ACTION
    elif not any(s.action.success_measure.strip() for s in states):
        gap = GAP_NO_SUCCESS_MEASURE
    else:
        gap = ""
    return {"complete": complete, "off_track": off, "on_track": len(states) - complete - off, "total": len(states),
            "gap": gap}  # fmt: skip


def _in_period(day, period: Period) -> bool:
    return day is not None and period.start < day <= period.end


def build_progress(period: Period, *, inspections: list, plans: list, all_kpis: bool = False) -> Progress:
    """Every section of the progress page for the period. `inspections` and `plans` are lists already
    read (newest plan first), so the page reads them once for its picker and for this."""
    before_plan = plan_in_force_from(plans, period.start)
    plan = plan_in_force_from(plans, period.end)
    before, after = plans_as_at_two_dates(before_plan, period.start, plan, period.end)
    records = progress_records(visit=period.start_visit, plans=[before_plan, plan], start=period.start, end=period.end)
    result = Progress(period=period, plan=plan, before_plan=before_plan)
    then_of = {_key(s): s for s in before}
    now_of = {_key(s): s for s in after}
    key_of_action = {s.action_id: _key(s) for s in [*before, *after]}

    # Actions: each action once among completed, reopened, newly red and other RAG moves.
    changes = changes_between(before, after)
    once = set()
    for state in changes.completed:
        result.completed.append(Pair(then_of[_key(state)], state))
        once.add(_key(state))
    for state in changes.reopened:
        result.reopened.append(Pair(then_of[_key(state)], state))
        once.add(_key(state))
    for state in changes.new_reds:
        if _key(state) not in once:
            result.new_reds.append(Pair(then_of.get(_key(state)), state))
            once.add(_key(state))
    for then, now in changes.rag_moves:
        if _key(now) not in once:
            result.rag_moves.append(Pair(then, now))
    result.added = [Pair(None, s) for s in changes.added]

    # Target dates moved in the period, with the reason and who agreed, across plan versions.
    revisions_of = defaultdict(list)
    for revision in records.revisions:
        revisions_of[key_of_action.get(revision.action_id, ("action", revision.action_id))].append(revision)
    for key, revisions in revisions_of.items():
        then, now = then_of.get(key), now_of.get(key)
        if then or now:
            result.moved.append(DateMove(then, now, revisions))
    result.moved.sort(key=lambda m: (m.state.action.theme.order, m.state.action.order, m.state.action.reference))

    # By theme: the end's themes; an earlier version's action counts under the theme it was carried into.
    theme_of = {_key(s): s.theme_id for s in after}
    before_by_theme, after_by_theme, gone = defaultdict(list), defaultdict(list), []
    for state in before:
        theme_id = theme_of.get(_key(state))
        (before_by_theme[theme_id] if theme_id else gone).append(state)
    themes = {}
    for state in after:
        after_by_theme[state.theme_id].append(state)
        if state.theme_id not in themes:  # the theme is made from the first of its states only
            themes[state.theme_id] = state.action.theme
    focus_themes = set(records.focus_theme_ids)
    completed_keys = {_key(p.now) for p in result.completed}
    red_keys = {_key(p.now) for p in result.new_reds}
    moved_keys = {_key(m.state) for m in result.moved}
    for theme_id, theme in themes.items():
        keys = {_key(s) for s in after_by_theme[theme_id]}
        result.themes.append(
            ThemeRow(
                theme=theme,
                before=action_rag_counts(before_by_theme[theme_id]),
                after=action_rag_counts(after_by_theme[theme_id]),
                looked_at=theme_id in focus_themes,
                completed=len(keys & completed_keys),
                new_reds=len(keys & red_keys),
                moved=len(keys & moved_keys),
            )
        )
    # A focus theme of an earlier plan version counts as looked at through the actions carried from it.
    old_focus = {_key(s) for s in before if s.theme_id in focus_themes}
    for row in result.themes:
        if not row.looked_at and any(_key(s) in old_focus for s in after_by_theme[row.theme.pk]):
            row.looked_at = True
    result.focus_themes = [row for row in result.themes if row.looked_at]
    result.not_carried = action_rag_counts(gone) if gone else []
    result.counts_before, result.counts_after = action_rag_counts(before), action_rag_counts(after)

    # By recommendation: its actions (followed across versions by lineage) at both ends.
    by_action = {s.action_id: s for s in [*before, *after]}
    plan_order = {_key(s): n for n, s in enumerate(after)}
    inspection_order = {v.pk: (v.start_date, v.pk) for v in inspections}
    focus_recs = set(records.focus_recommendation_ids)
    recommendations = sorted(
        (r for r in records.recommendations if r.inspection_id in inspection_order),
        key=lambda r: (r.pk not in focus_recs, inspection_order[r.inspection_id], r.order, r.reference),
    )
    visits_by_pk = {v.pk: v for v in inspections}
    answered = set()
    for recommendation in recommendations:
        recommendation.inspection = visits_by_pk[recommendation.inspection_id]
        keys = {key_of_action[a] for a in records.actions_of.get(recommendation.pk, []) if a in by_action}
        then_states = [then_of[k] for k in keys if k in then_of]
        # In plan order, as plans_as_at_two_dates read them: no action need be made to sort them.
        now_states = sorted((now_of[k] for k in keys if k in now_of), key=lambda s: plan_order[_key(s)])
        if now_states:
            answered.add(recommendation.pk)
        # Only an update of the period is made, to read its evidence.
        evidence = [
            (s, s.last_update)
            for s in now_states
            if _in_period(s.last_update_on, period) and s.last_update.evidence_of_impact.strip()
        ]
        result.recommendations.append(
            RecommendationRow(
                recommendation=recommendation,
                looked_at=recommendation.pk in focus_recs,
                before=_ends_counts(then_states),
                after=_ends_counts(now_states),
                evidence=evidence,
                actions=now_states,
            )
        )
    result.focus_recommendations = [row for row in result.recommendations if row.looked_at]

    # What Ofsted said: the visit's findings, each with its recommendations and whether the plan answers it.
    rec_by_pk = {r.pk: r for r in recommendations}
    for finding in records.findings:
        linked = [rec_by_pk[pk] for pk in finding.recommendation_ids if pk in rec_by_pk]
        gap = finding_gap(linked=bool(linked), answered=any(r.pk in answered for r in linked))
        result.findings.append((finding, linked, gap))

    # KPIs: the visit's focus areas (indicators of the themes it looked at), else every active one.
    focus_ids = focus_themes | {row.theme.pk for row in result.focus_themes}
    linked = Indicator.themes.through.objects.filter(indicator_id=OuterRef("pk"), theme_id__in=list(focus_ids))
    indicators = Indicator.objects.filter(is_active=True).annotate(in_focus=Exists(linked))
    rows = [KpiRow(now.indicator, then, now, now.indicator.in_focus) for then, now in scorecard_at_two_dates(
        period.start, period.end, indicators=indicators)]  # fmt: skip
    if all_kpis or not any(row.in_focus for row in rows):
        result.kpis = rows
        result.kpi_scope = "all" if all_kpis or not focus_ids else "none linked"
    else:
        result.kpis = [row for row in rows if row.in_focus]
        result.kpi_scope = "focus"
    result.kpis_turned_red = [row for row in result.kpis if row.turned_red]

    # The chart: RAG counts month by month across the intervention, with visits, notices and meetings.
    result.trend = rag_trend(plans, inspections, period.end)
    if result.trend:
        first = result.trend[0].day.replace(day=1)
        result.markers = intervention_markers(inspections, first, period.end)
        attach_events(result.trend, result.markers)

    # Due before the next visit, with who leads each.
    if period.next_visit is not None:
        result.due = sorted(
            (
                s
                for s in after
                if not s.is_finished and s.target_date and period.end <= s.target_date <= period.next_visit.start_date
            ),
            key=lambda s: (s.target_date, s.action.reference),
        )
    return result


__all__ = ["Period", "Progress", "build_progress", "lead_of"]
