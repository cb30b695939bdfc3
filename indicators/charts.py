"""The indicator chart, drawn with plotly on the server.

Only scatter traces and layout shapes are used, so the self-hosted plotly "basic" bundle
(static js/plotly-basic.min.js) can draw it. The same data is always shown in a table below it.

Other apps add vertical markers (for example board meetings) with register_marker_provider;
indicators never imports them.
"""

from datetime import date, timedelta

import plotly.graph_objects as go

from indicators import periods
from indicators.queries import target_in_force

_marker_providers = []

# GOV.UK colours: values in blue, target in black (dashed), England in purple, neighbours in orange.
_VALUE_COLOUR = "#1d70b8"
_TARGET_COLOUR = "#0b0c0c"
_ENGLAND_COLOUR = "#4c2c92"
_NEIGHBOURS_COLOUR = "#b58840"
_MARKER_COLOUR = "#505a5f"


def register_marker_provider(fn) -> None:
    """fn(indicator, start: date, end: date) -> list of (date, label), drawn as vertical lines."""
    if fn not in _marker_providers:
        _marker_providers.append(fn)


def inspection_markers(indicator, start: date, end: date) -> list[tuple[date, str]]:
    """Inspections and monitoring visits between start and end (one query)."""
    from improvement.models import Inspection

    found = Inspection.objects.filter(start_date__gte=start, start_date__lte=end).order_by("start_date")
    return [(inspection.start_date, inspection.title or inspection.get_kind_display()) for inspection in found]


def chart_markers(indicator, start: date, end: date) -> list[tuple[date, str]]:
    markers = inspection_markers(indicator, start, end)
    for provider in _marker_providers:
        markers.extend(provider(indicator, start, end))
    return sorted(markers)


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
    for when, label in markers:
        figure.add_vline(x=when, line={"color": _MARKER_COLOUR, "width": 1, "dash": "dot"})
        figure.add_annotation(
            x=when, y=1, yref="paper", text=label, showarrow=False, textangle=-90,
            xanchor="right", yanchor="top", font={"size": 11, "color": _MARKER_COLOUR},
        )
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


def indicator_chart_html(indicator, measurements, targets, benchmarks) -> str:
    """The chart as an HTML fragment (a div and the inline script that draws it), or "" with no values.

    Queries: one for inspections, plus whatever registered providers run.
    """
    if not measurements:
        return ""
    start = measurements[0].period
    end = periods.period_end(measurements[-1].period, indicator.frequency)
    figure = build_indicator_figure(
        indicator, measurements, targets, benchmarks, chart_markers(indicator, start, end)
    )
    return figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"indicator-chart-{indicator.pk}",
        config={"displaylogo": False, "responsive": True},
    )
