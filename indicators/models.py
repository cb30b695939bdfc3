"""KPIs: definitions in plain English, targets with tolerance, benchmarks and measurements.

A period is stored as the date its first day falls on; the indicator's frequency says how long
it is (a month; a financial-year quarter starting April, July, October or January; a financial
year starting April).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core import clock


class KpiRag(models.TextChoices):
    """A KPI's RAG against its target (indicators.rules.kpi_rag), declared worst first: the order the
    scorecard sorts, counts and filters in. "none" is no target or no value, never shown as green."""

    RED = "red", "Red - outside tolerance"
    AMBER = "amber", "Amber - within tolerance"
    GREEN = "green", "Green - on or better than target"
    NONE = "none", "No RAG"

    @classmethod
    def rank(cls, rag: str) -> int:
        """A RAG's place worst first, for sorting; anything unrated sorts last."""
        order = list(cls)
        return order.index(cls(rag)) if rag in cls.values else len(order)


class Unit(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage"
    NUMBER = "number", "Number"
    RATE_PER_10K = "rate_per_10k", "Rate per 10,000 children"
    DAYS = "days", "Days"
    RATIO = "ratio", "Ratio"


class Polarity(models.TextChoices):
    HIGHER_IS_BETTER = "higher", "Higher is better"
    LOWER_IS_BETTER = "lower", "Lower is better"
    CLOSE_TO_TARGET = "close", "Close to target is better"
    NONE = "none", "No polarity (context or demand measure)"


class PeriodType(models.TextChoices):
    SNAPSHOT = "snapshot", "Snapshot at the end of the period"
    IN_MONTH = "in_month", "In the month"
    YEAR_TO_DATE = "ytd", "Year to date"
    ROLLING_12_MONTHS = "rolling_12m", "Rolling 12 months"
    ANNUAL = "annual", "Annual"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class Indicator(models.Model):
    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=300)
    what_it_measures = models.TextField("what this measures", blank=True)
    why_it_matters = models.TextField(blank=True)
    how_calculated = models.TextField("how it is calculated", blank=True)
    unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.PERCENTAGE)
    decimal_places = models.PositiveSmallIntegerField(default=1)
    polarity = models.CharField(max_length=8, choices=Polarity.choices, default=Polarity.HIGHER_IS_BETTER)
    period_type = models.CharField(max_length=16, choices=PeriodType.choices, default=PeriodType.SNAPSHOT)
    frequency = models.CharField(max_length=16, choices=Frequency.choices, default=Frequency.MONTHLY)
    source = models.CharField(max_length=200, blank=True, help_text="For example CIN census or the local case system")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_indicators"
    )
    themes = models.ManyToManyField("improvement.Theme", blank=True, related_name="indicators")
    actions = models.ManyToManyField("improvement.Action", blank=True, related_name="indicators")
    is_active = models.BooleanField("active", default=True)
    order = models.PositiveIntegerField(default=0)
    # SPC (XmR chart): how many points from the start of the series, or of the latest re-base,
    # make the baseline the mean and limits come from. Re-base points are SpcRebase rows.
    spc_baseline_points = models.PositiveSmallIntegerField(
        "baseline length (points)",
        default=20,
        validators=[MinValueValidator(12), MaxValueValidator(36)],
        help_text="How many points from the start of the series, or of a re-base, set the mean and limits",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("indicators:indicator_detail", args=[self.pk])


class Target(models.Model):
    class ToleranceKind(models.TextChoices):
        RELATIVE = "relative", "Relative (% of the target)"
        ABSOLUTE = "absolute", "Absolute (points)"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    effective_from = models.DateField(help_text="The first period this target applies to")
    # A council may drop a KPI's target (the measure kept for context only): the last period the
    # target applies to. Empty: it runs until the next target starts, or for good.
    effective_to = models.DateField(
        "last period", null=True, blank=True, help_text="The last period this target applies to, if it ends"
    )
    value = models.DecimalField(max_digits=14, decimal_places=4)
    tolerance_kind = models.CharField(max_length=16, choices=ToleranceKind.choices, default=ToleranceKind.RELATIVE)
    tolerance = models.DecimalField(
        max_digits=10, decimal_places=4, default=10, help_text="How far from the target is amber rather than red"
    )
    expected_direction_note = models.TextField(
        blank=True, help_text="Why the target moves the way it does, for example a rise expected on purpose"
    )
    # A close-to-target band ("between 8 and 12"): any value from band_lower to band_upper meets the
    # target; `value` is then the band's middle. Both empty: a single figure to meet or beat.
    band_lower = models.DecimalField("lowest value on target", max_digits=14, decimal_places=4, null=True, blank=True)
    band_upper = models.DecimalField("highest value on target", max_digits=14, decimal_places=4, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "effective_from"], name="unique_target_per_period"),
            models.CheckConstraint(
                condition=(
                    models.Q(band_lower__isnull=True, band_upper__isnull=True)
                    | models.Q(
                        band_lower__isnull=False, band_upper__isnull=False, band_lower__lte=models.F("band_upper")
                    )
                ),
                name="target_band_both_ends_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=models.F("effective_from")),
                name="target_ends_after_it_starts",
            ),
        ]

    @property
    def has_band(self) -> bool:
        return self.band_lower is not None and self.band_upper is not None

    def __str__(self):
        return f"{self.indicator.code} target from {self.effective_from}: {self.value}"

    def get_absolute_url(self):
        return self.indicator.get_absolute_url()


class SuppressionCode(models.TextChoices):
    """DfE's symbols for a figure it does not publish as a number (stored as the symbol, never as 0)."""

    CONFIDENTIAL = "c", "c: confidential (a count of 1 to 5)"
    NOT_AVAILABLE = "x", "x: not available"
    NOT_APPLICABLE = "z", "z: not applicable"
    ROUNDS_TO_ZERO = "k", "k: rounds to zero"
    LOW_RELIABILITY = "u", "u: low reliability"
    LOW_NUMBER = "low", "low: low number"


# The symbol in words, for every page, export and pack.
SYMBOL_WORDS = {
    "c": "suppressed",
    "x": "not available",
    "z": "not applicable",
    "k": "rounds to zero",
    "u": "low reliability",
    "low": "low number",
}


class Benchmark(models.Model):
    class Kind(models.TextChoices):
        ENGLAND = "england", "England"
        REGION = "region", "Region"
        STAT_NEIGHBOURS = "stat_neighbours", "Statistical neighbours"
        COUNCIL = "council", "Named council"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="benchmarks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200, blank=True, help_text="The region's or council's name")
    period = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    suppression_code = models.CharField(max_length=3, choices=SuppressionCode.choices, blank=True)
    source = models.CharField(max_length=200, blank=True)
    # For the neighbours' mean of a published release: how many neighbours had a number, of how many.
    neighbours_counted = models.PositiveSmallIntegerField(null=True, blank=True)
    neighbours_total = models.PositiveSmallIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "kind", "period"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "kind", "name", "period"], name="unique_benchmark"),
            models.CheckConstraint(
                condition=(
                    models.Q(value__isnull=False, suppression_code="")
                    | models.Q(value__isnull=True) & ~models.Q(suppression_code="")
                ),
                name="benchmark_value_or_suppression",
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.get_kind_display()} {self.period}"

    def get_absolute_url(self):
        return self.indicator.get_absolute_url()


class Measurement(models.Model):
    class MissingReason(models.TextChoices):
        NOT_YET_AVAILABLE = "not_yet_available", "Not yet available"
        SUPPRESSED = "suppressed", "Suppressed (small numbers)"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    # An indicator with values is kept (made inactive instead): its values and their history are the record.
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="measurements")
    period = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    # A missing value is never stored as zero: it has a reason instead.
    missing_reason = models.CharField(max_length=20, choices=MissingReason.choices, blank=True)
    # DfE's symbol when a published release gave one instead of a number (then value is empty).
    suppression_code = models.CharField(max_length=3, choices=SuppressionCode.choices, blank=True)
    commentary = models.TextField(blank=True, help_text="What the figure means and what is being done about it")
    data_quality_note = models.TextField(blank=True, help_text="For example a case-system change breaking the series")
    # Set by indicators.services.save_measurements, the one writer: the value turned the indicator red
    # (indicators.rules.commentary_needed) and came with no commentary, so its owner is asked for some.
    commentary_needed = models.BooleanField(default=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    entered_at = models.DateTimeField(default=clock.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "period"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="unique_measurement_per_period"),
            models.CheckConstraint(
                condition=(
                    models.Q(value__isnull=False, missing_reason="")
                    | models.Q(value__isnull=True) & ~models.Q(missing_reason="")
                ),
                name="measurement_value_or_reason",
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.period}"

    def get_absolute_url(self):
        return self.indicator.get_absolute_url() + f"#period-{self.period:%Y-%m}"


class MeasurementVersion(models.Model):
    """One version of a KPI value and the days it was what we knew: from `known_from` to the day
    before `known_to` (NULL: it is what we know now). Written only by indicators.services.save_measurements.

    "The value of each indicator for each period as known on D" is the version with
    known_from <= D < known_to (or known_to NULL); "current knowledge" is known_to NULL.
    indicators.rules.version_known_from says when a version starts to count as known.
    """

    measurement = models.ForeignKey(Measurement, on_delete=models.CASCADE, related_name="versions")
    # Copied from the measurement so "every indicator on D" reads one index without a join.
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurement_versions")
    period = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    missing_reason = models.CharField(max_length=20, choices=Measurement.MissingReason.choices, blank=True)
    suppression_code = models.CharField(max_length=3, choices=SuppressionCode.choices, blank=True)
    commentary = models.TextField(blank=True)
    known_from = models.DateField()
    known_to = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # True when this version changed the figure (value, reason or DfE symbol) of the one before it;
    # a change to the commentary alone makes a new version that is not a correction.
    is_correction = models.BooleanField(default=False)
    # The latest correction in force on this version and the version whose figure it replaced
    # (carried over commentary-only versions), for "corrected on 3 Dec: was 25.8%". NULL: original figure.
    corrected_on = models.DateField(null=True, blank=True)
    replaced = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["indicator", "period", "recorded_at", "pk"]
        indexes = [
            models.Index(fields=["indicator", "period", "known_from"], name="mversion_known_on"),
            models.Index(
                fields=["indicator", "period"], condition=models.Q(known_to__isnull=True), name="mversion_current"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["measurement"], condition=models.Q(known_to__isnull=True), name="one_current_version"
            ),
            models.CheckConstraint(
                condition=models.Q(known_to__isnull=True) | models.Q(known_to__gte=models.F("known_from")),
                name="mversion_known_to_after_from",
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id} {self.period} known from {self.known_from}"

    def get_absolute_url(self):
        return self.indicator.get_absolute_url() + f"#period-{self.period:%Y-%m}"


class SpcRebase(models.Model):
    """A known change (a new case system, a new definition) after which an indicator's XmR chart
    starts a new baseline. Kept as history: a re-base made by mistake is withdrawn, not deleted."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="spc_rebases")
    period = models.DateField(help_text="The first period of the new baseline")
    reason = models.TextField(help_text="The change that makes earlier figures a different process")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["indicator", "period", "recorded_at"]
        indexes = [models.Index(fields=["indicator", "period"], name="spc_rebase_indicator_period")]

    def __str__(self):
        return f"{self.indicator.code} re-based from {self.period}"

    def get_absolute_url(self):
        return self.indicator.get_absolute_url()


class PublishedSource(models.Model):
    """Where an annual indicator's figures sit in DfE's open data: the indicator column and the
    filter values that pick its row. Saved on a load, so next year's release needs no questions."""

    indicator = models.OneToOneField(Indicator, on_delete=models.CASCADE, related_name="published_source")
    measure_column = models.CharField(max_length=100)
    filters = models.JSONField(default=dict, blank=True, help_text="{filter column: value}")
    release_name = models.CharField(max_length=255, blank=True, help_text="The file it was last loaded from")
    updated_at = models.DateTimeField(default=clock.now)

    history = HistoricalRecords()

    def __str__(self):
        picked = ", ".join(f"{column} = {value}" for column, value in sorted(self.filters.items()))
        return f"{self.measure_column}" + (f" where {picked}" if picked else "")

    def get_absolute_url(self):
        return self.indicator.get_absolute_url()


class PublishedRank(models.Model):
    """The council's place among all councils with a number for one published year."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="published_ranks")
    period = models.DateField()
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    quartile = models.PositiveSmallIntegerField(null=True, blank=True)
    out_of = models.PositiveSmallIntegerField(default=0, help_text="Councils with a number that year")
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["indicator", "period"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="unique_published_rank")]

    def __str__(self):
        return f"{self.indicator.code} {self.period}: rank {self.rank} of {self.out_of}"

    def get_absolute_url(self):
        return self.indicator.get_absolute_url()


class CouncilSettings(models.Model):
    """The council's own DfE code and its statistical neighbours, edited by admins in the app.

    One row. It is created from COUNCIL_LA_CODE and STATISTICAL_NEIGHBOURS the first time it is read
    (indicators.queries.council_settings); after that the database wins over the environment."""

    la_code = models.CharField("council's code", max_length=9, blank=True)
    neighbour_codes = models.JSONField("statistical neighbours", default=list, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "council settings"

    def __str__(self):
        return f"Council {self.la_code or '(no code)'}"
