"""Plan import against the database: work out what a parsed plan would change (the dry run),
then apply exactly that, in bulk, inside one transaction."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse

from core import clock
from imports import bulk
from imports.models import ImportChange
from imports.parsing.plan import ParsedAction, PlanParse, Problem
from imports.parsing.values import MEANINGS, date_in_progress_text, normalise_rec_ref
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
)
from improvement.services import link_new_actions

BATCH = 1000


@dataclass
class PlannedAction:
    parsed: ParsedAction
    existing: Action | None
    fields: dict  # field name -> new value (for a new action, every field)
    diff: list  # [(field, before, after)] for an existing action
    recommendation_ids: set | None  # None: leave links alone
    update: dict | None  # a new ActionUpdate's values, or None
    revision: dict | None  # a TargetDateRevision's values, or None
    # Entries dated earlier than the back-dating rule allows: saved only with the admin's one reason.
    update_backdated: bool = False
    revision_backdated: bool = False


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


@dataclass
class PlanChanges:
    plan: Plan | None
    new_plan_title: str
    themes_to_create: list = field(default_factory=list)  # ParsedTheme
    theme_updates: list = field(default_factory=list)  # (Theme, {field: value}, diff)
    actions: list = field(default_factory=list)  # PlannedAction
    problems: list = field(default_factory=list)
    # [{"reference", "row", "entry", "date", "earliest", "why"}] for the preview: see _find_backdated.
    backdated: list = field(default_factory=list)

    @property
    def counts(self):
        created = len(self.themes_to_create) + sum(1 for a in self.actions if a.existing is None)
        updated = len(self.theme_updates) + sum(
            1 for a in self.actions if a.existing is not None and (a.diff or a.update or a.revision)
        )
        unchanged = sum(1 for a in self.actions if a.existing is not None and not (a.diff or a.update or a.revision))
        return {
            "created": created + (1 if self.plan is None else 0),
            "updated": updated,
            "unchanged": unchanged,
            "actions_created": sum(1 for a in self.actions if a.existing is None),
            "actions_updated": sum(
                1 for a in self.actions if a.existing is not None and (a.diff or a.update or a.revision)
            ),
            "themes_created": len(self.themes_to_create),
            "progress_updates": sum(1 for a in self.actions if a.update),
        }


def _display(value):
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, (set, list, tuple)):
        return ", ".join(sorted(str(v) for v in value))
    return str(value)


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


def plan_changes(
    parse: PlanParse,
    *,
    plan: Plan | None,
    new_plan_title: str = "",
    inspection: Inspection | None,
    today: datetime.date,
) -> PlanChanges:
    """What importing the parsed plan would do. Reads only: this is the dry run."""
    changes = PlanChanges(plan=plan, new_plan_title=new_plan_title)
    cols = parse.columns
    sheet = parse.sheet_name

    existing_themes = list(plan.themes.all()) if plan else []
    themes_by_ref = {t.reference: t for t in existing_themes}
    themes_by_title = {t.title.lower(): t for t in existing_themes}
    theme_for_ref = {}
    for parsed_theme in parse.themes:
        theme = themes_by_ref.get(parsed_theme.reference) or themes_by_title.get(parsed_theme.title.lower())
        if theme is None:
            changes.themes_to_create.append(parsed_theme)
            theme_for_ref[parsed_theme.reference] = parsed_theme
            continue
        theme_for_ref[parsed_theme.reference] = theme
        wanted_title = parsed_theme.title if not parsed_theme.title.startswith("Theme ") else theme.title
        if wanted_title != theme.title:
            changes.theme_updates.append((theme, {"title": wanted_title}, [("title", theme.title, wanted_title)]))

    actions_by_ref = {}
    latest_narrative = {}
    linked_recs = {}
    if plan:
        actions_by_ref = {a.reference: a for a in Action.objects.filter(theme__plan=plan).select_related("theme__plan")}
        for action_id, narrative in (
            ActionUpdate.objects.filter(action__theme__plan=plan)
            .order_by("action_id", "-date", "-created_at", "-pk")
            .values_list("action_id", "narrative")
        ):
            latest_narrative.setdefault(action_id, narrative)
        for action_id, rec_id in Action.recommendations.through.objects.filter(action__theme__plan=plan).values_list(
            "action_id", "recommendation_id"
        ):
            linked_recs.setdefault(action_id, set()).add(rec_id)

    recs_by_key, recs_by_text = {}, {}
    if inspection:
        for rec in Recommendation.objects.filter(inspection=inspection):
            recs_by_key[normalise_rec_ref(rec.reference)] = rec.pk
            recs_by_text[rec.text.strip().lower()[:80]] = rec.pk
    elif "recommendation" in cols and any(a.recommendation_keys or a.recommendation_text for a in parse.actions):
        changes.problems.append(
            Problem(
                sheet,
                None,
                "Recommendations",
                "The file lists recommendations, but no inspection was chosen, so actions "
                "were not linked to recommendations.",
                "warning",
            )
        )
    by_email, by_name = _user_index() if "lead" in cols else ({}, {})

    for parsed in parse.actions:
        existing = actions_by_ref.get(parsed.reference)
        theme = theme_for_ref[parsed.theme_reference]
        wanted = {}
        if "title" in cols:
            wanted["title"] = parsed.title
        for name, attr in (("detail", "detail"), ("partner", "partner_agency"), ("success_measure", "success_measure")):
            if name in cols:
                wanted[attr] = getattr(parsed, {"partner": "partner"}.get(name, name))
        if "lead" in cols:
            wanted["lead_job_title"] = parsed.lead
            # Linked only when the text names exactly one user; otherwise a link made by hand is kept.
            lead_id = _match_lead(parsed, by_email, by_name) if parsed.lead else None
            if lead_id is not None:
                wanted["lead_officer_id"] = lead_id
        if "start_date" in cols:
            wanted["start_date"] = parsed.start_date
        if "target_date" in cols or "target_date_note" in cols:
            wanted["target_date_note"] = parsed.target_date_note

        rec_ids = None
        if inspection and "recommendation" in cols:
            rec_ids = set()
            for key in parsed.recommendation_keys:
                if key in recs_by_key:
                    rec_ids.add(recs_by_key[key])
                else:
                    changes.problems.append(
                        Problem(
                            sheet,
                            parsed.row,
                            "Recommendations",
                            f"Action {parsed.reference}: recommendation {key} is not one of the "
                            "chosen inspection's recommendations, so it was not linked.",
                            "warning",
                        )
                    )
            if not parsed.recommendation_keys and parsed.recommendation_text:
                match = recs_by_text.get(parsed.recommendation_text.lower()[:80])
                if match:
                    rec_ids.add(match)
                else:
                    changes.problems.append(
                        Problem(
                            sheet,
                            parsed.row,
                            "Recommendations",
                            f"Action {parsed.reference}: the recommendation text does not match "
                            "any of the chosen inspection's recommendations.",
                            "warning",
                        )
                    )

        # Status and RAG: the status column wins; the RAG column fills in the judgement.
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
        sheet_rag = rag_values[2] if rag_values else None

        desired_target = parsed.revised_date or parsed.target_date
        revision = None
        if existing is None:
            wanted["original_target_date"] = parsed.target_date or parsed.revised_date
            wanted["target_date"] = desired_target
            if parsed.revised_date and parsed.target_date and parsed.revised_date != parsed.target_date:
                revision = {"previous_date": parsed.target_date, "new_date": parsed.revised_date}
        elif desired_target and desired_target != existing.target_date:
            if existing.target_date is None and existing.original_target_date is None:
                wanted["original_target_date"] = desired_target
                wanted["target_date"] = desired_target
            else:
                revision = {"previous_date": existing.target_date, "new_date": desired_target}
                wanted["target_date"] = desired_target

        current_status = existing.status if existing else ActionStatus.NOT_STARTED
        current_progress = existing.progress if existing else ""
        current_override = existing.rag_override if existing else ""
        new_status = status if status is not None else current_status
        new_progress = (progress or "") if status is not None else current_progress
        if new_status != ActionStatus.IN_PROGRESS:
            new_progress = ""
        update_date = (
            min(date_in_progress_text(parsed.progress_text) or today, today) if parsed.progress_text else today
        )
        target_for_rag = wanted.get("target_date", existing.target_date if existing else None)
        computed = compute_action_rag(
            status=new_status, progress=new_progress, target_date=target_for_rag, as_at=update_date
        )
        # The spreadsheet's RAG is as things stand today: it is an override only where the rule disagrees.
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
        narrative_changed = bool(parsed.progress_text) and parsed.progress_text != latest_narrative.get(
            existing.pk if existing else None
        )
        state_changed = (new_status, new_progress, new_override) != (current_status, current_progress, current_override)
        update = None
        if narrative_changed or state_changed:
            update = {
                "date": update_date,
                "status": new_status,
                "progress": new_progress,
                "narrative": parsed.progress_text
                if narrative_changed
                else (parsed.progress_text or "Status recorded by a spreadsheet import."),
                "computed_rag": computed,
                "rag_override": new_override,
                "rag_override_reason": (
                    "The RAG given in the imported spreadsheet."
                    if new_override and new_override != current_override
                    else (existing.rag_override_reason if existing and new_override else "")
                ),
            }

        if update and existing is not None and existing.last_update_on and update_date < existing.last_update_on:
            # Said on the preview, because the sheet's status will not become the action's status.
            changes.problems.append(
                Problem(
                    sheet,
                    parsed.row,
                    "Progress update",
                    f"Action {parsed.reference}: the progress entry is dated {_display(update_date)}, before the "
                    f"action's latest update ({_display(existing.last_update_on)}). It is added to the history; "
                    "the action's current status stays as its latest update says.",
                    "guess",
                )
            )

        diff = []
        if existing is not None:
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
            if rec_ids is not None and rec_ids != linked_recs.get(existing.pk, set()):
                diff.append(("recommendations", linked_recs.get(existing.pk, set()), rec_ids))
            elif rec_ids is not None:
                rec_ids = None
        else:
            wanted["theme"] = theme
            wanted["reference"] = parsed.reference
            wanted["order"] = parsed.order
        changes.actions.append(PlannedAction(parsed, existing, wanted, diff, rec_ids, update, revision))
    if plan is not None:
        _find_backdated(changes, plan, today)
    return changes


def _find_backdated(changes: PlanChanges, plan: Plan, today: datetime.date) -> None:
    """Mark the entries the back-dating rule (improvement.rules) would refuse from an officer: dated before
    the plan's start, or before a published pack that shows the action. A plan the import creates has no
    past to rewrite, so this applies to imports into an existing plan."""
    existing = [p.existing for p in changes.actions if p.existing is not None and (p.update or p.revision)]
    earliest = earliest_effective_dates(existing)
    # A new action joins the plan today; no published pack has shown it.
    for_new = earliest_effective_date(added_on=today, plan_start=plan.start_date, published=None)
    for planned in changes.actions:
        if not (planned.update or planned.revision):
            continue
        rule = earliest[planned.existing.pk] if planned.existing is not None else for_new
        entries = []
        if planned.update and not rule.allows(planned.update["date"]):
            planned.update_backdated = True
            entries.append(("Progress update", planned.update["date"]))
        if planned.revision and not rule.allows(today):
            planned.revision_backdated = True
            entries.append(("Target date revision", today))
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


def _url_maker(name):
    """pk -> URL without a reverse() per row (reverse costs more than the row's INSERT)."""
    marker = 987654321
    pattern = reverse(name, args=[marker])
    return lambda pk: pattern.replace(str(marker), str(pk))


def apply_plan_changes(
    changes: PlanChanges, *, job, user, file_name: str, today: datetime.date, backdate_reason: str = ""
) -> Plan:
    """Write the changes. The caller wraps this in transaction.atomic: all or nothing. Back-dated entries
    need the admin's one reason (BackdateReasonMissing otherwise, before anything is written)."""
    backdate_reason = (backdate_reason or "").strip()
    if changes.backdated and not backdate_reason:
        raise BackdateReasonMissing(changes.backdated)
    reason = f"Import {file_name}"[:100]
    log = []
    plan = changes.plan
    if plan is None:
        plan = Plan(title=changes.new_plan_title[:200], status=Plan.Status.DRAFT, start_date=today)
        plan._change_reason = reason
        plan.save()
        log.append(ImportChange.of(job, "created", plan))

    theme_by_ref = {}
    next_order = max((t.order for t in plan.themes.all()), default=0) if changes.plan else 0
    new_themes = []
    for parsed_theme in changes.themes_to_create:
        next_order += 1
        new_themes.append(
            Theme(plan=plan, reference=parsed_theme.reference, title=parsed_theme.title, order=next_order)
        )
    Theme.objects.bulk_create(new_themes, batch_size=BATCH)
    Theme.history.bulk_history_create(new_themes, default_user=user, default_change_reason=reason)
    for parsed_theme, theme in zip(changes.themes_to_create, new_themes, strict=True):
        theme_by_ref[parsed_theme.reference] = theme
        log.append(ImportChange.of(job, "created", theme))
    updated_themes = []
    for theme, values, diff in changes.theme_updates:
        for attr, value in values.items():
            setattr(theme, attr, value)
        updated_themes.append(theme)
        log.append(_change_record(job, theme, diff))
    if updated_themes:
        Theme.objects.bulk_update(updated_themes, ["title"], batch_size=BATCH)
        Theme.history.bulk_history_create(updated_themes, default_user=user, default_change_reason=reason)

    def resolve_theme(value):
        return theme_by_ref[value.reference] if not isinstance(value, Theme) else value

    new_actions, changed_fields = [], set()
    for planned in changes.actions:
        values = dict(planned.fields)
        if "theme" in values:
            values["theme"] = resolve_theme(values["theme"])
        if planned.existing is None:
            action = Action(added_on=today, **values)
            new_actions.append(action)
            planned.saved = action
            planned.created = True
        else:
            action = planned.saved = planned.existing
            planned.created = False
            for attr, value in values.items():
                setattr(action, attr, value)
                changed_fields.add(attr)
        if planned.update or planned.revision:
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

    now = clock.now()
    updates, revisions, links, unlink = [], [], [], []
    for planned in changes.actions:
        action = planned.saved
        if planned.update:
            u = planned.update
            updates.append(
                ActionUpdate(
                    action_id=action.pk,
                    date=u["date"],
                    author=user,
                    status=u["status"],
                    progress=u["progress"],
                    narrative=u["narrative"],
                    computed_rag=u["computed_rag"],
                    rag_override=u["rag_override"],
                    rag_override_reason=u["rag_override_reason"],
                    created_at=now,
                    backdating_reason=backdate_reason if planned.update_backdated else "",
                )
            )
        if planned.revision:
            revisions.append(
                TargetDateRevision(
                    action=action,
                    previous_date=planned.revision["previous_date"],
                    new_date=planned.revision["new_date"],
                    effective_on=today,
                    recorded_by=user,
                    reason=f"Changed in the imported spreadsheet {file_name}"[:500],
                    agreed_by="As recorded in the imported plan",
                    backdating_reason=backdate_reason if planned.revision_backdated else "",
                )
            )
        if planned.recommendation_ids is not None:
            if not planned.created:
                unlink.append(action.pk)
            links.extend(
                Action.recommendations.through(action_id=action.pk, recommendation_id=r)
                for r in planned.recommendation_ids
            )

    existing_changed = [p.saved for p in changes.actions if not p.created and (p.update or p.revision or p.fields)]
    _update_rows(Action, existing_changed, sorted(changed_fields - {"reference"}))
    if unlink:
        for start in range(0, len(unlink), BATCH):
            Action.recommendations.through.objects.filter(action_id__in=unlink[start : start + BATCH]).delete()
    bulk.insert(Action.recommendations.through, links)
    bulk.insert(ActionUpdate, updates)
    if updates:
        # One new update per action, all stamped with the same moment: read their ids back by action.
        update_ids = dict(
            ActionUpdate.objects.filter(action__theme__plan=plan, created_at=now).values_list("action_id", "pk")
        )
        for update in updates:
            update.pk = update_ids[update.action_id]
    bulk.insert_history(ActionUpdate, updates, user=user, reason=reason)
    TargetDateRevision.objects.bulk_create(revisions, batch_size=BATCH)
    TargetDateRevision.history.bulk_history_create(revisions, default_user=user, default_change_reason=reason)
    # The one writer of an action's current state, as for a form: an entry dated before a newer update
    # goes into the history without overwriting what the newer one says.
    # New actions are linked to the ones they continue in the previous version; the state (and its history)
    # of every new or changed action is refreshed.
    link_new_actions(new_actions, also_refresh=existing_changed)
    bulk.insert_history(Action, new_actions, user=user, reason=reason)
    bulk.insert_history(Action, existing_changed, user=user, reason=reason, history_type="~")

    action_url = _url_maker("improvement:action_detail")
    for planned in changes.actions:
        action = planned.saved
        if planned.created:
            log.append(ImportChange.of(job, "created", action, url=action_url(action.pk)))
        elif planned.diff or planned.update or planned.revision:
            diff = list(planned.diff)
            if planned.update:
                diff.append(("progress update", "", planned.update["narrative"][:200]))
            log.append(_change_record(job, action, diff))
    bulk.insert(ImportChange, log)
    return plan


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
    plan,
    new_plan_title,
    inspection,
    today,
    dry_run,
    job=None,
    user=None,
    file_name="",
    on_phase=None,
    backdate_reason="",
    expected_versions=None,
):
    """The dry run, and unless dry_run the apply in one transaction. Returns (changes, plan or None).

    `expected_versions` ({action id: version}, from the preview's action_versions) is what the admin saw:
    the apply locks the plan's actions, refuses with ActionsChangedSincePreview (nothing written) if any
    of them moved on since, and works out the changes again under the lock, so an officer's update
    recorded after the preview is never overwritten by the spreadsheet."""
    if dry_run:
        changes = plan_changes(parse, plan=plan, new_plan_title=new_plan_title, inspection=inspection, today=today)
        return changes, None
    if on_phase:
        on_phase("Saving the changes")
    with transaction.atomic():
        if plan is not None:
            _check_versions(plan, expected_versions)
        changes = plan_changes(parse, plan=plan, new_plan_title=new_plan_title, inspection=inspection, today=today)
        saved_plan = apply_plan_changes(
            changes, job=job, user=user, file_name=file_name, today=today, backdate_reason=backdate_reason
        )
    return changes, saved_plan


def action_versions(changes: PlanChanges) -> dict:
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
        latest.setdefault(action_id, (day, f"{first or ''} {last or ''}".strip() or name))
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
