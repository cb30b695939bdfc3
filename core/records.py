"""Permanent records: rows that are written once and never edited or deleted.

Progress updates, date revisions, published packs, the import log and the audit log are what the
service answers with when asked "what did we say, and when". A correction is a new entry. Pages
and Django admin already refuse to change them; the guards here make the ORM refuse too, so a page
written later cannot do it by accident. Their parents point at them with `on_delete=PROTECT`,
so deleting an action, a meeting or an indicator that has records is refused as well.

The refusal is a `PermissionDenied`: if a future page ever trips it, the person sees the
"you cannot do this" page and nothing changes, rather than a server error.
"""

from django.core.exceptions import PermissionDenied
from django.db import models


class PermanentRecordError(PermissionDenied):
    """Something tried to edit or delete a permanent record."""

    def __init__(self, model, verb: str):
        super().__init__(f"{model._meta.verbose_name_plural.capitalize()} are permanent records and cannot be {verb}.")


class PermanentRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermanentRecordError(self.model, "changed")

    def delete(self):
        raise PermanentRecordError(self.model, "deleted")


class PermanentRecord(models.Model):
    """An abstract base: rows may be added, never changed or deleted."""

    objects = PermanentRecordQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._exists_in_database():
            raise PermanentRecordError(type(self), "changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermanentRecordError(type(self), "deleted")

    def _exists_in_database(self) -> bool:
        if not self._state.adding:
            return True
        # A new instance given the primary key of an existing row would overwrite it.
        return self.pk is not None and type(self)._base_manager.filter(pk=self.pk).exists()


def delete_with_unactivated_plan(queryset) -> int:
    """Remove permanent records. The one caller is improvement.services.delete_unactivated_plan:
    a plan that was never made active (a mistaken import) goes whole, and that deletion is itself
    recorded in the audit log. Nothing else may call this."""
    return queryset._raw_delete(queryset.db)
