from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import django_filters
from django import forms
from django.contrib.auth import get_user_model

from core.formats import person_name, value_words
from core.forms import FilterForm, ServiceForm
from improvement.models import Theme
from indicators import periods
from indicators.models import Frequency, KpiRag, Measurement, Unit
from indicators.queries import rags_against_previous_period
from indicators.rules import DEFAULT_BASELINE_POINTS, MAX_BASELINE_POINTS, MIN_BASELINE_POINTS, commentary_needed

ENTRY_PERIOD_COUNT = 24

VALUE_HINTS = {
    Unit.PERCENTAGE: (
        "A percentage between 0 and 100, for example 87.5. "
        "Leave blank to work it out from the numerator and denominator, or when you say why there is no value."
    ),
    Unit.NUMBER: "A number, for example 1204 or 16.5",
    Unit.RATE_PER_10K: "A rate per 10,000 children, for example 42.1",
    Unit.DAYS: "A number of days, for example 33",
    Unit.RATIO: "A ratio, for example 1.25",
}


class MeasurementForm(ServiceForm):
    # A value, or a reason there is none (the hints say so): never "(optional)".
    sometimes_required = ("value",)

    period = forms.CharField(label="Period", widget=forms.Select)
    value = forms.DecimalField(
        label="Value",
        required=False,
        max_digits=14,
        decimal_places=4,
        error_messages={
            "invalid": "Enter the value as a number, like 87.5",
            "max_decimal_places": "Enter the value with no more than 4 decimal places",
        },
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal", "spellcheck": "false"}),
    )
    numerator = forms.DecimalField(
        label="Numerator",
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text="How many met the measure, for example 45 assessments finished in time",
        error_messages={"invalid": "Enter the numerator as a number, like 45"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal", "spellcheck": "false"}),
    )
    denominator = forms.DecimalField(
        label="Denominator",
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text="How many there were in all, for example 52 assessments finished",
        error_messages={"invalid": "Enter the denominator as a number, like 52"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal", "spellcheck": "false"}),
    )
    missing_reason = forms.ChoiceField(
        label="If there is no value, why not",
        required=False,
        choices=[("", "There is a value")] + list(Measurement.MissingReason.choices),
        help_text="Never enter 0 for a figure you do not have: choose a reason and leave the value blank",
    )
    commentary = forms.CharField(
        label="Commentary",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Required when the value turns the indicator red (red this period, not red the period before). "
            "What the figure means for children and what is being done about it. Board members read this."
        ),
    )
    data_quality_note = forms.CharField(
        label="Data quality note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example a change of case system that makes earlier figures not comparable",
    )
    # The stored value the form was loaded with (indicators.services.measurement_version): a correction
    # saved by someone else since then refuses this one.
    expected_version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, indicator, today: date, extra_period: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.today = today
        choices = periods.recent_periods(today, indicator.frequency, ENTRY_PERIOD_COUNT)
        if (
            extra_period
            and extra_period <= today
            and extra_period not in choices
            and periods.fits_frequency(extra_period, indicator.frequency)
        ):
            choices.append(extra_period)
        self.fields["period"].widget.choices = [
            (p.isoformat(), periods.period_label(p, indicator.frequency)) for p in choices
        ]
        # Required only when the value turns the indicator red (clean): not labelled "(optional)".
        self.fields["commentary"].sometimes_required = True
        self.fields["value"].help_text = VALUE_HINTS.get(indicator.unit, "")
        if indicator.unit != Unit.PERCENTAGE:
            self.fields["value"].help_text += ". Leave blank only when you say why there is no value."
        if indicator.unit != Unit.PERCENTAGE:
            self.fields["numerator"].help_text = "Optional: the count the figure is worked out from"
            self.fields["denominator"].help_text = "Optional: what the count is divided by"

    def clean_period(self):
        raw = self.cleaned_data["period"]
        try:
            period = date.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError("Choose a period from the list") from None
        frequency = self.indicator.frequency
        if not periods.fits_frequency(period, frequency):
            raise forms.ValidationError(
                {
                    Frequency.MONTHLY: "Choose a month: the period must start on the 1st",
                    Frequency.QUARTERLY: (
                        "Choose a quarter: this indicator is reported quarterly (April, July, October, January)"
                    ),
                    Frequency.ANNUAL: "Choose a year: this indicator is reported for financial years starting 1 April",
                }[frequency]
            )
        if period > self.today:
            raise forms.ValidationError("The period cannot be in the future")
        return period

    def clean(self):
        cleaned = super().clean()
        value, numerator, denominator = cleaned.get("value"), cleaned.get("numerator"), cleaned.get("denominator")
        reason = cleaned.get("missing_reason")
        if any(name in self.errors for name in ("value", "numerator", "denominator")):
            return cleaned
        unit = self.indicator.unit
        places = self.indicator.decimal_places
        if reason:
            if value is not None:
                self.add_error("value", "Leave the value blank when you say why there is no value")
            for name in ("numerator", "denominator"):
                if cleaned.get(name) is not None:
                    self.add_error(name, f"Leave the {name} blank when you say why there is no value")
            return cleaned
        for name, number in (("numerator", numerator), ("denominator", denominator)):
            if number is not None and number < 0:
                self.add_error(name, f"The {name} cannot be negative")
        if (numerator is None) != (denominator is None):
            missing = "denominator" if denominator is None else "numerator"
            self.add_error(missing, f"Enter the {missing} too, or leave both blank")
            return cleaned
        if self.errors:
            return cleaned
        computed = None
        if numerator is not None and unit == Unit.PERCENTAGE:
            if denominator == 0:
                self.add_error("denominator", "The denominator must be more than 0")
                return cleaned
            if numerator > denominator:
                self.add_error("numerator", "The numerator cannot be more than the denominator for a percentage")
                return cleaned
            computed = numerator / denominator * 100
        if value is None:
            if computed is None:
                self.add_error("value", "Enter a value, or choose why there is no value")
                return cleaned
            value = computed.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
            cleaned["value"] = value
        elif computed is not None:
            rounded = computed.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
            # Allow the figure as rounded to the indicator's decimal places, and any finer rounding of it.
            if abs(value - computed) > Decimal("0.5") * Decimal(1).scaleb(-places):
                self.add_error(
                    "value",
                    f"The value does not match the numerator and denominator: "
                    f"{numerator.normalize():f} out of {denominator.normalize():f} "
                    f"is {value_words(rounded, unit, places)}",
                )
                return cleaned
        if unit == Unit.PERCENTAGE and not (0 <= value <= 100):
            self.add_error("value", "A percentage must be between 0 and 100")
        elif value < 0:
            self.add_error("value", "The value cannot be negative")
        elif cleaned.get("period") is not None:
            self._require_commentary_if_it_turns_red(cleaned["period"], value, cleaned.get("commentary", ""))
        return cleaned

    def _require_commentary_if_it_turns_red(self, period, value, commentary):
        """As a red action needs a narrative: a value that turns the KPI red is not saved without the
        owner's commentary (indicators.rules.commentary_needed; 3 queries)."""
        saving = Measurement(indicator=self.indicator, period=period, value=value)
        rags = rags_against_previous_period([saving])[0]
        if commentary_needed(rag_now=rags.rag_now, rag_before=rags.rag_before, commentary=commentary):
            shown = value_words(value, self.indicator.unit, self.indicator.decimal_places)
            self.add_error(
                "commentary",
                f"Enter commentary: {shown} turns the indicator red, and it was not red in {rags.previous_label}. "
                "Say what the figure means for children and what is being done about it",
            )


RAG_FILTER_CHOICES = KpiRag.choices


class ScorecardFilter(django_filters.FilterSet):
    """Theme, frequency and owner filter the indicators; RAG is worked out in Python, so the view applies it."""

    theme = django_filters.ModelChoiceFilter(
        field_name="themes", label="Theme", empty_label="All themes", queryset=None
    )
    rag = django_filters.ChoiceFilter(
        label="RAG", choices=RAG_FILTER_CHOICES, empty_label="Any RAG", method="_rag_in_python"
    )
    frequency = django_filters.ChoiceFilter(label="Frequency", choices=Frequency.choices, empty_label="Any frequency")
    owner = django_filters.ModelChoiceFilter(label="Owner", empty_label="Anyone", queryset=None)

    class Meta:
        model = None
        fields = []
        form = FilterForm  # the service's GOV.UK widgets, and no filter marked "(optional)"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["theme"].queryset = Theme.objects.select_related("plan").order_by("plan_id", "order", "reference")
        self.filters["owner"].queryset = (
            get_user_model()
            .objects.filter(owned_indicators__isnull=False)
            .distinct()
            .order_by("first_name", "last_name")
        )
        self.filters["owner"].field.label_from_instance = person_name
        self.filters["theme"].field.label_from_instance = lambda theme: f"{theme.reference} {theme.title}"

    def _rag_in_python(self, queryset, name, value):
        return queryset


class SpcBaselineForm(ServiceForm):
    """The owner's choice of XmR baseline: how many points, and optionally a re-base after a known change."""

    sometimes_required = ("reason",)

    baseline_points = forms.IntegerField(
        label="How many points make the baseline",
        min_value=MIN_BASELINE_POINTS,
        max_value=MAX_BASELINE_POINTS,
        help_text=(
            f"The mean and limits come from this many points from the start of the series, or of the latest "
            f"re-base. Between {MIN_BASELINE_POINTS} and {MAX_BASELINE_POINTS}; {DEFAULT_BASELINE_POINTS} is usual."
        ),
        error_messages={
            "required": "Enter how many points make the baseline",
            "invalid": f"Enter the number of points as a whole number, like {DEFAULT_BASELINE_POINTS}",
            "min_value": f"The baseline needs at least {MIN_BASELINE_POINTS} points",
            "max_value": f"The baseline can be at most {MAX_BASELINE_POINTS} points",
        },
        widget=forms.TextInput(attrs={"class": "govuk-input--width-3", "inputmode": "numeric", "spellcheck": "false"}),
    )
    rebase_period = forms.ChoiceField(
        label="Re-base from",
        required=False,
        help_text="Only after a known change, such as a new case system or a new definition: the chart starts again",
    )
    reason = forms.CharField(
        label="What changed",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when you re-base. For example: new case system from April 2025, "
        "so earlier figures were counted differently",
    )

    def __init__(self, *args, indicator, periods_with_values: list, active_rebases: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.active_periods = {rebase.period for rebase in active_rebases}
        # The first period cannot start a new baseline: it already starts the first one.
        choices = sorted(set(periods_with_values))[1:]
        self.fields["rebase_period"].choices = [("", "No re-base")] + [
            (p.isoformat(), periods.period_label(p, indicator.frequency)) for p in reversed(choices)
        ]

    def clean_rebase_period(self):
        raw = self.cleaned_data["rebase_period"]
        if not raw:
            return None
        period = date.fromisoformat(raw)
        if period in self.active_periods:
            raise forms.ValidationError(
                f"The chart is already re-based from {periods.period_label(period, self.indicator.frequency)}"
            )
        return period

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("rebase_period") and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say what changed, so board members know why the chart starts again")
        if not cleaned.get("rebase_period") and cleaned.get("reason", "").strip():
            self.add_error("rebase_period", "Choose the period the new baseline starts from, or clear what changed")
        return cleaned


class WithdrawRebaseForm(ServiceForm):
    withdraw = forms.TypedChoiceField(coerce=int, error_messages={"invalid_choice": "That re-base cannot be withdrawn"})

    def __init__(self, *args, active_rebases: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["withdraw"].choices = [(rebase.pk, str(rebase.pk)) for rebase in active_rebases]
