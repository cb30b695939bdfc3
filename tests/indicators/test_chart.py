"""The indicator chart as plotly.js JSON (issue 17, "Charts"): benchmark lines across the series, numbered
inspection lines whose labels never overlap, board meetings behind one toggle; and JSON plotly accepts."""

import datetime
import json
import re
from decimal import Decimal
from types import SimpleNamespace

import plotly.graph_objects as go
import plotly.io
import pytest

from indicators import charts
from tests.factories.improvement import InspectionFactory
from tests.factories.indicators import BenchmarkFactory, IndicatorFactory, TargetFactory, monthly_series
from tests.factories.meetings import BoardFactory, MeetingFactory
from tests.indicators.test_pages import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_other_providers(monkeypatch):
    monkeypatch.setattr(charts, "_marker_providers", [])


def _figure_of(html: str) -> dict:
    return json.loads(re.search(r'<script id="indicator-chart-figure"[^>]*>(.*?)</script>', html, re.S).group(1))


def _monthly_indicator(owner=None, months=18):
    indicator = IndicatorFactory(owner=owner, code="CIN-ASSESS-45", frequency="monthly", unit="percentage")
    TargetFactory(indicator=indicator, effective_from=datetime.date(2025, 1, 1), value=Decimal("90"))
    monthly_series(indicator, [70 + i % 5 for i in range(months)], start=datetime.date(2025, 1, 1))
    return indicator


def test_england_and_neighbours_run_across_our_series_with_the_figure_the_table_gives(board_client):
    indicator = _monthly_indicator(months=18)  # January 2025 to June 2026
    # Published years before the series and during it; the 2023 figure is replaced by 2024's at April 2024.
    BenchmarkFactory(indicator=indicator, kind="england", period=datetime.date(2023, 4, 1), value=Decimal("80"))
    BenchmarkFactory(indicator=indicator, kind="england", period=datetime.date(2024, 4, 1), value=Decimal("81"))
    BenchmarkFactory(indicator=indicator, kind="england", period=datetime.date(2025, 4, 1), value=Decimal("83"))
    BenchmarkFactory(indicator=indicator, kind="stat_neighbours", period=datetime.date(2025, 4, 1), value=Decimal("77"))

    response = board_client.get(indicator.get_absolute_url())
    traces = {trace["name"]: trace for trace in _figure_of(response.content.decode())["data"]}

    ours, england, neighbours = traces["Our value"], traces["England"], traces["Statistical neighbours"]
    assert england["x"] == ours["x"]  # every one of our 18 periods
    assert england["y"] == [81.0] * 3 + [83.0] * 15
    assert england["text"][0] == "2024/25" and england["text"][-1] == "2025/26"
    assert england["line"]["shape"] == "hv" and england["mode"] == "lines"
    # Neighbours were first published for 2025/26: the line starts there, not before.
    assert neighbours["x"] == ours["x"][3:] and set(neighbours["y"]) == {77.0}
    # The table under the chart gives the same figure for each period.
    html = response.content.decode()

    def row(period):
        found = re.search(rf'<tr class="govuk-table__row" id="period-{period}">(.*?)</tr>', html, re.S).group(1)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found)).strip()

    assert row("2025-01").startswith("Jan 2025 70.0% 90.0%") and "81.0% Not published" in row("2025-01")
    assert "83.0% 77.0%" in row("2025-04")


def test_inspection_lines_are_numbered_and_close_ones_are_raised_a_row():
    indicator = SimpleNamespace(frequency="monthly", unit="percentage")
    values = [SimpleNamespace(period=datetime.date(2025, month, 1), value=Decimal(70)) for month in range(1, 13)]
    events = [
        charts.ChartMarker(datetime.date(2025, 2, 10), "Monitoring visit", "Monitoring visit 1"),
        charts.ChartMarker(datetime.date(2025, 2, 17), "Focused visit", "Focused visit"),
        charts.ChartMarker(datetime.date(2025, 2, 24), "Monitoring visit", "Monitoring visit 2"),
        charts.ChartMarker(datetime.date(2025, 9, 1), "Monitoring visit", "Monitoring visit 3"),
    ]

    layout = charts.build_indicator_figure(indicator, values, [], [], events)["layout"]

    assert [(a["text"], a["yshift"]) for a in layout["annotations"]] == [("1", 2), ("2", 24), ("3", 46), ("4", 2)]
    assert all(a.get("textangle") is None and a["yanchor"] == "bottom" for a in layout["annotations"])
    assert layout["margin"]["t"] == 20 + 3 * 22  # room above the plot for the three rows
    assert [n for n, _ in charts.numbered_events(events)] == [1, 2, 3, 4]


def _meetings(count, start=datetime.date(2025, 1, 14)):
    board = BoardFactory(name="Improvement Board", kind="improvement_board")
    for i in range(count):
        day = start + datetime.timedelta(days=28 * i)
        MeetingFactory(
            board=board,
            starts_at=datetime.datetime.combine(day, datetime.time(18), tzinfo=datetime.timezone.utc),
            status="held",
        )


@pytest.mark.parametrize(("count", "shown"), [(charts.MEETINGS_SHOWN_AT_MOST, True), (12, False)])
def test_many_board_meetings_start_hidden_behind_one_legend_entry_and_a_checkbox(count, shown, board_client):
    indicator = _monthly_indicator(months=18)
    _meetings(count)

    html = board_client.get(indicator.get_absolute_url()).content.decode()
    traces = [t for t in _figure_of(html)["data"] if t.get("legendgroup") == "meetings"]

    assert [t["name"] for t in traces] == ["Board meeting lines", "Board meetings"]
    assert {t["visible"] if t["visible"] is True else "legendonly" for t in traces} == {True if shown else "legendonly"}
    assert [t.get("showlegend", True) for t in traces] == [False, True]  # one legend entry for both
    assert len(traces[1]["x"]) == count
    checkbox = re.search(r'<input[^>]*id="chart-show-meetings"[^>]*>', html).group(0)
    assert ("checked" in checkbox) is shown
    assert f"Show the {count} board meetings on the chart" in html
    # Hidden from the list of events? Never: the table still lists each meeting.
    assert f"Inspections, visits and board meetings on the chart ({count})" in html


def test_the_key_under_the_chart_names_each_numbered_line(board_client):
    indicator = _monthly_indicator(months=12)
    InspectionFactory(kind="monitoring_visit", title="Monitoring visit 1", start_date=datetime.date(2025, 3, 11))
    InspectionFactory(kind="monitoring_visit", title="Monitoring visit 2", start_date=datetime.date(2025, 9, 2))

    text = text_of(board_client.get(indicator.get_absolute_url()))

    assert (
        "Numbered lines on the chart: 1, Monitoring visit 1 (11 March 2025); 2, Monitoring visit 2 (2 September 2025)."
    ) in text


def test_the_figure_is_one_plotly_accepts_and_keeps_plotlys_default_look(board_client):
    indicator = _monthly_indicator(months=14)
    BenchmarkFactory(indicator=indicator, kind="england", period=datetime.date(2024, 4, 1), value=Decimal("81"))
    InspectionFactory(kind="monitoring_visit", title="Monitoring visit 1", start_date=datetime.date(2025, 3, 11))
    _meetings(3)

    figure = _figure_of(board_client.get(indicator.get_absolute_url()).content.decode())

    # plotly.py validates every property: a misspelt one raises. (The page itself never builds this.)
    go.Figure(data=figure["data"], layout=figure["layout"])
    # The template's parts are plotly's own default template's, unchanged.
    default = plotly.io.templates["plotly"].to_plotly_json()
    for key, value in figure["layout"]["template"]["layout"].items():
        assert default["layout"][key] == value, key
    assert figure["layout"]["template"]["data"]["scatter"] == default["data"]["scatter"]
