"""Reusable reads of the plan. "As at a date" reads the stored state history (ActionStatePeriod), which
improvement.services.refresh_action_state replays from the update log and the date history."""

import calendar
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.urls import reverse

from core import cache
from core.formats import person_name_of
from improvement.models import (
    Action,
    ActionStatePeriod,
    ActionStatus,
    ActionUpdate,
    Inspection,
    Plan,
    Progress,
    Rag,
    Recommendation,
    Risk,
    TargetDateRevision,
    Theme,
    VisitFinding,
    YouSaidWeDid,
)
from improvement.rules import (
    action_rag_expression,
    amber_grace_date,
    complete_without_evidence,
    complete_without_evidence_condition,
    due_before_meeting_condition,
    effective_rag_expression,
    finding_gap,
    is_blank_condition,
    is_due_before_meeting,
    needs_update,
    needs_update_condition,
    risk_rating,
)

# Worst first: the order RAG counts and "sort by RAG" use.
_FINISHED = {ActionStatus.COMPLETE, ActionStatus.CLOSED}
_PROGRESS_LABELS = dict(Progress.choices)


_UNREAD = object()  # an ActionState's update not yet made from its row (None: it has none)
# An ActionState's own fields and their defaults (the action and the update come apart: made when read).
_STATE_DEFAULTS = {
    "status": "",
    "progress": "",
    "target_date": None,
    "original_target_date": None,
    "computed_rag": "",
    "rag_override": "",
    "rag_override_reason": "",
    "rag": "",
    "days_overdue": 0,
    "has_slipped": False,
    "lineage_id": None,  # the first action of its lineage across plan versions (Action.carried_from)
}
_STATE_FIELDS = ("action", "last_update", *_STATE_DEFAULTS)


class ActionState:
    """An action's state on a date. plan_as_at reads a whole plan's states in one query and most of a large
    plan is only counted, so the action (with its theme and lead officer) and the update in force are made
    into model instances from the row the first time they are read (_Loader): action_id, theme_id and
    last_update_on are there without them. Read-only, compared and hashed by its fields, like the frozen
    dataclass it was."""

    __slots__ = ("_action", "_last_update", *_STATE_DEFAULTS, "action_id", "theme_id", "_row", "_db")

    def __init__(self, action=None, last_update=None, *, row=None, db=None, **fields):
        unknown = fields.keys() - _STATE_DEFAULTS.keys()
        if unknown:
            raise TypeError(f"ActionState has no field {', '.join(sorted(unknown))}")
        assign = object.__setattr__
        for name, default in _STATE_DEFAULTS.items():
            assign(self, name, fields.get(name, default))
        assign(self, "_action", action)
        assign(self, "_last_update", _UNREAD if row is not None else last_update)
        assign(self, "_row", row)
        assign(self, "_db", db)
        if action is not None:
            assign(self, "action_id", action.pk)
            assign(self, "theme_id", action.theme_id)
        else:
            assign(self, "action_id", row[_ROW_AT["action_id"]])
            assign(self, "theme_id", row[_ROW_AT["theme_id"]])

    def __setattr__(self, name, value):
        raise AttributeError(f"ActionState is read-only ({name})")

    @property
    def action(self) -> Action:
        if self._action is None:
            make = _state_loaders()
            action, theme, lead = (make[name].make(self._row, self._db) for name in ("action", "theme", "lead"))
            action._state.fields_cache.update(theme=theme, lead_officer=lead)
            object.__setattr__(self, "_action", action)
        return self._action

    @property
    def last_update(self) -> ActionUpdate | None:
        if self._last_update is _UNREAD:
            make = _state_loaders()
            update = make["update"].make(self._row, self._db)
            if update is not None:
                update._state.fields_cache["author"] = make["author"].make(self._row, self._db)
            object.__setattr__(self, "_last_update", update)
        return self._last_update

    @property
    def last_update_on(self) -> date | None:
        """The date of the update in force (None: there is none), read without making the update."""
        if self._last_update is _UNREAD:
            return self._row[_ROW_AT["update_date"]]
        return self._last_update.date if self._last_update is not None else None

    def __reduce__(self):
        # Pickled (the page cache stores states) with its objects made, not its row.
        return _state_of_fields, (dict(zip(_STATE_FIELDS, self._fields(), strict=True)),)

    def _fields(self) -> tuple:
        return tuple(getattr(self, name) for name in _STATE_FIELDS)

    def __eq__(self, other):
        return isinstance(other, ActionState) and self._fields() == other._fields()

    def __hash__(self):
        return hash(self._fields())

    def __repr__(self):
        return f"ActionState(action_id={self.action_id}, status={self.status!r}, rag={self.rag!r})"

    @property
    def is_finished(self) -> bool:
        return self.status in _FINISHED

    @property
    def status_label(self) -> str:
        return ActionStatus(self.status).label

    @property
    def progress_label(self) -> str:
        return _PROGRESS_LABELS.get(self.progress, "")


def _state_of_fields(fields: dict) -> ActionState:
    return ActionState(**fields)


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
    return _of_actions(periods, actions)


def _of_actions(periods: QuerySet, actions) -> QuerySet:
    """The periods of `actions` only (a queryset of Action, read as a subquery, or a list); None: all."""
    if actions is None:
        return periods
    if isinstance(actions, QuerySet):
        return periods.filter(action__in=actions.order_by().values("pk"))
    return periods.filter(action__in=[a.pk for a in actions])


def plan_as_at(plan, as_at: date, *, actions=None) -> list[ActionState]:
    """The state of every action in the plan on as_at (or of those in `actions`, a queryset or a list), in
    plan order. One query whatever the size: the stored state periods in force on that date, with the
    action, theme, lead officer, update in force and its author, and the RAG worked out in SQL by
    improvement.rules from the stored inputs and the date.

    The rows come back as plain tuples of the columns below and become objects without Django's
    Model.__init__ (see _Loader): on the large demo that per-row machinery was most of the time (five
    model instances a row, every field of each set one by one); and they are made only when read (a state
    keeps its row: ActionState), since most of a large plan is only counted. The period itself is never an
    object."""
    periods = (
        _periods_on(plan, as_at, actions)
        .annotate(computed=action_rag_expression(as_at), shown=effective_rag_expression(as_at))
        .order_by("action__theme__order", "action__theme__reference", "action__order", "action__reference", "action")
    )
    return list(_states_of(periods, as_at))


def _states_of(periods: QuerySet, as_at: date):
    """Each of `periods` (annotated with `computed` and `shown`, the RAGs on as_at) as an ActionState, read
    as plain rows of the period's, the action's and the update's columns (_state_loaders)."""
    loaders = _state_loaders()
    columns = [*_PERIOD_COLUMNS, "computed", "shown"]
    for loader in loaders.values():
        columns += loader.columns
    own = len(_PERIOD_COLUMNS) + 2
    # Read once: QuerySet.db asks the database router each time, and that was a fifth of the loop.
    db = periods.db
    for row in periods.values_list(*columns):
        yield _state(row[:own], row, db, as_at)


def _in_force(as_at: date) -> Q:
    return Q(valid_from__lte=as_at, action__added_on__lte=as_at) & (Q(valid_to__isnull=True) | Q(valid_to__gt=as_at))


def plans_as_at_two_dates(before_plan, start: date, after_plan, end: date, *, actions=None) -> tuple[list, list]:
    """(plan_as_at(before_plan, start), plan_as_at(after_plan, end)) in ONE query: the periods in force on
    either date, each RAG worked out in SQL for both dates by the same rules. The two plans may be two
    versions (progress between visits across a plan refresh): changes_between matches them by lineage.
    Rows are read as plan_as_at reads them (plain tuples, _Loader), with both dates' RAGs and what says
    which date a period covers at the end of the row. `actions` narrows both as plan_as_at's does."""
    wanted = Q(pk__in=[])
    if before_plan is not None:
        wanted |= Q(plan=before_plan) & _in_force(start)
    if after_plan is not None:
        wanted |= Q(plan=after_plan) & _in_force(end)
    periods = (
        _of_actions(ActionStatePeriod.objects.filter(wanted), actions)
        .annotate(
            computed=action_rag_expression(start),
            shown=effective_rag_expression(start),
            computed_end=action_rag_expression(end),
            shown_end=effective_rag_expression(end),
        )
        .order_by("action__theme__order", "action__theme__reference", "action__order", "action__reference", "action")
    )
    loaders = _state_loaders()
    columns = [*_PERIOD_COLUMNS, "computed", "shown"]
    for loader in loaders.values():
        columns += loader.columns
    columns += ["computed_end", "shown_end", "plan_id", "valid_from", "valid_to", "action__added_on"]
    own = len(_PERIOD_COLUMNS) + 2
    before, after = [], []
    db = periods.db  # as in plan_as_at: once, not per row
    for row in periods.values_list(*columns):
        computed_end, shown_end, plan_id, valid_from, valid_to, added_on = row[-6:]

        def covers(as_at, valid_from=valid_from, valid_to=valid_to, added_on=added_on):
            return valid_from <= as_at and (valid_to is None or valid_to > as_at) and added_on <= as_at

        if before_plan is not None and plan_id == before_plan.pk and covers(start):
            before.append(_state(row[:own], row, db, start))
        if after_plan is not None and plan_id == after_plan.pk and covers(end):
            after.append(_state((*row[: own - 2], computed_end, shown_end), row, db, end))
    return before, after


# The period's own columns plan_as_at reads, in the order _state unpacks them.
_PERIOD_COLUMNS = (
    "status",
    "progress",
    "target_date",
    "original_target_date",
    "rag_override",
    "rag_override_reason",
    "lineage_root",
)
# Of a user (a lead officer, an update's author) only what pages show or link by: any other field is
# deferred, as with .only(), and read on first use.
_USER_FIELDS = ("id", "username", "first_name", "last_name", "email", "is_active")


class _Loader:
    """Makes model instances of one relation from its slice of a values_list row, as Model.from_db would
    but without Model.__init__ (which sets each field in turn and sends signals no one here listens to):
    the columns go straight into the instance's __dict__. The instances are ordinary model instances
    (equal to, and saved like, any other); a field not read is deferred. None when the row has none
    (a nullable relation)."""

    def __init__(self, model, prefix, names=None, leave_out=()):
        fields = [
            f for f in model._meta.concrete_fields if (names is None or f.name in names) and f.name not in leave_out
        ]
        self.model = model
        self.attnames = [f.attname for f in fields]
        self.columns = [f"{prefix}{f.name}" for f in fields]
        self.pk_at = self.attnames.index(model._meta.pk.attname)
        self.start = self.stop = 0

    def make(self, row, db):
        values = row[self.start : self.stop]
        if values[self.pk_at] is None:
            return None
        instance = self.model.__new__(self.model)
        instance.__dict__.update(zip(self.attnames, values, strict=True))
        instance._state = ModelState()
        instance._state.adding = False
        instance._state.db = db
        return instance


_LOADERS = None
# Where an ActionState finds, in its row, what it gives without making objects (set with the loaders).
_ROW_AT: dict[str, int] = {}


def _state_loaders() -> dict[str, _Loader]:
    """The loaders of plan_as_at's row (action, theme, lead officer, update, author), each knowing its
    slice of the row; built once, since they depend only on the models."""
    global _LOADERS
    if _LOADERS is None:
        user = get_user_model()
        loaders = {
            # The action's long description is shown only on its own page, which reads it there.
            "action": _Loader(Action, "action__", leave_out=("detail",)),
            "theme": _Loader(Theme, "action__theme__"),
            "lead": _Loader(user, "action__lead_officer__", _USER_FIELDS),
            "update": _Loader(ActionUpdate, "update__"),
            "author": _Loader(user, "update__author__", _USER_FIELDS),
        }
        at = len(_PERIOD_COLUMNS) + 2
        for loader in loaders.values():
            loader.start, loader.stop = at, at + len(loader.columns)
            at = loader.stop
        action, update = loaders["action"], loaders["update"]
        _ROW_AT.update(
            action_id=action.start + action.pk_at,
            theme_id=action.start + action.attnames.index("theme_id"),
            update_date=update.start + update.attnames.index("date"),
        )
        _LOADERS = loaders
    return _LOADERS


def _state(own, row, db, as_at) -> ActionState:
    status, progress, target, original, override, reason, lineage, computed, shown = own
    finished = status in _FINISHED
    overdue = (as_at - target).days if target and not finished and as_at > target else 0
    return ActionState(
        row=row,
        db=db,
        status=status,
        progress=progress,
        target_date=target,
        original_target_date=original,
        computed_rag=computed,
        rag_override=override,
        rag_override_reason=reason if override else "",
        rag=shown,
        days_overdue=overdue,
        has_slipped=bool(target and original and target > original),
        lineage_id=lineage,
    )


def action_rag_counts_by_theme(plan, as_at: date) -> dict[int, dict[str, int]]:
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


def action_rag_counts_on_dates(plan, dates) -> dict[date, dict[str, int]]:
    """{date: {rag: count}} for the plan on each of up to MAX_TREND_DATES dates, in ONE query whatever the
    size (action_rag_counts_on_plans_dates for one plan)."""
    return action_rag_counts_on_plans_dates({plan: dates} if plan is not None else {}, extra_days=dates)


def action_rag_counts_on_plans_dates(dates_by_plan: dict, *, extra_days=()) -> dict[date, dict[str, int]]:
    """{date: {rag: count}} for each plan on its own dates (a trend across plan versions counts each month
    on the version in force then), up to MAX_TREND_DATES dates in all, in ONE query whatever the size and
    however many versions: one part per plan, joined by UNION ALL. The RAG is worked out by the same rule
    as plan_as_at (effective_rag_expression). Every date asked about (and each of `extra_days`) is in the
    answer, zeros included. Dates are parameters: no date arithmetic in SQL, so SQLite and PostgreSQL agree.

    Each period is read once, not once a date: joining every date to the periods covering it made the
    database test every period against every date (17,000 periods x 120 dates on the large demo). The
    database works out, per period, which run of its plan's sorted dates it covers, and splits that run
    where the period's target date makes it late and very late (amber grace): within each part the RAG is
    the same on every date, so the rule is applied once, on the part's first date. The query returns, per
    plan, date and RAG, how many parts start and end there; the running sum of those is each date's count."""
    days_by_plan = [(plan, sorted(set(days))) for plan, days in dates_by_plan.items() if days]
    every_day = sorted({day for _, days in days_by_plan for day in days} | set(extra_days))
    if len(every_day) > MAX_TREND_DATES:
        raise ValueError(f"At most {MAX_TREND_DATES} dates in one trend")
    result = {day: {rag.value: 0 for rag in Rag.in_order()} for day in every_day}
    if not days_by_plan:
        return result
    parts, params = [], []
    for k, (plan, days) in enumerate(days_by_plan):
        sql, plan_params = _trend_sql(days, [amber_grace_date(day) for day in days], plan.pk)
        parts.append(f"SELECT {k} AS k, t{k}.* FROM ({sql}) t{k}")
        params += plan_params
    changes = defaultdict(Counter)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for k, at, rag, count in cursor.fetchall():
            changes[k, at][rag] += int(count)  # PostgreSQL's SUM of counts is a Decimal
    for k, (_plan, days) in enumerate(days_by_plan):
        running = Counter()
        for at, day in enumerate(days):
            running.update(changes.get((k, at), {}))
            result[day].update({rag: n for rag, n in running.items() if n})
    return result


def _count_of(column: str, values: list, operator: str) -> tuple[str, list]:
    """SQL for how many of the sorted `values` are `operator` ("<" or "<=") the column, as a binary search
    of CASE expressions (seven comparisons for 120 values, each value a parameter) rather than a scan of
    a joined list."""

    def node(low: int, high: int) -> tuple[str, list]:  # the answer lies in [low, high]
        if low == high:
            return str(low), []
        middle = (low + high) // 2
        above, above_params = node(middle + 1, high)
        below, below_params = node(low, middle)
        # values[middle] satisfies the test, so do all before it: the answer is at least middle + 1.
        test = ">" if operator == "<" else ">="
        return (
            f"CASE WHEN {column} {test} %s THEN {above} ELSE {below} END",
            [values[middle], *above_params, *below_params],
        )

    return node(0, len(values))


def _trend_sql(days: list, graces: list, plan_id: int) -> tuple[str, list]:
    """action_rag_counts_on_dates' query: rows of (index of a date, rag, +n parts starting there or -n
    ending there)."""
    table = connection.ops.quote_name(ActionStatePeriod._meta.db_table)
    action_table = connection.ops.quote_name(Action._meta.db_table)
    cast = "::date" if connection.vendor == "postgresql" else ""
    last = len(days)
    # The rule from improvement.rules, compiled against the period table with the joined list's columns as
    # the date and its grace date: the same expression plan_as_at uses, not a copy of it.
    rag = effective_rag_expression(
        RawSQL("d.day", (), output_field=DateField()), grace_date=RawSQL("d.grace", (), output_field=DateField())
    )
    query = ActionStatePeriod.objects.all().query
    compiler = query.get_compiler(connection=connection)
    rag_sql, rag_params = compiler.compile(rag.resolve_expression(query, allow_joins=False))
    listed = " UNION ALL ".join(
        [f"SELECT %s AS i, %s{cast} AS day, %s{cast} AS grace"] + ["SELECT %s, %s, %s"] * (last - 1)
    )
    listed_params = [value for at, day in enumerate(days) for value in (at, day, graces[at])]
    # Runs of dates, as indexes into the sorted list: the period covers [run_from, run_to) (listed on or
    # after the action was added, before valid_to); its target date is passed from index `late` (dates
    # after it) and passed by more than the amber grace from index `very_late`. Those two are worked out
    # only for the periods covering a date.
    run_from, run_from_params = _count_of("b.listed_from", days, "<")
    run_to, run_to_params = _count_of("b.valid_to", days, "<")
    late, late_params = _count_of("c.target_date", days, "<=")
    very_late, very_late_params = _count_of("c.target_date", graces, "<=")
    rule_columns = "status, progress, rag_override, target_date"
    covering = (
        f"SELECT * FROM (SELECT {rule_columns}, {run_from} AS run_from, "
        f"CASE WHEN b.valid_to IS NULL THEN {last} ELSE {run_to} END AS run_to FROM ("
        f"SELECT {table}.status, {table}.progress, {table}.rag_override, {table}.target_date, {table}.valid_to, "
        f"CASE WHEN {table}.valid_from > a.added_on THEN {table}.valid_from ELSE a.added_on END AS listed_from "
        f"FROM {table} JOIN {action_table} a ON a.id = {table}.action_id WHERE {table}.plan_id = %s "
        # Only periods that can cover one of the dates: a short trend reads only the recent ones.
        f"AND {table}.valid_from <= %s{cast} AND ({table}.valid_to IS NULL OR {table}.valid_to > %s{cast}) "
        f"AND a.added_on <= %s{cast}) b) covered WHERE run_from < run_to"
    )
    # A run of one date needs no cutting (most of them: an update a month, a date a month).
    runs = (
        f"SELECT {rule_columns}, run_from, run_to, "
        f"CASE WHEN c.target_date IS NULL THEN {last} ELSE {late} END AS late, "
        f"CASE WHEN c.target_date IS NULL THEN {last} ELSE {very_late} END AS very_late "
        f"FROM c WHERE run_to > run_from + 1"
    )

    def larger(x, y):
        return f"CASE WHEN {x} > {y} THEN {x} ELSE {y} END"

    def smaller(x, y):
        return f"CASE WHEN {x} < {y} THEN {x} ELSE {y} END"

    # Each longer run cut in three: before the target passes, late, very late (empty parts dropped below).
    parts = f"SELECT {rule_columns}, run_from AS part_from, run_to AS part_to FROM c WHERE run_to = run_from + 1 "
    parts += " ".join(
        f"UNION ALL SELECT {rule_columns}, {start}, {end} FROM r"
        for start, end in (
            ("run_from", smaller("run_to", "late")),
            (larger("run_from", "late"), smaller("run_to", "very_late")),
            (larger("run_from", "very_late"), "run_to"),
        )
    )
    # The parts take the period table's name, so the rule compiled against that table reads their columns.
    sql = (
        f"WITH d AS ({listed}), c AS ({covering}), r AS ({runs}), p AS ({parts}), "
        f"g AS (SELECT {table}.part_from, {table}.part_to, {rag_sql} AS rag, COUNT(*) AS n FROM p {table} "
        f"JOIN d ON d.i = {table}.part_from WHERE {table}.part_from < {table}.part_to GROUP BY 1, 2, 3) "
        f"SELECT part_from, rag, SUM(n) FROM g GROUP BY 1, 2 "
        f"UNION ALL SELECT part_to, rag, -SUM(n) FROM g WHERE part_to < {last} GROUP BY 1, 2"
    )
    params = [*listed_params, *run_from_params, *run_to_params, plan_id, days[-1], days[0], days[-1]]
    params += [*late_params, *very_late_params]
    return sql, [*params, *rag_params]


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


def action_rag_counts(states) -> list[tuple[str, int]]:
    """(rag, count) for every RAG, worst first, zeros included."""
    counts = Counter(s.rag for s in states)
    return [(rag.value, counts.get(rag, 0)) for rag in Rag.in_order()]


@dataclass
class PlanStateChanges:
    completed: list = field(default_factory=list)
    rag_moves: list = field(default_factory=list)
    new_reds: list = field(default_factory=list)
    slipped: list = field(default_factory=list)
    added: list = field(default_factory=list)
    reopened: list = field(default_factory=list)  # finished then, not now (also a RAG move)


def changes_between(before: list[ActionState], after: list[ActionState]) -> PlanStateChanges:
    """What changed between two plan_as_at results, matched by lineage: an action carried into a newer plan
    version is the same action as the one it continues."""
    earlier = {s.lineage_id or s.action_id: s for s in before}
    changes = PlanStateChanges()
    for now in after:
        then = earlier.get(now.lineage_id or now.action_id)
        if then is None:
            changes.added.append(now)
            if now.rag == Rag.RED:
                changes.new_reds.append(now)
            continue
        if now.is_finished and not then.is_finished:
            changes.completed.append(now)
        elif then.is_finished and not now.is_finished:
            changes.reopened.append(now)
        if now.rag != then.rag:
            changes.rag_moves.append((then, now))
            if now.rag == Rag.RED:
                changes.new_reds.append(now)
        if now.target_date and then.target_date and now.target_date > then.target_date:
            changes.slipped.append((then, now))
    return changes


def plans_newest_first():
    return Plan.objects.order_by(F("start_date").desc(nulls_last=True), "-pk")


def plan_reads() -> frozenset[str]:
    """What the plan's cached pages read (the plan page's body, an officer's own lists): the plan's tables
    and people's names. A KPI import, an import's job records or a board's minutes leave them cached."""
    return cache.tables_of_apps("improvement")


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


def recommendation_gap(*, has_actions: bool, has_success_measure: bool) -> str:
    """The gap a recommendation shows, in words ("" when none): no action in the plan answers it, or
    none of its actions says how success will be measured."""
    if not has_actions:
        return GAP_NO_ACTION
    if not has_success_measure:
        return GAP_NO_SUCCESS_MEASURE
    return ""


def recommendation_progress(
    recommendations, *, plan=None, as_at: date, plan_states: list[ActionState] | None = None, links=None
) -> list[RecommendationProgress]:
    """Progress of each recommendation from its actions in the plan (default: the current plan).
    Complete only when every one of its actions is complete; gaps are named in words.
    Fixed queries: the plan (unless given), the recommendation-action links, then plan_as_at, unless
    the caller already has the whole plan as at that date (plan_states), as the dashboard does, and the
    links when given ((recommendation id, action id) pairs: recommendations_and_links)."""
    recommendations = list(recommendations)
    plan = plan or current_plan()
    through = Action.recommendations.through
    if links is None:
        links = list(
            through.objects.filter(recommendation__in=[r.pk for r in recommendations]).values_list(
                "recommendation_id", "action_id"
            )
        )
    states_by_action = {}
    if plan_states is not None:
        states_by_action = {s.action_id: s for s in plan_states}
    elif plan is not None and links:
        action_ids = {action_id for _, action_id in links}
        states_by_action = {
            s.action_id: s for s in plan_as_at(plan, as_at, actions=Action.objects.filter(pk__in=action_ids))
        }
    actions_of = defaultdict(list)
    for rec_id, action_id in links:
        if action_id in states_by_action:
            actions_of[rec_id].append(states_by_action[action_id])
    result = []
    for recommendation in recommendations:
        states = actions_of[recommendation.pk]
        states.sort(key=lambda s: (s.action.theme.order, s.action.order, s.action.reference))
        gap = recommendation_gap(
            has_actions=bool(states), has_success_measure=any(s.action.success_measure.strip() for s in states)
        )
        result.append(
            RecommendationProgress(
                recommendation=recommendation,
                states=states,
                counts=action_rag_counts(states),
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


# The plan page's lists: which as-at states match its filters, in what order, grouped how. Pure Python
# on states plan_as_at read (RAG is a rule, not a column), so they run no queries.


def filter_states(states, *, rag="", status="", overdue="", due_before: date | None = None) -> list[ActionState]:
    """The states matching the plan page's state filters: RAG, status, overdue ("yes" or "no") and
    due before a date (a target date strictly before it). Empty criteria match every state. The plan
    page, its print view and the plan export all filter through this."""
    states = list(states)
    if rag:
        states = [s for s in states if s.rag == rag]
    if status:
        states = [s for s in states if s.status == status]
    if overdue == "yes":
        states = [s for s in states if s.days_overdue > 0]
    elif overdue == "no":
        states = [s for s in states if s.days_overdue == 0]
    if due_before:
        states = [s for s in states if s.target_date and s.target_date < due_before]
    return states


PLAN_ORDER_SORT = "reference"  # themes in order, then actions in order


def plan_order(state) -> tuple:
    action = state.action
    return (action.theme.order, action.theme.reference, action.order, action.reference)


_SORT_KEYS = {
    "target_date": lambda s: (s.target_date is None, s.target_date, plan_order(s)),
    "rag": lambda s: (Rag.rank(s.rag), plan_order(s)),
    "last_update": lambda s: (s.last_update is not None, s.last_update.date if s.last_update else None, plan_order(s)),
}


def sort_states(states, sort: str) -> list[ActionState]:
    """States in the plan page's chosen order: plan order (as plan_as_at reads them), the soonest target
    date, the worst RAG or the oldest last update first; ties in plan order."""
    return list(states) if sort == PLAN_ORDER_SORT else sorted(states, key=_SORT_KEYS[sort])


def group_states(states, sort: str) -> list[tuple]:
    """[(theme, states)] in plan order, or one group with no theme when sorted another way."""
    if sort != PLAN_ORDER_SORT:
        return [(None, list(states))]
    groups = []
    for state in states:
        if not groups or groups[-1][0].pk != state.action.theme_id:
            groups.append((state.action.theme, []))
        groups[-1][1].append(state)
    return groups


@dataclass(frozen=True)
class CollapsedTheme:
    """A theme as the collapsed plan page shows it: its RAG counts, opened in place or not."""

    theme: object
    total: int
    counts: list  # (rag, count), worst first, zeros included
    opened: bool


def theme_summaries(themes, by_theme, opened) -> list[CollapsedTheme]:
    """Each theme with its number of actions and RAG counts (worst first, zeros included), from
    action_rag_counts_by_theme's {theme id: {rag: count}}."""
    return [
        CollapsedTheme(
            theme=theme,
            total=sum(by_theme.get(theme.pk, {}).values()),
            counts=[(rag.value, by_theme.get(theme.pk, {}).get(rag.value, 0)) for rag in Rag.in_order()],
            opened=opened is not None and theme.pk == opened.pk,
        )
        for theme in themes
    ]


def summed_theme_counts(summaries) -> list[tuple[str, int]]:
    """The plan's RAG counts (worst first, zeros included) as the sum of its themes'."""
    return [(rag.value, sum(dict(t.counts)[rag.value] for t in summaries)) for rag in Rag.in_order()]


def my_actions_as_at(user, plan, today: date) -> tuple[list[ActionState], list[ActionState]]:
    """(needing an update, up to date): the actions the user leads or is a delegate on, in the plan, as
    at today; each list by soonest target date (none last), then plan order. Queries: plan_as_at's."""
    if plan is None:
        return [], []
    mine = Action.objects.filter(Q(lead_officer=user) | Q(delegates=user)).values("pk")
    states = plan_as_at(plan, today, actions=Action.objects.filter(pk__in=mine))
    rows = [
        (
            state,
            needs_update(
                finished=state.is_finished,
                last_update_on=state.last_update.date if state.last_update else None,
                target_date=state.target_date,
                today=today,
            ),
        )
        for state in states
    ]
    rows.sort(key=lambda row: (not row[1], row[0].target_date is None, row[0].target_date, plan_order(row[0])))
    return [state for state, needs in rows if needs], [state for state, needs in rows if not needs]


# ---- progress between visits: the small records of a period, read in one round trip

_RECORD_COLUMNS = ("r_source", "r_id", "r_ref", "r_kind", "r_text", "r_words", "r_order", "r_day", "r_day2")


def _records(queryset, *, source, id, ref, kind="", text="", words="", order=0, day=None, day2=None):
    return (
        queryset.order_by()
        .annotate(
            r_source=Value(source, output_field=CharField()),
            r_id=F(id),
            r_ref=F(ref),
            r_kind=F(kind) if kind else Value("", output_field=CharField()),
            r_text=F(text) if text else Value("", output_field=TextField()),
            r_words=F(words) if words else Value("", output_field=TextField()),
            r_order=F(order) if isinstance(order, str) else Value(order, output_field=IntegerField()),
            # Typed NULLs: PostgreSQL will not match an untyped NULL column with a date in a UNION.
            r_day=F(day) if day else Cast(Value(None), DateField()),
            r_day2=F(day2) if day2 else Cast(Value(None), DateField()),
        )
        .values_list(*_RECORD_COLUMNS)
    )


@dataclass
class PeriodRecords:
    """What progress_records read: the visit's focus and findings, every recommendation, the links from
    findings and actions to recommendations, and the target date revisions agreed in the period."""

    focus_theme_ids: list = field(default_factory=list)
    focus_recommendation_ids: list = field(default_factory=list)
    findings: list = field(default_factory=list)  # VisitFinding, in order, with .recommendation_ids
    recommendations: list = field(default_factory=list)  # Recommendation, in order
    actions_of: dict = field(default_factory=dict)  # recommendation id -> [action id]
    revisions: list = field(default_factory=list)  # TargetDateRevision (not saved), oldest first


def progress_records(*, visit, plans, start: date, end: date) -> PeriodRecords:
    """ONE query (a UNION ALL of small reads) for the progress page: the focus themes, focus recommendations
    and findings of `visit` (None: a date, no visit), every recommendation, the action-recommendation and
    finding-recommendation links of `plans`, and the target date revisions of their actions agreed after
    start and by end (with the reason and who agreed). Rows are made into model instances here."""
    plans = [p for p in plans if p is not None]
    visit_id = visit.pk if visit is not None else None
    parts = [
        _records(Recommendation.objects.all(), source="rec", id="pk", ref="inspection_id", kind="kind",
                 text="text", words="reference", order="order"),
        _records(Action.recommendations.through.objects.filter(action__theme__plan__in=plans),
                 source="action_rec", id="action_id", ref="recommendation_id"),
        _records(TargetDateRevision.objects.filter(action__theme__plan__in=plans, effective_on__gt=start,
                                                   effective_on__lte=end),
                 source="revision", id="pk", ref="action_id", text="reason", words="agreed_by",
                 day="effective_on", day2="new_date"),
    ]  # fmt: skip
    if visit_id is not None:
        parts += [
            _records(Inspection.focus_themes.through.objects.filter(inspection_id=visit_id),
                     source="focus_theme", id="theme_id", ref="inspection_id"),
            _records(Inspection.focus_recommendations.through.objects.filter(inspection_id=visit_id),
                     source="focus_rec", id="recommendation_id", ref="inspection_id"),
            _records(VisitFinding.objects.filter(inspection_id=visit_id), source="finding", id="pk",
                     ref="inspection_id", kind="kind", text="text", order="order"),
            _records(VisitFinding.recommendations.through.objects.filter(visitfinding__inspection_id=visit_id),
                     source="finding_rec", id="visitfinding_id", ref="recommendation_id"),
        ]  # fmt: skip
    result = PeriodRecords()
    finding_recs = defaultdict(list)
    for source, pk, ref, kind, text, words, order, day, day2 in parts[0].union(*parts[1:], all=True):
        if source == "rec":
            result.recommendations.append(
                Recommendation(pk=pk, inspection_id=ref, kind=kind, text=text, reference=words, order=order)
            )
        elif source == "action_rec":
            result.actions_of.setdefault(ref, []).append(pk)
        elif source == "revision":
            result.revisions.append(
                TargetDateRevision(
                    pk=pk,
                    action_id=ref,
                    reason=text,
                    agreed_by=words,
                    effective_on=_as_date(day),
                    new_date=_as_date(day2),
                )
            )
        elif source == "focus_theme":
            result.focus_theme_ids.append(pk)
        elif source == "focus_rec":
            result.focus_recommendation_ids.append(pk)
        elif source == "finding":
            result.findings.append(VisitFinding(pk=pk, inspection_id=ref, kind=kind, text=text, order=order))
        elif source == "finding_rec":
            finding_recs[pk].append(ref)
    for finding in result.findings:
        finding.recommendation_ids = finding_recs.get(finding.pk, [])
    result.findings.sort(key=lambda f: (f.order, f.pk))
    result.recommendations.sort(key=lambda r: (r.inspection_id, r.order, r.reference))
    result.revisions.sort(key=lambda r: (r.effective_on, r.pk))
    return result


def _as_date(value):
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    return value


def recommendations_and_links(plan) -> tuple[list, list]:
    """Every recommendation (in order) and the (recommendation id, action id) links of the plan's actions,
    in ONE query, for recommendation_progress(..., links=...)."""
    parts = [
        _records(Recommendation.objects.all(), source="rec", id="pk", ref="inspection_id", kind="kind",
                 text="text", words="reference", order="order"),
        _records(Action.recommendations.through.objects.filter(action__theme__plan=plan),
                 source="action_rec", id="action_id", ref="recommendation_id"),
    ]  # fmt: skip
    recommendations, links = [], []
    for source, pk, ref, kind, text, words, order, _day, _day2 in parts[0].union(parts[1], all=True):
        if source == "rec":
            recommendations.append(
                Recommendation(pk=pk, inspection_id=ref, kind=kind, text=text, reference=words, order=order)
            )
        else:
            links.append((ref, pk))
    recommendations.sort(key=lambda r: (r.inspection_id, r.order, r.reference))
    return recommendations, links


_RISK_COLUMNS = (
    "pk", "title", "cause", "likelihood", "impact", "owner_name", "owner__first_name", "owner__last_name",
    "owner__username", "mitigation", "review_date", "themes__reference", "themes__title",
)  # fmt: skip


def _open_risks(themes=None) -> QuerySet:
    risks = Risk.objects.filter(status=Risk.Status.OPEN)
    if themes is not None:
        linked = Risk.themes.through.objects.filter(risk_id=OuterRef("pk"))
        chosen = linked.filter(theme__reference__in=themes.order_by().values("reference"))
        risks = risks.filter(~Exists(linked) | Exists(chosen))
    return risks


def _fold_risks(rows) -> list[dict]:
    """Risk rows (dicts of _RISK_COLUMNS, a row per theme, in pk then theme order) folded, highest first."""
    found = {}
    for row in rows:
        risk = found.get(row["pk"])
        if risk is None:
            owner = row["owner_name"] or person_name_of(
                row["owner__first_name"], row["owner__last_name"], row["owner__username"]
            )
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
                "owner": owner,
                "mitigation": row["mitigation"],
                "review_date": row["review_date"].isoformat() if row["review_date"] else None,
                "themes": [],
                "url": reverse("improvement:risk_detail", args=[row["pk"]]),
            }
        if row["themes__reference"]:
            risk["themes"].append(f"{row['themes__reference']}. {row['themes__title']}")
    return sorted(found.values(), key=lambda r: (-r["score"], r["id"]))


def risk_rows(*, themes=None) -> list[dict]:
    """Open risks to delivery as plain data (for a board pack, the register, the dashboard), highest score
    first, in ONE query: the risk's columns joined to its themes (a row per theme, folded here). `themes`
    (a queryset of Theme, read as a subquery) narrows them to risks linked to a theme with one of those
    references, across plan versions, plus risks linked to no theme (they threaten the whole plan)."""
    return _fold_risks(_open_risks(themes).order_by("pk", "themes__reference").values(*_RISK_COLUMNS))


def you_said_we_did_records():
    """The "you said, we did" records a page shows one of, with their theme and author (every reader may
    read every one)."""
    return YouSaidWeDid.objects.select_related("theme", "written_by")


_SAID_COLUMNS = (
    "pk", "said_by", "what_was_said", "said_on", "what_changed", "changed_on", "theme__reference", "theme__title",
)  # fmt: skip


def _you_said(*, themes=None, since=None, until=None) -> QuerySet:
    records = YouSaidWeDid.objects.all()
    if until is not None:
        records = records.filter(said_on__lte=until)
    if since is not None:
        records = records.filter(Q(changed_on__isnull=True) | Q(changed_on__gte=since) | Q(said_on__gte=since))
    if themes is not None:
        records = records.filter(theme__reference__in=themes.order_by().values("reference"))
    return records


def _you_said_row(row, until) -> dict:
    changed = row["changed_on"] is not None and (until is None or row["changed_on"] <= until)
    return {
        "id": row["pk"],
        "theme": f"{row['theme__reference']}. {row['theme__title']}",
        "said_by": row["said_by"],
        "what_was_said": row["what_was_said"],
        "said_on": row["said_on"].isoformat(),
        "what_changed": row["what_changed"] if changed else "",
        "changed_on": row["changed_on"].isoformat() if changed else None,
        "url": reverse("improvement:you_said_detail", args=[row["pk"]]),
    }


def _said_order(row):
    return (row["theme__reference"], -row["said_on"].toordinal(), row["pk"])


def you_said_we_did_rows(*, themes=None, since=None, until=None) -> list[dict]:
    """ "You said, we did" records as plain data (a board pack, the progress page, the list), in ONE query
    with their themes, by theme reference then newest said first. `until`: said by then, and what we did
    counted only if it changed by then ("not yet" otherwise). `since`: still open, or said or changed
    since then (the loop a board has not yet seen closed). `themes` (a queryset of Theme, read as a
    subquery): those on a theme with one of those references, across plan versions."""
    rows = _you_said(themes=themes, since=since, until=until).values(*_SAID_COLUMNS)
    return [_you_said_row(row, until) for row in sorted(rows, key=_said_order)]


def _as_loop_columns(queryset, source: str, columns: dict) -> QuerySet:
    """The queryset's rows as (source, c0, c1...): `columns` maps each position to a field, or to a typed
    value where this side has no such column (a UNION needs the same columns, typed alike, on each side)."""
    return (
        queryset.order_by()
        .annotate(l_source=Value(source, output_field=CharField()), **{f"l{i}": c for i, c in enumerate(columns)})
        .values_list("l_source", *(f"l{i}" for i in range(len(columns))))
    )


def risks_and_you_said(*, themes=None, since=None, until=None) -> tuple[list[dict], list[dict]]:
    """(risk_rows(themes=themes), you_said_we_did_rows(themes=..., since=..., until=...)) in ONE query, a
    UNION of the two: a board pack reads both within its budget of queries. Both sides have 14 columns,
    typed alike: the risk's, with a second (empty) date; the record's, padded where a risk has more."""
    no_text, no_number = Value("", output_field=TextField()), Value(0, output_field=IntegerField())
    no_date = Cast(Value(None), DateField())  # typed: PostgreSQL will not match an untyped NULL with a date
    risk_side = [F(name) for name in _RISK_COLUMNS]
    risk_side.insert(11, no_date)
    said_side = [
        F("pk"), F("what_was_said"), F("said_by"), no_number, no_number, no_text, no_text, no_text, no_text,
        F("what_changed"), F("said_on"), F("changed_on"), F("theme__reference"), F("theme__title"),
    ]  # fmt: skip
    risks = _as_loop_columns(_open_risks(themes), "risk", risk_side)
    said = _as_loop_columns(_you_said(themes=themes, since=since, until=until), "said", said_side)
    risk_rows_found, said_rows_found = [], []
    for source, *values in risks.union(said, all=True):
        if source == "risk":
            risk_rows_found.append(dict(zip(_RISK_COLUMNS, values[:11] + values[12:], strict=True)))
        else:
            pk, said_text, said_by, *_, changed, said_on, changed_on, reference, title = values
            said_rows_found.append({
                "pk": pk, "said_by": said_by, "what_was_said": said_text, "said_on": said_on, "what_changed": changed,
                "changed_on": changed_on, "theme__reference": reference, "theme__title": title,
            })  # fmt: skip
    risk_rows_found.sort(key=lambda r: (r["pk"], r["themes__reference"] or ""))
    said_rows_found.sort(key=_said_order)
    return _fold_risks(risk_rows_found), [_you_said_row(row, until) for row in said_rows_found]


# ---- the dashboard's figures, worked out by the database: aggregates and only the rows a page shows

_SUMMARY_COLUMNS = ("s_kind", "s_id", "s_rag", "s_lead", "s_n", "s_n2", "s_n3", "s_n4", "s_ref", "s_title", "s_order")
_NO_TEXT = Value("", output_field=CharField())
_NO_NUMBER = Value(0, output_field=IntegerField())


@dataclass(frozen=True)
class ThemeCounts:
    theme: Theme  # its reference, title and order only
    counts: list  # (rag, count) pairs, worst first, zeros included
    total: int


@dataclass(frozen=True)
class RecommendationCounts:
    """What recommendation_progress says of a recommendation, as counts (no action states read)."""

    recommendation: Recommendation
    counts: list  # (rag, count) pairs, worst first, zeros included
    total: int
    completed_count: int
    complete: bool
    gap: str


@dataclass
class PlanSummary:
    """plan_summary_as_at: the counts of the whole plan, and the few actions each list shows."""

    counts: list = field(default_factory=list)  # (rag, count), worst first
    themes: list = field(default_factory=list)  # ThemeCounts, in plan order
    recommendations: list = field(default_factory=list)  # RecommendationCounts, in order
    open_by_lead: dict = field(default_factory=dict)  # lead id -> unfinished actions
    needing_count_by_lead: dict = field(default_factory=dict)  # lead id -> of those, needing an update
    needing_by_lead: dict = field(default_factory=dict)  # lead id -> the first SUMMARY_LISTED of them, in plan order
    reds: list = field(default_factory=list)  # the SUMMARY_LISTED worst reds: most days overdue, then reference
    due_before_meeting: list = field(default_factory=list)  # every one, in plan order
    complete_without_evidence_count: int = 0
    complete_without_evidence: list = field(default_factory=list)  # the first SUMMARY_LISTED, in plan order
    recent_updates: list = field(default_factory=list)  # ActionUpdate, newest first, with .action


SUMMARY_LISTED = 10
RECENT_UPDATES = 8


def _grouped(queryset, kind: str, keys: dict, counts: dict):
    """One side of plan_summary_as_at's UNION: `keys` (the GROUP BY) and `counts` (aggregates) named by
    _SUMMARY_COLUMNS; a column neither names is an empty text or a zero."""
    keys = {"s_kind": Value(kind, output_field=CharField()), **keys}
    padding = {
        name: _NO_NUMBER if name in ("s_lead", "s_n", "s_n2", "s_n3", "s_n4", "s_order") else _NO_TEXT
        for name in _SUMMARY_COLUMNS
        if name not in keys and name not in counts
    }
    return (
        queryset.order_by().values(**keys, **padding).annotate(**counts).values_list(*_SUMMARY_COLUMNS)
        if counts
        else queryset.order_by().annotate(**keys, **padding).values_list(*_SUMMARY_COLUMNS)
    )


def _summary_counts(plan, as_at: date, summary: PlanSummary) -> None:
    """ONE query, a UNION ALL of GROUP BYs over the periods in force on as_at: actions by theme, RAG and
    lead (unfinished, needing an update, complete without evidence), linked actions by recommendation and
    RAG (finished, with a success measure), and the recommendations themselves."""
    periods = _periods_on(plan, as_at).annotate(shown=effective_rag_expression(as_at))
    finished = Q(status__in=[s.value for s in _FINISHED])
    # One pass over the plan gives the theme and the lead counts: a few rows per theme, RAG and lead.
    themes = _grouped(
        periods,
        "theme",
        {"s_id": F("theme_id"), "s_rag": F("shown"), "s_lead": F("action__lead_officer_id"),
         "s_ref": F("theme__reference"), "s_title": F("theme__title"), "s_order": F("theme__order")},
        {"s_n": Count("pk"), "s_n2": Count("pk", filter=complete_without_evidence_condition()),
         "s_n3": Count("pk", filter=~finished), "s_n4": Count("pk", filter=needs_update_condition(as_at))},
    )  # fmt: skip
    linked = _grouped(
        periods.filter(action__recommendations__isnull=False),
        "linked",
        {"s_id": F("action__recommendations"), "s_rag": F("shown")},
        {"s_n": Count("pk"), "s_n2": Count("pk", filter=finished),
         "s_n3": Count("pk", filter=~is_blank_condition("action__success_measure"))},
    )  # fmt: skip
    recommendations = _grouped(
        Recommendation.objects.all(),
        "rec",
        {"s_id": F("pk"), "s_rag": F("kind"), "s_n": F("inspection_id"), "s_ref": F("reference"), "s_title": F("text"),
         "s_order": F("order")},
        {},
    )  # fmt: skip
    by_theme: dict = {}
    by_recommendation: dict = defaultdict(lambda: {"counts": Counter(), "finished": 0, "measured": 0})
    recommendation_rows = []
    totals: Counter = Counter()
    for kind, pk, rag, lead, n, n2, n3, n4, ref, title, order in themes.union(linked, recommendations, all=True):
        if kind == "theme":
            theme = by_theme.setdefault(pk, (Theme(pk=pk, plan_id=plan.pk, reference=ref, title=title, order=order),
                                             Counter()))  # fmt: skip
            theme[1][rag] += n
            totals[rag] += n
            summary.complete_without_evidence_count += n2
            if lead is not None and n3:
                summary.open_by_lead[lead] = summary.open_by_lead.get(lead, 0) + n3
            if lead is not None and n4:
                summary.needing_count_by_lead[lead] = summary.needing_count_by_lead.get(lead, 0) + n4
        elif kind == "linked":
            found = by_recommendation[pk]
            found["counts"][rag] += n
            found["finished"] += n2
            found["measured"] += n3
        else:
            recommendation_rows.append(
                Recommendation(pk=pk, inspection_id=n, kind=rag, text=title, reference=ref, order=order)
            )
    in_order = [rag.value for rag in Rag.in_order()]
    summary.counts = [(rag, totals.get(rag, 0)) for rag in in_order]
    summary.themes = [
        ThemeCounts(theme, [(rag, counts.get(rag, 0)) for rag in in_order], sum(counts.values()))
        for theme, counts in sorted(by_theme.values(), key=lambda t: (t[0].order, t[0].reference, t[0].pk))
    ]
    recommendation_rows.sort(key=lambda r: (r.inspection_id, r.order, r.reference))
    for recommendation in recommendation_rows:
        found = by_recommendation.get(recommendation.pk, {"counts": Counter(), "finished": 0, "measured": 0})
        total = sum(found["counts"].values())
        summary.recommendations.append(
            RecommendationCounts(
                recommendation=recommendation,
                counts=[(rag, found["counts"].get(rag, 0)) for rag in in_order],
                total=total,
                completed_count=found["finished"],
                complete=bool(total) and found["finished"] == total,
                gap=recommendation_gap(has_actions=bool(total), has_success_measure=bool(found["measured"])),
            )
        )


def _summary_rows(plan, as_at: date, summary: PlanSummary, meeting_date: date | None) -> None:
    """ONE query for the rows the lists show, and no others: inside, each list's rows are numbered
    (ROW_NUMBER, ordered as the list is) and only the periods within a list's length are picked; outside,
    those few are read as plan_as_at reads rows (plain tuples, _Loader). Every row of a list's first n is
    among those read, so the first n of them in the list's order here are the list."""
    plan_order_by = [F(name).asc() for name in ("action__theme__order", "action__theme__reference", "action__order",
                                                "action__reference", "action")]  # fmt: skip
    flag = lambda condition: ExpressionWrapper(condition, output_field=BooleanField())  # noqa: E731
    # No meeting: nothing is due (a literal false, as an empty condition would compile to an integer).
    no_meeting = Value(False, output_field=BooleanField())
    flags = {
        "shown": effective_rag_expression(as_at),
        "is_due": flag(due_before_meeting_condition(as_at, meeting_date)) if meeting_date else no_meeting,
        "is_needing": flag(needs_update_condition(as_at) & Q(action__lead_officer__isnull=False)),
        "is_unevidenced": flag(complete_without_evidence_condition()),
        "has_update": flag(Q(update__isnull=False)),
    }
    # Most days overdue first: an unfinished action's target date when past, else (0 days) after every date.
    overdue_since = Case(
        When(Q(target_date__lt=as_at) & ~Q(status__in=[s.value for s in _FINISHED]), then=F("target_date")),
        default=Value(date.max),
        output_field=DateField(),
    )
    newest_update_first = [F("update__date").desc(), F("update__created_at").desc(), F("update_id").desc()]
    picked = (
        _periods_on(plan, as_at)
        .annotate(**flags)
        .annotate(
            red_rank=Window(
                RowNumber(),
                partition_by=[F("shown")],
                order_by=[overdue_since.asc(), F("action__reference").asc(), F("action").asc()],
            ),
            needing_rank=Window(
                RowNumber(), partition_by=[F("action__lead_officer_id"), F("is_needing")], order_by=plan_order_by
            ),
            unevidenced_rank=Window(RowNumber(), partition_by=[F("is_unevidenced")], order_by=plan_order_by),
            recent_rank=Window(RowNumber(), partition_by=[F("has_update")], order_by=newest_update_first),
        )  # fmt: skip
        .filter(
            Q(shown=Rag.RED.value, red_rank__lte=SUMMARY_LISTED)
            | Q(is_due=True)
            | Q(is_needing=True, needing_rank__lte=SUMMARY_LISTED)
            | Q(is_unevidenced=True, unevidenced_rank__lte=SUMMARY_LISTED)
            | Q(has_update=True, recent_rank__lte=RECENT_UPDATES)
        )
        .values("pk")
    )
    # The few rows picked are told apart by the Python rules (their SQL twins, above, agree on every
    # boundary: tests/improvement/test_plan_summary.py), which keeps this query small to compile.
    periods = (
        ActionStatePeriod.objects.filter(pk__in=picked)
        .annotate(computed=action_rag_expression(as_at), shown=flags["shown"])
        .order_by(*plan_order_by)
    )
    reds, recent = [], []
    for state in _states_of(periods, as_at):
        action, update = state.action, state.last_update
        finished, last_update_on = state.is_finished, state.last_update_on
        is_due = meeting_date is not None and is_due_before_meeting(
            finished=finished, target_date=state.target_date, as_at=as_at, meeting_date=meeting_date
        )
        is_needing = action.lead_officer_id is not None and needs_update(
            finished=finished, last_update_on=last_update_on, target_date=state.target_date, today=as_at
        )
        is_unevidenced = complete_without_evidence(state)
        if update is not None:
            update._state.fields_cache["action"] = action
            recent.append(update)
        if state.rag == Rag.RED:
            reds.append(state)
        if is_due:
            summary.due_before_meeting.append(state)
        needing = summary.needing_by_lead.setdefault(action.lead_officer_id, []) if is_needing else None
        if needing is not None and len(needing) < SUMMARY_LISTED:
            needing.append(state)
        if is_unevidenced and len(summary.complete_without_evidence) < SUMMARY_LISTED:
            summary.complete_without_evidence.append(state)
    reds.sort(key=lambda s: (-s.days_overdue, s.action.reference, s.action.pk))
    summary.reds = reds[:SUMMARY_LISTED]
    recent.sort(key=lambda u: (u.date, u.created_at, u.pk), reverse=True)
    summary.recent_updates = recent[:RECENT_UPDATES]


def plan_summary_as_at(plan, as_at: date, *, meeting_date: date | None = None) -> PlanSummary:
    """The dashboard's figures for the plan as at as_at, by the rules of plan_as_at and improvement.rules,
    in TWO queries whatever the size: the counts (by RAG, theme, lead and recommendation) as aggregates,
    and the rows the lists show (the worst reds, those due by `meeting_date`, each lead's first needing an
    update, the first complete without evidence, the recent updates) with their order and length in SQL."""
    summary = PlanSummary()
    if plan is None:
        return summary
    _summary_counts(plan, as_at, summary)
    _summary_rows(plan, as_at, summary, meeting_date)
    return summary
