"""Pure template filters for indicator pages. None of them runs a query."""

from django import template

from indicators.rules import direction_words

register = template.Library()

SPARKLINE_WIDTH, SPARKLINE_HEIGHT, SPARKLINE_PAD = 80, 24, 3


@register.filter
def sparkline_points(trend) -> str:
    """SVG polyline points for a list of (period, value), oldest first; "" with fewer than two values."""
    values = [float(value) for _, value in trend]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    spread = (high - low) or 1.0
    step = (SPARKLINE_WIDTH - 2 * SPARKLINE_PAD) / (len(values) - 1)
    usable = SPARKLINE_HEIGHT - 2 * SPARKLINE_PAD
    points = []
    for index, value in enumerate(values):
        x = SPARKLINE_PAD + index * step
        y = SPARKLINE_PAD + usable - (value - low) / spread * usable if high != low else SPARKLINE_HEIGHT / 2
        points.append(f"{x:.1f},{y:.1f}")
    return " ".join(points)


@register.filter
def direction_text(direction) -> str:
    """The one way a direction of travel is written on a page: indicators.rules.direction_words."""
    return direction_words(direction)


@register.filter
def quartile_for(quartiles: dict, indicator_pk) -> str:
    """The scorecard's quartile cell for one indicator, from the view's {indicator pk: words}."""
    return quartiles.get(indicator_pk, "No published rank")
