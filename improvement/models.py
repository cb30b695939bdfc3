"""The improvement plan and what it answers to: inspections, recommendations, themes, actions."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core import clock
from core.formats import date_words
from core.records import PermanentRecord


class Judgement(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement to be good"
    INADEQUATE = "inadequate", "Inadequate"


class Inspection(models.Model):
    class Kind(models.TextChoices):
        ILACS_STANDARD = "ilacs_standard", "ILACS standard inspection"
        ILACS_SHORT = "ilacs_short", "ILACS short inspection"
        FOCUSED_VISIT = "focused_visit", "Focused visit"
        MONITORING_VISIT = "monitoring_visit", "Monitoring visit"
        JTAI = "jtai", "Joint targeted area inspection (JTAI)"
        SIF = "sif", "Single inspection framework (SIF, before 2018)"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=200, blank=True, help_text="For example \u201cSecond monitoring visit\u201d")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    published_date = models.DateField(null=True, blank=True)
    lead_inspector = models.CharField(max_length=200, blank=True)
    # Ofsted stopped giving an overall judgement in April 2026; every judgement is optional.
    overall_judgement = models.CharField(max_length=32, choices=Judgement.choices, blank=True)
    leaders_judgement = models.CharField("impact of leaders", max_length=32, choices=Judgement.choices, blank=True)
    help_and_protection_judgement = models.CharField(
        "children who need help and protection", max_length=32, choices=Judgement.choices, blank=True
    )
    in_care_judgement = models.CharField("children in care", max_length=32, choices=Judgement.choices, blank=True)
    # A separate judgement only from January 2023; before that it was part of "children in care".
    care_leavers_judgement = models.CharField("care leavers", max_length=32, choices=Judgement.choices, blank=True)
    findings_summary = models.TextField(blank=True)
    report_url = models.URLField(blank=True)
    # Monitoring visits
    sequence = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 for the first monitoring visit")
    focus = models.CharField("focus or practice area", max_length=200, blank=True)
    areas_reviewed = models.TextField(blank=True, help_text="One area a line")
    headline_findings = models.TextField(blank=True)
    progress_label = models.CharField(
        max_length=100, blank=True, help_text="Only where the letter gave one, such as \u201cexpected progress\u201d"
    )
    # Focused visits
    has_priority_actions = models.BooleanField("areas for priority action", null=True, blank=True)
    # A visit Ofsted has announced (or the council expects) but that has not happened: never the
    # "latest visit", and "due before the next visit" counts to it.
    is_planned = models.BooleanField("planned, not yet held", default=False)
    focus_themes = models.ManyToManyField(
        "Theme", blank=True, related_name="visits_focused_on", verbose_name="themes the visit looked at"
    )
    focus_recommendations = models.ManyToManyField(
        "Recommendation",
        blank=True,
        related_name="visits_focused_on",
        verbose_name="recommendations the visit looked at",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date", "pk"]

    def __str__(self):
        return f"{self.title or self.get_kind_display()} ({date_words(self.start_date, 'month')})"

    def get_absolute_url(self):
        return reverse("improvement:inspection_detail", args=[self.pk])

    @property
    def areas_reviewed_list(self):
        return [line.strip() for line in self.areas_reviewed.splitlines() if line.strip()]

    @property
    def last_day(self):
        """The day a visit stands for when comparing: its end date, else its start date."""
        return self.end_date or self.start_date


class InterventionEvent(models.Model):
    class Kind(models.TextChoices):
        IMPROVEMENT_NOTICE = "improvement_notice", "Improvement notice"
        STATUTORY_DIRECTION = "statutory_direction", "Statutory direction"
        COMMISSIONER_APPOINTED = "commissioner_appointed", "Commissioner appointed"
        ADVISER_APPOINTED = "adviser_appointed", "Improvement adviser appointed"
        PARTNER_IN_PRACTICE = "partner_in_practice", "Partner in practice"
        NOTICE_LIFTED = "notice_lifted", "Notice lifted"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    date = models.DateField()
    person = models.CharField(max_length=200, blank=True, help_text="For example the commissioner's name")
    description = models.TextField(blank=True)
    document_url = models.URLField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} ({date_words(self.date)})"

    def get_absolute_url(self):
        return reverse("improvement:inspection_list") + f"#event-{self.pk}"


class Recommendation(models.Model):
    class Kind(models.TextChoices):
        RECOMMENDATION = "recommendation", "Recommendation"
        PRIORITY_ACTION = "priority_action", "Area for priority action"
        OTHER_FINDING = "other_finding", "Other finding"

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="recommendations")
    reference = models.CharField(max_length=20, help_text="The council's own number, such as R3")
    text = models.TextField()
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.RECOMMENDATION)
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection__start_date", "order", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "reference"], name="unique_recommendation_reference")
        ]

    def __str__(self):
        return f"{self.reference}: {self.text[:80]}"

    def get_absolute_url(self):
        return reverse("improvement:recommendation_detail", args=[self.pk])


class VisitFinding(models.Model):
    """One finding of an inspection or visit, linked to the recommendations it bears on, so a finding
    nothing in the plan answers shows as a gap."""

    class Kind(models.TextChoices):
        STRENGTH = "strength", "What is working well"
        IMPROVEMENT = "improvement", "What needs to improve"
        PRIORITY = "priority", "Area for priority action"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.IMPROVEMENT)
    text = models.TextField("finding", help_text="In the letter's own words where you can")
    recommendations = models.ManyToManyField(
        Recommendation,
        blank=True,
        related_name="findings",
        verbose_name="recommendations it bears on",
    )
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "order", "pk"]

    def __str__(self):
        return self.text[:80]

    def get_absolute_url(self):
        return self.inspection.get_absolute_url() + f"#finding-{self.pk}"


class Plan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    version = models.CharField(max_length=50, blank=True, help_text="For example v17 (8 June 2017)")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    submitted_date = models.DateField("submitted to Ofsted", null=True, blank=True)
    summary = models.TextField(blank=True)
    # The plan a refreshed version replaces; old versions stay readable.
    previous_version = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True)
    # The day the plan was first made active, whoever made it so; never cleared. A plan that has
    # never been active (a mistaken import, an abandoned draft) is the only one that may be deleted.
    activated_on = models.DateField("first made active", null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-pk"]

    def __str__(self):
        return f"{self.title} {self.version}".strip()

    def save(self, *args, **kwargs):
        if self.activated_on is None:
            # Never cleared once set, even by an instance read before it was (or a history revert).
            if self.pk is not None:
                self.activated_on = Plan._base_manager.filter(pk=self.pk).values_list("activated_on", flat=True).first()
            if self.activated_on is None and self.status == self.Status.ACTIVE:
                self.activated_on = clock.today()
            if self.activated_on is not None and kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "activated_on"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("improvement:plan") + f"?plan={self.pk}"


class Theme(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="themes")
    reference = models.CharField(max_length=20)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    lead = models.CharField(max_length=200, blank=True, help_text="Job title or name of the theme lead")
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "order", "reference"]
        constraints = [models.UniqueConstraint(fields=["plan", "reference"], name="unique_theme_reference")]

    def __str__(self):
        return f"{self.reference}. {self.title}"

    def get_absolute_url(self):
        return reverse("improvement:plan") + f"?theme={self.pk}"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"
    CLOSED = "closed", "Closed or superseded"


class Progress(models.TextChoices):
    """The lead officer's judgement of delivery while an action is in progress."""

    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


class Rag(models.TextChoices):
    """An action's RAG (BRAG with grey for not started). Declared in the order the forms offer it (and the
    migrations record); pages, papers and counts list RAGs worst first, by Rag.in_order()."""

    BLUE = "blue", "Blue"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"
    GREY = "grey", "Grey"

    @classmethod
    def in_order(cls) -> list["Rag"]:
        """Worst first: red, amber, green, then grey (not started, not yet due) and blue (complete)."""
        return [cls.RED, cls.AMBER, cls.GREEN, cls.GREY, cls.BLUE]

    @classmethod
    def rank(cls, rag: str) -> int:
        """A RAG's place in in_order(), for sorting worst first."""
        return cls.in_order().index(cls(rag))

    @property
    def words(self) -> str:
        """The council's wording ("Red - off track"): configuration (settings.ACTION_RAG_LABELS), because
        councils define RAG differently. Always shown beside the colour."""
        return settings.ACTION_RAG_LABELS[self.value]


class Action(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="actions")
    reference = models.CharField(max_length=20)
    title = models.CharField(max_length=500)
    detail = models.TextField(blank=True)
    recommendations = models.ManyToManyField(Recommendation, blank=True, related_name="actions")
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="led_actions"
    )
    # Plans name roles rather than people, and joint leads; kept as written.
    lead_job_title = models.CharField("lead (as written in the plan)", max_length=300, blank=True)
    delegates = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="delegated_actions",
        help_text="People who may record progress on the lead's behalf",
    )
    partner_agency = models.CharField(max_length=200, blank=True)
    start_date = models.DateField(null=True, blank=True)
    # The first target date; never changed once set. Revisions live in TargetDateRevision.
    original_target_date = models.DateField(null=True, blank=True)
    # The current target date: the latest revision's new date, or the original.
    target_date = models.DateField(null=True, blank=True)
    # What the spreadsheet said when the target was not a date ("Ongoing", "Summer 2019").
    target_date_note = models.CharField(max_length=200, blank=True)
    success_measure = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    # The date from which the action is part of the plan: "plan as at" an earlier date leaves it out.
    added_on = models.DateField(default=clock.today)
    # Current state, kept in step with the latest ActionUpdate by improvement.services.
    status = models.CharField(max_length=16, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED)
    progress = models.CharField(max_length=16, choices=Progress.choices, blank=True)
    rag_override = models.CharField(max_length=8, choices=Rag.choices, blank=True)
    rag_override_reason = models.TextField(blank=True)
    last_update_on = models.DateField(null=True, blank=True)
    # Incremented on every recorded update, so two people updating at once are told, not overwritten.
    version = models.PositiveIntegerField(default=0)
    # The action in the plan's previous version that this one continues (by default the same reference),
    # so history, "as at" and progress between visits follow it across versions. Set by
    # improvement.services.link_new_actions.
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_into"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["theme__order", "order", "reference"]
        constraints = [models.UniqueConstraint(fields=["theme", "reference"], name="unique_action_reference")]
        indexes = [models.Index(fields=["lead_officer", "status"])]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("improvement:action_detail", args=[self.pk])

    @property
    def has_slipped(self):
        return bool(self.original_target_date and self.target_date and self.target_date > self.original_target_date)


class TargetDateRevision(PermanentRecord):
    """A change of an action's target date. The original date is never lost. A permanent record:
    a mistaken revision is followed by another, never edited or deleted."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="target_date_revisions")
    previous_date = models.DateField(null=True, blank=True)
    new_date = models.DateField()
    reason = models.TextField()
    agreed_by = models.CharField(max_length=200, help_text="Who agreed the new date, for example the improvement board")
    effective_on = models.DateField(default=clock.today, help_text="The date the change was agreed")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    recorded_at = models.DateTimeField(default=clock.now)
    # Why an admin recorded it to take effect earlier than the back-dating rule allows (improvement.rules).
    backdating_reason = models.TextField("reason for recording this earlier date", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["effective_on", "recorded_at", "pk"]

    def __str__(self):
        return f"{self.action.reference}: {self.previous_date} \u2192 {self.new_date}"

    def get_absolute_url(self):
        return self.action.get_absolute_url()


class ActionUpdate(PermanentRecord):
    """One entry in an action's append-only progress log. Corrections are new entries: a permanent
    record, never edited or deleted."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    date = models.DateField(default=clock.today, help_text="The date the update describes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    author_name = models.CharField(max_length=200, blank=True, help_text="Kept when the author is not a user")
    created_at = models.DateTimeField(default=clock.now)
    status = models.CharField(max_length=16, choices=ActionStatus.choices)
    progress = models.CharField(max_length=16, choices=Progress.choices, blank=True)
    narrative = models.TextField(blank=True, help_text="What was done")
    evidence_of_impact = models.TextField(blank=True, help_text="Is anyone better off, and how do we know")
    # The RAG the rule gave when the update was recorded, and the officer's own choice if different.
    computed_rag = models.CharField(max_length=8, choices=Rag.choices)
    rag_override = models.CharField(max_length=8, choices=Rag.choices, blank=True)
    rag_override_reason = models.TextField(blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        help_text="The earlier entry this one corrects",
    )
    # Why an admin recorded it dated earlier than the back-dating rule allows (improvement.rules).
    backdating_reason = models.TextField("reason for recording this earlier date", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-created_at", "-pk"]
        indexes = [models.Index(fields=["action", "date", "created_at"])]

    def __str__(self):
        return f"{self.action.reference} update {self.date}"

    def get_absolute_url(self):
        return self.action.get_absolute_url() + f"#update-{self.pk}"


class ActionStatePeriod(models.Model):
    """Derived state: what was in force for an action from valid_from (inclusive) to valid_to (exclusive;
    NULL while still open), replayed from its update log and target date revisions. Written only by
    improvement.services.refresh_action_state; "the plan on D" is one indexed range query. The RAG itself is
    not stored: it depends on the date asked about (overdue, amber grace), so improvement.rules works it out
    in SQL from these inputs."""

    # The first period of every action starts here: before any entry, nothing was recorded.
    BEGINNING = datetime.date(1, 1, 1)

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="state_periods")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")
    # The first action of its lineage (itself when not carried from an earlier version).
    lineage_root = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ActionStatus.choices)
    progress = models.CharField(max_length=16, choices=Progress.choices, blank=True)
    rag_override = models.CharField(max_length=8, choices=Rag.choices, blank=True)
    rag_override_reason = models.TextField(blank=True)
    target_date = models.DateField(null=True, blank=True)
    # The action's original target, or the target in force when it has none recorded.
    original_target_date = models.DateField(null=True, blank=True)
    update = models.ForeignKey(ActionUpdate, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["action", "valid_from"]
        constraints = [models.UniqueConstraint(fields=["action", "valid_from"], name="unique_action_state_period")]
        indexes = [
            models.Index(fields=["plan", "valid_from", "valid_to"], name="state_period_plan_dates"),
            models.Index(fields=["lineage_root", "valid_from"], name="state_period_lineage"),
        ]

    def __str__(self):
        return f"{self.action_id} from {self.valid_from} to {self.valid_to or 'now'}"


class Risk(models.Model):
    """A risk to delivery of the plan (issue 17): what could stop the improvement, why, how likely and how
    bad (each 1 to 5), who owns it and what is being done. Officers and admins keep it; everyone reads it.
    Every change is kept in its history, which the risk's page shows."""

    SCALE = [(n, str(n)) for n in range(1, 6)]

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    title = models.CharField("risk", max_length=300)
    cause = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField(choices=SCALE)
    impact = models.PositiveSmallIntegerField(choices=SCALE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="risks"
    )
    owner_name = models.CharField(max_length=200, blank=True, help_text="Job title, when the owner is not a user")
    mitigation = models.TextField(blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="risks")
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)

    history = HistoricalRecords(m2m_fields=[themes])

    class Meta:
        ordering = ["status", "-likelihood", "-impact", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("improvement:risk_detail", args=[self.pk])

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class YouSaidWeDid(models.Model):
    """What children and young people told us and what changed because of it (issue 17), per theme:
    said by a group (the children in care council, care leavers), never a named child, since the service
    holds no information about individual children. Officers and admins keep it; everyone reads it, in
    the board pack and on the progress page. Every edit is kept in its history."""

    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="you_said_we_did")
    said_by = models.CharField("who said it", max_length=200)
    what_was_said = models.TextField()
    said_on = models.DateField("when it was said")
    what_changed = models.TextField(blank=True)
    changed_on = models.DateField("when it changed", null=True, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["theme__reference", "-said_on", "pk"]
        verbose_name = "you said, we did record"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(changed_on__isnull=True) | models.Q(changed_on__gte=models.F("said_on")),
                name="you_said_changed_after_said",
            )
        ]

    def __str__(self):
        return f"{self.said_by}: {self.what_was_said[:60]}"

    def get_absolute_url(self):
        return reverse("improvement:you_said_detail", args=[self.pk])
