"""An import job: the uploaded file, the admin's choices, the preview, the outcome and its log."""

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse

from core import clock
from core.records import PermanentRecord, PermanentRecordError

# What an applied import's log says: who imported which file, when, with which choices, and what
# it did. Frozen once the job is done. The file itself (file_bytes, file_size) and the parsed copy
# are not part of the log, so the purge of old uploads can clear them.
LOG_FIELDS = (
    "kind",
    "state",
    "file_name",
    "sha256",
    "uploaded_by_id",
    "created_at",
    "finished_at",
    "options",
    "mappings",
    "preview",
    "result",
    "message",
)


class ImportJobQuerySet(models.QuerySet):
    def logged(self):
        """Jobs that were applied: they changed the plan or the KPIs, so they are the import log."""
        return self.filter(state=ImportJob.State.DONE)

    def update(self, **kwargs):
        # Progress and purge updates run against jobs by the thousand; only one touching the log of
        # an applied job needs the extra query.
        if {ImportJob._meta.get_field(name).attname for name in kwargs} & set(LOG_FIELDS) and self.logged().exists():
            raise PermanentRecordError(ImportJob, "changed once applied")
        return super().update(**kwargs)

    def delete(self):
        if self.logged().exists():
            raise PermanentRecordError(ImportJob, "deleted once applied")
        return super().delete()


class ImportJob(models.Model):
    """While a job runs, it changes freely (its phase, preview and state). Once it is applied (DONE)
    its log is permanent: LOG_FIELDS cannot change and the job cannot be deleted. A job that was
    never applied (a dry run, a refused file) changed nothing and may still be removed."""

    class Kind(models.TextChoices):
        PLAN = "plan", "Improvement plan"
        INDICATORS = "indicators", "Indicator values"
        PUBLISHED = "published", "Published statistics"

    class State(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        # Waiting for the background worker to pick it up (queued_for says for which step).
        QUEUED = "queued", "Waiting to start"
        PREVIEWING = "previewing", "Reading the file"
        PREVIEWED = "previewed", "Ready to confirm"
        REFUSED = "refused", "Refused"
        APPLYING = "applying", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.UPLOADED)
    file_name = models.CharField(max_length=255)
    file_bytes = models.BinaryField()
    # Set when `manage.py purge` emptied file_bytes (PURGE_IMPORT_FILES_DAYS after the job ended); the log stays.
    file_removed_at = models.DateTimeField(null=True, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Where the data goes: {"plan_id": .., "new_plan_title": .., "inspection_id": ..}
    options = models.JSONField(default=dict, blank=True)
    # The admin's choices on the preview: {"columns": {header: field}, "values": {text: meaning}, "indicators": {..}}
    mappings = models.JSONField(default=dict, blank=True)
    # The dry run's outcome: counts, problems, unmapped columns and values, unknown indicators.
    preview = models.JSONField(default=dict, blank=True)
    # The plan as the preview read it (imports.parsing.plan.PlanParse.to_json), so confirming applies
    # exactly what was previewed without reading the file again; cleared once the import is done.
    parsed = models.JSONField(null=True, blank=True)
    # What the confirmed import did: counts, and the plan or scorecard it went into.
    result = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True, help_text="A plain-English reason when refused or failed")
    # When it was last queued for the worker, and for what ("preview" or "apply"), so the status page
    # can say how long it has waited and a retry knows what to queue.
    queued_at = models.DateTimeField(null=True, blank=True)
    queued_for = models.CharField(max_length=16, blank=True)
    # When reading or applying last started, and which worker (core.WorkerHeartbeat.worker_id) runs
    # it ("" in a web request or a command): the reaper's evidence that a job is stuck.
    started_at = models.DateTimeField(null=True, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)
    phase = models.CharField(max_length=100, blank=True)
    progress = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} import of {self.file_name}"

    def get_absolute_url(self):
        return reverse("imports:job_log", args=[self.pk])

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            self._refuse_changing_the_log(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk is not None and ImportJob.objects.filter(pk=self.pk).logged().exists():
            raise PermanentRecordError(ImportJob, "deleted once applied")
        return super().delete(*args, **kwargs)

    def _refuse_changing_the_log(self, update_fields) -> None:
        fields = LOG_FIELDS
        if update_fields is not None:
            written = {self._meta.get_field(name).attname for name in update_fields}
            fields = tuple(f for f in LOG_FIELDS if f in written)
            if not fields:
                return
        stored = type(self)._base_manager.filter(pk=self.pk, state=self.State.DONE).values(*fields).first()
        if stored is not None and any(stored[name] != getattr(self, name) for name in fields):
            raise PermanentRecordError(ImportJob, "changed once applied")

    @property
    def is_running(self):
        return self.state in RUNNING_STATES

    @property
    def file_removed_notice(self) -> str:
        """Why this job can no longer be checked again or confirmed, or "" while its file is kept."""
        if self.file_removed_at is None:
            return ""
        days = settings.PURGE_IMPORT_FILES_DAYS
        return f"The uploaded file was removed after {days} day{'s' if days != 1 else ''}; upload it again."

    @property
    def percent(self):
        return int(100 * self.progress / self.progress_total) if self.progress_total else 0


RUNNING_STATES = frozenset(
    {ImportJob.State.UPLOADED, ImportJob.State.QUEUED, ImportJob.State.PREVIEWING, ImportJob.State.APPLYING}
)


class ImportChange(PermanentRecord):
    """One object an import created or changed, with the fields that changed. A permanent record."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"

    job = models.ForeignKey(ImportJob, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_type = models.CharField(max_length=100)  # "Action", "Theme", "Measurement" ...
    object_id = models.PositiveBigIntegerField()
    object_label = models.CharField(max_length=300)
    # Stored at import time so the log page needs no query per changed object.
    object_url = models.CharField(max_length=500, blank=True)
    # [{"field": .., "before": .., "after": ..}] as text
    fields = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.object_type} {self.object_label}"

    @classmethod
    def of(cls, job, kind, obj, *, url=None, fields=()):
        """The log row for `obj`. Its URL is the object's own page unless given (imports of thousands
        of rows pass one built without a reverse() each); an object not saved yet gets id 0 and no URL,
        filled in once it has a primary key."""
        if url is None:
            try:
                url = obj.get_absolute_url() if obj.pk else ""
            except NoReverseMatch:
                url = ""
        return cls(
            job=job,
            kind=kind,
            object_type=type(obj).__name__,
            object_id=obj.pk or 0,
            object_label=str(obj)[:300],
            object_url=url,
            fields=list(fields),
        )

    def get_absolute_url(self):
        return self.object_url or self.job.get_absolute_url()


class ImportPreviewRow(models.Model):
    """One row of a preview (imports.pipeline.PlannedChange): an object the import would create or change,
    with old -> new for every field that changes. Stored so the preview page reads one page of them with
    an indexed query, however many rows the file has (a 20,000-row plan). Written again at every check of
    the file, removed with the job; not part of the import log (ImportChange is)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="preview_rows")
    position = models.PositiveIntegerField()
    entity = models.CharField(max_length=40)
    key = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=16)  # imports.pipeline CREATE | UPDATE | UNCHANGED | SKIP
    row = models.PositiveIntegerField(null=True, blank=True)
    changes = models.JSONField(default=list, blank=True)  # [{"field", "label", "old", "new"}]
    notes = models.JSONField(default=list, blank=True)  # [text]
    is_change = models.BooleanField(default=False)
    has_problem = models.BooleanField(default=False)

    class Meta:
        ordering = ["job", "position"]
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="import_preview_row_position")]
        indexes = [
            models.Index(fields=["job", "is_change", "position"], name="import_preview_row_changes"),
            models.Index(fields=["job", "has_problem", "position"], name="import_preview_row_problems"),
        ]

    def __str__(self):
        return f"{self.entity} {self.key}: {self.kind}"
