"""Forms for keeping indicator definitions and their targets in the app (issue 17: nothing an admin
does day to day needs Django admin)."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model

from core.forms import GovukDateField, ServiceModelForm
from improvement.models import Theme
from improvement.queries import current_plan
from indicators import periods
from indicators.models import Indicator, Target

_TEXTAREA = {"rows": 3}


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class _ThemeChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference}. {obj.title}"


class IndicatorDefinitionForm(ServiceModelForm):
    owner = _UserChoice(
        label="Owner",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="No owner yet",
        help_text="The officer who enters its values and writes the commentary",
    )
    themes = _ThemeChoices(
        label="Themes of the plan it belongs to",
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Boards that review these themes see it; the scorecard groups it with them",
    )

    class Meta:
        model = Indicator
        fields = [
            "code",
            "title",
            "what_it_measures",
            "why_it_matters",
            "how_calculated",
            "polarity",
            "unit",
            "decimal_places",
            "frequency",
            "period_type",
            "source",
            "owner",
            "themes",
            "order",
            "is_active",
        ]
        labels = {
            "title": "Name",
            "what_it_measures": "What this measures",
            "why_it_matters": "Why it matters",
            "how_calculated": "How it is calculated",
            "polarity": "Which way is better",
            "frequency": "How often it is measured",
            "period_type": "What each value covers",
            "source": "Source",
            "order": "Position on the scorecard",
            "is_active": "Show it on the scorecard and in board packs",
        }
        help_texts = {
            "code": "A short reference used in imports, for example CIN-ASSESS-45",
            "what_it_measures": "In plain English, for board members: what is counted, of whom",
            "decimal_places": "How many decimal places its values are shown with",
            "order": "Lower numbers come first",
            "is_active": "An indicator with values is never deleted: make it inactive instead",
        }
        error_messages = {
            "code": {"required": "Enter a code", "unique": "An indicator with this code already exists"},
            "title": {"required": "Enter the indicator's name"},
        }
        widgets = {
            "what_it_measures": forms.Textarea(attrs=_TEXTAREA),
            "why_it_matters": forms.Textarea(attrs=_TEXTAREA),
            "how_calculated": forms.Textarea(attrs=_TEXTAREA),
            "polarity": forms.RadioSelect,
            "unit": forms.RadioSelect,
            "frequency": forms.RadioSelect,
            "period_type": forms.RadioSelect,
            "decimal_places": forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
            "order": forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
        }

    def __init__(self, *args, value_count: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.value_count = value_count
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("first_name", "pk")
        chosen = [theme.pk for theme in self.initial.get("themes", [])]
        plan = current_plan()
        in_plan = Theme.objects.filter(plan=plan) if plan else Theme.objects.none()
        self.fields["themes"].queryset = (in_plan | Theme.objects.filter(pk__in=chosen)).order_by("plan", "reference")

    def clean_decimal_places(self):
        places = self.cleaned_data["decimal_places"]
        if places is not None and places > 4:
            raise forms.ValidationError("Decimal places must be 4 or fewer")
        return places

    def clean_frequency(self):
        frequency = self.cleaned_data["frequency"]
        # Each value's period is read through the frequency (a month, a quarter, a year): changing it
        # would silently turn March's value into a quarter's.
        if self.instance.pk and self.value_count and frequency != self.instance.frequency:
            raise forms.ValidationError(
                f"You cannot change how often it is measured: it has {self.value_count} "
                f"{self.instance.get_frequency_display().lower()} value{'s' if self.value_count != 1 else ''}. "
                "Add a new indicator for the new frequency and make this one inactive"
            )
        return frequency


class TargetForm(ServiceModelForm):
    effective_from = GovukDateField(
        label="Starts from",
        help_text="The target applies from the period this date falls in. For example, 1 4 2026",
        error_messages={"required": "Enter the date the target starts from"},
    )
    effective_to = GovukDateField(
        label="Last period it applies to",
        required=False,
        what="the last period",
        help_text="Leave empty to keep the target until the next one starts. Give a date when the target "
        "is dropped, for example when the measure is kept for context only: the periods after the one "
        "this date falls in have no target, and no RAG. For example, 31 3 2027",
    )
    value = forms.DecimalField(
        label="Target value",
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text="Leave empty when you give the lowest and highest values on target below",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "decimal", "spellcheck": "false"}),
    )

    class Meta:
        model = Target
        fields = [
            "effective_from",
            "effective_to",
            "value",
            "band_lower",
            "band_upper",
            "tolerance_kind",
            "tolerance",
            "expected_direction_note",
        ]
        labels = {
            "band_lower": "Lowest value on target",
            "band_upper": "Highest value on target",
            "tolerance_kind": "How the amber tolerance is measured",
            "tolerance": "Amber tolerance",
            "expected_direction_note": "Note on the target",
        }
        help_texts = {
            "band_lower": "For a target band, for example between 8 and 12: give both ends",
            "tolerance": "How far from the target a value may be and still be amber rather than red",
        }
        widgets = {
            "tolerance_kind": forms.RadioSelect,
            "expected_direction_note": forms.Textarea(attrs=_TEXTAREA),
            "band_lower": forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "decimal"}),
            "band_upper": forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "decimal"}),
            "tolerance": forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "decimal"}),
        }
        error_messages = {"tolerance": {"required": "Enter the amber tolerance, or 0 for none"}}

    def __init__(self, *args, indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        # Stored to four places: show 24, not 24.0000.
        for name in ("value", "band_lower", "band_upper", "tolerance"):
            stored = self.initial.get(name)
            if isinstance(stored, Decimal):
                self.initial[name] = f"{stored.normalize():f}"

    def clean_effective_from(self):
        day = self.cleaned_data["effective_from"]
        return periods.period_containing(day, self.indicator.frequency) if day else day

    def clean_effective_to(self):
        day = self.cleaned_data["effective_to"]
        return periods.period_containing(day, self.indicator.frequency) if day else day

    def clean_tolerance(self):
        tolerance = self.cleaned_data["tolerance"]
        if tolerance is not None and tolerance < 0:
            raise forms.ValidationError("The amber tolerance must be 0 or more")
        return tolerance

    def clean(self):
        data = super().clean()
        lower, upper = data.get("band_lower"), data.get("band_upper")
        if (lower is None) != (upper is None) and not {"band_lower", "band_upper"} & set(self.errors):
            missing = "band_upper" if upper is None else "band_lower"
            self.add_error(missing, "Give both the lowest and the highest value on target, or neither")
        elif lower is not None and upper is not None:
            if lower > upper:
                self.add_error("band_upper", "The highest value on target must be at least the lowest")
            else:
                # A band's target value is its middle (see Target.band_lower): worked out, not typed.
                data["value"] = (lower + upper) / Decimal(2)
        elif data.get("value") is None and "value" not in self.errors:
            self.add_error("value", "Enter the target value, or the lowest and highest values on target")
        start = data.get("effective_from")
        if start is not None:
            clash = self.indicator.targets.filter(effective_from=start).exclude(pk=self.instance.pk).exists()
            if clash:
                label = periods.period_label(start, self.indicator.frequency)
                self.add_error("effective_from", f"There is already a target from {label}: change that one instead")
            else:
                self._check_no_overlap(start, data.get("effective_to"))
        return data

    def _check_no_overlap(self, start, end):
        """A target's end is not before its start, and the target it follows has ended (if it ends at
        all) before it starts; its end, if any, is before the next target starts."""
        frequency = self.indicator.frequency
        if end is not None and end < start:
            self.add_error(
                "effective_to",
                f"The last period must be {periods.period_label(start, frequency)} or later: the target starts then",
            )
            return
        others = self.indicator.targets.exclude(pk=self.instance.pk)
        following = others.filter(effective_from__gt=start).order_by("effective_from").first()
        if end is not None and following is not None and end >= following.effective_from:
            self.add_error(
                "effective_to",
                f"The last period must be before {periods.period_label(following.effective_from, frequency)}, "
                "when the next target starts",
            )
        before = others.filter(effective_from__lt=start).order_by("effective_from").last()
        if before is not None and before.effective_to is not None and before.effective_to >= start:
            self.add_error(
                "effective_from",
                f"The target from {periods.period_label(before.effective_from, frequency)} runs until "
                f"{periods.period_label(before.effective_to, frequency)}: start this one after that, "
                "or change that target's last period",
            )

    def validate_unique(self):
        # The indicator is not a field of this form, so the clash with another target from the same
        # period is checked in clean() with a message that says which period.
        pass
