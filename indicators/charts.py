"""The indicator chart, built with plotly on the server and drawn in the browser.

Only scatter traces and layout shapes are used, so the self-hosted plotly "basic" bundle
(static js/plotly-basic.min.js) can draw it, from JSON the page carries (no inline script). The same
data is always shown in a table below it, and the events marked on it in a list.

Vertical markers: inspections and monitoring visits (labelled lines), and board meetings (light lines
with a legend entry and hover labels; a label on each would crowd a monthly board's chart). Which
meetings: those held or scheduled, not cancelled, of every improvement board (it oversees the whole
plan and all its indicators) and of any other board that lists this indicator among those it reviews
(a scrutiny committee or corporate parenting board looks at only some). The meetings app adds
its markers with register_marker_provider from its AppConfig.ready() (this app may not import it).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

import plotly.graph_objects as go
from django.db.models import DateTimeField, F, Value

from core.formats import date_words
from improvement.models import Inspection
from indicators import periods
from indicators.queries import target_in_force

_marker_providers = []  # callables: (indicator, start, end) -> markers, each running its own queries
_marker_sources = []  # MarkerSource: rows read in the same UNION query as the inspections

# GOV.UK colours: values in blue, target in black (dashed), England in purple, neighbours in orange.
_VALUE_COLOUR = "#1d70b8"
_TARGET_COLOUR = "#0b0c0c"
_ENGLAND_COLOUR = "#4c2c92"
_NEIGHBOURS_COLOUR = "#b58840"
_REGION_COLOUR = "#00703c"
_MARKER_COLOUR = "#505a5f"
_MEETING_COLOUR = "#b1b4b6"

BOARD_MEETING = "Board meeting"


@dataclass(frozen=True)
class ChartMarker:
    date: date
    kind: str  # in words: "Monitoring visit", "Board meeting"...
    label: str
    url: str = ""

    @property
    def is_meeting(self) -> bool:
        return self.kind == BOARD_MEETING


MARKER_COLUMNS = ("m_source", "m_pk", "m_day", "m_moment", "m_kind", "m_label")


@dataclass(frozen=True)
class MarkerSource:
    """Markers a higher app adds to the chart without an extra query.

    rows(indicator, start, end) returns a queryset annotated with MARKER_COLUMNS (m_source equal to
    name, m_day a date or m_moment a datetime), read in one UNION with the inspections; marker(pk, day,
    moment, kind, label) turns one of its rows into a ChartMarker.
    """

    name: str
    rows: Callable
    marker: Callable


def register_marker_provider(provider) -> None:
    """Register a provider of chart markers (an app above this one calls it in its AppConfig.ready()).

    A MarkerSource is read in the chart's one marker query. Any other provider is a callable
    fn(indicator, start: date, end: date) -> list of ChartMarker or (date, label), run on its own.
    """
    registry = _marker_sources if isinstance(provider, MarkerSource) else _marker_providers
    if provider not in registry:
        registry.append(provider)


def _inspections_between(start: date, end: date):
    """Inspections and monitoring visits between start and end, as the columns markers_between reads."""
    return Inspection.objects.filter(start_date__gte=start, start_date__lte=end).annotate(
        m_source=Value("inspection"),
        m_pk=F("pk"),
        m_day=F("start_date"),
        m_moment=Value(None, output_field=DateTimeField()),
        m_kind=F("kind"),
        m_label=F("title"),
    )


def _inspection_marker(pk, day, moment, kind, label) -> ChartMarker:
    kind_words = Inspection.Kind(kind).label
    return ChartMarker(date=day, kind=kind_words, label=label or kind_words, url=Inspection(pk=pk).get_absolute_url())


def markers_between(indicator, start: date, end: date) -> list[ChartMarker]:
    """Inspections, visits and every registered MarkerSource's rows (board meetings) between start and
    end: one query (a UNION)."""
    to_marker = {"inspection": _inspection_marker}
    # order_by(): no model ordering inside a UNION (SQLite refuses it); chart_markers sorts.
    rows = _inspections_between(start, end).order_by().values_list(*MARKER_COLUMNS)
    others = []
    for source in _marker_sources:
        to_marker[source.name] = source.marker
        others.append(source.rows(indicator, start, end).order_by().values_list(*MARKER_COLUMNS))
    if others:
        rows = rows.union(*others)
    return [to_marker[source](pk, day, moment, kind, label) for source, pk, day, moment, kind, label in rows]


def chart_range(indicator, measurements) -> tuple[date, date] | None:
    """The dates the chart covers: the start of the first period to the end of the last."""
    if not measurements:
        return None
    return measurements[0].period, periods.period_end(measurements[-1].period, indicator.frequency)


def chart_markers(indicator, start: date, end: date) -> list[ChartMarker]:
    """Every marker between start and end, oldest first. One query plus any providers'."""
    markers = markers_between(indicator, start, end)
    for provider in _marker_providers:
        for marker in provider(indicator, start, end):
            markers.append(marker if isinstance(marker, ChartMarker) else ChartMarker(marker[0], "Event", marker[1]))
    return sorted(markers, key=lambda marker: (marker.date, marker.is_meeting, marker.label))


def _plotly_text(text: str) -> str:
    """Text for a label plotly draws: plotly reads labels as its own HTML (<a href>, <b>, <br>), so an
    inspection title or a board name with markup in it would become a live link. Escaped, it is shown
    as typed (plotly turns the entities back into characters)."""
    return escape(text, quote=False)


def _middle(period: date, frequency) -> date:
    """Plot each value in the middle of its period, so months, quarters and years line up."""
    end = periods.period_end(period, frequency)
    return period + timedelta(days=(end - period).days // 2)


def build_indicator_figure(indicator, measurements, targets, benchmarks, markers):
    """A plotly Figure: values, target trajectory as steps, England and neighbours, vertical markers."""
    frequency = indicator.frequency
    figure = go.Figure()
    with_values = [m for m in measurements if m.value is not None]
    figure.add_trace(
        go.Scatter(
            x=[_middle(m.period, frequency) for m in with_values],
            y=[float(m.value) for m in with_values],
            mode="lines+markers",
            name="Our value",
            line={"color": _VALUE_COLOUR, "width": 3},
            text=[periods.period_label(m.period, frequency) for m in with_values],
            hovertemplate="%{text}: %{y}<extra></extra>",
        )
    )
    if measurements and targets:
        last = measurements[-1].period
        x, y = [], []
        for m in measurements:
            target = target_in_force(targets, m.period)
            if target is not None:
                x.append(m.period)
                y.append(float(target.value))
        if x:
            x.append(periods.period_end(last, frequency))
            y.append(y[-1])
            figure.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    line={"shape": "hv", "color": _TARGET_COLOUR, "dash": "dash", "width": 2},
                    name="Target",
                    hovertemplate="Target: %{y}<extra></extra>",
                )
            )
    for kind, label, colour, symbol in (
        ("england", "England", _ENGLAND_COLOUR, "diamond"),
        ("stat_neighbours", "Statistical neighbours", _NEIGHBOURS_COLOUR, "square"),
        ("region", "Region", _REGION_COLOUR, "triangle-up"),
    ):
        points = [b for b in benchmarks if b.kind == kind and b.value is not None]
        if points:
            figure.add_trace(
                go.Scatter(
                    x=[_middle(b.period, "annual") for b in points],
                    y=[float(b.value) for b in points],
                    mode="lines+markers",
                    name=label,
                    line={"color": colour, "dash": "dot"},
                    marker={"symbol": symbol, "size": 9},
                    hovertemplate=f"{label}: %{{y}}<extra></extra>",
                )
            )
    events = [m for m in markers if not m.is_meeting]
    meetings = [m for m in markers if m.is_meeting]
    # Shapes and annotations are set in one go: add_vline per marker re-validates the whole layout
    # each time, which took seconds for a few dozen meetings.
    shapes = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": m.date,
            "x1": m.date,
            "y0": 0,
            "y1": 1,
            "line": {"color": _MARKER_COLOUR, "width": 1, "dash": "dot"},
        }
        for m in events
    ] + [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": m.date,
            "x1": m.date,
            "y0": 0,
            "y1": 1,
            "line": {"color": _MEETING_COLOUR, "width": 1},
            "layer": "below",
        }
        for m in meetings
    ]
    annotations = [
        {
            "x": m.date,
            "y": 1,
            "yref": "paper",
            "text": _plotly_text(m.label),
            "showarrow": False,
            "textangle": -90,
            "xanchor": "right",
            "yanchor": "top",
            "font": {"size": 11, "color": _MARKER_COLOUR},
        }
        for m in events
    ]
    figure.update_layout(shapes=shapes, annotations=annotations)
    if meetings:
        # One legend entry and a hover label for every meeting, drawn along the top on a hidden axis.
        figure.add_trace(
            go.Scatter(
                x=[m.date for m in meetings],
                y=[1] * len(meetings),
                yaxis="y2",
                mode="markers",
                name="Board meetings",
                marker={"symbol": "triangle-down", "size": 8, "color": _MARKER_COLOUR},
                text=[_plotly_text(f"{m.label}, {date_words(m.date, 'short')}") for m in meetings],
                hovertemplate="%{text}<extra></extra>",
            )
        )
        figure.update_layout(yaxis2={"overlaying": "y", "range": [0, 1.02], "visible": False, "fixedrange": True})
    unit_titles = {"percentage": "Per cent", "rate_per_10k": "Per 10,000 children", "days": "Days"}
    figure.update_layout(
        margin={"l": 60, "r": 20, "t": 20, "b": 60},
        height=420,
        font={"family": "arial, sans-serif", "size": 14, "color": "#0b0c0c"},
        legend={"orientation": "h", "y": -0.15},
        plot_bgcolor="#ffffff",
        yaxis={"title": {"text": unit_titles.get(indicator.unit, "")}, "gridcolor": "#e6e6e6", "rangemode": "tozero"},
        xaxis={"gridcolor": "#f3f2f1"},
    )
    return figure


def indicator_chart_figure(indicator, measurements, targets, benchmarks, markers=None) -> dict | None:
    """The chart as plain JSON-ready data ({"data", "layout", "config"}), or None with no values.

    The page puts it in a json_script element and static js/indicator-chart.js draws it, so the page
    needs no inline script. Pass the markers when the page lists them too (see chart_range and
    chart_markers); otherwise they are read here: two queries plus whatever registered providers run.
    """
    covered = chart_range(indicator, measurements)
    if covered is None:
        return None
    if markers is None:
        markers = chart_markers(indicator, *covered)
    figure = build_indicator_figure(indicator, measurements, targets, benchmarks, markers)
    # plotly's own encoder turns dates and numbers into what plotly.js expects.
    drawn = json.loads(figure.to_json())
    return {
        "data": drawn["data"],
        "layout": drawn["layout"],
        "config": {"displaylogo": False, "responsive": True},
    }


# SPC: the mean and process limits of each baseline segment, and the points that are signals.
_SPC_MEAN_COLOUR = "#505a5f"
_SPC_LIMIT_COLOUR = "#d4351c"
_SPC_SIGNAL_COLOUR = "#f47738"


def spc_traces(indicator, segments) -> list[dict]:
    """Plain plotly traces (JSON-ready) to add to indicator_chart_figure's data: for each segment with
    limits, the mean (solid) and the upper and lower process limits (dash-dot) across its points, and
    the signal points circled. One legend entry per kind, however many segments."""
    frequency = indicator.frequency
    traces = []
    signals_x, signals_y, signals_text = [], [], []
    first = True
    for segment in segments:
        if segment.limits is None:
            continue
        x = [
            _middle(segment.points[0].period, frequency).isoformat(),
            _middle(segment.points[-1].period, frequency).isoformat(),
        ]
        for name, value, colour, dash in (
            ("Mean", segment.limits.mean, _SPC_MEAN_COLOUR, "solid"),
            ("Upper process limit", segment.limits.upper, _SPC_LIMIT_COLOUR, "dashdot"),
            ("Lower process limit", segment.limits.lower, _SPC_LIMIT_COLOUR, "dashdot"),
        ):
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": x,
                    "y": [float(value)] * 2,
                    "name": "Mean" if name == "Mean" else "Process limits",
                    "legendgroup": "Mean" if name == "Mean" else "Process limits",
                    "showlegend": first and name != "Lower process limit",
                    "line": {"color": colour, "dash": dash, "width": 1.5},
                    "hovertemplate": f"{name}: %{{y}}<extra></extra>",
                }
            )
        first = False
        for point in segment.points:
            if point.signal.is_signal:
                signals_x.append(_middle(point.period, frequency).isoformat())
                signals_y.append(float(point.value))
                signals_text.append(periods.period_label(point.period, frequency))
    if signals_x:
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": signals_x,
                "y": signals_y,
                "text": signals_text,
                "name": "Signal (special cause)",
                "marker": {"symbol": "circle-open", "size": 16, "color": _SPC_SIGNAL_COLOUR, "line": {"width": 3}},
                "hovertemplate": "%{text}: signal<extra></extra>",
            }
        )
    return traces
