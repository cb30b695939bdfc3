"""Writes to the plan. Every progress update goes through record_update; an action's stored current
state is written only by refresh_action_state, whoever wrote the log (a form, an import, the demo)."""

from collections import defaultdict

from django.db import transaction
from django.db.models import CharField, F, ProtectedError, TextField, Value
from django.db.models.functions import Coalesce

from core import audit, clock
from core.formats import person_name
from core.records import delete_with_unactivated_plan
from core.roles import is_admin
from improvement.models import (
    Action,
    ActionStatePeriod,
    ActionStatus,
    ActionUpdate,
    Inspection,
    InterventionEvent,
    Plan,
    Recommendation,
    Risk,
    TargetDateRevision,
    VisitFinding,
    YouSaidWeDid,
)
from improvement.queries import latest_update_as_at, plan_contents, target_date_as_at
from improvement.rules import (
    EarliestDate,
    compute_action_rag,
    earliest_effective_dates,
    plan_may_be_activated,
    plan_may_be_deleted,
)

# What Action stores of its current state: derived from the update log and the date history.
STATE_FIELDS = ("status", "progress", "rag_override", "rag_override_reason", "last_update_on", "target_date")
_BATCH = 1000


def _state_expressions():
    """The current state as SQL expressions over the log, built from the same subqueries plan_as_at uses
    (with no date limit), so the stored state is what "as at" says once every entry is in force."""
    return {
        "status": Coalesce(
            latest_update_as_at(None, "status"), Value(ActionStatus.NOT_STARTED.value), output_field=CharField()
        ),
        "progress": Coalesce(latest_update_as_at(None, "progress"), Value(""), output_field=CharField()),
        "rag_override": Coalesce(latest_update_as_at(None, "rag_override"), Value(""), output_field=CharField()),
        "rag_override_reason": Coalesce(
            latest_update_as_at(None, "rag_override_reason"), Value(""), output_field=TextField()
        ),
        "last_update_on": latest_update_as_at(None, "date"),
        "target_date": target_date_as_at(None),
    }


def refresh_action_state(actions) -> None:
    """Rewrite the stored current state (status, progress, RAG override and its reason, date of the last
    update, current target date) of the given actions from their update log and target date history, and
    their state history (ActionStatePeriod: every period of validity, deleted and written again).

    `actions`: a queryset, or Action instances (or ids). Set-based: per thousand actions one UPDATE, three
    reads and a delete and bulk insert of the periods, however many there are (a 20,000-action import).
    Instances passed in are given the refreshed values, so a caller writing history rows (simple_history, or
    imports.bulk) records what the database holds. It writes no history itself: the writer knows who made
    the change and why."""
    if hasattr(actions, "values_list"):
        instances, ids = {}, list(actions.values_list("pk", flat=True))
    else:
        items = list(actions)
        instances = {item.pk: item for item in items if isinstance(item, Action)}
        ids = [item.pk if isinstance(item, Action) else item for item in items]
    expressions = _state_expressions()
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        Action.objects.filter(pk__in=batch).update(**expressions)
        rows = list(
            Action.objects.filter(pk__in=batch).values_list(
                "pk", "theme_id", "theme__plan_id", "carried_from_id", "original_target_date", *STATE_FIELDS
            )
        )
        for pk, _theme, _plan, _carried, _original, *values in rows:
            if pk in instances:
                for name, value in zip(STATE_FIELDS, values, strict=True):
                    setattr(instances[pk], name, value)
        _rewrite_periods(rows)


def refresh_state_history(actions) -> None:
    """Rewrite only the state history (ActionStatePeriod) of the given actions (ids or instances) from their
    log and their stored dates, leaving the stored current state as it is. refresh_action_state does this
    after writing the current state; on its own it is for test factories, which set a current state directly."""
    ids = [a.pk if isinstance(a, Action) else a for a in actions]
    for start in range(0, len(ids), _BATCH):
        _rewrite_periods(
            Action.objects.filter(pk__in=ids[start : start + _BATCH]).values_list(
                "pk", "theme_id", "theme__plan_id", "carried_from_id", "original_target_date", *STATE_FIELDS
            )
        )


def _lineage_roots(carried: dict[int, int | None]) -> dict[int, int]:
    """The first action of each action's lineage, following carried_from back one plan version a query
    (a handful of versions at most). A cycle (a mistaken re-mapping) stops where it repeats."""
    parent = dict(carried)
    missing = {p for p in parent.values() if p and p not in parent}
    while missing:
        found = dict(Action.objects.filter(pk__in=missing).values_list("pk", "carried_from_id"))
        parent.update({pk: found.get(pk) for pk in missing})
        missing = {p for p in found.values() if p and p not in parent}
    roots = {}
    for pk in carried:
        seen, node = {pk}, pk
        while parent.get(node) and parent[node] not in seen:
            node = parent[node]
            seen.add(node)
        roots[pk] = node
    return roots


def _rewrite_periods(rows) -> None:
    """The periods of validity of these actions, replayed from their log exactly as "as at" reads it: the
    update in force on D is the latest dated on or before D (by date, then when recorded, then id); the
    target in force is the latest revision effective on or before D (by effective date, when recorded, id),
    else the original target, else the first revision's previous date, else the current target. The state
    can change only on a date an update describes or a revision takes effect, so those dates bound the
    periods."""
    ids = [row[0] for row in rows]
    updates = defaultdict(list)
    for update in (
        ActionUpdate.objects.filter(action_id__in=ids)
        .order_by("action_id", "date", "created_at", "pk")
        .values("pk", "action_id", "date", "status", "progress", "rag_override", "rag_override_reason")
    ):
        updates[update["action_id"]].append(update)
    revisions = defaultdict(list)
    for revision in (
        TargetDateRevision.objects.filter(action_id__in=ids)
        .order_by("action_id", "effective_on", "recorded_at", "pk")
        .values("action_id", "effective_on", "new_date", "previous_date")
    ):
        revisions[revision["action_id"]].append(revision)
    roots = _lineage_roots({row[0]: row[3] for row in rows})
    periods = []
    for pk, theme_id, plan_id, _carried, original, *_state in rows:
        current_target = _state[STATE_FIELDS.index("target_date")]
        logged, revised = updates[pk], revisions[pk]
        first_previous = revised[0]["previous_date"] if revised else None
        fallback_target = next((d for d in (original, first_previous, current_target) if d is not None), None)
        boundaries = sorted({u["date"] for u in logged} | {r["effective_on"] for r in revised})
        starts = [ActionStatePeriod.BEGINNING, *(d for d in boundaries if d > ActionStatePeriod.BEGINNING)]
        u_index = r_index = 0
        update = target = None
        target = fallback_target
        for n, valid_from in enumerate(starts):
            while u_index < len(logged) and logged[u_index]["date"] <= valid_from:
                update = logged[u_index]
                u_index += 1
            while r_index < len(revised) and revised[r_index]["effective_on"] <= valid_from:
                target = revised[r_index]["new_date"]
                r_index += 1
            override = update["rag_override"] if update else ""
            periods.append(
                ActionStatePeriod(
                    action_id=pk,
                    plan_id=plan_id,
                    theme_id=theme_id,
                    lineage_root_id=roots[pk],
                    valid_from=valid_from,
                    valid_to=starts[n + 1] if n + 1 < len(starts) else None,
                    status=update["status"] if update else ActionStatus.NOT_STARTED.value,
                    progress=update["progress"] if update else "",
                    rag_override=override,
                    rag_override_reason=update["rag_override_reason"] if update and override else "",
                    target_date=target,
                    original_target_date=original or target,
                    update_id=update["pk"] if update else None,
                )
            )
    ActionStatePeriod.objects.filter(action_id__in=ids).delete()
    ActionStatePeriod.objects.bulk_create(periods, batch_size=_BATCH)


@transaction.atomic
def link_new_actions(actions, *, also_refresh=()) -> None:
    """For actions just created (a form, the admin, an import, the demo): link each to the action it
    continues in its plan's previous version, the same reference there (preferring the same theme
    reference when a reference repeats), unless carried_from was already chosen, then write its state
    and state history, with those of `also_refresh` (existing actions the same writer changed). Two reads, a
    bulk UPDATE of the links, then refresh_action_state."""
    items = [a for a in actions if getattr(a, "pk", None)]
    refresh = list(also_refresh)
    if not items:
        if refresh:
            refresh_action_state(refresh)
        return
    rows = {
        pk: (prev, theme_ref)
        for pk, prev, theme_ref in Action.objects.filter(pk__in=[a.pk for a in items]).values_list(
            "pk", "theme__plan__previous_version_id", "theme__reference"
        )
    }
    previous_plans = {prev for prev, _ in rows.values() if prev}
    candidates = defaultdict(list)
    for pk, plan_id, reference, theme_ref in Action.objects.filter(theme__plan__in=previous_plans).values_list(
        "pk", "theme__plan_id", "reference", "theme__reference"
    ):
        candidates[(plan_id, reference)].append((theme_ref, pk))
    linked = []
    for action in items:
        prev, theme_ref = rows.get(action.pk, (None, None))
        if action.carried_from_id or not prev:
            continue
        matches = candidates.get((prev, action.reference), [])
        same_theme = [pk for ref, pk in matches if ref == theme_ref]
        chosen = same_theme[0] if same_theme else (matches[0][1] if len(matches) == 1 else None)
        if chosen:
            action.carried_from_id = chosen
            linked.append(action)
    Action.objects.bulk_update(linked, ["carried_from"], batch_size=_BATCH)
    refresh_action_state(items + refresh)


class StaleActionError(Exception):
    """Someone recorded an update after the form was loaded; nothing was saved."""

    def __init__(self, action, latest_update=None):
        self.action = action
        self.latest_update = latest_update
        super().__init__(f"Action {action.pk} changed since version was read")


class BackdatedEntryError(ValueError):
    """The entry would take effect before the back-dating rule allows, without an admin's reason."""

    def __init__(self, earliest: EarliestDate):
        self.earliest = earliest
        super().__init__(earliest.refusal())


def check_backdating(*, action, day, author, reason: str, earliest: EarliestDate | None = None) -> str:
    """The reason to store on an entry taking effect on `day`: "" when the rule allows the date; the admin's
    reason when it does not; BackdatedEntryError when it does not and no admin gave one."""
    if earliest is None:
        earliest = earliest_effective_dates([action])[action.pk]
    if earliest.allows(day):
        return ""
    if not (reason or "").strip() or not (author and is_admin(author)):
        raise BackdatedEntryError(earliest)
    return reason.strip()


@transaction.atomic
def record_update(
    *,
    action,
    author,
    expected_version: int,
    date,
    status,
    progress,
    narrative,
    evidence_of_impact,
    rag_override="",
    rag_override_reason="",
    revised_target_date=None,
    revision_reason="",
    revision_agreed_by="",
    corrects=None,
    backdating_reason="",
    earliest: EarliestDate | None = None,
) -> ActionUpdate:
    """Append an update (and a target date revision taking effect on its date, if given). `earliest` is the
    back-dating rule's date for the action when the caller has it already (the form did)."""
    backdating_reason = check_backdating(
        action=action, day=date, author=author, reason=backdating_reason, earliest=earliest
    )
    # Claim the action first with a conditional UPDATE, so two people saving against the same
    # version cannot both succeed, whichever database and isolation level is in use.
    claimed = Action.objects.filter(pk=action.pk, version=expected_version).update(version=F("version") + 1)
    if not claimed:
        latest = action.updates.select_related("author").order_by("-created_at", "-pk").first()
        raise StaleActionError(action, latest)
    action.refresh_from_db()

    if revised_target_date is not None and revised_target_date != action.target_date:
        if not revision_reason or not revision_agreed_by:
            raise ValueError("A revised target date needs a reason and who agreed it")
        TargetDateRevision.objects.create(
            action=action,
            previous_date=action.target_date,
            new_date=revised_target_date,
            reason=revision_reason,
            agreed_by=revision_agreed_by,
            effective_on=date,
            recorded_by=author,
            recorded_at=clock.now(),
            backdating_reason=backdating_reason,
        )

    target_on_date = revised_target_date or action.target_date
    update = ActionUpdate.objects.create(
        action=action,
        date=date,
        author=author,
        author_name=person_name(author),
        status=status,
        progress=progress,
        narrative=narrative,
        evidence_of_impact=evidence_of_impact,
        computed_rag=compute_action_rag(status=status, progress=progress, target_date=target_on_date, as_at=date),
        rag_override=rag_override,
        rag_override_reason=rag_override_reason if rag_override else "",
        corrects=corrects,
        backdating_reason=backdating_reason,
    )

    # The current state follows the log (a back-dated entry does not replace a newer one).
    refresh_action_state([action])
    action.save()  # through save() so the refreshed state is in the audit history
    return update


class PlanNotDeletableError(Exception):
    """The plan has been active (or is closed), or something outside it still points at it."""


@transaction.atomic
def delete_unactivated_plan(*, plan: Plan, by) -> dict:
    """Delete a plan that was never made active, with its themes, actions, progress updates and date
    revisions, and record who did it in the audit log. The one way a progress update or a date
    revision is ever deleted: it undoes a mistaken import. Returns the counts of what went.

    The plan row is locked first, so it cannot be made active while it is being deleted. Raises
    PlanNotDeletableError, changing nothing, when the plan has been active or is referred to by
    anything that must stay (a newer plan's records, say)."""
    locked = Plan.objects.select_for_update().filter(pk=plan.pk).first()
    if locked is None or not plan_may_be_deleted(locked):
        raise PlanNotDeletableError(
            f"{plan} has been in use, so it is part of the record and cannot be deleted. "
            "Close it instead, or correct it with a new version."
        )
    contents = plan_contents(locked)
    name = str(locked)
    audit.record(
        by,
        "plan.deleted",
        subject=locked,
        summary=(
            f"Deleted {name}, a plan never made active: {contents.themes} themes, {contents.actions} actions, "
            f"{contents.updates} progress updates and {contents.revisions} target date revisions"
        ),
        **contents.as_dict(),
    )
    actions = Action.objects.filter(theme__plan=locked)
    delete_with_unactivated_plan(ActionUpdate.objects.filter(action__in=actions))
    delete_with_unactivated_plan(TargetDateRevision.objects.filter(action__in=actions))
    try:
        locked.delete()
    except ProtectedError as error:  # the whole transaction, audit entry included, is rolled back
        raise PlanNotDeletableError(
            f"{name} cannot be deleted because other records refer to it: "
            + ", ".join(sorted({str(obj) for obj in error.protected_objects})[:5])
        ) from error
    plan.pk = None
    return contents.as_dict()


class PlanNotActivatableError(ValueError):
    """The plan is already the active plan."""


@transaction.atomic
def make_plan_active(*, plan: Plan, by) -> list[Plan]:
    """Make `plan` the active plan: the plans active until now are closed (still readable, as every old
    version is), the change is in each plan's history and the audit log. Returns the plans it replaced."""
    locked = Plan.objects.select_for_update().filter(pk=plan.pk).first()
    if locked is None or not plan_may_be_activated(locked):
        raise PlanNotActivatableError(f"{plan} is already the active plan.")
    replaced = list(Plan.objects.select_for_update().filter(status=Plan.Status.ACTIVE).exclude(pk=plan.pk))
    reason = f"Replaced by {locked} as the active plan"
    for old in replaced:
        old.status = Plan.Status.CLOSED
        old._change_reason = reason
        old.save(update_fields=["status"])
    locked.status = Plan.Status.ACTIVE
    locked._change_reason = "Made the active plan"
    locked.save(update_fields=["status"])
    audit.record(
        by,
        "plan.activated",
        subject=locked,
        summary=f"Made {locked} the active plan"
        + (f", replacing {', '.join(str(p) for p in replaced)}" if replaced else ""),
        replaced=[p.pk for p in replaced],
    )
    plan.status, plan.activated_on = locked.status, locked.activated_on
    return replaced


# ---- inspections, visits, findings, recommendations and intervention steps (admins, in the app)

_INSPECTION_FIELDS = (
    "kind",
    "title",
    "is_planned",
    "start_date",
    "end_date",
    "published_date",
    "report_url",
    "lead_inspector",
    "sequence",
    "focus",
    "areas_reviewed",
    "headline_findings",
    "progress_label",
    "findings_summary",
    "overall_judgement",
    "leaders_judgement",
    "help_and_protection_judgement",
    "in_care_judgement",
    "care_leavers_judgement",
)


def _assign(instance, data: dict, names) -> None:
    for name in names:
        if name in data:
            setattr(instance, name, data[name])


@transaction.atomic
def save_inspection(*, data: dict, inspection: Inspection | None = None) -> Inspection:
    """Create or change an inspection or visit from a validated InspectionForm's cleaned data."""
    inspection = inspection or Inspection()
    _assign(inspection, data, _INSPECTION_FIELDS)
    inspection.save()
    inspection.focus_themes.set(data.get("focus_themes", []))
    inspection.focus_recommendations.set(data.get("focus_recommendations", []))
    return inspection


@transaction.atomic
def save_recommendation(
    *, inspection: Inspection, data: dict, recommendation: Recommendation | None = None
) -> Recommendation:
    recommendation = recommendation or Recommendation(inspection=inspection)
    _assign(recommendation, data, ("reference", "text", "kind"))
    recommendation.order = data.get("order") or 0
    recommendation.save()
    return recommendation


@transaction.atomic
def delete_finding(*, finding: VisitFinding) -> None:
    """The finding and its links to recommendations go; its history row records the deletion."""
    finding.delete()


@transaction.atomic
def save_finding(*, inspection: Inspection, data: dict, finding: VisitFinding | None = None) -> VisitFinding:
    finding = finding or VisitFinding(inspection=inspection)
    _assign(finding, data, ("kind", "text"))
    finding.order = data.get("order") or 0
    finding.save()
    finding.recommendations.set(data.get("recommendations", []))
    return finding


@transaction.atomic
def save_intervention_event(*, data: dict, event: InterventionEvent | None = None) -> InterventionEvent:
    event = event or InterventionEvent()
    _assign(event, data, ("kind", "date", "person", "description", "document_url"))
    event.save()
    return event


@transaction.atomic
def save_risk(*, risk=None, themes=(), **fields):
    """Add or change a risk to delivery; its history keeps every earlier version (simple_history)."""
    risk = risk or Risk()
    for name, value in fields.items():
        setattr(risk, name, value)
    risk.full_clean()
    risk.save()
    risk.themes.set(themes)
    return risk


def save_you_said(*, record=None, written_by, **fields):
    """Add or change a "you said, we did" record; its history keeps every earlier version and who made
    it (simple_history). The first writer stays its author."""
    record = record or YouSaidWeDid(written_by=written_by)
    for name, value in fields.items():
        setattr(record, name, value)
    record._history_user = written_by
    record.full_clean()
    record.save()
    return record
