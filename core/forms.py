"""One form renderer for the whole service, in GOV.UK Design System markup.

Every field goes through templates/forms/field.html, so labels, hints, error messages and
aria-describedby wiring are written once. Pages render `{{ form }}` or
`{{ form.some_field.as_field_group }}` and include `includes/error_summary.html`.
"""

import copy
from datetime import date, time

from django import forms
from django.contrib.auth import get_user_model
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.forms.utils import pretty_name
from django.http import QueryDict

from core.models import EVENT_LABELS
from core.queries import NO_ROLE
from core.roles import ROLE_DESCRIPTIONS, ROLE_NAMES
from core.text import clean_text


class GovukBoundField(BoundField):
    """A bound field that knows the GOV.UK conditional reveals of its form (GovukWidgetsMixin.reveals)."""

    @property
    def radio_options(self) -> list[dict]:
        """Each radio with the fields it reveals when chosen, for templates/forms/field.html."""
        reveals = getattr(self.field, "reveals", {})
        options = []
        for radio in self.subwidgets:
            names = reveals.get(str(radio.data["value"]), ())
            options.append(
                {
                    "radio": radio,
                    "revealed": [self.form[name] for name in names if name in self.form.fields],
                    "conditional_id": f"conditional-{radio.id_for_label}",
                }
            )
        return options

    @property
    def shows_optional(self) -> bool:
        """GOV.UK marks "(optional)" only on a field that is always optional: one needed in some
        situations (GovukWidgetsMixin.sometimes_required) says when in its hint instead."""
        if not getattr(self.form, "marks_optional", True):
            return False
        return not self.field.required and not getattr(self.field, "sometimes_required", False)


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = GovukBoundField


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


BLANK_LABEL = "---------"


def choose_label(label: str) -> str:
    """The empty option of a select, said as what to do: "Choose a lead officer", "Choose an owner"."""
    noun = label[:1].lower() + label[1:]
    return f"Choose {'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _same_field_as(field_class, field, **extra):
    return field_class(
        required=field.required,
        label=field.label,
        initial=field.initial,
        help_text=field.help_text,
        error_messages=field.error_messages,
        validators=field.validators,
        disabled=field.disabled,
        **extra,
    )


def govuk_field(field: forms.Field, name: str) -> forms.Field:
    """The field with the service's GOV.UK widgets: a date input for a date, hour and minute boxes for
    a time, checkboxes for a multiple choice, and an empty option that says what to choose."""
    label = field.label or pretty_name(name)
    if isinstance(field, forms.DateField) and not isinstance(field, GovukDateField):
        return _same_field_as(GovukDateField, field, what=_what(label, ""))
    if isinstance(field, forms.TimeField) and not isinstance(field, GovukTimeField):
        return _same_field_as(GovukTimeField, field, what=_what(label, ""))
    multiple = isinstance(field, (forms.MultipleChoiceField, forms.ModelMultipleChoiceField))
    if multiple and type(field.widget) is forms.SelectMultiple:
        checkboxes = forms.CheckboxSelectMultiple()
        checkboxes.is_required = field.required
        field.widget = checkboxes
        checkboxes.choices = field.choices
    elif isinstance(field, forms.ModelChoiceField) and not multiple:
        if field.empty_label == BLANK_LABEL:
            field.empty_label = None if isinstance(field.widget, forms.RadioSelect) else choose_label(label)
    elif isinstance(field, forms.ChoiceField) and not multiple and isinstance(field.choices, list):
        if any(value == "" and text == BLANK_LABEL for value, text in field.choices):
            radios = isinstance(field.widget, forms.RadioSelect)
            field.choices = [
                (value, choose_label(label) if value == "" and text == BLANK_LABEL else text)
                for value, text in field.choices
                if not (radios and value == "" and text == BLANK_LABEL)
            ]
    return field


class GovukWidgetsMixin:
    """The GOV.UK patterns every form in the service follows, whoever declared its fields.

    Fields get GOV.UK widgets (govuk_field). `sometimes_required` names fields that are needed in
    some situations, which their hint says, so they are not marked "(optional)". `reveals` maps a
    radio field to the fields each of its choices reveals (GOV.UK radios with conditional content),
    for example {"status": {"in_progress": ("progress",)}}: the page shows them under that radio, and
    without JavaScript they are all shown. The form's clean() decides what a hidden field's value means.
    """

    sometimes_required: tuple[str, ...] = ()
    reveals: dict[str, dict[str, tuple[str, ...]]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in list(self.fields.items()):
            self.fields[name] = govuk_field(field, name)
        for name in self.sometimes_required:
            if name in self.fields:
                self.fields[name].sometimes_required = True
        for controller, choices in self.reveals.items():
            if controller not in self.fields:
                continue
            self.fields[controller].reveals = choices
            for names in choices.values():
                for name in names:
                    if name in self.fields:
                        self.fields[name].revealed_by = controller


class ServiceForm(GovukWidgetsMixin, CleanTextMixin, forms.Form):
    """The base of every form the service's own pages show."""


class FilterForm(ServiceForm):
    """The form of every list's filters (a FilterSet's Meta.form). Any filter may be left blank, so
    none is marked "(optional)"."""

    marks_optional = False


class ServiceModelForm(GovukWidgetsMixin, CleanTextMixin, forms.ModelForm):
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


_DATE_PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))
_PART_NAMES = tuple(part for part, _, _ in _DATE_PARTS)


def date_part_problem(parts: dict) -> tuple[str | None, tuple[str, ...]]:
    """What is wrong with a date typed as day, month and year, and which boxes are wrong.

    ("empty", all), ("incomplete", the missing boxes), ("invalid", the boxes that cannot be right, or all
    three when no one box is to blame), or (None, ()) for a real date. GOV.UK's date input pattern marks
    only the wrong boxes, so the field's message and the widget's red borders both come from here.
    """
    missing = tuple(part for part in _PART_NAMES if not parts.get(part))
    if len(missing) == len(_PART_NAMES):
        return "empty", _PART_NAMES
    if missing:
        return "incomplete", missing
    not_numbers = tuple(part for part in _PART_NAMES if not (parts[part].isascii() and parts[part].isdigit()))
    if not_numbers:
        return "invalid", not_numbers
    day, month, year = (int(parts[part]) for part in _PART_NAMES)
    wrong = []
    if len(parts["year"]) != 4:
        wrong.append("year")
    if not 1 <= month <= 12:
        wrong.append("month")
    if not 1 <= day <= 31:
        wrong.append("day")
    if wrong:
        return "invalid", tuple(part for part in _PART_NAMES if part in wrong)
    try:
        date(year, month, day)
    except ValueError:
        return "invalid", ("day",)  # 31 in a 30-day month, or 29 February outside a leap year
    return None, ()


def iso_dates_as_parts(query, names):
    """A copy of the query where `name=2026-06-04` (a link, a bookmark, the benchmarks) is given as the
    GOV.UK date input's three boxes; the boxes win when both are there. Not a date: left for the form."""
    data = query.copy()
    for name in names:
        value = data.get(name, "")
        if value and f"{name}-year" not in data:
            parts = value.split("-")
            if len(parts) == 3 and all(part.isdigit() for part in parts):
                year, month, day = parts
                data[f"{name}-year"], data[f"{name}-month"], data[f"{name}-day"] = year, str(int(month)), str(int(day))
    return data


class GovukDatePartsWidget(forms.Widget):
    """GOV.UK's date input: day, month and year as three numeric text boxes, never the browser's date
    picker (which shows mm/dd/yyyy in an en-US browser). Submits `<name>-day`, `-month`, `-year`."""

    template_name = "forms/widgets/govuk_date.html"
    use_fieldset = True

    def format_value(self, value):
        if isinstance(value, (list, tuple)):
            return dict(zip(_PART_NAMES, value, strict=True))
        if isinstance(value, str) and value:
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return dict.fromkeys(_PART_NAMES, "")
        if isinstance(value, date):
            return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
        return dict.fromkeys(_PART_NAMES, "")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        values = context["widget"]["value"] or {}
        invalid = context["widget"]["attrs"].get("aria-invalid") == "true"
        # Only the boxes that are wrong are marked; a date refused for what it is (in the future, before
        # the meeting) marks all three.
        wrong = (date_part_problem(values)[1] or _PART_NAMES) if invalid else ()
        context["widget"]["invalid"] = invalid
        context["widget"]["parts"] = [
            {"name": part, "label": label, "width": width, "value": values.get(part, ""), "invalid": part in wrong}
            for part, label, width in _DATE_PARTS
        ]
        return context

    def value_from_datadict(self, data, files, name):
        return tuple(str(data.get(f"{name}-{part}", "")).strip() for part in _PART_NAMES)

    def value_omitted_from_data(self, data, files, name):
        return all(f"{name}-{part}" not in data for part in _PART_NAMES)

    def id_for_label(self, id_):
        return f"{id_}-day" if id_ else id_


def _what(label, what):
    """How a message names the field: `what` if given ("the due date"), else the label."""
    return what or (label[:1].lower() + label[1:] if label else "the date")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# Django's own wording, which the GOV.UK fields replace unless a form gives its own.
_DJANGO_DATE_MESSAGES = {**forms.Field.default_error_messages, **forms.DateField.default_error_messages}
_DJANGO_TIME_MESSAGES = {**forms.Field.default_error_messages, **forms.TimeField.default_error_messages}


def _own_messages(messages: dict, django_defaults: dict) -> dict:
    return {key: text for key, text in messages.items() if text != django_defaults.get(key)}


class GovukDateField(forms.DateField):
    """A date typed as day, month and year, with GOV.UK's error messages ("Date of this update must
    include a month", "... must be a real date") rather than Django's "Enter a valid date".

    `what` names the date in messages when the label does not read as a noun ("Due by": "the due date").
    A plain ISO string (2026-10-01) is still understood, for values that do not come from the boxes.
    """

    widget = GovukDatePartsWidget

    def __init__(self, *, what: str = "", **kwargs):
        self.what = _what(kwargs.get("label"), what)
        super().__init__(**kwargs)
        self.error_messages = {
            "required": f"Enter {self.what}",
            "incomplete": _sentence(self.what) + " must include a {missing}",
            "invalid": f"{_sentence(self.what)} must be a real date",
            "year": f"{_sentence(self.what)} must include a year with 4 numbers",
            **_own_messages(self.error_messages, _DJANGO_DATE_MESSAGES),
        }

    def to_python(self, value):
        if not isinstance(value, (list, tuple)):
            return super().to_python(value)
        parts = dict(zip(_PART_NAMES, value, strict=True))
        problem, wrong = date_part_problem(parts)
        if problem == "empty":
            return None
        if problem == "incomplete":
            missing = " and ".join(wrong)
            raise forms.ValidationError(self.error_messages["incomplete"].format(missing=missing), code="incomplete")
        if problem == "invalid" and wrong == ("year",) and len(parts["year"]) != 4:
            raise forms.ValidationError(self.error_messages["year"], code="year")
        if problem == "invalid":
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))


_TIME_PARTS = (("hour", "Hour"), ("minute", "Minute"))


class GovukTimeWidget(forms.Widget):
    """A time as two numeric boxes, hour and minute, in the date input's markup: GOV.UK has no time
    component, and the browser's time field shows 2:00 PM or 14:00 depending on the reader's locale."""

    template_name = "forms/widgets/govuk_time.html"
    use_fieldset = True

    def format_value(self, value):
        if isinstance(value, (list, tuple)):
            return dict(zip(("hour", "minute"), value, strict=True))
        if isinstance(value, time):
            return {"hour": str(value.hour), "minute": f"{value.minute:02d}"}
        return {"hour": "", "minute": ""}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        values = context["widget"]["value"] or {}
        invalid = context["widget"]["attrs"].get("aria-invalid") == "true"
        wrong = (time_part_problem(values)[1] or ("hour", "minute")) if invalid else ()
        context["widget"]["invalid"] = invalid
        context["widget"]["parts"] = [
            {"name": part, "label": label, "value": values.get(part, ""), "invalid": part in wrong}
            for part, label in _TIME_PARTS
        ]
        return context

    def value_from_datadict(self, data, files, name):
        return tuple(str(data.get(f"{name}-{part}", "")).strip() for part, _ in _TIME_PARTS)

    def value_omitted_from_data(self, data, files, name):
        return all(f"{name}-{part}" not in data for part, _ in _TIME_PARTS)

    def id_for_label(self, id_):
        return f"{id_}-hour" if id_ else id_


def time_part_problem(parts: dict) -> tuple[str | None, tuple[str, ...]]:
    """As date_part_problem, for an hour and minute on the 24-hour clock. A blank minute is on the hour."""
    hour, minute = parts.get("hour", ""), parts.get("minute", "")
    if not hour and not minute:
        return "empty", ("hour", "minute")
    if not hour:
        return "incomplete", ("hour",)
    wrong = []
    if not (hour.isascii() and hour.isdigit() and int(hour) <= 23):
        wrong.append("hour")
    if minute and not (minute.isascii() and minute.isdigit() and int(minute) <= 59):
        wrong.append("minute")
    return ("invalid", tuple(wrong)) if wrong else (None, ())


class GovukTimeField(forms.TimeField):
    """A time typed as hour and minute (24-hour clock), with GOV.UK-style messages."""

    widget = GovukTimeWidget

    def __init__(self, *, what: str = "", **kwargs):
        self.what = _what(kwargs.get("label"), what)
        super().__init__(**kwargs)
        self.error_messages = {
            "required": f"Enter {self.what}",
            "incomplete": f"{_sentence(self.what)} must include an hour",
            "invalid": f"{_sentence(self.what)} must be a real time, for example 14 00 for 2pm",
            **_own_messages(self.error_messages, _DJANGO_TIME_MESSAGES),
        }

    def to_python(self, value):
        if not isinstance(value, (list, tuple)):
            return super().to_python(value)
        parts = dict(zip(("hour", "minute"), value, strict=True))
        problem, _ = time_part_problem(parts)
        if problem == "empty":
            return None
        if problem in ("incomplete", "invalid"):
            raise forms.ValidationError(self.error_messages[problem], code=problem)
        return time(int(parts["hour"]), int(parts["minute"] or 0))


def summary_errors(form) -> list[tuple[str, str]]:
    """(anchor, message) pairs for the GOV.UK error summary, in field order."""
    errors = []
    for message in form.non_field_errors():
        errors.append(("", message))
    for field in form:
        # A date's three boxes (a time's two): the summary links to the first, as GOV.UK's pattern does.
        boxes = isinstance(field.field.widget, (GovukDatePartsWidget, GovukTimeWidget))
        anchor = field.id_for_label if boxes else field.auto_id
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
