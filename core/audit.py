"""The audit log: who did what to which record, and when, for an admin to read in the app.

Every change that grants or removes access (roles, delegates, accounts), every export and
every deletion an admin is allowed to make writes one `AuditEntry` through `record`, in the
same transaction as the change it describes.
"""

from core import clock
from core.models import EVENT_LABELS, AuditEntry

__all__ = ["EVENT_LABELS", "record"]


def record(actor, event: str, subject=None, summary: str = "", **detail) -> AuditEntry:
    """Write one audit entry. `subject` is any model instance (kept as type, id and name)."""
    return AuditEntry.objects.create(
        at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(actor.get_username() if getattr(actor, "pk", None) else "system"),
        event=event,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_name=str(subject)[:300] if subject is not None else "",
        summary=summary[:500],
        detail=detail,
    )


def attachment_name(response) -> str:
    """The file name a download response gives the browser (Content-Disposition), or ""."""
    disposition = response.get("Content-Disposition", "")
    _, _, name = disposition.partition('filename="')
    return name.rstrip('"')


def record_download(actor, response, what: str, subject=None, **detail) -> AuditEntry:
    """One 'export.downloaded' entry for a file about to be sent: who, what, which file, when."""
    filename = attachment_name(response)
    summary = f"{what}: {filename}" if filename else what
    return record(actor, "export.downloaded", subject, summary, filename=filename, **detail)
