"""The risks to delivery form (issue 17): GOV.UK radios, checkboxes and date input."""

from django import forms
from django.contrib.auth import get_user_model

from core.formats import person_name
from core.forms import GovukDateField, ServiceForm
from improvement.models import Risk, Theme
from improvement.queries import current_plan


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj)


class _ThemeChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference}. {obj.title}"


class RiskForm(ServiceForm):
    # One of the two: a user, or the job title of an owner without an account.
    sometimes_required = ("owner", "owner_name")

    title = forms.CharField(
        label="Risk",
        max_length=300,
        help_text=(
            "What could stop the plan being delivered, for example \u201cWe cannot recruit enough social workers\u201d"
        ),
        error_messages={"required": "Enter the risk"},
    )
    cause = forms.CharField(label="Cause", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    likelihood = forms.TypedChoiceField(
        label="Likelihood",
        choices=Risk.SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 is very unlikely, 5 almost certain",
        error_messages={"required": "Select how likely the risk is, from 1 to 5"},
    )
    impact = forms.TypedChoiceField(
        label="Impact",
        choices=Risk.SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 is minor, 5 severe",
        error_messages={"required": "Select how bad the impact would be, from 1 to 5"},
    )
    owner = _UserChoice(
        label="Owner",
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Not a user",
        help_text="Choose the owner, or give their job title below if they do not use this service",
    )
    owner_name = forms.CharField(
        label="Owner's job title", max_length=200, required=False, help_text="Needed when the owner is not a user"
    )
    mitigation = forms.CharField(label="Mitigation", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    themes = _ThemeChoices(
        label="Themes it threatens", queryset=Theme.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    review_date = GovukDateField(label="Review date", required=False)
    status = forms.ChoiceField(label="Status", choices=Risk.Status.choices, widget=forms.RadioSelect, initial="open")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("first_name")
        plan = current_plan()
        chosen = [t.pk for t in self.initial.get("themes", [])]
        self.fields["themes"].queryset = Theme.objects.filter(
            **({"plan": plan} if plan else {"pk__in": chosen})
        ) | Theme.objects.filter(pk__in=chosen)

    def clean(self):
        data = super().clean()
        if not data.get("owner") and not data.get("owner_name", "").strip() and "owner" not in self.errors:
            self.add_error("owner", "Choose the owner, or enter their job title")
        return data
