"""One form renderer for the whole service, in GOV.UK Design System markup.

Every field goes through templates/forms/field.html, so labels, hints, error messages and
aria-describedby wiring are written once. Pages render `{{ form }}` or
`{{ form.some_field.as_field_group }}` and include `includes/error_summary.html`.
"""

import copy
from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.forms.renderers import TemplatesSetting
from django.http import QueryDict

from core.models import EVENT_LABELS
from core.queries import NO_ROLE
from core.roles import ROLE_DESCRIPTIONS, ROLE_NAMES
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
    """The base of every model form the service's own pages show.

    The form gives cleaned_data; a service writes. Django's ModelForm copies the cleaned values onto
    form.instance as it validates, so a service saving that instance would save what the form left on
    it, and a page re-shown after an error would show the rejected values as if saved. Here the model's
    own validation (field checks, unique constraints) runs on a copy, and form.instance stays as it was
    read. Never call save() on these forms: pass cleaned_data to the service.
    """

    def _post_clean(self):
        original = self.instance
        self.instance = copy.copy(original)
        try:
            super()._post_clean()
        finally:
            self.instance = original


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


_DATE_PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))


class GovukDatePartsWidget(forms.Widget):
    """GOV.UK's date input: day, month and year as three numeric text boxes, never the browser's date
    picker (which shows mm/dd/yyyy in an en-US browser). Submits `<name>-day`, `-month`, `-year`."""

    template_name = "forms/widgets/govuk_date.html"
    use_fieldset = True

    def format_value(self, value):
        if isinstance(value, (list, tuple)):
            return dict(zip(("day", "month", "year"), value, strict=True))
        if isinstance(value, str) and value:
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return {"day": "", "month": "", "year": ""}
        if isinstance(value, date):
            return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
        return {"day": "", "month": "", "year": ""}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        values = context["widget"]["value"] or {}
        invalid = context["widget"]["attrs"].get("aria-invalid") == "true"
        context["widget"]["invalid"] = invalid
        context["widget"]["parts"] = [
            {"name": part, "label": label, "width": width, "value": values.get(part, "")}
            for part, label, width in _DATE_PARTS
        ]
        return context

    def value_from_datadict(self, data, files, name):
        return tuple(str(data.get(f"{name}-{part}", "")).strip() for part, _, _ in _DATE_PARTS)

    def value_omitted_from_data(self, data, files, name):
        return all(f"{name}-{part}" not in data for part, _, _ in _DATE_PARTS)

    def id_for_label(self, id_):
        return f"{id_}-day" if id_ else id_


class GovukDateField(forms.DateField):
    """A date typed as day, month and year, with GOV.UK's error messages ("must include a month",
    "must be a real date") rather than Django's "Enter a valid date"."""

    widget = GovukDatePartsWidget

    def to_python(self, value):
        if not isinstance(value, (list, tuple)):
            return super().to_python(value)
        parts = dict(zip(("day", "month", "year"), value, strict=True))
        if not any(parts.values()):
            return None
        name = (self.label or "The date").capitalize() if self.label else "The date"
        missing = [part for part in ("day", "month", "year") if not parts[part]]
        if missing:
            raise forms.ValidationError(f"{name} must include a {' and a '.join(missing)}", code="incomplete")
        if not all(parts[part].isascii() and parts[part].isdigit() for part in parts) or len(parts["year"]) != 4:
            raise forms.ValidationError(f"{name} must be a real date, for example 27 3 2026", code="invalid")
        try:
            return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            raise forms.ValidationError(f"{name} must be a real date, for example 27 3 2026", code="invalid") from None


def summary_errors(form) -> list[tuple[str, str]]:
    """(anchor, message) pairs for the GOV.UK error summary, in field order."""
    errors = []
    for message in form.non_field_errors():
        errors.append(("", message))
    for field in form:
        # A date's three boxes: the summary links to the day box, as GOV.UK's pattern does.
        anchor = field.id_for_label if isinstance(field.field.widget, GovukDatePartsWidget) else field.auto_id
        for message in field.errors:
            errors.append((anchor or "", message))
    return errors


# Account management (the Users page). Forms only validate; core.services writes.

ROLE_CHOICES = [(name, f"{name}: {ROLE_DESCRIPTIONS[name]}") for name in ROLE_NAMES] + [
    (NO_ROLE, "No role: can sign in but sees nothing")
]


def role_from_choice(value: str) -> str | None:
    return None if value == NO_ROLE else value


class RoleForm(ServiceForm):
    role = forms.ChoiceField(
        label="Role",
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a role, or no role"},
    )


class UserCreateForm(RoleForm):
    first_name = forms.CharField(label="First name", max_length=150, error_messages={"required": "Enter a first name"})
    last_name = forms.CharField(label="Last name", max_length=150, error_messages={"required": "Enter a last name"})
    # The account's column is this long: a longer (still valid) address would fail in the database.
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We will send a link to this address so they can choose their password.",
        error_messages={
            "required": "Enter an email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    username = forms.CharField(
        label="User name",
        max_length=150,
        help_text="What they type to sign in, for example jo.bloggs. Letters, digits and @ . + - _ only.",
        error_messages={"required": "Enter a user name"},
    )
    field_order = ["first_name", "last_name", "email", "username", "role"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        User = get_user_model()
        try:
            User.username_validator(username)
        except forms.ValidationError:
            raise forms.ValidationError("User name must contain only letters, digits and @ . + - _") from None
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("There is already an account with this user name")
        return username

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        # Password links are sent by address, so two accounts must not share one.
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("There is already an account with this email address")
        return email


class UserFilterForm(ServiceForm):
    role = forms.ChoiceField(
        label="Role",
        required=False,
        choices=[("", "Any role"), *[(name, name) for name in ROLE_NAMES], (NO_ROLE, "No role")],
    )


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class AuditFilterForm(ServiceForm):
    event = forms.ChoiceField(label="What happened", required=False, choices=[("", "Anything"), *EVENT_LABELS.items()])
    person = UserChoice(
        label="Person",
        required=False,
        empty_label="Anyone",
        help_text="What they did, and what was done to their account.",
        queryset=get_user_model().objects.order_by("last_name", "first_name", "username"),
    )
