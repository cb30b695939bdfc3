"""The service's GOV.UK form patterns (core.forms): date and time inputs, checkboxes for multiple
choices, labelled empty options, "(optional)" only where always optional, conditional reveals."""

import datetime as dt
import re

import pytest
from django import forms
from django.http import QueryDict

from core.forms import (
    GovukDateField,
    GovukTimeField,
    ServiceForm,
    choose_label,
    date_part_problem,
    iso_dates_as_parts,
    time_part_problem,
)
from tests.forms import date_parts, time_parts


@pytest.mark.parametrize(
    "day, month, year, expected",
    [
        ("", "", "", ("empty", ("day", "month", "year"))),
        ("4", "", "2026", ("incomplete", ("month",))),
        ("", "", "2026", ("incomplete", ("day", "month"))),
        ("4", "6", "2026", (None, ())),
        ("29", "2", "2028", (None, ())),  # a leap year
        ("29", "2", "2027", ("invalid", ("day",))),
        ("31", "4", "2026", ("invalid", ("day",))),
        ("4", "13", "2026", ("invalid", ("month",))),
        ("4", "6", "26", ("invalid", ("year",))),
        ("32", "13", "2026", ("invalid", ("day", "month"))),
        ("0", "6", "2026", ("invalid", ("day",))),
        ("four", "6", "2026", ("invalid", ("day",))),
        ("\u0664", "6", "2026", ("invalid", ("day",))),  # an Arabic-Indic 4: not ASCII
    ],
)
def test_date_part_problem_names_what_is_wrong_and_which_boxes(day, month, year, expected):
    assert date_part_problem({"day": day, "month": month, "year": year}) == expected


@pytest.mark.parametrize(
    "hour, minute, expected",
    [
        ("", "", ("empty", ("hour", "minute"))),
        ("", "30", ("incomplete", ("hour",))),
        ("14", "", (None, ())),
        ("9", "05", (None, ())),
        ("0", "0", (None, ())),
        ("24", "00", ("invalid", ("hour",))),
        ("14", "60", ("invalid", ("minute",))),
        ("2pm", "", ("invalid", ("hour",))),
    ],
)
def test_time_part_problem(hour, minute, expected):
    assert time_part_problem({"hour": hour, "minute": minute}) == expected


class _DatesForm(ServiceForm):
    due = GovukDateField(label="Due by", what="the due date")
    plain = forms.DateField(label="Review date", required=False)  # made a GOV.UK date input by the mixin
    starts = forms.TimeField(label="Start time", required=False)


@pytest.mark.parametrize(
    "due, message",
    [
        ({"due-day": "", "due-month": "", "due-year": ""}, "Enter the due date"),
        ({"due-day": "4", "due-month": "", "due-year": ""}, "The due date must include a month and year"),
        ({"due-day": "31", "due-month": "2", "due-year": "2027"}, "The due date must be a real date"),
        ({"due-day": "3", "due-month": "2", "due-year": "27"}, "The due date must include a year with 4 numbers"),
    ],
)
def test_date_field_messages_follow_govuk(due, message):
    form = _DatesForm(due)
    assert form.errors["due"] == [message]


def test_every_date_and_time_field_posts_as_boxes_and_is_read_back():
    data = date_parts("due", dt.date(2027, 1, 5)) | date_parts("plain", dt.date(2026, 12, 2))
    form = _DatesForm(data | time_parts("starts", dt.time(9, 30)))
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"due": dt.date(2027, 1, 5), "plain": dt.date(2026, 12, 2), "starts": dt.time(9, 30)}
    assert isinstance(form.fields["plain"], GovukDateField) and isinstance(form.fields["starts"], GovukTimeField)


def test_a_wrong_box_is_the_only_one_marked_and_the_rest_keep_what_was_typed():
    form = _DatesForm({"due-day": "31", "due-month": "2", "due-year": "2027"})
    html = str(form["due"].as_field_group())
    assert re.search(r'govuk-input--error" id="id_due-day"[^>]*value="31"', html)
    assert re.search(r'govuk-input--width-2" id="id_due-month"[^>]*value="2"', html)
    assert 'type="date"' not in str(form)
    assert "(optional)" not in html and "Review date (optional)" in str(form)


def test_a_time_is_shown_as_hour_and_minute_boxes():
    html = str(_DatesForm(initial={"starts": dt.time(14, 0)})["starts"])
    assert 'name="starts-hour"' in html and 'value="14"' in html and 'name="starts-minute"' in html
    assert 'value="00"' in html and 'type="time"' not in html


class _ChoicesForm(ServiceForm):
    sometimes_required = ("reason",)
    reveals = {"kind": {"other": ("reason",)}}

    people = forms.MultipleChoiceField(choices=[(str(i), f"Person {i}") for i in range(12)], required=False)
    few = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    lead = forms.ChoiceField(label="Lead officer", choices=[("", "---------"), ("1", "Jo")], required=False)
    kind = forms.ChoiceField(choices=[("update", "Update"), ("other", "Other")], widget=forms.RadioSelect)
    reason = forms.CharField(label="Why", required=False, help_text="Needed when the kind is other")


def test_multiple_choices_are_checkboxes_with_a_filter_only_when_the_list_is_long():
    form = _ChoicesForm()
    people, few = str(form["people"]), str(form["few"])
    assert "<select" not in people and 'type="checkbox"' in people
    assert 'data-module="app-checkbox-filter"' in people and 'data-filter-label="Filter the 12 choices"' in people
    assert 'type="checkbox"' in few and "app-checkbox-filter" not in few


def test_an_empty_option_says_what_to_choose():
    html = str(_ChoicesForm()["lead"])
    assert "---------" not in html and re.search(r'<option value=""[^>]*>Choose a lead officer</option>', html)
    assert choose_label("Owner") == "Choose an owner"


def test_a_field_needed_sometimes_is_not_marked_optional_and_is_revealed_under_its_radio():
    form = _ChoicesForm()
    html = form.render()
    assert "Why (optional)" not in html and "Needed when the kind is other" in html
    # The reason sits inside the conditional content of "Other" and is not rendered a second time.
    assert html.count('name="reason"') == 1
    other = re.search(r'<input[^>]*value="other"[^>]*>', html).group(0)
    assert 'data-app-reveals="conditional-id_kind_1"' in other
    conditional = html.split('id="conditional-id_kind_1">')[1]
    assert 'class="govuk-radios__conditional govuk-radios__conditional--hidden"' in html
    assert conditional.index('name="reason"') < conditional.index("</div>\n    </div>")


def test_the_revealed_content_shows_when_its_radio_is_chosen():
    html = _ChoicesForm({"kind": "other"}).render()
    assert '<div class="govuk-radios__conditional" id="conditional-id_kind_1">' in html


def test_iso_dates_in_a_query_become_the_boxes_unless_the_boxes_are_there():
    query = iso_dates_as_parts(
        QueryDict("as_at=2026-06-04&to=2026-01-01&to-year=2025&bad=soon"), ["as_at", "to", "bad"]
    )
    assert (query["as_at-day"], query["as_at-month"], query["as_at-year"]) == ("4", "6", "2026")
    assert query["to-year"] == "2025" and "to-day" not in query
    assert "bad-day" not in query
