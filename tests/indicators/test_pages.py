import datetime
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators import charts
from indicators.models import Measurement
from indicators.services import record_measurement
from tests.dates import NOW
from tests.factories.improvement import ActionFactory, InspectionFactory, ThemeFactory
from tests.factories.indicators import (
    BenchmarkFactory,
    IndicatorFactory,
    MeasurementFactory,
    TargetFactory,
    monthly_series,
)
from tests.factories.meetings import BoardFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_marker_providers(monkeypatch):
    # Providers registered by other apps that run their own queries; counts here are ours (meetings adds
    # its board meetings to the chart's one UNION query, so they stay).
    monkeypatch.setattr(charts, "_marker_providers", [])


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def assessments_indicator(owner, *, values=(80, 85, 87.3)):
    indicator = IndicatorFactory(owner=owner, code="CIN-ASSESS-45")
    TargetFactory(
        indicator=indicator,
        effective_from=datetime.date(2025, 1, 1),
        value=Decimal("90"),
        tolerance_kind="absolute",
        tolerance=Decimal("5"),
    )
    BenchmarkFactory(indicator=indicator, kind="england", value=Decimal("85.7"))
    BenchmarkFactory(indicator=indicator, kind="stat_neighbours", value=None, suppression_code="c")
    monthly_series(indicator, values)
    return indicator


# Scorecard ---------------------------------------------------------------------------------


def test_scorecard_shows_value_target_rag_words_and_benchmarks(board_client, officer_user):
    assessments_indicator(officer_user)

    text = text_of(board_client.get(reverse("indicators:scorecard")))

    assert "87.3% Mar 2025" in text
    assert "90.0%" in text
    assert "Amber - within tolerance" in text
    assert "Since last period: Better" in text
    assert "85.7%" in text
    assert "Suppressed (c: small numbers)" in text
    assert "Last 3 values, oldest first: 80.0%, 85.0%, 87.3%" in text


def test_scorecard_lists_reds_first_and_counts_by_rag(board_client, officer_user):
    green = IndicatorFactory(title="Green one")
    TargetFactory(indicator=green, value=Decimal("50"))
    MeasurementFactory(indicator=green, value=Decimal("60"))
    red = IndicatorFactory(title="Red one")
    TargetFactory(indicator=red, value=Decimal("90"))
    MeasurementFactory(indicator=red, value=Decimal("10"))
    IndicatorFactory(title="No data one")

    response = board_client.get(reverse("indicators:scorecard"))

    assert [row.indicator.title for row in response.context["rows"]] == ["Red one", "Green one", "No data one"]
    assert response.context["counts"] == {"red": 1, "amber": 0, "green": 1, "none": 1}


def test_scorecard_missing_value_shows_no_value_never_zero(board_client):
    indicator = IndicatorFactory()
    TargetFactory(indicator=indicator)
    MeasurementFactory(indicator=indicator, value=None, missing_reason="suppressed")

    response = board_client.get(reverse("indicators:scorecard"))

    row = response.context["rows"][0]
    assert (row.value_display, row.rag_label) == ("No value (suppressed (small numbers))", "No RAG")


def test_scorecard_context_measure_says_so(board_client):
    indicator = IndicatorFactory(polarity="none", unit="rate_per_10k")
    MeasurementFactory(indicator=indicator, value=Decimal("42.13"))

    text = text_of(board_client.get(reverse("indicators:scorecard")))

    assert "42.1 per 10,000" in text
    assert "No RAG - context measure" in text


def test_scorecard_filters_by_rag_frequency_theme_and_owner(board_client, officer_user):
    theme = ThemeFactory()
    red = IndicatorFactory(title="Red monthly", owner=officer_user)
    red.themes.add(theme)
    TargetFactory(indicator=red, value=Decimal("90"))
    MeasurementFactory(indicator=red, value=Decimal("10"))
    IndicatorFactory(title="Quarterly", frequency="quarterly")

    def titles(query):
        response = board_client.get(reverse("indicators:scorecard") + "?" + query)
        return [row.indicator.title for row in response.context["rows"]]

    assert titles("rag=red") == ["Red monthly"]
    assert titles("rag=none") == ["Quarterly"]
    assert titles("frequency=quarterly") == ["Quarterly"]
    assert titles(f"theme={theme.pk}") == ["Red monthly"]
    assert titles(f"owner={officer_user.pk}") == ["Red monthly"]


def test_scorecard_leaves_out_inactive_indicators(board_client):
    IndicatorFactory(title="Old", is_active=False)

    assert board_client.get(reverse("indicators:scorecard")).context["rows"] == []


@pytest.mark.parametrize("count", [1, 4])
def test_scorecard_query_count_is_fixed(count, board_client, django_assert_num_queries):
    theme = ThemeFactory()
    for _ in range(count):
        indicator = IndicatorFactory()
        indicator.themes.add(theme)
        TargetFactory(indicator=indicator)
        BenchmarkFactory(indicator=indicator)
        monthly_series(indicator, [70, 75, 80])
    # session, user, permissions (one query), filter: themes, owners;
    # scorecard: indicators, targets, benchmarks, values (known_values: also the SPC series), SPC
    # re-bases; published ranks (quartile column); session save (savepoint, update, release: the idle
    # timeout refreshes it every request)
    with django_assert_num_queries(14):
        response = board_client.get(reverse("indicators:scorecard"))
    assert len(response.context["rows"]) == count


# Indicator page ----------------------------------------------------------------------------


def test_indicator_page_explains_the_rag_in_a_sentence(board_client, officer_user):
    indicator = assessments_indicator(officer_user)

    text = text_of(board_client.get(indicator.get_absolute_url()))

    assert "What this measures Of the assessments finished this month" in text
    assert "Why it matters Children wait less" in text
    assert (
        "87.3% is below the target of 90.0% but within the tolerance of 5.0 percentage points, so it is amber." in text
    )


def test_indicator_page_table_has_every_period_and_no_value_for_missing(board_client, officer_user):
    indicator = assessments_indicator(officer_user, values=(80, None, 87.3))

    response = board_client.get(indicator.get_absolute_url())

    rows = [(row.period_label, row.value_display, row.rag_label) for row in response.context["rows"]]
    assert rows == [
        ("Mar 2025", "87.3%", "Amber - within tolerance"),
        ("Feb 2025", "No value (not yet available)", "No RAG"),
        ("Jan 2025", "80.0%", "Red - outside tolerance"),
    ]
    assert re.findall(r"(?<![\d.])0(?:\.0)?%", text_of(response)) == []


def test_indicator_page_links_themes_and_actions(board_client, officer_user):
    indicator = assessments_indicator(officer_user)
    action = ActionFactory(title="Recruit more assessment social workers")
    indicator.actions.add(action)
    indicator.themes.add(action.theme)

    text = text_of(board_client.get(indicator.get_absolute_url()))

    assert f"{action.reference} Recruit more assessment social workers" in text
    assert f"{action.theme.reference} {action.theme.title}" in text


def test_indicator_page_shows_enter_link_only_to_those_who_can(role_clients):
    officer = role_clients["officer"][0]
    indicator = assessments_indicator(officer)
    entry_url = reverse("indicators:measurement_entry", args=[indicator.pk])

    shown = {
        role: entry_url in client.get(indicator.get_absolute_url()).content.decode()
        for role, (_, client) in role_clients.items()
        if role != "outsider"
    }

    assert shown == {"admin": True, "officer": True, "board": False, "clerk": False}


def test_indicator_page_loads_scripts_only_from_our_own_static_files(board_client, officer_user):
    indicator = assessments_indicator(officer_user)

    html = board_client.get(indicator.get_absolute_url()).content.decode()

    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    assert sources == ["/static/js/plotly-basic.min.js", "/static/js/indicator-chart.js", "/static/js/init.mjs"]
    external = re.findall(r'(?:src|href)="(?:https?:)?//[^"]*"', html)
    assert external == []
    # No inline script (CSP-friendly): the figure travels as JSON that the static script draws.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [' id="indicator-chart-figure" type="application/json"']
    figure = json.loads(re.search(r'<script id="indicator-chart-figure"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert [trace["name"] for trace in figure["data"]] == ["Our value", "Target", "England"]
    assert figure["config"] == {"displaylogo": False, "responsive": True, "showTips": False}


def test_indicator_chart_draws_inspection_and_provider_markers(officer_user, monkeypatch):
    indicator = assessments_indicator(officer_user)
    InspectionFactory(kind="monitoring_visit", title="First monitoring visit", start_date=datetime.date(2025, 2, 10))
    monkeypatch.setattr(charts, "_marker_providers", [])
    charts.register_marker_provider(lambda ind, start, end: [(datetime.date(2025, 3, 11), "Partnership summit")])

    measurements = list(indicator.measurements.order_by("period"))
    figure = charts.build_indicator_figure(
        indicator,
        measurements,
        list(indicator.targets.all()),
        list(indicator.benchmarks.all()),
        charts.chart_markers(indicator, datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)),
    )

    assert [trace["name"] for trace in figure["data"]] == ["Our value", "Target", "England"]
    assert {trace["type"] for trace in figure["data"]} == {"scatter"}
    # Each event's line carries its number, horizontal; the hover and the key under the chart name it.
    assert [(a["text"], a["hovertext"], a.get("textangle")) for a in figure["layout"]["annotations"]] == [
        ("1", "1: First monitoring visit, 10 February 2025", None),
        ("2", "2: Partnership summit, 11 March 2025", None),
    ]
    assert figure["data"][1]["line"]["shape"] == "hv"


def _meeting(board, day, **kwargs):
    starts = datetime.datetime.combine(day, datetime.time(18, 0), tzinfo=datetime.timezone.utc)
    return MeetingFactory(board=board, starts_at=starts, **kwargs)


def meetings_around(indicator):
    """Improvement board meetings (held, scheduled, cancelled, one after the chart ends), and two
    scrutiny committees: one reviews this indicator, the other does not."""
    improvement = BoardFactory(name="Improvement Board", kind="improvement_board")
    _meeting(improvement, datetime.date(2025, 2, 4), status="held")
    _meeting(improvement, datetime.date(2025, 2, 18), status="cancelled")
    _meeting(improvement, datetime.date(2025, 3, 4), status="scheduled")
    _meeting(improvement, datetime.date(2025, 6, 3), status="held")
    reviewing = BoardFactory(name="Children's Scrutiny Committee", kind="scrutiny")
    reviewing.indicators.add(indicator)
    _meeting(reviewing, datetime.date(2025, 3, 12), status="held")
    other = BoardFactory(name="Adults Scrutiny Committee", kind="scrutiny")
    _meeting(other, datetime.date(2025, 2, 25), status="held")


def test_chart_marks_improvement_board_meetings_and_boards_that_review_the_indicator(officer_user, no_marker_providers):
    indicator = assessments_indicator(officer_user)
    meetings_around(indicator)
    InspectionFactory(kind="monitoring_visit", title="First monitoring visit", start_date=datetime.date(2025, 2, 10))

    markers = charts.chart_markers(indicator, datetime.date(2025, 1, 1), datetime.date(2025, 3, 31))

    assert [(m.date, m.kind, m.label) for m in markers] == [
        (datetime.date(2025, 2, 4), "Board meeting", "Improvement Board"),
        (datetime.date(2025, 2, 10), "Monitoring visit", "First monitoring visit"),
        (datetime.date(2025, 3, 4), "Board meeting", "Improvement Board (scheduled)"),
        (datetime.date(2025, 3, 12), "Board meeting", "Children's Scrutiny Committee"),
    ]
    figure = charts.build_indicator_figure(indicator, list(indicator.measurements.order_by("period")), [], [], markers)
    meetings_trace = next(trace for trace in figure["data"] if trace["name"] == "Board meetings")
    assert meetings_trace["text"] == [
        "Improvement Board, 4 February 2025",
        "Improvement Board (scheduled), 4 March 2025",
        "Children's Scrutiny Committee, 12 March 2025",
    ]
    # Only the inspection carries a label (its number) on the chart; every marker has a vertical line:
    # the inspection's a dotted shape, the meetings' one trace of segments in the meetings' legend group.
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["1"]
    assert [shape["x0"] for shape in figure["layout"]["shapes"]] == ["2025-02-10"]
    lines = next(trace for trace in figure["data"] if trace["name"] == "Board meeting lines")
    assert lines["x"] == ["2025-02-04", "2025-02-04", None, "2025-03-04", "2025-03-04", None] + [
        "2025-03-12",
        "2025-03-12",
        None,
    ]
    assert {lines["legendgroup"], meetings_trace["legendgroup"]} == {"meetings"}
    # Three meetings are few enough to show from the start.
    assert lines["visible"] is True and meetings_trace["visible"] is True


def test_indicator_page_lists_the_chart_markers_in_words(board_client, officer_user, no_marker_providers):
    indicator = assessments_indicator(officer_user)
    meetings_around(indicator)
    visit = InspectionFactory(
        kind="monitoring_visit", title="First monitoring visit", start_date=datetime.date(2025, 2, 10)
    )

    response = board_client.get(indicator.get_absolute_url())
    page = text_of(response)

    assert "Inspections, visits and board meetings on the chart (4)" in page
    assert "4 Feb 2025 Board meeting Improvement Board" in page
    assert "10 Feb 2025 Monitoring visit First monitoring visit" in page
    assert "4 Mar 2025 Board meeting Improvement Board (scheduled)" in page
    assert "12 Mar 2025 Board meeting Children's Scrutiny Committee" in page
    assert "Adults Scrutiny Committee" not in page and "3 Jun 2025" not in page
    assert f'href="{visit.get_absolute_url()}"' in response.content.decode()


@pytest.mark.parametrize("count", [1, 5])
def test_indicator_page_query_count_is_fixed(
    count, board_client, officer_user, no_marker_providers, django_assert_num_queries
):
    indicator = assessments_indicator(officer_user, values=[70 + i for i in range(count)])
    board = BoardFactory(kind="scrutiny")
    board.indicators.add(indicator)
    for i in range(count):
        indicator.actions.add(ActionFactory())
        InspectionFactory(start_date=datetime.date(2025, 1, 2 + i))
        _meeting(board, datetime.date(2025, 1, 2 + i))
    first = indicator.measurements.first()
    record_measurement(indicator=indicator, period=first.period, value=Decimal("71.5"), entered_by=officer_user)
    # session, user, permissions (one query); indicator (with owner and published source),
    # value versions (with their measurements, who entered and corrected them), targets, benchmarks,
    # themes, actions (with theme); chart markers (inspections and board meetings: one UNION); SPC
    # re-bases; no published ranks (no published source); session save (savepoint, update, release)
    with django_assert_num_queries(15):
        response = board_client.get(indicator.get_absolute_url())
    assert len(response.context["markers"]) == 2 * count


def test_unknown_indicator_is_404(board_client):
    assert board_client.get(reverse("indicators:indicator_detail", args=[999])).status_code == 404


# Entering values ---------------------------------------------------------------------------


def entry_url(indicator):
    return reverse("indicators:measurement_entry", args=[indicator.pk])


def test_officer_enters_a_value_and_sees_it_on_the_indicator_page(officer_client, officer_user):
    indicator = assessments_indicator(officer_user)

    response = officer_client.post(
        entry_url(indicator), {"period": "2026-10-01", "value": "91.2", "commentary": "Back on track"}, follow=True
    )

    saved = Measurement.objects.get(indicator=indicator, period=datetime.date(2026, 10, 1))
    assert (saved.value, saved.commentary, saved.entered_by) == (Decimal("91.2"), "Back on track", officer_user)
    text = text_of(response)
    assert "Oct 2026 saved: 91.2%. RAG: Green - on or better than target." in text
    assert "91.2% is above the target of 90.0% (higher is better), so it is green." in text


def test_value_is_worked_out_from_numerator_and_denominator(officer_client, officer_user):
    indicator = assessments_indicator(officer_user)

    officer_client.post(entry_url(indicator), {"period": "2026-10-01", "numerator": "45", "denominator": "52"})

    assert Measurement.objects.get(indicator=indicator, period=datetime.date(2026, 10, 1)).value == Decimal("86.5")


def test_correcting_a_period_keeps_the_old_value_in_history(officer_client, officer_user):
    indicator = assessments_indicator(officer_user)

    officer_client.post(entry_url(indicator), {"period": "2025-03-01", "value": "88.1"})
    response = officer_client.get(indicator.get_absolute_url())

    assert Measurement.objects.get(indicator=indicator, period=datetime.date(2025, 3, 1)).value == Decimal("88.1")
    assert Measurement.objects.filter(indicator=indicator).count() == 3
    name = officer_user.get_full_name()
    when = rf"{NOW.day} November {NOW.year} at (\d{{1,2}}(:\d\d)?(am|pm)|midday)"
    corrected = rf"Corrected {when} by {name}: 87.3% to 88.1%"
    assert re.search(corrected, text_of(response))


def test_missing_value_is_stored_with_its_reason_not_zero(officer_client, officer_user):
    indicator = assessments_indicator(officer_user)

    officer_client.post(entry_url(indicator), {"period": "2026-10-01", "missing_reason": "not_yet_available"})

    saved = Measurement.objects.get(indicator=indicator, period=datetime.date(2026, 10, 1))
    assert (saved.value, saved.missing_reason) == (None, "not_yet_available")


ENTRY_ERRORS = [
    ({"period": "2026-10-01", "value": "101"}, "value", "A percentage must be between 0 and 100"),
    ({"period": "2026-10-01", "value": "-1"}, "value", "A percentage must be between 0 and 100"),
    ({"period": "2026-10-01", "value": "lots"}, "value", "Enter the value as a number, like 87.5"),
    ({"period": "2026-10-01"}, "value", "Enter a value, or choose why there is no value"),
    (
        {"period": "2026-10-01", "numerator": "60", "denominator": "50"},
        "numerator",
        "The numerator cannot be more than the denominator for a percentage",
    ),
    (
        {"period": "2026-10-01", "value": "95", "numerator": "45", "denominator": "50"},
        "value",
        "The value does not match the numerator and denominator: 45 out of 50 is 90.0%",
    ),
    ({"period": "2026-10-01", "numerator": "45"}, "denominator", "Enter the denominator too, or leave both blank"),
    (
        {"period": "2026-10-01", "value": "0", "missing_reason": "suppressed"},
        "value",
        "Leave the value blank when you say why there is no value",
    ),
    ({"period": "2026-12-01", "value": "50"}, "period", "The period cannot be in the future"),
    ({"period": "2026-10-15", "value": "50"}, "period", "Choose a month: the period must start on the 1st"),
    ({"period": "not a date", "value": "50"}, "period", "Choose a period from the list"),
]


@pytest.mark.parametrize("data, field, message", ENTRY_ERRORS)
def test_entry_validation_messages_and_nothing_saved(data, field, message, officer_client, officer_user):
    indicator = assessments_indicator(officer_user)
    before = list(Measurement.objects.values_list("period", "value"))

    response = officer_client.post(entry_url(indicator), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert "There is a problem" in text_of(response)
    assert list(Measurement.objects.values_list("period", "value")) == before


def test_quarterly_indicator_refuses_a_month_that_starts_no_quarter(officer_client, officer_user):
    indicator = IndicatorFactory(owner=officer_user, frequency="quarterly")

    response = officer_client.post(entry_url(indicator), {"period": "2026-08-01", "value": "50"})

    assert response.context["form"].errors["period"] == [
        "Choose a quarter: this indicator is reported quarterly (April, July, October, January)"
    ]


def test_rate_cannot_be_negative(officer_client, officer_user):
    indicator = IndicatorFactory(owner=officer_user, unit="rate_per_10k", polarity="none")

    response = officer_client.post(entry_url(indicator), {"period": "2026-10-01", "value": "-3"})

    assert response.context["form"].errors["value"] == ["The value cannot be negative"]
    assert Measurement.objects.count() == 0


def test_board_member_cannot_post_a_value(board_client, officer_user):
    indicator = assessments_indicator(officer_user)

    response = board_client.post(entry_url(indicator), {"period": "2026-10-01", "value": "99"})

    assert response.status_code == 403
    assert Measurement.objects.filter(period=datetime.date(2026, 10, 1)).exists() is False


def test_entry_form_prefills_a_period_to_correct(officer_client, officer_user):
    indicator = assessments_indicator(officer_user)

    response = officer_client.get(entry_url(indicator) + "?period=2025-03-01")

    assert response.context["form"].initial["value"] == Decimal("87.3")
    assert response.context["form"].initial["period"] == "2025-03-01"


@pytest.mark.parametrize("count", [1, 5])
def test_entry_page_query_count_is_fixed(count, officer_client, officer_user, django_assert_num_queries):
    indicator = assessments_indicator(officer_user, values=[70 + i for i in range(count)])
    # session, user, permissions (one query), indicator, recent values;
    # session save (savepoint, update, release)
    with django_assert_num_queries(8):
        officer_client.get(entry_url(indicator))


# Enter-values list -------------------------------------------------------------------------


def test_enter_list_shows_own_indicators_with_next_period_due(officer_client, officer_user):
    assessments_indicator(officer_user)
    IndicatorFactory(title="Someone else's")

    response = officer_client.get(reverse("indicators:my_indicators"))

    rows = [(r.indicator.title, r.latest_label, r.next_label, r.is_due) for r in response.context["rows"]]
    assert rows == [("Assessments completed within 45 working days", "Mar 2025", "Apr 2025", True)]
    assert "?period=2025-04-01" in response.content.decode()


def test_enter_list_current_period_is_not_yet_due(officer_client, officer_user):
    indicator = IndicatorFactory(owner=officer_user)
    MeasurementFactory(indicator=indicator, period=datetime.date(2026, 10, 1))

    row = officer_client.get(reverse("indicators:my_indicators")).context["rows"][0]

    assert (row.next_label, row.is_due, row.due_text) == ("Nov 2026", False, "Not due until after 30 November 2026")


@pytest.mark.parametrize("count", [1, 5])
def test_enter_list_query_count_is_fixed(count, officer_client, officer_user, django_assert_num_queries):
    for _ in range(count):
        monthly_series(IndicatorFactory(owner=officer_user), [50, 60])
    # session, user, permissions (one query), indicators, measurements;
    # session save (savepoint, update, release)
    with django_assert_num_queries(8):
        officer_client.get(reverse("indicators:my_indicators"))


# Admin -------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["indicator", "measurement", "target", "benchmark"])
def test_admin_changelists_open(model, admin_client_, officer_user):
    indicator = assessments_indicator(officer_user)

    assert admin_client_.get(reverse(f"admin:indicators_{model}_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:indicators_indicator_change", args=[indicator.pk])).status_code == 200
    assert admin_client_.get(reverse("admin:indicators_indicator_history", args=[indicator.pk])).status_code == 200
