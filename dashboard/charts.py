"""The RAG-by-month chart of the dashboard and the progress page, drawn by plotly.js in the browser.

Bar traces and layout shapes only, so the self-hosted plotly "basic" bundle draws it from JSON the page
carries (indicators' static js/indicator-chart.js draws every [data-chart-figure]); the same numbers
are always in a table below it, and the events marked on it are listed there too.
"""

from html import escape

from improvement.rules import rag_label

# The RAG colours of the count cards (static/css/improvement.css), with contrast on white.
_RAG_COLOURS = {"red": "#ca3535", "amber": "#f47738", "green": "#0f7a52", "grey": "#505a5f", "blue": "#1d70b8"}
_MARKER_COLOUR = "#0b0c0c"
_MEETING_COLOUR = "#b1b4b6"


def rag_trend_figure(trend, markers) -> dict | None:
    """{"data", "layout", "config"} for a stacked bar chart of RAG counts a month, with a vertical line for
    each visit or intervention event (labelled) and a light one for each board meeting; None without data.
    Written as plotly.js's JSON directly: building a plotly Figure in Python and serialising it took most
    of the dashboard's time on a large plan, for a chart this simple."""
    if not trend:
        return None
    months = [month.day.replace(day=15).isoformat() for month in trend]
    data = [
        {
            "type": "bar",
            "x": months,
            "y": [month.counts[index][1] for month in trend],
            "name": rag_label(rag),
            "marker": {"color": _RAG_COLOURS.get(rag, "#505a5f")},
            "hovertemplate": f"{escape(rag_label(rag))}: %{{y}}<extra></extra>",
        }
        for index, (rag, _) in enumerate(trend[0].counts)
    ]
    events = [m for m in markers if m.kind != "Board meeting"]
    meetings = [m for m in markers if m.kind == "Board meeting"]
    line = {"type": "line", "xref": "x", "yref": "paper", "y0": 0, "y1": 1}
    shapes = [{**line, "x0": m.date.isoformat(), "x1": m.date.isoformat(),
               "line": {"color": _MARKER_COLOUR, "width": 1, "dash": "dot"}} for m in events] + [
        {**line, "x0": m.date.isoformat(), "x1": m.date.isoformat(), "line": {"color": _MEETING_COLOUR, "width": 1},
         "layer": "below"}
        for m in meetings
    ]  # fmt: skip
    annotations = [
        {"x": m.date.isoformat(), "y": 1, "yref": "paper", "text": escape(m.label, quote=False), "showarrow": False,
         "textangle": -90, "xanchor": "right", "yanchor": "top", "font": {"size": 11, "color": _MARKER_COLOUR}}
        for m in events
    ]  # fmt: skip
    layout = {
        "barmode": "stack",
        "shapes": shapes,
        "annotations": annotations,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 50},
        "height": 380,
        "font": {"family": "arial, sans-serif", "size": 14, "color": "#0b0c0c"},
        "legend": {"orientation": "h", "y": -0.15},
        "plot_bgcolor": "#ffffff",
        "xaxis": {"type": "date"},
        "yaxis": {"title": {"text": "Actions"}, "gridcolor": "#e6e6e6", "rangemode": "tozero"},
    }
    return {"data": data, "layout": layout, "config": {"displaylogo": False, "responsive": True}}
