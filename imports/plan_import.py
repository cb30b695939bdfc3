"""The plan importer: recognise (imports.parsing.plan) -> plan changes -> apply, in the shape of
imports.pipeline. One planner per entity, each reading only and giving the preview's rows:

    themes              created, or renamed
    recommendations     written in the plan itself, created with a new inspection when the admin asks
    actions             created or changed, old -> new per field; revised target dates
    recommendation links
    progress entries    one per dated entry of every progress column, with the file's status and RAG on
                        the latest; entries dated earlier than the back-dating rule allows are listed

The apply writes exactly what was planned, in bulk, inside one transaction, and the state of every
new or changed action is refreshed by the one writer (improvement.services.link_new_actions ->
refresh_action_state), so its state history (ActionStatePeriod) tells the "as at" views what the file
knew on the dates it describes."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max
from django.urls import reverse

from core import clock
from core.formats import date_words, person_name_of
from imports import bulk
from imports.models import ImportChange
from imports.parsing.plan import FIELD_LABELS, ParsedAction, PlanParse, ProgressEntry
from imports.parsing.values import MEANINGS, normalise_header, normalise_rec_ref
from imports.pipeline import (
    CREATE,
    MAX_STORED_PROBLEMS,
    UNCHANGED,
    UPDATE,
    ChangeSet,
    FieldChange,
    ImportResult,
    PlannedChange,
    Problem,
)
from improvement.models import (
    Action,
    ActionStatus,
    ActionUpdate,
    Inspection,
    Plan,
    Recommendation,
    TargetDateRevision,
    Theme,
)
from improvement.rules import (
    compute_action_rag,
    earliest_effective_date,
    earliest_effective_dates,
    effective_rag,
    is_past_target,
    rag_label,
)
from improvement.services import link_new_actions

BATCH = 1000
UNKNOWN_REVISION_DATE = "revised before import, date unknown"
STATUS_ONLY = "Status recorded by a spreadsheet import."


def _display(value):
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        return date_words(value)
    if isinstance(value, (set, list, tuple)):
        return ", ".join(sorted(str(v) for v in value))
    return str(value)


# -- what the admin chose, and what the database holds ---------------------------------------------


@dataclass(frozen=True)
class NewInspection:
    """The inspection the admin asked the import to create, with the plan's recommendations."""

    kind: str
    date: datetime.date

    @classmethod
    def from_option(cls, value) -> "NewInspection | None":
        """{"kind": .., "date": "2019-01-15"} (the preview) -> NewInspection."""
        if not value:
            return None
        return cls(value["kind"], datetime.date.fromisoformat(value["date"]))


@dataclass
class PlanTarget:
    """Where the file goes, as the admin chose on the upload form and the preview."""

    plan: Plan | None
    new_plan_title: str = ""
    inspection: Inspection | None = None
    new_inspection: NewInspection | None = None
    plan_start: datetime.date | None = None  # a new plan's start (default: the earliest date in the file)
    previous_version: Plan | None = None  # a new plan continuing this one (Action.carried_from)
    carried: dict = field(default_factory=dict)  # {reference: previous action id, or 0 for none}: re-maps


@dataclass
class PlannedAction:
    """What the apply writes for one action: the fields, the revision, the progress entries, the links."""

    parsed: ParsedAction
    existing: Action | None
    fields: dict  # field name -> new value (for a new action, every field)
    diff: list  # [(field, before, after)] for an existing action
    recommendation_ids: set | None = None  # None: leave links alone
    new_recommendation_keys: list = field(default_factory=list)  # links to recommendations this import creates
    updates: list = field(default_factory=list)  # [dict of a new ActionUpdate's values], oldest first
    revision: dict | None = None  # a TargetDateRevision's values, or None
    row: PlannedChange | None = None  # its preview row
    saved: Action | None = None
    created: bool = False

    @property
    def update(self):
        """The entry carrying the file's status and RAG (the latest), or None."""
        return self.updates[-1] if self.updates else None


@dataclass
class PlanContext:
    """Everything the planners read: the parse, the admin's choices and the database's current rows,
    each loaded once (a 20,000-action plan costs the same few queries as a small one)."""

    parse: PlanParse
    target: PlanTarget
    today: datetime.date
    plan_start: datetime.date
    themes: list = field(default_factory=list)
    actions_by_ref: dict = field(default_factory=dict)
    known_entries: set = field(default_factory=set)  # {(action id, date, narrative)}
    latest_narrative: dict = field(default_factory=dict)
    linked_recs: dict = field(default_factory=dict)
    recs_by_key: dict = field(default_factory=dict)
    recs_by_text: dict = field(default_factory=dict)
    users_by_email: dict = field(default_factory=dict)
    users_by_name: dict = field(default_factory=dict)
    previous_by_ref: dict = field(default_factory=dict)  # the previous version's actions {reference: (id, title)}

    @property
    def plan(self):
        return self.target.plan

    @property
    def cols(self):
        return self.parse.columns

    def problem(self, row, column, message, severity="warning"):
        return Problem(self.parse.sheet_name, row, column, message, severity)


def default_plan_start(parse: PlanParse, plan: Plan | None, today: datetime.date) -> datetime.date:
    """A plan's start: the plan's own, else the earliest date in the file (not after today), else today."""
    if plan is not None and plan.start_date:
        return plan.start_date
    return min(parse.earliest_date or today, today)


def load_context(parse: PlanParse, target: PlanTarget, today: datetime.date) -> PlanContext:
    plan = target.plan
    start = target.plan_start if plan is None and target.plan_start else default_plan_start(parse, plan, today)
    ctx = PlanContext(parse=parse, target=target, today=today, plan_start=start)
    if plan is not None:
        ctx.themes = list(plan.themes.all())
        ctx.actions_by_ref = {
            a.reference: a for a in Action.objects.filter(theme__plan=plan).select_related("theme__plan")
        }
        for action_id, day, narrative in (
            ActionUpdate.objects.filter(action__theme__plan=plan)
            .order_by("action_id", "-date", "-created_at", "-pk")
            .values_list("action_id", "date", "narrative")
        ):
            ctx.latest_narrative.setdefault(action_id, narrative)
            ctx.known_entries.add((action_id, day, narrative))
        for action_id, rec_id in Action.recommendations.through.objects.filter(action__theme__plan=plan).values_list(
            "action_id", "recommendation_id"
        ):
            ctx.linked_recs.setdefault(action_id, set()).add(rec_id)
    if target.inspection is not None:
        for rec in Recommendation.objects.filter(inspection=target.inspection):
            ctx.recs_by_key[normalise_rec_ref(rec.reference)] = rec.pk
            ctx.recs_by_text[rec.text.strip().lower()[:80]] = rec.pk
    if "lead" in ctx.cols:
        ctx.users_by_email, ctx.users_by_name = _user_index()
    if plan is None and target.previous_version is not None:
        ctx.previous_by_ref = {
            ref: (pk, title)
            for ref, pk, title in Action.objects.filter(theme__plan=target.previous_version).values_list(
                "reference", "pk", "title"
            )
        }
    return ctx


def _user_index():
    by_email, by_name = {}, {}
    for pk, first, last, email in (
        get_user_model().objects.filter(is_active=True).values_list("pk", "first_name", "last_name", "email")
    ):
        if email:
            by_email.setdefault(email.lower(), set()).add(pk)
        name = f"{first} {last}".strip().lower()
        if first and last:
            by_name.setdefault(name, set()).add(pk)
    return by_email, by_name


def _match_lead(parsed: ParsedAction, by_email, by_name):
    found = set()
    for email in parsed.lead_emails:
        found |= by_email.get(email, set())
    for name in parsed.lead_names:
        found |= by_name.get(name, set())
    return found.pop() if len(found) == 1 else None


# -- the change set ---------------------------------------------------------------------------------


@dataclass
class PlanImportChanges(ChangeSet):
    """What importing a plan would do: the pipeline's rows, and what the apply needs to write them."""

    plan: Plan | None = None
    new_plan_title: str = ""
    plan_start: datetime.date | None = None
    new_inspection: NewInspection | None = None
    previous_version: Plan | None = None
    themes_to_create: list = field(default_factory=list)  # ParsedTheme
    theme_updates: list = field(default_factory=list)  # (Theme, {field: value}, diff)
    recommendations_to_create: list = field(default_factory=list)  # (key, reference, text, order)
    actions: list = field(default_factory=list)  # PlannedAction
    theme_for_ref: dict = field(default_factory=dict)  # reference -> Theme, or the ParsedTheme to create
    # [{"reference", "row", "entry", "date", "earliest", "why"}] for the preview: see plan_backdated.
    backdated: list = field(default_factory=list)

    @property
    def counts(self):
        def changed(a):
            return a.existing is not None and bool(a.diff or a.updates or a.revision)

        actions_created = sum(1 for a in self.actions if a.existing is None)
        actions_updated = sum(1 for a in self.actions if changed(a))
        created = len(self.themes_to_create) + actions_created + len(self.recommendations_to_create)
        created += (1 if self.plan is None else 0) + (1 if self.new_inspection else 0)
        return {
            "created": created,
            "updated": len(self.theme_updates) + actions_updated,
            "unchanged": sum(1 for a in self.actions if a.existing is not None and not changed(a)),
            "actions_created": actions_created,
            "actions_updated": actions_updated,
            "themes_created": len(self.themes_to_create),
            "recommendations_created": len(self.recommendations_to_create),
            "progress_updates": sum(len(a.updates) for a in self.actions),
        }


# -- planners, one per entity ----------------------------------------------------------------------


def plan_themes(ctx: PlanContext, changes: PlanImportChanges) -> list[PlannedChange]:
    by_ref = {t.reference: t for t in ctx.themes}
    by_title = {t.title.lower(): t for t in ctx.themes}
    rows = []
    for parsed_theme in ctx.parse.themes:
        theme = by_ref.get(parsed_theme.reference) or by_title.get(parsed_theme.title.lower())
        row = PlannedChange("theme", parsed_theme.reference, parsed_theme.title, UNCHANGED)
        if theme is None:
            changes.themes_to_create.append(parsed_theme)
            changes.theme_for_ref[parsed_theme.reference] = parsed_theme
            row.kind = CREATE
            row.change("title", "Title", "", parsed_theme.title)
        else:
            changes.theme_for_ref[parsed_theme.reference] = theme
            wanted_title = parsed_theme.title if not parsed_theme.title.startswith("Theme ") else theme.title
            if wanted_title != theme.title:
                changes.theme_updates.append((theme, {"title": wanted_title}, [("title", theme.title, wanted_title)]))
                row.kind = UPDATE
                row.change("title", "Title", theme.title, wanted_title)
        rows.append(row)
    return rows


def plan_recommendations(ctx: PlanContext, changes: PlanImportChanges) -> list[PlannedChange]:
    """Recommendations written in the plan ("R1 \u2013 Ensure that ...", a "Rec(s)" column): created with the
    inspection the admin asked for. Without an inspection they are not linked, and the preview says so."""
    parse = ctx.parse
    keys_in_file = {key for a in parse.actions for key in a.recommendation_keys}
    has_recs = bool(keys_in_file or parse.recommendations or any(a.recommendation_text for a in parse.actions))
    if ctx.target.new_inspection is None:
        if ctx.target.inspection is None and has_recs:
            changes.problems.append(
                ctx.problem(
                    None,
                    "Recommendations",
                    "The file lists recommendations, but no inspection was chosen, so actions were not linked to "
                    "recommendations. Choose the inspection below, or create it from the file.",
                )
            )
        return []
    changes.new_inspection = ctx.target.new_inspection
    rows = []
    for order, key in enumerate(sorted(keys_in_file | set(parse.recommendations), key=_rec_sort_key), start=1):
        reference = f"R{key}"
        text = parse.recommendations.get(key) or f"Recommendation {reference}, as the imported plan refers to it."
        changes.recommendations_to_create.append((key, reference, text, order))
        row = PlannedChange("recommendation", reference, text[:300], CREATE)
        row.change("text", "Text", "", text)
        rows.append(row)
    return rows


def _rec_sort_key(key):
    digits = "".join(ch for ch in key if ch.isdigit())
    return (int(digits) if digits else 0, key)


def plan_actions(ctx: PlanContext, changes: PlanImportChanges) -> list[PlannedChange]:
    rows = []
    for parsed in ctx.parse.actions:
        existing = ctx.actions_by_ref.get(parsed.reference)
        theme = changes.theme_for_ref[parsed.theme_reference]
        wanted = _wanted_fields(ctx, parsed)
        revision = _plan_revision(ctx, parsed, existing, wanted)
        diff = []
        row = PlannedChange("action", parsed.reference, parsed.title[:300], CREATE, row=parsed.row)
        if existing is not None:
            row.kind = UNCHANGED
            if existing.theme_id != getattr(theme, "pk", None):
                wanted["theme"] = theme
                diff.append(("theme", existing.theme.title, theme.title))
            for attr, value in list(wanted.items()):
                if attr == "theme":
                    continue
                before = getattr(existing, attr)
                if before == value:
                    del wanted[attr]
                elif attr != "original_target_date":
                    diff.append((attr, before, value))
        else:
            wanted["theme"] = theme
            wanted["reference"] = parsed.reference
            wanted["order"] = parsed.order
            carried = _carried_from(ctx, parsed)
            if carried is not None:
                wanted["carried_from_id"] = carried
            diff = [(attr, "", value) for attr, value in wanted.items() if attr not in _NOT_SHOWN and value]
            diff.insert(0, ("theme", "", getattr(theme, "title", "")))
        for attr, before, after in diff:
            row.change(attr, _FIELD_WORDS.get(attr, attr.replace("_", " ")), _display(before), _display(after))
        if revision:
            row.change(
                "revision",
                "Target date revised",
                _display(revision["previous_date"]),
                f"{_display(revision['new_date'])} (from {_display(revision['effective_on'])}"
                + (f", {UNKNOWN_REVISION_DATE})" if revision["date_unknown"] else ")"),
            )
        if existing is not None and (diff or revision):
            row.kind = UPDATE
        planned = PlannedAction(parsed, existing, wanted, diff if existing is not None else [], revision=revision)
        planned.row = row
        changes.actions.append(planned)
        rows.append(row)
    return rows


_NOT_SHOWN = {"theme", "reference", "order", "original_target_date", "lead_officer_id", "carried_from_id"}
_FIELD_WORDS = {
    "theme": "Theme",
    "title": "Title",
    "detail": "Detail",
    "partner_agency": "Partner agency",
    "success_measure": "Success measure",
    "lead_job_title": "Lead officer",
    "lead_officer_id": "Lead officer (user)",
    "start_date": "Start date",
    "target_date": "Target date",
    "target_date_note": "Target date note",
    "recommendations": "Recommendations",
    "carried_from": "Continues",
}


def _wanted_fields(ctx: PlanContext, parsed: ParsedAction) -> dict:
    cols = ctx.cols
    wanted = {}
    if "title" in cols:
        wanted["title"] = parsed.title
    for name, attr in (("detail", "detail"), ("partner", "partner_agency"), ("success_measure", "success_measure")):
        if name in cols:
            wanted[attr] = getattr(parsed, name)
    if "lead" in cols:
        wanted["lead_job_title"] = parsed.lead
        # Linked only when the text names exactly one user; otherwise a link made by hand is kept.
        lead_id = _match_lead(parsed, ctx.users_by_email, ctx.users_by_name) if parsed.lead else None
        if lead_id is not None:
            wanted["lead_officer_id"] = lead_id
    if "start_date" in cols:
        wanted["start_date"] = parsed.start_date
    if "target_date" in cols or "target_date_note" in cols:
        wanted["target_date_note"] = parsed.target_date_note
    return wanted


def _plan_revision(ctx: PlanContext, parsed: ParsedAction, existing: Action | None, wanted: dict) -> dict | None:
    """The target date and its revision. A revision takes effect when the file says it was revised; else,
    in a plan the import creates, from the plan's start ("revised before import, date unknown"), and in an
    existing plan, today (the file says it now)."""
    desired = parsed.revised_date or parsed.target_date
    unknown = parsed.revised_on is None and existing is None
    effective = parsed.revised_on or (ctx.plan_start if existing is None else ctx.today)
    if existing is None:
        wanted["original_target_date"] = parsed.target_date or parsed.revised_date
        wanted["target_date"] = desired
        if parsed.revised_date and parsed.target_date and parsed.revised_date != parsed.target_date:
            return {
                "previous_date": parsed.target_date,
                "new_date": parsed.revised_date,
                "effective_on": min(effective, ctx.today),
                "date_unknown": unknown,
            }
        return None
    if desired and desired != existing.target_date:
        wanted["target_date"] = desired
        if existing.target_date is None and existing.original_target_date is None:
            wanted["original_target_date"] = desired
            return None
        return {
            "previous_date": existing.target_date,
            "new_date": desired,
            "effective_on": min(effective, ctx.today),
            "date_unknown": False,
        }
    return None


def _carried_from(ctx: PlanContext, parsed: ParsedAction) -> int | None:
    """The previous version's action this one continues: the admin's re-mapping, else None (the one writer,
    link_new_actions, then matches by reference)."""
    chosen = ctx.target.carried.get(parsed.reference)
    if chosen is None:
        return None
    return int(chosen) or None


def plan_carried(ctx: PlanContext, changes: PlanImportChanges) -> None:
    """On each new action's row of a new plan version: which action of the previous version it continues."""
    if not ctx.previous_by_ref:
        return
    by_id = {pk: (ref, title) for ref, (pk, title) in ctx.previous_by_ref.items()}
    for planned in changes.actions:
        if planned.existing is not None:
            continue
        chosen = ctx.target.carried.get(planned.parsed.reference)
        if chosen is None:
            found = ctx.previous_by_ref.get(planned.parsed.reference)
            words = f"{planned.parsed.reference} {found[1]}" if found else "nothing (a new action)"
        else:
            found = by_id.get(int(chosen))
            words = f"{found[0]} {found[1]} (as you chose)" if found else "nothing (as you chose)"
        planned.row.change("carried_from", "Continues", "", words)


def plan_links(ctx: PlanContext, changes: PlanImportChanges) -> None:
    """Which recommendations each action answers, on its row: the chosen inspection's, matched by reference
    or by text, or the ones this import creates."""
    inspection, creating = ctx.target.inspection, ctx.target.new_inspection is not None
    if not (inspection or creating) or "recommendation" not in ctx.cols:
        return
    for planned in changes.actions:
        parsed = planned.parsed
        if creating:
            planned.new_recommendation_keys = list(dict.fromkeys(parsed.recommendation_keys))
            if planned.new_recommendation_keys:
                planned.row.change(
                    "recommendations",
                    "Recommendations",
                    "",
                    ", ".join(f"R{k}" for k in planned.new_recommendation_keys),
                )
            continue
        rec_ids = set()
        for key in parsed.recommendation_keys:
            if key in ctx.recs_by_key:
                rec_ids.add(ctx.recs_by_key[key])
            else:
                message = (
                    f"Action {parsed.reference}: recommendation {key} is not one of the chosen inspection's "
                    "recommendations, so it was not linked."
                )
                changes.problems.append(ctx.problem(parsed.row, "Recommendations", message))
                planned.row.notes.append(message)
        if not parsed.recommendation_keys and parsed.recommendation_text:
            match = ctx.recs_by_text.get(parsed.recommendation_text.lower()[:80])
            if match:
                rec_ids.add(match)
            else:
                message = (
                    f"Action {parsed.reference}: the recommendation text does not match any of the chosen "
                    "inspection's recommendations."
                )
                changes.problems.append(ctx.problem(parsed.row, "Recommendations", message))
                planned.row.notes.append(message)
        before = ctx.linked_recs.get(planned.existing.pk, set()) if planned.existing else set()
        if planned.existing is not None and rec_ids == before:
            continue
        planned.recommendation_ids = rec_ids
        if planned.existing is not None:
            planned.diff.append(("recommendations", before, rec_ids))
            planned.row.kind = UPDATE
        keys = {pk: ref for ref, pk in ctx.recs_by_key.items()}
        planned.row.change(
            "recommendations",
            "Recommendations",
            ", ".join(sorted(f"R{keys.get(pk, pk)}" for pk in before)),
            ", ".join(sorted(f"R{keys.get(pk, pk)}" for pk in rec_ids)),
        )


def _sheet_judgement(parsed: ParsedAction):
    """(status, progress, RAG) the file gives: the status column wins; the RAG column fills in the judgement."""
    status_values = MEANINGS.get(parsed.status_meaning) if parsed.status_meaning else None
    rag_values = MEANINGS.get(parsed.rag_meaning) if parsed.rag_meaning else None
    status = progress = None
    if status_values:
        status, progress = status_values[0], status_values[1]
        if (
            status == ActionStatus.IN_PROGRESS
            and not progress
            and rag_values
            and rag_values[0] == ActionStatus.IN_PROGRESS
        ):
            progress = rag_values[1]
    elif rag_values:
        status, progress = rag_values[0], rag_values[1]
    return status, progress, (rag_values[2] if rag_values else None)


def plan_progress(ctx: PlanContext, changes: PlanImportChanges) -> None:
    """The progress entries of each action: one per dated entry the file gives that the action does not
    already have, oldest first; the latest carries the file's status and RAG (the officer's view on that
    date, under the precedence rule: the RAG the sheet gives is kept as an override with "the plan said
    Green", and shown only where the rule allows)."""
    today = ctx.today
    for planned in changes.actions:
        parsed, existing = planned.parsed, planned.existing
        status, progress, sheet_rag = _sheet_judgement(parsed)
        current_status = existing.status if existing else ActionStatus.NOT_STARTED
        current_progress = existing.progress if existing else ""
        current_override = existing.rag_override if existing else ""
        new_status = status if status is not None else current_status
        new_progress = (progress or "") if status is not None else current_progress
        if new_status != ActionStatus.IN_PROGRESS:
            new_progress = ""
        entries = [e for e in parsed.progress_entries if e.text]
        key = existing.pk if existing else None
        fresh = [e for e in entries if (key, _entry_date(e, today), e.text) not in ctx.known_entries]
        latest = entries[-1] if entries else None
        update_date = _entry_date(latest, today) if latest else today
        target_for_rag = planned.fields.get("target_date", existing.target_date if existing else None)
        computed = compute_action_rag(
            status=new_status, progress=new_progress, target_date=target_for_rag, as_at=update_date
        )
        computed_today = compute_action_rag(
            status=new_status, progress=new_progress, target_date=target_for_rag, as_at=today
        )
        new_override = current_override
        # Past its target an override better than the rule is not shown (improvement.rules.effective_rag): a
        # sheet that says what is shown (an exported plan, say) keeps the override rather than clearing it.
        past_target = is_past_target(status=new_status, target_date=target_for_rag, as_at=today)
        shown_today = effective_rag(computed_today, current_override, past_target=past_target)
        if sheet_rag is not None and not (sheet_rag == shown_today != current_override):
            new_override = sheet_rag if sheet_rag != computed_today else ""
        latest_is_new = latest is not None and latest.text != ctx.latest_narrative.get(key)
        state_changed = (new_status, new_progress, new_override) != (current_status, current_progress, current_override)
        planned.updates += _history_updates(fresh, latest, new_status, target_for_rag, today)
        if latest_is_new or state_changed:
            if new_override and new_override != current_override:
                reason = f"The plan said {parsed.rag_text or rag_label(new_override)} (the imported spreadsheet's RAG)."
            else:
                reason = existing.rag_override_reason if existing and new_override else ""
            narrative = latest.text if latest_is_new else (latest.text if latest else STATUS_ONLY)
            planned.updates.append(
                _update_values(update_date, new_status, new_progress, narrative, computed, new_override, reason)
            )
        if (
            planned.updates
            and existing is not None
            and existing.last_update_on
            and update_date < existing.last_update_on
        ):
            # Said on the preview, because the sheet's status will not become the action's status.
            message = (
                f"Action {parsed.reference}: the progress entry is dated {_display(update_date)}, before the "
                f"action's latest update ({_display(existing.last_update_on)}). It is added to the history; "
                "the action's current status stays as its latest update says."
            )
            changes.problems.append(ctx.problem(parsed.row, "Progress update", message, "guess"))
            planned.row.notes.append(message)
        _show_entries(planned, current_status)


def _history_updates(fresh, latest, status, target_date, today) -> list[dict]:
    """The entries before the latest, as history: the work was under way (unless the file says it has not
    started); the file's judgement belongs to the latest entry alone."""
    history_status = ActionStatus.IN_PROGRESS if status != ActionStatus.NOT_STARTED else status
    updates = []
    for entry in fresh:
        if entry is latest:
            continue
        day = _entry_date(entry, today)
        computed = compute_action_rag(status=history_status, progress="", target_date=target_date, as_at=day)
        updates.append(_update_values(day, history_status, "", entry.text, computed, "", ""))
    return updates


def _show_entries(planned: PlannedAction, current_status: str) -> None:
    """Each new entry on the action's preview row, the status it brings on the latest."""
    for values in planned.updates:
        words = values["narrative"][:200]
        if values is planned.update and values["status"] != current_status:
            words += f" (status: {ActionStatus(values['status']).label.lower()})"
        planned.row.changes.append(FieldChange("progress", f"Progress entry, {_display(values['date'])}", "", words))
    if planned.updates and planned.existing is not None:
        planned.row.kind = UPDATE


def _entry_date(entry: ProgressEntry, today: datetime.date) -> datetime.date:
    """An entry takes effect on the date it describes, never after today; undated, today."""
    return min(entry.date or today, today)


def _update_values(day, status, progress, narrative, computed, override, reason) -> dict:
    return {
        "date": day,
        "status": status,
        "progress": progress,
        "narrative": narrative,
        "computed_rag": computed,
        "rag_override": override,
        "rag_override_reason": reason,
        "backdated": False,
    }


def plan_backdated(ctx: PlanContext, changes: PlanImportChanges) -> None:
    """Mark the entries the back-dating rule (improvement.rules) would refuse from an officer: dated before
    the plan's start, or before a published pack that shows the action. One reason from the admin covers
    them all, and is kept on each."""
    existing = [p.existing for p in changes.actions if p.existing is not None and (p.updates or p.revision)]
    earliest = earliest_effective_dates(existing)
    plan_start = ctx.plan.start_date if ctx.plan is not None else ctx.plan_start
    # A new action joins the plan today (a new plan: on its start); no published pack has shown it.
    added_on = ctx.today if ctx.plan is not None else ctx.plan_start
    for_new = earliest_effective_date(added_on=added_on, plan_start=plan_start, published=None)
    for planned in changes.actions:
        if not (planned.updates or planned.revision):
            continue
        rule = earliest[planned.existing.pk] if planned.existing is not None else for_new
        entries = []
        for values in planned.updates:
            if not rule.allows(values["date"]):
                values["backdated"] = True
                entries.append(("Progress update", values["date"]))
        if planned.revision and not rule.allows(planned.revision["effective_on"]):
            planned.revision["backdated"] = True
            entries.append(("Target date revision", planned.revision["effective_on"]))
        for entry, day in entries:
            changes.backdated.append(
                {
                    "reference": planned.parsed.reference,
                    "row": planned.parsed.row,
                    "entry": entry,
                    "date": _display(day),
                    "earliest": _display(rule.date),
                    "why": rule.why,
                }
            )
            planned.row.notes.append(f"{entry} dated {_display(day)}: earlier than usually allowed ({rule.why}).")


def plan_changes(parse: PlanParse, *, target: PlanTarget, today: datetime.date) -> PlanImportChanges:
    """What importing the parsed plan would do. Reads only: this is the dry run."""
    ctx = load_context(parse, target, today)
    changes = PlanImportChanges(
        plan=target.plan,
        new_plan_title=target.new_plan_title,
        plan_start=ctx.plan_start,
        previous_version=target.previous_version if target.plan is None else None,
    )
    changes.add("theme", plan_themes(ctx, changes))
    changes.add("recommendation", plan_recommendations(ctx, changes))
    changes.add("action", plan_actions(ctx, changes))
    plan_carried(ctx, changes)
    plan_links(ctx, changes)
    plan_progress(ctx, changes)
    plan_backdated(ctx, changes)
    return changes


# -- apply ------------------------------------------------------------------------------------------


class BackdateReasonMissing(ValueError):
    """The import has back-dated entries and no reason was given for them: nothing is saved."""

    def __init__(self, entries: list):
        self.entries = entries
        count = len(entries)
        super().__init__(
            f"{count} entr{'y' if count == 1 else 'ies'} in this file would take effect earlier than is "
            "usually allowed (they are listed on the preview). Give one reason for recording them, which is "
            "kept on each of them, and import again. Nothing was saved."
        )


def _url_maker(name):
    """pk -> URL without a reverse() per row (reverse costs more than the row's INSERT)."""
    marker = 987654321
    pattern = reverse(name, args=[marker])
    return lambda pk: pattern.replace(str(marker), str(pk))


@dataclass
class _Writing:
    """One apply's shared state: who, why, the log rows so far."""

    job: object
    user: object
    file_name: str
    today: datetime.date
    backdate_reason: str
    reason: str
    log: list = field(default_factory=list)


def apply_plan_changes(
    changes: PlanImportChanges, *, job, user, file_name: str, today: datetime.date, backdate_reason: str = ""
) -> Plan:
    """Write the changes. The caller wraps this in transaction.atomic: all or nothing. Back-dated entries
    need the admin's one reason (BackdateReasonMissing otherwise, before anything is written)."""
    backdate_reason = (backdate_reason or "").strip()
    if changes.backdated and not backdate_reason:
        raise BackdateReasonMissing(changes.backdated)
    w = _Writing(job, user, file_name, today, backdate_reason, f"Import {file_name}"[:100])
    plan = _apply_plan(changes, w)
    theme_by_ref = _apply_themes(changes, plan, w)
    recs_by_key = _apply_inspection(changes, w)
    new_actions, existing_changed = _apply_actions(changes, plan, theme_by_ref, w)
    _apply_entries(changes, plan, recs_by_key, w)
    # The one writer of an action's current state, as for a form: an entry dated before a newer update
    # goes into the history without overwriting what the newer one says. New actions are linked to the
    # ones they continue in the previous version; the state (and its history) of every new or changed
    # action is refreshed.
    link_new_actions(new_actions, also_refresh=existing_changed)
    bulk.insert_history(Action, new_actions, user=user, reason=w.reason)
    bulk.insert_history(Action, existing_changed, user=user, reason=w.reason, history_type="~")
    _log_actions(changes, w)
    bulk.insert(ImportChange, w.log)
    return plan


def _apply_plan(changes: PlanImportChanges, w: _Writing) -> Plan:
    if changes.plan is not None:
        return changes.plan
    plan = Plan(
        title=changes.new_plan_title[:200],
        status=Plan.Status.DRAFT,
        start_date=changes.plan_start or w.today,
        previous_version=changes.previous_version,
    )
    plan._change_reason = w.reason
    plan.save()
    w.log.append(ImportChange.of(w.job, "created", plan))
    return plan


def _apply_themes(changes: PlanImportChanges, plan: Plan, w: _Writing) -> dict:
    theme_by_ref = {}
    next_order = max((t.order for t in plan.themes.all()), default=0) if changes.plan else 0
    new_themes = []
    for parsed_theme in changes.themes_to_create:
        next_order += 1
        new_themes.append(
            Theme(plan=plan, reference=parsed_theme.reference, title=parsed_theme.title, order=next_order)
        )
    Theme.objects.bulk_create(new_themes, batch_size=BATCH)
    Theme.history.bulk_history_create(new_themes, default_user=w.user, default_change_reason=w.reason)
    for parsed_theme, theme in zip(changes.themes_to_create, new_themes, strict=True):
        theme_by_ref[parsed_theme.reference] = theme
        w.log.append(ImportChange.of(w.job, "created", theme))
    updated_themes = []
    for theme, values, diff in changes.theme_updates:
        for attr, value in values.items():
            setattr(theme, attr, value)
        updated_themes.append(theme)
        w.log.append(_change_record(w.job, theme, diff))
    if updated_themes:
        Theme.objects.bulk_update(updated_themes, ["title"], batch_size=BATCH)
        Theme.history.bulk_history_create(updated_themes, default_user=w.user, default_change_reason=w.reason)
    return theme_by_ref


def _apply_inspection(changes: PlanImportChanges, w: _Writing) -> dict:
    """The inspection the admin asked for, with the plan's recommendations: {key: recommendation id}."""
    if changes.new_inspection is None:
        return {}
    inspection = Inspection(kind=changes.new_inspection.kind, start_date=changes.new_inspection.date)
    inspection._change_reason = w.reason
    inspection.save()
    w.log.append(ImportChange.of(w.job, "created", inspection))
    recs = [
        Recommendation(inspection=inspection, reference=reference, text=text, order=order)
        for _key, reference, text, order in changes.recommendations_to_create
    ]
    Recommendation.objects.bulk_create(recs, batch_size=BATCH)
    if hasattr(Recommendation, "history"):
        Recommendation.history.bulk_history_create(recs, default_user=w.user, default_change_reason=w.reason)
    ids = dict(Recommendation.objects.filter(inspection=inspection).values_list("reference", "pk"))
    w.log.extend(ImportChange.of(w.job, "created", rec) for rec in recs)
    return {key: ids[reference] for key, reference, _text, _order in changes.recommendations_to_create}


def _apply_actions(changes: PlanImportChanges, plan: Plan, theme_by_ref: dict, w: _Writing):
    new_actions, changed_fields = [], set()
    added_on = w.today if changes.plan is not None else (changes.plan_start or w.today)
    for planned in changes.actions:
        values = dict(planned.fields)
        if "theme" in values and not isinstance(values["theme"], Theme):
            values["theme"] = theme_by_ref[values["theme"].reference]
        if planned.existing is None:
            action = Action(added_on=added_on, **values)
            new_actions.append(action)
            planned.saved, planned.created = action, True
        else:
            action = planned.saved = planned.existing
            planned.created = False
            for attr, value in values.items():
                setattr(action, attr, value)
                changed_fields.add(attr)
        if planned.updates or planned.revision:
            # Its current state is refreshed from the log once the entries are in (below); the version
            # tells anyone with the update form open that the action changed under them.
            action.version += 1
            changed_fields.add("version")
    bulk.insert(Action, new_actions)
    if new_actions:
        # The new rows' ids, read back by theme and reference (unique together).
        ids = {
            (theme_id, ref): pk
            for theme_id, ref, pk in Action.objects.filter(theme__plan=plan).values_list("theme_id", "reference", "pk")
        }
        for action in new_actions:
            action.pk = ids[(action.theme_id, action.reference)]
            action._state.adding = False
    existing_changed = [
        p.saved
        for p in changes.actions
        if not p.created and (p.updates or p.revision or p.fields or p.recommendation_ids is not None)
    ]
    _update_rows(Action, existing_changed, sorted(changed_fields - {"reference"}))
    return new_actions, existing_changed


def _apply_entries(changes: PlanImportChanges, plan: Plan, recs_by_key: dict, w: _Writing) -> None:
    """Progress entries, target date revisions and recommendation links, in bulk."""
    now = clock.now()
    updates, revisions, links, unlink = [], [], [], []
    for planned in changes.actions:
        action = planned.saved
        for u in planned.updates:
            updates.append(
                ActionUpdate(
                    action_id=action.pk,
                    date=u["date"],
                    author=w.user,
                    status=u["status"],
                    progress=u["progress"],
                    narrative=u["narrative"],
                    computed_rag=u["computed_rag"],
                    rag_override=u["rag_override"],
                    rag_override_reason=u["rag_override_reason"],
                    created_at=now,
                    backdating_reason=w.backdate_reason if u["backdated"] else "",
                )
            )
        if planned.revision:
            revision = planned.revision
            why = f"Changed in the imported spreadsheet {w.file_name}"
            if revision["date_unknown"]:
                why = f"{why}: {UNKNOWN_REVISION_DATE}"
            revisions.append(
                TargetDateRevision(
                    action=action,
                    previous_date=revision["previous_date"],
                    new_date=revision["new_date"],
                    effective_on=revision["effective_on"],
                    recorded_by=w.user,
                    reason=why[:500],
                    agreed_by="As recorded in the imported plan",
                    backdating_reason=w.backdate_reason if revision.get("backdated") else "",
                )
            )
        rec_ids = planned.recommendation_ids
        if planned.new_recommendation_keys:
            rec_ids = {recs_by_key[key] for key in planned.new_recommendation_keys if key in recs_by_key}
        if rec_ids is not None:
            if not planned.created:
                unlink.append(action.pk)
            links.extend(Action.recommendations.through(action_id=action.pk, recommendation_id=r) for r in rec_ids)
    if unlink:
        for start in range(0, len(unlink), BATCH):
            Action.recommendations.through.objects.filter(action_id__in=unlink[start : start + BATCH]).delete()
    bulk.insert(Action.recommendations.through, links)
    # The plan's actions are locked (or new): every update of theirs after this id is one written here.
    before = (
        ActionUpdate.objects.filter(action__theme__plan=plan).aggregate(last=Max("pk"))["last"] or 0 if updates else 0
    )
    bulk.insert(ActionUpdate, updates)
    if updates:
        # Read their ids back in the order they were written.
        written = ActionUpdate.objects.filter(action__theme__plan=plan, pk__gt=before).order_by("pk")
        for update, pk in zip(updates, written.values_list("pk", flat=True), strict=True):
            update.pk = pk
    bulk.insert_history(ActionUpdate, updates, user=w.user, reason=w.reason)
    TargetDateRevision.objects.bulk_create(revisions, batch_size=BATCH)
    TargetDateRevision.history.bulk_history_create(revisions, default_user=w.user, default_change_reason=w.reason)


def _log_actions(changes: PlanImportChanges, w: _Writing) -> None:
    action_url = _url_maker("improvement:action_detail")
    for planned in changes.actions:
        action = planned.saved
        if planned.created:
            w.log.append(ImportChange.of(w.job, "created", action, url=action_url(action.pk)))
        elif planned.diff or planned.updates or planned.revision:
            diff = list(planned.diff)
            for update in planned.updates:
                diff.append(("progress update", "", update["narrative"][:200]))
            w.log.append(_change_record(w.job, action, diff))


def _update_rows(model, objects, fields):
    """Save the given fields of many rows: one UPDATE statement run for each row.

    bulk_update builds one CASE WHEN per field with a branch per row, which took a minute for
    20,000 actions; executemany with plain parameters takes a second."""
    if not objects or not fields:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in columns)} "
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    rows = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk] for obj in objects]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def _change_record(job, obj, diff):
    return ImportChange.of(
        job,
        "updated",
        obj,
        fields=[
            {
                "field": name.replace("_id", "").replace("_", " "),
                "before": _display(before)[:300],
                "after": _display(after)[:300],
            }
            for name, before, after in diff
        ],
    )


def run_plan_import(
    parse: PlanParse,
    *,
    target: PlanTarget,
    today,
    dry_run,
    job=None,
    user=None,
    file_name="",
    backdate_reason="",
    expected_versions=None,
):
    """The dry run, and unless dry_run the apply in one transaction. Returns (changes, plan or None).

    `expected_versions` ({action id: version}, from the preview's action_versions) is what the admin saw:
    the apply locks the plan's actions, refuses with ActionsChangedSincePreview (nothing written) if any
    of them moved on since, and works out the changes again under the lock, so an officer's update
    recorded after the preview is never overwritten by the spreadsheet."""
    if dry_run:
        return plan_changes(parse, target=target, today=today), None
    with transaction.atomic():
        if target.plan is not None:
            _check_versions(target.plan, expected_versions)
        changes = plan_changes(parse, target=target, today=today)
        saved_plan = apply_plan_changes(
            changes, job=job, user=user, file_name=file_name, today=today, backdate_reason=backdate_reason
        )
    return changes, saved_plan


def action_versions(changes: PlanImportChanges) -> dict:
    """{action id (as text, for JSON): version} of the existing actions the file matched: kept on the
    preview so the apply can tell whether any of them changed since."""
    return {str(p.existing.pk): p.existing.version for p in changes.actions if p.existing is not None}


class ActionsChangedSincePreview(Exception):
    """Someone changed actions of the plan after the preview: the import is refused and nothing is saved."""

    def __init__(self, changed: list):
        self.changed = changed  # [{"reference", "title", "url", "by", "on"}]
        count = len(changed)
        super().__init__(
            f"{count} action{'s' if count != 1 else ''} in this plan changed after the file was checked "
            f"(listed below), so the import was not made and nothing was saved. The file has been checked "
            "again against the plan as it is now: look at the preview again before importing."
        )


def _check_versions(plan: Plan, expected_versions: dict | None) -> None:
    # Lock every action of the plan (in id order, so two imports cannot deadlock) until the import commits:
    # no update can be recorded between this check and the writes.
    current = dict(
        Action.objects.select_for_update(of=("self",))
        .filter(theme__plan=plan)
        .order_by("pk")
        .values_list("pk", "version")
    )
    if expected_versions is None:
        return
    changed_ids = [int(pk) for pk, version in expected_versions.items() if current.get(int(pk)) != version]
    if not changed_ids:
        return
    latest = {}
    for action_id, day, first, last, name in (
        ActionUpdate.objects.filter(action_id__in=changed_ids)
        .order_by("action_id", "-created_at", "-pk")
        .values_list("action_id", "date", "author__first_name", "author__last_name", "author_name")
    ):
        latest.setdefault(action_id, (day, person_name_of(first, last) or name))
    action_url = _url_maker("improvement:action_detail")
    changed = []
    for pk, reference, title in (
        Action.objects.filter(pk__in=changed_ids)
        .order_by("theme__order", "order", "pk")
        .values_list("pk", "reference", "title")
    ):
        day, by = latest.get(pk, (None, ""))
        changed.append({"reference": reference, "title": title, "url": action_url(pk), "by": by, "on": _display(day)})
    removed = len(changed_ids) - len(changed)
    changed += [{"reference": "", "title": "An action since deleted", "url": "", "by": "", "on": ""}] * removed
    raise ActionsChangedSincePreview(changed)


def today():
    return clock.today()


# -- the job: recognise, plan, apply ------------------------------------------------------------


def target_from_options(options: dict, *, file_name: str = "") -> PlanTarget:
    """The admin's choices (upload form, preview) as a PlanTarget. Ids that no longer exist are None."""
    plan = Plan.objects.filter(pk=options["plan_id"]).first() if options.get("plan_id") else None
    inspection = (
        Inspection.objects.filter(pk=options["inspection_id"]).first() if options.get("inspection_id") else None
    )
    previous = (
        Plan.objects.filter(pk=options["previous_version_id"]).first() if options.get("previous_version_id") else None
    )
    title = options.get("new_plan_title") or ""
    if plan is None and not title:
        title = file_name.rsplit(".", 1)[0][:200]
    start = options.get("plan_start")
    return PlanTarget(
        plan=plan,
        new_plan_title=title,
        inspection=inspection,
        new_inspection=None if inspection else NewInspection.from_option(options.get("inspection_new")),
        plan_start=datetime.date.fromisoformat(start) if start else None,
        previous_version=previous if plan is None else None,
        carried=options.get("carried") or {},
    )


def recognised_extra(parse: PlanParse) -> dict:
    """What the preview shows of the recognising, whatever happens next."""
    return {
        "sheet": parse.sheet_name,
        "header_row": parse.header_row,
        "ignored_sheets": parse.ignored_sheets,
        "columns": [{"field": FIELD_LABELS[m.field], "header": m.header} for m in parse.column_map.recognised],
        "unmapped_columns": [{"key": normalise_header(h), "header": h} for _, h in parse.unmapped_columns],
        "unmapped_values": [{"key": k, "text": t} for k, t in sorted(parse.unmapped_values.items())],
    }


def import_result(
    parse: PlanParse,
    *,
    target: PlanTarget,
    today: datetime.date,
    dry_run: bool,
    job=None,
    user=None,
    file_name: str = "",
    backdate_reason: str = "",
    expected_versions=None,
) -> ImportResult:
    """The plan import's result (imports.pipeline.ImportResult) for a parse: the dry run's, or the apply's."""
    extra = recognised_extra(parse)
    result = ImportResult(columns=parse.column_map, extra=extra, problems=list(parse.problems))
    if parse.refusal:
        result.refusal = parse.refusal
        return result
    file_recs = sorted(
        {key for a in parse.actions for key in a.recommendation_keys} | set(parse.recommendations), key=_rec_sort_key
    )
    extra.update(
        plan_start=(target.plan_start or default_plan_start(parse, target.plan, today)).isoformat(),
        plan_start_default=default_plan_start(parse, target.plan, today).isoformat(),
        file_recommendations=[f"R{k}" for k in file_recs],
        creates_plan=target.plan is None,
    )
    if not dry_run and parse.errors:
        changes = plan_changes(parse, target=target, today=today)
        result.counts, result.problems = changes.counts, result.problems + changes.problems
        return result
    try:
        changes, saved_plan = run_plan_import(
            parse,
            target=target,
            today=today,
            dry_run=dry_run,
            job=job,
            user=user,
            file_name=file_name,
            backdate_reason=backdate_reason,
            expected_versions=expected_versions,
        )
    except ActionsChangedSincePreview as stale:
        extra["changed_actions"] = stale.changed[:MAX_STORED_PROBLEMS]
        result.refusal = str(stale)
        return result
    except BackdateReasonMissing as missing:
        extra.update(backdated=missing.entries[:MAX_STORED_PROBLEMS], backdated_count=len(missing.entries))
        result.refusal = str(missing)
        return result
    extra["backdated"] = changes.backdated[:MAX_STORED_PROBLEMS]
    extra["backdated_count"] = len(changes.backdated)
    if dry_run:
        extra["action_versions"] = action_versions(changes)
        result.rows = changes.rows
        result.parsed = parse.to_json()
    if saved_plan is not None:
        extra.update(plan_id=saved_plan.pk, plan_url=saved_plan.get_absolute_url(), plan_title=str(saved_plan))
    result.counts = changes.counts
    result.problems += changes.problems
    return result
