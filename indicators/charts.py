"""The indicator chart: plotly.js JSON written on the server, drawn in the browser.

Only scatter traces and layout shapes are used, so the self-hosted plotly "basic" bundle
(static js/plotly-basic.min.js) can draw it, from JSON the page carries (no inline script). The same
data is always shown in a table below it, and the events marked on it in a list.

Vertical markers: inspections and monitoring visits (dotted lines, each numbered at the top, horizontal,
so labels never run over one another; the key under the chart names them), and board meetings (light
lines with one legend entry and hover labels; a label on each would crowd a monthly board's chart, and
more than MEETINGS_SHOWN_AT_MOST start hidden, shown by the legend entry or the page's checkbox). Which
meetings: those held or scheduled, not cancelled, of every improvement board (it oversees the whole
plan and all its indicators) and of any other board that lists this indicator among those it reviews
(a scrutiny committee or corporate parenting board looks at only some). The meetings app adds
its markers with register_marker_provider from its AppConfig.ready() (this app may not import it).
England, statistical neighbours and region run across our own series where a published figure exists.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from django.db.models import DateTimeField, F, Value

from core.formats import date_words
from improvement.models import Inspection
from indicators import periods
from indicators.queries import latest_benchmark, target_in_force

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


# The parts of plotly's default template ("plotly") that a 2-D scatter chart with shapes and
# annotations uses, so the chart looks as it did when plotly.py built it, without the 7 KB of
# defaults for map, 3-D and polar charts the page would otherwise carry. The figure is written as
# plotly.js JSON directly: building plotly.graph_objects validates every property in Python, which
# took most of the indicator page's time.
_TEMPLATE = {
    "data": {"scatter": [{"fillpattern": {"fillmode": "overlay", "size": 10, "solidity": 0.2}, "type": "scatter"}]},
    "layout": {
        "autotypenumbers": "strict",
        "colorway": [
            "#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A",
            "#19d3f3", "#FF6692", "#B6E880", "#FF97FF", "#FECB52",
        ],
        "font": {"color": "#2a3f5f"},
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "#E5ECF6",
        "xaxis": {
            "gridcolor": "white", "linecolor": "white", "ticks": "", "title": {"standoff": 15},
            "zerolinecolor": "white", "automargin": True, "zerolinewidth": 2,
        },
        "yaxis": {
            "gridcolor": "white", "linecolor": "white", "ticks": "", "title": {"standoff": 15},
            "zerolinecolor": "white", "automargin": True, "zerolinewidth": 2,
        },
        "shapedefaults": {"line": {"color": "#2a3f5f"}},
        "annotationdefaults": {"arrowcolor": "#2a3f5f", "arrowhead": 0, "arrowwidth": 1},
        "title": {"x": 0.05},
    },
}  # fmt: skip

# More board meetings than this in the chart's range and their lines start hidden (a monthly board
# over a few years draws a comb over the series); the legend entry and the page's checkbox show them.
MEETINGS_SHOWN_AT_MOST = 8
MEETINGS_GROUP = "meetings"
BENCHMARK_LINES = (
    ("england", "England", _ENGLAND_COLOUR, "diamond"),
    ("stat_neighbours", "Statistical neighbours", _NEIGHBOURS_COLOUR, "square"),
    ("region", "Region", _REGION_COLOUR, "triangle-up"),
)


# Three years of monthly values: more, and the point markers crowd the line (see _value_trace).
MARKERS_SHOWN_AT_MOST = 36


def _value_trace(measurements, frequency) -> dict:
    with_values = [m for m in measurements if m.value is not None]
    return {
        "type": "scatter",
        "x": [_middle(m.period, frequency).isoformat() for m in with_values],
        "y": [float(m.value) for m in with_values],
        # Ten years of months (120 points) drew a bead every 2 px on a phone and hid the line: a long
        # series is a line alone (each value still on hover and in the table below the chart).
        "mode": "lines+markers" if len(with_values) <= MARKERS_SHOWN_AT_MOST else "lines",
        "name": "Our value",
        "line": {"color": _VALUE_COLOUR, "width": 3},
        "text": [periods.period_label(m.period, frequency) for m in with_values],
        "hovertemplate": "%{text}: %{y}<extra></extra>",
    }


def _target_trace(measurements, targets, frequency) -> dict | None:
    # A period with no target (before the first, or after one ended) is a gap in the line (None:
    # plotly does not join across it), not the last target carried on.
    x, y = [], []
    for m in measurements:
        target = target_in_force(targets, m.period)
        if target is not None:
            x.append(m.period.isoformat())
            y.append(float(target.value))
        elif y and y[-1] is not None:
            x.append(m.period.isoformat())
            y.append(None)
    if not x:
        return None
    if y[-1] is not None:
        x.append(periods.period_end(measurements[-1].period, frequency).isoformat())
        y.append(y[-1])
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "lines",
        "line": {"shape": "hv", "color": _TARGET_COLOUR, "dash": "dash", "width": 2},
        "name": "Target",
        "hovertemplate": "Target: %{y}<extra></extra>",
    }


def _benchmark_trace(measurements, benchmarks, frequency, kind, label, colour, symbol) -> dict | None:
    """A published comparison drawn across our own series: at each of our periods, the latest figure
    published for a year starting on or before it (the value the table below gives for that period),
    held as a step until a newer year's figure. The hover names the year the figure is for."""
    points = [b for b in benchmarks if b.kind == kind and b.value is not None]
    x, y, years = [], [], []
    for m in measurements:
        benchmark = latest_benchmark(points, kind, m.period)
        if benchmark is not None:
            x.append(_middle(m.period, frequency).isoformat())
            y.append(float(benchmark.value))
            years.append(periods.period_label(benchmark.period, "annual"))
    if not x:
        return None
    # Yearly series have a point a year; monthly and quarterly ones would show a marker every period.
    many = frequency != "annual"
    trace = {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "lines" if many else "lines+markers",
        "name": label,
        "line": {"color": colour, "dash": "dot", "width": 2, **({"shape": "hv"} if many else {})},
        "marker": {"symbol": symbol, "size": 9},
        "text": years,
        "hovertemplate": f"{label} (%{{text}}): %{{y}}<extra></extra>",
    }
    return trace


# About how much of the chart's width a boxed number takes on a phone (some 16 px of 280): numbers
# closer than this go up a row.
_NUMBER_WIDTH = 0.06


def _event_annotations(events, start: date, end: date) -> list[dict]:
    """A number at the top of each inspection or visit line, horizontal and boxed, oldest first (the
    key under the chart and the events table give the names). Numbers close enough to touch are
    raised a row, so none overlaps another."""
    span = max((end - start).days, 1)
    annotations = []
    last_in_row = {}  # row -> date of the last number placed in it
    for number, event in enumerate(events, start=1):
        row = 0
        while row in last_in_row and (event.date - last_in_row[row]).days / span < _NUMBER_WIDTH:
            row += 1
        last_in_row[row] = event.date
        annotations.append(
            {
                "x": event.date.isoformat(),
                "y": 1,
                "yref": "paper",
                "yanchor": "bottom",
                "yshift": 2 + 22 * row,
                "text": str(number),
                "hovertext": _plotly_text(f"{number}: {event.label}, {date_words(event.date)}"),
                "showarrow": False,
                "bgcolor": "#ffffff",
                "bordercolor": _MARKER_COLOUR,
                "borderwidth": 1,
                "borderpad": 2,
                "font": {"size": 12, "color": "#0b0c0c"},
            }
        )
    return annotations


def _meeting_traces(meetings) -> list[dict]:
    """Board meetings as one legend entry: light vertical lines (under the series) and a marker along the
    top with the meeting's name and date on hover. Many meetings start hidden; clicking the legend
    entry, or the page's checkbox, shows them all (js/indicator-chart.js)."""
    shown = True if len(meetings) <= MEETINGS_SHOWN_AT_MOST else "legendonly"
    x, y = [], []
    for m in meetings:
        x += [m.date.isoformat(), m.date.isoformat(), None]
        y += [0, 1, None]
    lines = {
        "type": "scatter",
        "x": x,
        "y": y,
        "yaxis": "y2",
        "mode": "lines",
        "name": "Board meeting lines",
        "legendgroup": MEETINGS_GROUP,
        "showlegend": False,
        "visible": shown,
        "hoverinfo": "skip",
        "line": {"color": _MEETING_COLOUR, "width": 1},
    }
    markers = {
        "type": "scatter",
        "x": [m.date.isoformat() for m in meetings],
        "y": [1] * len(meetings),
        "yaxis": "y2",
        "mode": "markers",
        "name": "Board meetings",
        "legendgroup": MEETINGS_GROUP,
        "visible": shown,
        "marker": {"symbol": "triangle-down", "size": 8, "color": _MARKER_COLOUR},
        "text": [_plotly_text(f"{m.label}, {date_words(m.date)}") for m in meetings],
        "hovertemplate": "%{text}<extra></extra>",
    }
    return [lines, markers]


def build_indicator_figure(indicator, measurements, targets, benchmarks, markers) -> dict:
    """{"data", "layout"} as plotly.js reads them: values, the target trajectory as steps, England,
    neighbours and region across the series, a numbered line for each inspection or visit, and the
    board meetings (one legend entry that shows or hides them all). No queries."""
    frequency = indicator.frequency
    data = [_value_trace(measurements, frequency)]
    if measurements and targets:
        target = _target_trace(measurements, targets, frequency)
        if target:
            data.append(target)
    for kind, label, colour, symbol in BENCHMARK_LINES:
        trace = _benchmark_trace(measurements, benchmarks, frequency, kind, label, colour, symbol)
        if trace:
            data.append(trace)
    events = [m for m in markers if not m.is_meeting]
    meetings = [m for m in markers if m.is_meeting]
    shapes = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": m.date.isoformat(),
            "x1": m.date.isoformat(),
            "y0": 0,
            "y1": 1,
            "line": {"color": _MARKER_COLOUR, "width": 1, "dash": "dot"},
        }
        for m in events
    ]
    covered = chart_range(indicator, measurements)
    start, end = covered if covered else (date.min, date.max)
    if events:
        start, end = min(start, events[0].date), max(end, events[-1].date)
    annotations = _event_annotations(events, start, end)
    rows = max((a["yshift"] - 2) // 22 + 1 for a in annotations) if annotations else 0
    unit_titles = {"percentage": "Per cent", "rate_per_10k": "Per 10,000 children", "days": "Days"}
    layout = {
        "template": _TEMPLATE,
        "shapes": shapes,
        "annotations": annotations,
        # Each row of numbers above the plot adds to the chart's height, so the plot keeps its size.
        "margin": {"l": 60, "r": 20, "t": 20 + 22 * rows, "b": 60},
        "height": 420 + 22 * rows,
        "font": {"family": "arial, sans-serif", "size": 14, "color": "#0b0c0c"},
        "legend": {"orientation": "h", "y": -0.15},
        "plot_bgcolor": "#ffffff",
        "yaxis": {
            "title": {"text": unit_titles.get(indicator.unit, "")},
            "gridcolor": "#e6e6e6",
            "rangemode": "tozero",
        },
        "xaxis": {"gridcolor": "#f3f2f1", "type": "date"},
    }
    if meetings:
        data.extend(_meeting_traces(meetings))
        layout["yaxis2"] = {"overlaying": "y", "range": [0, 1.02], "visible": False, "fixedrange": True}
    return {"data": data, "layout": layout}


def numbered_events(markers) -> list[tuple[int, ChartMarker]]:
    """The inspections and visits with the number each carries on the chart, oldest first."""
    return list(enumerate((m for m in markers if not m.is_meeting), start=1))


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
    # showTips off: plotly's "double-click on legend" note pops up on the first legend click in low contrast.
    return {**figure, "config": {"displaylogo": False, "responsive": True, "showTips": False}}


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
