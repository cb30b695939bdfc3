"""Writes to the plan. Every progress update goes through record_update."""

from django.db import transaction
from django.db.models import F

from core import clock
from improvement.models import Action, ActionUpdate, TargetDateRevision
from improvement.rules import compute_action_rag


class StaleActionError(Exception):
    """Someone recorded an update after the form was loaded; nothing was saved."""

    def __init__(self, action, latest_update=None):
        self.action = action
        self.latest_update = latest_update
        super().__init__(f"Action {action.pk} changed since version was read")


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
) -> ActionUpdate:
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
        )
        action.target_date = revised_target_date

    update = ActionUpdate.objects.create(
        action=action,
        date=date,
        author=author,
        author_name=(author.get_full_name() or author.get_username()) if author else "",
        status=status,
        progress=progress,
        narrative=narrative,
        evidence_of_impact=evidence_of_impact,
        computed_rag=compute_action_rag(status=status, progress=progress, target_date=action.target_date, as_at=date),
        rag_override=rag_override,
        rag_override_reason=rag_override_reason if rag_override else "",
        corrects=corrects,
    )

    # The current state is the latest entry by date: a back-dated entry does not replace a newer one.
    latest = action.updates.order_by("-date", "-created_at", "-pk").first()
    action.status = latest.status
    action.progress = latest.progress
    action.rag_override = latest.rag_override
    action.rag_override_reason = latest.rag_override_reason
    action.last_update_on = latest.date
    action.save()  # through save() so the change is in the audit history
    return update
