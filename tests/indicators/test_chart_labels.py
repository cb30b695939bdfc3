"""Labels plotly draws are text, never markup: plotly reads labels as its own HTML."""

import datetime
import json
import re

import pytest
import time_machine

from indicators import charts
from tests.factories.improvement import InspectionFactory
from tests.factories.meetings import BoardFactory, MeetingFactory
from tests.indicators.test_pages import assessments_indicator

pytestmark = pytest.mark.django_db

LINK = '<a href="https://evil.example">Click</a>'


@pytest.fixture(autouse=True)
def _no_other_providers(monkeypatch):
    monkeypatch.setattr(charts, "_marker_providers", [])


@time_machine.travel(datetime.datetime(2026, 11, 22, 12, 0), tick=False)
def test_inspection_titles_and_board_names_reach_the_chart_escaped(board_client, officer_user):
    indicator = assessments_indicator(officer_user)
    InspectionFactory(kind="monitoring_visit", title=f"Visit {LINK}", start_date=datetime.date(2025, 2, 10))
    board = BoardFactory(name=f"Board {LINK} & partners", kind="improvement_board")
    MeetingFactory(
        board=board, starts_at=datetime.datetime(2025, 3, 4, 18, 0, tzinfo=datetime.timezone.utc), status="held"
    )

    html = board_client.get(indicator.get_absolute_url()).content.decode()
    figure = json.loads(re.search(r'<script id="indicator-chart-figure"[^>]*>(.*?)</script>', html, re.S).group(1))

    # The line is numbered; its name is in the hover text (and the key under the chart).
    assert [(a["text"], a["hovertext"]) for a in figure["layout"]["annotations"]] == [
        ("1", '1: Visit &lt;a href="https://evil.example"&gt;Click&lt;/a&gt;, 10 February 2025')
    ]
    meetings = next(trace for trace in figure["data"] if trace["name"] == "Board meetings")
    escaped_board = 'Board &lt;a href="https://evil.example"&gt;Click&lt;/a&gt; &amp; partners'
    assert meetings["text"] == [f"{escaped_board}, 4 March 2025"]
    assert "<a href" not in json.dumps(figure)
