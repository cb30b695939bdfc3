"""Every change to an action's delegates (who may record progress on it) leaves an audit entry.

Delegates grant the right to update an action, so a change is an access change. The m2m_changed
signal catches every writer (Django admin, a form, the shell, either side of the relation); a
writer that may add and remove in one save wraps it in `one_entry_for` to get a single old-to-new
entry. Bulk inserts into the through table (the demo's seeding) send no signal and are not recorded.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import m2m_changed
from simple_history.models import HistoricalRecords

from core import audit
from core.formats import person_name

_caller_records = ContextVar("delegates_caller_records", default=False)


def _delegates_of(action) -> dict[int, str]:
    users = action.delegates.model.objects.filter(delegated_actions=action).order_by("pk")
    return {user.pk: person_name(user) for user in users}


def _request_user():
    # HistoryRequestMiddleware keeps the current request here for the length of each request.
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _record(actor, action, before: dict[int, str], after: dict[int, str]):
    if before == after:
        return
    added = [after[pk] for pk in after if pk not in before]
    removed = [before[pk] for pk in before if pk not in after]
    parts = []
    if added:
        parts.append("added " + ", ".join(added))
    if removed:
        parts.append("removed " + ", ".join(removed))
    changes = "; ".join(parts)
    now = ", ".join(after.values()) or "nobody"
    summary = f"{changes[0].upper()}{changes[1:]}. May now update: {now}."
    audit.record(
        actor,
        "action.delegates_changed",
        action,
        summary,
        before=sorted(before.values()),
        after=sorted(after.values()),
        added=added,
        removed=removed,
    )


@contextmanager
def one_entry_for(actor, action):
    """Record the delegates' change made inside the block as one entry (before and after the block)."""
    before = _delegates_of(action) if action.pk else {}
    token = _caller_records.set(True)
    try:
        yield
    finally:
        _caller_records.reset(token)
    _record(actor, action, before, _delegates_of(action))


def on_delegates_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if _caller_records.get():
        return
    if not reverse:  # instance is the Action
        if action.startswith("pre_"):
            instance._delegates_before = _delegates_of(instance)
        elif action.startswith("post_"):
            before = getattr(instance, "_delegates_before", {})
            _record(_request_user(), instance, before, _delegates_of(instance))
        return
    # instance is the user; pk_set holds actions (none on clear, so remember them first).
    if action == "pre_clear":
        instance._delegated_before = list(model.objects.filter(delegates=instance))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear":
        actions = instance.__dict__.pop("_delegated_before", [])
    else:
        # pk_set is empty when nothing changed (adding what is there already): nothing to record.
        actions = list(model.objects.filter(pk__in=pk_set or ()))
    for changed in actions:
        after = _delegates_of(changed)
        before = dict(after)
        if action == "post_add":
            before.pop(instance.pk, None)
        else:
            before[instance.pk] = person_name(instance)
        _record(_request_user(), changed, before, after)


def connect(action_model):
    m2m_changed.connect(
        on_delegates_changed, sender=action_model.delegates.through, dispatch_uid="improvement.delegates_audit"
    )
