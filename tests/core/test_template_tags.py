"""Every template tag and filter the project registers, rendered through the template engine as a page
would use it. test_every_tag_and_filter_has_a_test fails when a new one is registered without a test
here: add a test below and its name to TESTED."""

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django import forms
from django.contrib.auth.models import User
from django.core.cache import cache
from django.template import Context, Template, TemplateSyntaxError
from django.template.backends.django import get_installed_libraries
from django.test import RequestFactory

from indicators.models import Indicator
from meetings.models import Meeting, MeetingAction
from tests.dates import LONDON, TODAY

# library name -> the filters and tags tested below
TESTED = {
    "core_tags": {
        "govuk_date",
        "govuk_time",
        "govuk_datetime",
        "person_name",
        "unit_value",
        "summary_errors",
        "is_invalid",
        "rag_tag_class",
        "rag_tag",
        "cachedfragment",
        "linked_panels",
    },
    "dashboard_tags": {"action_rag_label", "lead", "rag_count"},
    "improvement_tags": {"rag_words", "action_rag", "risk_rating"},
    "indicators_tags": {"sparkline_points", "direction_text", "quartile_for"},
    "meetings_tags": {
        "days_words",
        "overdue_words",
        "asked_of",
        "meeting_status_class",
        "minutes_status_class",
        "has_minutes",
        "minutes_words",
        "action_status_class",
        "resolution_wording",
        "css_string",
    },
}
OUR_APPS = ("core", "improvement", "indicators", "meetings", "imports", "dashboard", "demo")


def render(library, source, **context):
    return Template("{% load " + library + " %}" + source).render(Context(context))


def test_every_tag_and_filter_has_a_test():
    registered = {}
    for name, module_path in get_installed_libraries().items():
        if module_path.split(".")[0] in OUR_APPS:
            library = importlib.import_module(module_path).register
            registered[name] = set(library.filters) | set(library.tags)
    assert registered == TESTED, "add a test to tests/core/test_template_tags.py and its name to TESTED"


# core_tags ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-22", "22 November 2026"),
        ("2026-03-01T10:00:00", "1 March 2026"),
        (dt.date(2027, 1, 5), "5 January 2027"),
        (dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC), "2 July 2026"),  # half past midnight in London
        ("", ""),
        (None, ""),
        ("not a date", "not a date"),
    ],
)
def test_govuk_date_writes_a_date_or_stored_date_the_govuk_way(value, expected):
    assert render("core_tags", "{{ value|govuk_date }}", value=value) == expected


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("short", "22 Nov 2026"),
        ("weekday", "Sunday 22 November 2026"),
        ("month", "November 2026"),
        ("short_month", "Nov 2026"),
        ("day_month", "22 November"),
        ("short_day_month", "22 Nov"),
    ],
)
def test_govuk_date_takes_a_style(style, expected):
    assert render("core_tags", '{{ "2026-11-22"|govuk_date:style }}', style=style) == expected


def test_govuk_date_refuses_a_style_it_does_not_know():
    with pytest.raises(ValueError, match="Unknown date style"):
        render("core_tags", '{{ "2026-11-22"|govuk_date:"D j M" }}')


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(12, 0, "midday"), (14, 0, "2pm"), (14, 30, "2:30pm"), (9, 5, "9:05am"), (0, 0, "midnight"), (12, 15, "12:15pm")],
)
def test_govuk_time_in_the_services_time_zone(hour, minute, expected):
    moment = dt.datetime(2026, 7, 1, hour, minute, tzinfo=LONDON)  # British Summer Time
    assert render("core_tags", "{{ t|govuk_time }}", t=moment.astimezone(dt.UTC)) == expected


def test_govuk_time_of_nothing_is_empty():
    assert render("core_tags", "[{{ t|govuk_time }}]", t=None) == "[]"


def test_govuk_datetime_gives_the_local_day_and_time():
    moment = dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.UTC)  # GMT in December: the same clock time
    assert render("core_tags", "{{ t|govuk_datetime }}", t=moment) == "2 December 2026 at 10:30am"
    assert render("core_tags", "[{{ t|govuk_datetime }}]", t=None) == "[]"


def test_person_name_is_the_full_name_else_the_username_else_nothing():
    ada = User(first_name="Ada", last_name="Lovelace")
    assert render("core_tags", "{{ u|person_name }}", u=ada) == "Ada Lovelace"
    assert render("core_tags", "{{ u|person_name }}", u=User(username="no.name")) == "no.name"
    assert render("core_tags", "[{{ u|person_name }}]", u=None) == "[]"


class _DateAndTitle(forms.Form):
    title = forms.CharField()
    due = forms.DateField()

    def clean(self):
        raise forms.ValidationError("Check the whole form")


@pytest.mark.parametrize(
    ("value", "unit", "places", "expected"),
    [
        (Decimal("87.25"), "percentage", 1, "87.3%"),
        (Decimal("42.1"), "rate_per_10k", 1, "42.1 per 10,000"),
        (Decimal("1"), "days", 0, "1 day"),
        (Decimal("1204"), "number", 0, "1,204"),
        (None, "percentage", 1, "No value"),
    ],
)
def test_unit_value_writes_a_value_in_the_indicators_unit(value, unit, places, expected):
    indicator = Indicator(unit=unit, decimal_places=places)
    assert render("core_tags", "{{ value|unit_value:indicator }}", value=value, indicator=indicator) == expected


def test_summary_errors_lists_form_errors_then_field_errors_with_their_anchors():
    form = _DateAndTitle(data={"title": "", "due": "not a date"})
    form.is_valid()
    page = render(
        "core_tags",
        "{% for anchor, message in form|summary_errors %}[{{ anchor }}|{{ message }}]{% endfor %}",
        form=form,
    )
    assert page == "[|Check the whole form][id_title|This field is required.][id_due|Enter a valid date.]"


def test_summary_errors_of_a_valid_form_is_empty():
    form = forms.Form(data={})
    form.is_valid()
    assert render("core_tags", "{{ form|summary_errors|length }}", form=form) == "0"


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"aria-invalid": "true"}, "True"),
        ({"aria-invalid": True}, "True"),
        ({"aria-invalid": "false"}, "False"),
        ({}, "False"),
    ],
)
def test_is_invalid_reads_the_aria_invalid_attribute(attrs, expected):
    assert render("core_tags", "{{ attrs|is_invalid }}", attrs=attrs) == expected


@pytest.mark.parametrize(
    ("rag", "css_class"),
    [
        ("blue", "govuk-tag--blue"),
        ("green", "govuk-tag--green"),
        ("amber", "govuk-tag--orange"),
        ("red", "govuk-tag--red"),
        ("grey", "govuk-tag--grey"),
        ("none", "govuk-tag--grey"),
        (None, "govuk-tag--grey"),
        ("purple", "govuk-tag--grey"),
    ],
)
def test_rag_tag_class_gives_the_govuk_tag_colour(rag, css_class):
    assert render("core_tags", "{{ rag|rag_tag_class }}", rag=rag) == css_class


def test_rag_tag_shows_the_words_beside_the_colour():
    page = render("core_tags", '{% rag_tag "red" "Red - off track" %}').strip()
    assert page == '<strong class="govuk-tag app-rag govuk-tag--red">Red - off track</strong>'


def test_rag_tag_adds_the_extra_words_and_escapes_them():
    page = render("core_tags", '{% rag_tag "amber" "Amber" reason %}', reason="<b>late</b>")
    assert (
        'govuk-tag--orange">Amber</strong> <span class="govuk-body-s app-rag__extra">&lt;b&gt;late&lt;/b&gt;</span>'
        in page
    )


_FRAGMENT = '{% cachedfragment "tag-test" part %}{{ value }}{% endcachedfragment %}'


@pytest.mark.django_db
def test_cachedfragment_serves_the_stored_block_while_nothing_changed(settings):
    settings.PAGE_CACHE = True
    cache.clear()
    request = RequestFactory().get("/")
    assert render("core_tags", _FRAGMENT, request=request, part=1, value="first") == "first"
    assert render("core_tags", _FRAGMENT, request=request, part=1, value="second") == "first"
    assert render("core_tags", _FRAGMENT, request=request, part=2, value="second") == "second"  # another part


def test_cachedfragment_renders_afresh_when_caching_is_off_or_there_is_no_request(settings):
    settings.PAGE_CACHE = False
    request = RequestFactory().get("/")
    assert render("core_tags", _FRAGMENT, request=request, part=1, value="first") == "first"
    assert render("core_tags", _FRAGMENT, request=request, part=1, value="second") == "second"
    settings.PAGE_CACHE = True
    assert render("core_tags", _FRAGMENT, part=1, value="third") == "third"


def test_cachedfragment_needs_a_name():
    with pytest.raises(TemplateSyntaxError, match="needs a name"):
        render("core_tags", "{% cachedfragment %}x{% endcachedfragment %}")


# dashboard_tags and improvement_tags --------------------------------------------------------------------


def test_action_rag_label_uses_the_councils_wording(settings):
    settings.ACTION_RAG_LABELS = {**settings.ACTION_RAG_LABELS, "red": "Red: needs the board"}
    assert render("dashboard_tags", "{{ 'red'|action_rag_label }}") == "Red: needs the board"
    assert render("dashboard_tags", "{{ 'blue'|action_rag_label }}") == "Blue - complete"


def test_rag_words_gives_the_label_or_nothing():
    assert render("improvement_tags", "{{ 'amber'|rag_words }}") == "Amber - at risk"
    assert render("improvement_tags", "[{{ rag|rag_words }}]", rag="") == "[]"
    assert render("improvement_tags", "[{{ rag|rag_words }}]", rag=None) == "[]"


# indicators_tags ----------------------------------------------------------------------------------------


def test_sparkline_points_span_the_box_oldest_first():
    trend = [("2026-Q1", Decimal("10")), ("2026-Q2", Decimal("20")), ("2026-Q3", Decimal("15"))]
    assert render("indicators_tags", "{{ trend|sparkline_points }}", trend=trend) == "3.0,21.0 40.0,3.0 77.0,12.0"


def test_sparkline_points_of_a_flat_line_sit_in_the_middle():
    trend = [("a", 5), ("b", 5)]
    assert render("indicators_tags", "{{ trend|sparkline_points }}", trend=trend) == "3.0,12.0 77.0,12.0"


@pytest.mark.parametrize("trend", [[], [("2026-Q1", Decimal("1"))]])
def test_sparkline_points_need_two_values(trend):
    assert render("indicators_tags", "[{{ trend|sparkline_points }}]", trend=trend) == "[]"


@pytest.mark.parametrize(
    ("direction", "words"),
    [
        ("improving", "Better"),
        ("declining", "Worse"),
        ("no_change", "No change"),
        ("up", "Higher, neither better nor worse"),
        ("down", "Lower, neither better nor worse"),
        (None, "No comparison"),
    ],
)
def test_direction_text_says_better_or_worse_in_words(direction, words):
    assert render("indicators_tags", "{{ d|direction_text }}", d=direction) == words


def test_quartile_for_reads_the_views_words_or_says_there_is_no_rank():
    quartiles = {7: "Top quarter (A)"}
    assert render("indicators_tags", "{{ q|quartile_for:7 }}", q=quartiles) == "Top quarter (A)"
    assert render("indicators_tags", "{{ q|quartile_for:8 }}", q=quartiles) == "No published rank"


# meetings_tags ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Board 2", "Board 2"),
        # Each escape ends with the one space CSS swallows after it, so a real space after it stays.
        ("Children's Board, 3 May", "Children\\000027 s Board\\00002c  3 May"),
        ('"</style><script>', "\\000022 \\00003c \\00002f style\\00003e \\00003c script\\00003e "),
        ("back\\slash \u2014 é", "back\\00005c slash \\002014  \\0000e9 "),
    ],
)
def test_css_string_escapes_all_but_letters_digits_and_spaces(value, expected):
    assert render("meetings_tags", "{{ value|css_string }}", value=value) == expected


@pytest.mark.parametrize(("days", "expected"), [(0, ""), (None, ""), (1, "1 day overdue"), (12, "12 days overdue")])
def test_days_words(days, expected):
    assert render("meetings_tags", "{{ days|days_words }}", days=days) == expected


def _action(status=MeetingAction.Status.OPEN, due_date=None, **kwargs):
    return MeetingAction(status=status, due_date=due_date, **kwargs)


@pytest.mark.parametrize(
    ("action", "words", "css_class"),
    [
        (_action(due_date=TODAY - dt.timedelta(days=12)), "12 days overdue", "govuk-tag--red"),
        (_action(due_date=TODAY - dt.timedelta(days=1)), "1 day overdue", "govuk-tag--red"),
        (_action(due_date=TODAY), "Due today", "govuk-tag--blue"),
        (_action(due_date=TODAY + dt.timedelta(days=1)), "Due in 1 day", "govuk-tag--blue"),
        (_action(due_date=TODAY + dt.timedelta(days=5)), "Due in 5 days", "govuk-tag--blue"),
        (_action(), "No due date", "govuk-tag--blue"),
        (_action(MeetingAction.Status.DONE, TODAY - dt.timedelta(days=9)), "Done", "govuk-tag--green"),
        (_action(MeetingAction.Status.DROPPED), "Dropped", "govuk-tag--grey"),
    ],
)
def test_overdue_words_and_action_status_class(action, words, css_class):
    page = render(
        "meetings_tags", "{{ a|overdue_words:today }}|{{ a|action_status_class:today }}", a=action, today=TODAY
    )
    assert page == f"{words}|{css_class}"


def test_asked_of_prefers_the_minutes_wording_then_the_user():
    ada = User(pk=5, username="ada.l", first_name="Ada", last_name="Lovelace")
    nameless = User(pk=6, username="no.name")
    assert render("meetings_tags", "{{ a|asked_of }}", a=_action(owner_name="Head of Service", owner=ada)) == (
        "Head of Service"
    )
    assert render("meetings_tags", "{{ a|asked_of }}", a=_action(owner=ada)) == "Ada Lovelace"
    assert render("meetings_tags", "{{ a|asked_of }}", a=_action(owner=nameless)) == "no.name"
    assert render("meetings_tags", "{{ a|asked_of }}", a=_action()) == "Not recorded"


@pytest.mark.parametrize(
    ("status", "css_class"),
    [
        ("scheduled", "govuk-tag--blue"),
        ("held", "govuk-tag--green"),
        ("cancelled", "govuk-tag--grey"),
        ("x", "govuk-tag--grey"),
    ],
)
def test_meeting_status_class(status, css_class):
    assert render("meetings_tags", "{{ s|meeting_status_class }}", s=status) == css_class


@pytest.mark.parametrize(
    ("status", "css_class"), [("draft", "govuk-tag--yellow"), ("approved", "govuk-tag--green"), ("", "govuk-tag--grey")]
)
def test_minutes_status_class(status, css_class):
    assert render("meetings_tags", "{{ s|minutes_status_class }}", s=status) == css_class


@pytest.mark.parametrize(
    ("status", "minutes_status", "has", "words"),
    [
        (Meeting.Status.HELD, Meeting.MinutesStatus.DRAFT, "True", "Draft"),
        (Meeting.Status.HELD, Meeting.MinutesStatus.APPROVED, "True", "Approved"),
        (Meeting.Status.SCHEDULED, Meeting.MinutesStatus.DRAFT, "False", "Not yet held"),
        (Meeting.Status.CANCELLED, Meeting.MinutesStatus.DRAFT, "False", "None"),
    ],
)
def test_has_minutes_and_minutes_words(status, minutes_status, has, words):
    meeting = Meeting(status=status, minutes_status=minutes_status)
    assert render("meetings_tags", "{{ m|has_minutes }}|{{ m|minutes_words }}", m=meeting) == f"{has}|{words}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RESOLVED: That the report be noted.", "the report be noted."),
        ("That the report be noted.", "the report be noted."),
        ("resolved that the plan be approved", "the plan be approved"),
        ("Thatcham's report be noted", "Thatcham&#x27;s report be noted"),  # a word, not the prefix; escaped
        ("", ""),
        (None, ""),
    ],
)
def test_resolution_wording(text, expected):
    assert render("meetings_tags", "{{ t|resolution_wording }}", t=text) == expected


# Tags added with the progress page, the risks register and written updates ---------------------------


def _state(**fields):
    from types import SimpleNamespace

    base = dict(
        rag="red", computed_rag="red", rag_override="", rag_override_reason="", status="in_progress",
        progress="on_track", days_overdue=94, last_update=None, action=None,
    )  # fmt: skip
    return SimpleNamespace(**{**base, **fields})


def test_action_rag_shows_one_rag_in_words_with_its_reason():
    html = render("improvement_tags", "{% action_rag state %}", state=_state())
    assert "Red" in html and "94 days overdue" in html
    assert "No evidence of impact" not in html


def test_action_rag_flags_a_complete_action_with_no_evidence_of_impact():
    html = render("improvement_tags", "{% action_rag state %}", state=_state(status="complete", rag="green"))
    assert "No evidence of impact" in html


@pytest.mark.parametrize(
    ("likelihood", "impact", "words"), [(5, 3, "High (15)"), (1, 5, "Medium (5)"), (2, 2, "Low (4)")]
)
def test_risk_rating_gives_words_and_rag(likelihood, impact, words):
    from types import SimpleNamespace

    risk = SimpleNamespace(likelihood=likelihood, impact=impact)
    assert render("improvement_tags", "{{ risk|risk_rating|first }}", risk=risk) == words


def test_lead_is_the_officer_else_the_job_title_else_says_none():
    from types import SimpleNamespace

    officer = User(first_name="Nadia", last_name="Karim")
    named = _state(action=SimpleNamespace(lead_officer=officer, lead_job_title=""))
    titled = _state(action=SimpleNamespace(lead_officer=None, lead_job_title="Head of Service"))
    nobody = _state(action=SimpleNamespace(lead_officer=None, lead_job_title=""))
    assert render("dashboard_tags", "{{ s|lead }}", s=named) == "Nadia Karim"
    assert render("dashboard_tags", "{{ s|lead }}", s=titled) == "Head of Service"
    assert render("dashboard_tags", "{{ s|lead }}", s=nobody) == "No lead recorded"


def test_rag_count_reads_one_rag_of_a_count_list():
    counts = [("red", 3), ("green", 1)]
    assert render("dashboard_tags", "{{ c|rag_count:'red' }} {{ c|rag_count:'amber' }}", c=counts) == "3 0"


def test_linked_panels_renders_what_providers_registered_for_the_object(monkeypatch):
    from core import panels

    monkeypatch.setattr(panels, "_providers", [lambda obj: f"<p>About {obj}</p>"])
    assert render("core_tags", "{% linked_panels thing %}", thing="<b>x</b>") == "<p>About <b>x</b></p>"


def test_linked_panels_gives_the_reader_to_providers_that_ask_for_it(monkeypatch):
    from core import panels

    def for_reader(obj, reader):
        return f"<p>{obj} for {reader}</p>"

    monkeypatch.setattr(panels, "_providers", [lambda obj: f"<p>About {obj}</p>", for_reader])
    monkeypatch.setattr(panels, "_reader_providers", {for_reader})
    html = render("core_tags", "{% linked_panels thing %}", thing="x", user="jo")
    assert html == "<p>About x</p><p>x for jo</p>"
