"""One form renderer for the whole service, in GOV.UK Design System markup.

Every field goes through templates/forms/field.html, so labels, hints, error messages and
aria-describedby wiring are written once. Pages render `{{ form }}` or
`{{ form.some_field.as_field_group }}` and include `includes/error_summary.html`.
"""

from django import forms
from django.forms.renderers import TemplatesSetting
from django.http import QueryDict

from core.text import clean_text


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


def _clean_value(key: str, value):
    # Passwords are compared, not shown or written into files: changing one would lock its owner out.
    if not isinstance(value, str) or "password" in key:
        return value
    return clean_text(value)


def _cleaned_data(data):
    if isinstance(data, QueryDict):
        cleaned = QueryDict(mutable=True)
        for key, values in data.lists():
            cleaned.setlist(clean_text(key), [_clean_value(key, value) for value in values])
        return cleaned
    return {clean_text(key): _clean_value(key, value) for key, value in data.items()}


class CleanTextMixin:
    """Clean every text a person submits (core.text.clean_text) before any field reads it.

    Every form in the service takes this mixin (through ServiceForm and ServiceModelForm), so a
    vertical tab pasted from Word is stored as a line break and a NUL never reaches the database.
    Cleaning the submitted data, not each field's value, means length limits and validators see
    the text that will be stored.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and self.data:
            self.data = _cleaned_data(self.data)


class ServiceForm(CleanTextMixin, forms.Form):
    """The base of every form the service's own pages show."""


class ServiceModelForm(CleanTextMixin, forms.ModelForm):
    """The base of every model form the service's own pages show."""


def with_clean_text(form_class):
    """form_class with CleanTextMixin in front, for forms built elsewhere (Django admin's)."""
    if issubclass(form_class, CleanTextMixin):
        return form_class
    return type(form_class.__name__, (CleanTextMixin, form_class), {"__module__": form_class.__module__})


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
