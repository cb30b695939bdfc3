from django import forms

from core.forms import ServiceForm


class ClearReportedForm(ServiceForm):
    """The KPI preview's one choice: whether "n/a", "-" or a blank cell may clear a figure already reported."""

    clear_reported = forms.BooleanField(
        label="Clear reported values",
        required=False,
        help_text=(
            "Where the file says \u201cn/a\u201d, \u201c-\u201d or leaves a cell blank for a period that already "
            "has a figure, clear that figure. Leave this unticked to keep the figures already reported."
        ),
        widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
    )
