"""Published visit briefs: the progress page for a period, frozen when a clerk or admin publishes it."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from core import clock
from core.records import PermanentRecord
from improvement.models import Inspection


class PublishedVisitBrief(PermanentRecord):
    """What the progress page said about a period on the day it was published: its rendered sections,
    a short summary and the Word document, stored then and never re-read from the live plan or KPIs.
    A permanent record, as a published board pack is: a correction is published again, as a new row."""

    visit = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="visit_briefs", help_text="The visit the period starts at"
    )
    period_start = models.DateField()
    period_end = models.DateField(help_text="The data date: the figures are as at this day")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    published_by_name = models.CharField(max_length=200)
    published_at = models.DateTimeField(default=clock.now)
    content = models.JSONField(help_text="The brief's summary as it was when published")
    html = models.TextField(help_text="The progress page's sections as rendered when published")
    docx = models.BinaryField(help_text="The Word document as made when published")

    class Meta:
        ordering = ["-published_at", "-pk"]
        get_latest_by = "published_at"
        # The packs list the briefs published between two meetings: a range on published_at.
        indexes = [models.Index(fields=["published_at"], name="visit_brief_published_at")]

    def __str__(self):
        return f"Visit brief from {self.content.get('start_words', self.period_start)}"

    def get_absolute_url(self):
        return reverse("published_visit_brief", args=[self.pk])
