"""One form renderer for the whole service, in GOV.UK Design System markup.

Every field goes through templates/forms/field.html, so labels, hints, error messages and
aria-describedby wiring are written once. Pages render `{{ form }}` or
`{{ form.some_field.as_field_group }}` and include `includes/error_summary.html`.
"""

from django import forms
from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


class GovukDateInput(forms.DateInput):
    """A single text input for a date, with the format people type in the UK."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d")


def summary_errors(form) -> list[tuple[str, str]]:
    """(anchor, message) pairs for the GOV.UK error summary, in field order."""
    errors = []
    for message in form.non_field_errors():
        errors.append(("", message))
    for field in form:
        for message in field.errors:
            errors.append((field.auto_id or "", message))
    return errors
