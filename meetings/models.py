"""Governance: boards, meetings, agendas, resolutions, actions arising and published packs."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core import clock
from core.formats import as_date, date_words, person_name
from core.records import PermanentRecord


class Board(models.Model):
    class Kind(models.TextChoices):
        IMPROVEMENT_BOARD = "improvement_board", "Improvement board"
        SCRUTINY = "scrutiny", "Scrutiny committee"
        CORPORATE_PARENTING = "corporate_parenting", "Corporate parenting board"
        CABINET_OR_COUNCIL = "cabinet_or_council", "Cabinet or full council"
        OTHER = "other", "Other"

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        FOUR_WEEKLY = "four_weekly", "Every four weeks"
        SIX_WEEKLY = "six_weekly", "Every six weeks"
        QUARTERLY = "quarterly", "Quarterly"
        SIX_MONTHLY = "six_monthly", "Every six months"
        AS_NEEDED = "as_needed", "As needed"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    terms_of_reference = models.TextField(blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="chaired_boards"
    )
    chair_name = models.CharField(
        max_length=200, blank=True, help_text="When the chair is not a user, e.g. the DfE adviser"
    )
    # Each member sits in a capacity (chair, DfE adviser, observer...): see BoardMembership. `chair`
    # follows the membership whose role is chair (services.save_memberships keeps them together).
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="boards", through="BoardMembership"
    )
    external_members = models.TextField(
        blank=True, help_text="Members who are not users: one \u201cName, role\u201d a line"
    )
    cadence = models.CharField(max_length=16, choices=Cadence.choices, default=Cadence.MONTHLY)
    standing_items = models.TextField(blank=True, help_text="Agenda items at every meeting: one a line")
    # What the board reviews: reminders go to the leads of these before each meeting.
    themes = models.ManyToManyField("improvement.Theme", blank=True, related_name="boards")
    indicators = models.ManyToManyField("indicators.Indicator", blank=True, related_name="boards")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("meetings:board_detail", args=[self.pk])

    @property
    def standing_items_list(self):
        return [line.strip() for line in self.standing_items.splitlines() if line.strip()]

    @property
    def seats(self) -> list:
        """The board's memberships, the chair first and officers in attendance last, then by name (from
        memberships prefetched with their users: see queries.board_detail_queryset)."""
        return BoardMembership.in_listing_order(self.memberships.all())

    @property
    def external_members_list(self):
        return [line.strip() for line in self.external_members.splitlines() if line.strip()]


class BoardMembership(models.Model):
    """A user's seat on a board and the capacity they sit in, as councils' minutes list them: the chair,
    the vice-chair, members, the DfE adviser or commissioner, observers and officers in attendance."""

    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        VICE_CHAIR = "vice_chair", "Vice-chair"
        MEMBER = "member", "Member"
        ADVISER = "adviser", "DfE adviser or commissioner"
        OBSERVER = "observer", "Observer"
        OFFICER = "officer", "Officer in attendance"

    # The order a board's papers list people in: the chair first, officers in attendance last.
    ROLE_ORDER = [Role.CHAIR, Role.VICE_CHAIR, Role.ADVISER, Role.MEMBER, Role.OBSERVER, Role.OFFICER]

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        # The table the plain many-to-many used, kept (migration 0006): existing memberships survive.
        db_table = "meetings_board_members"
        unique_together = [("board", "user")]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) on {self.board}"

    @classmethod
    def listing_key(cls, role: str, name: str) -> tuple:
        """Where a seat comes in a board's papers and forms: by role (the chair first, officers in
        attendance last, an unknown role after them), then by name."""
        rank = cls.ROLE_ORDER.index(role) if role in cls.ROLE_ORDER else len(cls.ROLE_ORDER)
        return (rank, name.lower())

    @classmethod
    def in_listing_order(cls, memberships) -> list:
        return sorted(memberships, key=lambda m: cls.listing_key(m.role, person_name(m.user)))


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    class MinutesStatus(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    minutes_status = models.CharField(max_length=16, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT)
    # Raised by every save through the pages: a form loaded before someone else's save is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["board", "starts_at"])]

    def __str__(self):
        return f"{self.board.name}, {date_words(as_date(self.starts_at))}"

    def get_absolute_url(self):
        return reverse("meetings:meeting_detail", args=[self.pk])

    @property
    def date(self):
        return timezone.localtime(self.starts_at).date()


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=300)
    purpose = models.TextField(blank=True)
    presenter = models.CharField(max_length=200, blank=True)
    themes = models.ManyToManyField("improvement.Theme", blank=True, related_name="agenda_items")
    actions = models.ManyToManyField("improvement.Action", blank=True, related_name="agenda_items")
    indicators = models.ManyToManyField("indicators.Indicator", blank=True, related_name="agenda_items")
    minutes = models.TextField(blank=True)
    # Raised by every save through the pages: a form loaded before someone else's save is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "order", "pk"]

    def __str__(self):
        return f"{self.order}. {self.title}"

    def get_absolute_url(self):
        return self.meeting.get_absolute_url() + f"#item-{self.pk}"


class Resolution(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="resolutions")
    number = models.PositiveIntegerField()
    text = models.TextField(help_text="What was resolved, for example \u201cthe plan be received\u201d")

    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="unique_resolution_number")]

    def __str__(self):
        return f"{self.number}. {self.text[:80]}"

    def get_absolute_url(self):
        return self.item.get_absolute_url()


class MeetingAction(models.Model):
    """An action arising: something a board asked for, carried to later meetings until closed."""

    class Kind(models.TextChoices):
        WRITTEN_UPDATE = "written_update", "Written update"
        DATA_REQUEST = "data_request", "Data request"
        TRAINING = "training", "Training"
        FUTURE_ITEM = "future_item", "Future agenda item"
        REFERRAL = "referral", "Referral to another board"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        # The person asked has answered; the clerk closes it (done) when the board has taken the answer.
        ANSWERED = "answered", "Answered, awaiting the board"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    # Still on the board's list: carried into matters arising and the register until the clerk closes it.
    STILL_OPEN = (Status.OPEN, Status.ANSWERED)

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions_arising")
    item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions_arising"
    )
    description = models.TextField("what was asked")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.WRITTEN_UPDATE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="meeting_actions"
    )
    owner_name = models.CharField("asked of", max_length=200, blank=True, help_text="As written in the minutes")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(blank=True)
    responded_on = models.DateField(null=True, blank=True)
    referred_to = models.ForeignKey(Board, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals")
    # The written answer of the person asked (or of the clerk for someone with no account): who and when.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_on = models.DateField(null=True, blank=True)
    # What it is about, so the answer is also shown on that item's page.
    plan_action = models.ForeignKey(
        "improvement.Action",
        verbose_name="plan action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_actions",
    )
    recommendation = models.ForeignKey(
        "improvement.Recommendation", on_delete=models.SET_NULL, null=True, blank=True, related_name="meeting_actions"
    )
    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.SET_NULL, null=True, blank=True, related_name="meeting_actions"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self):
        return self.description[:80]

    def get_absolute_url(self):
        return reverse("meetings:action_detail", args=[self.pk])


class PublishedPack(PermanentRecord):
    """What a board saw: a board pack frozen at publication, never changed by later data. A permanent
    record: never edited or deleted; a corrected pack is published again, as a new row."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="published_packs")
    as_at = models.DateField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    published_by_name = models.CharField(max_length=200)
    published_at = models.DateTimeField(default=clock.now)
    content = models.JSONField(help_text="The pack's data as it was when published")
    html = models.TextField(help_text="The pack as rendered when published")

    # Who published what and when. The pack itself is not copied into the history: the row cannot
    # change, so a second copy of every pack would only double the space packs take.
    history = HistoricalRecords(excluded_fields=["content", "html"])

    class Meta:
        ordering = ["-published_at"]
        get_latest_by = "published_at"

    def __str__(self):
        return f"Pack for {self.meeting} as at {self.as_at}"

    def get_absolute_url(self):
        return reverse("meetings:published_pack", args=[self.pk])


class ReminderLog(models.Model):
    """One row per person per day a reminder was sent, so the daily command never sends twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    sent_on = models.DateField()
    summary = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "sent_on"], name="one_reminder_per_day")]

    def __str__(self):
        return f"Reminder to {self.user} on {self.sent_on}"


class FormToken(models.Model):
    """A one-time token carried by a form that creates a record (a resolution, a published pack), stored
    when its first submission creates it. A second submission of the same form (a double click, a resent
    request) finds the token used and is shown the first record instead of creating another; a deliberate
    second publish comes from a freshly loaded form with a new token."""

    token = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=32)
    object_id = models.PositiveBigIntegerField()
    used_at = models.DateTimeField()

    def __str__(self):
        return f"{self.purpose} {self.object_id}"
