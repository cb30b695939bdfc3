"""KPI rules: RAG against target, direction of travel, and how values are written.

One function per rule. Pages, exports, imports and board packs all call these, so a figure
is rated and written the same way everywhere.
"""

from decimal import ROUND_HALF_UP, Decimal

GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"

RAG_LABELS = {
    GREEN: "Green - on or better than target",
    AMBER: "Amber - within tolerance",
    RED: "Red - outside tolerance",
    NONE: "No RAG",
}
CONTEXT_MEASURE_LABEL = "No RAG - context measure"

IMPROVING, DECLINING, NO_CHANGE, UP, DOWN = "improving", "declining", "no_change", "up", "down"

_DIRECTION_WORDS = {
    IMPROVING: ("Improving", "\u2197"),
    DECLINING: ("Declining", "\u2198"),
    NO_CHANGE: ("No change", "\u2192"),
    UP: ("Up", "\u2191"),
    DOWN: ("Down", "\u2193"),
}


def tolerance_band(target) -> Decimal:
    """How far from the target a value may be and still be amber, in the indicator's unit."""
    if target.tolerance_kind == "absolute":
        return abs(Decimal(target.tolerance))
    return abs(Decimal(target.value)) * Decimal(target.tolerance) / Decimal(100)


def kpi_rag(*, value: Decimal | None, target, polarity: str) -> str:
    """RAG of a value against the target in force for its period.

    - No value (missing, suppressed, not yet available), no target, or polarity "none"
      (a context or demand measure): "none". Never green.
    - Higher (lower) is better: on or better than the target is green; worse but within the
      tolerance band is amber; further away is red.
    - Close to target: the distance either side is what counts; exactly on the target is
      green, within the band (either side) amber, beyond it red.
    - A value exactly on the edge of the band counts as within it: amber.
    """
    if value is None or target is None or polarity not in ("higher", "lower", "close"):
        return NONE
    value = Decimal(value)
    goal = Decimal(target.value)
    band = tolerance_band(target)
    if polarity == "higher":
        shortfall = goal - value
    elif polarity == "lower":
        shortfall = value - goal
    else:
        shortfall = abs(value - goal)
    if shortfall <= 0:
        return GREEN
    if shortfall <= band:
        return AMBER
    return RED


def rag_label(rag: str, polarity: str = "") -> str:
    """The words shown with a KPI RAG colour."""
    if rag == NONE and polarity == "none":
        return CONTEXT_MEASURE_LABEL
    return RAG_LABELS[rag]


def direction_of_travel(*, current: Decimal | None, previous: Decimal | None, polarity: str) -> str | None:
    """Which way a value moved since an earlier one, read through polarity.

    Higher or lower is better: "improving", "declining" or "no_change".
    Close to target or no polarity: the move cannot be called good or bad from the two values
    alone (for "close" it depends on which side of the target they sit), so the answer is a
    neutral "up", "down" or "no_change".
    None when either value is missing: never an arrow without two values.
    """
    if current is None or previous is None:
        return None
    current, previous = Decimal(current), Decimal(previous)
    if current == previous:
        return NO_CHANGE
    went_up = current > previous
    if polarity == "higher":
        return IMPROVING if went_up else DECLINING
    if polarity == "lower":
        return DECLINING if went_up else IMPROVING
    return UP if went_up else DOWN


def direction_words(direction: str | None) -> tuple[str, str]:
    """(words, arrow) for a direction of travel; ("No comparison", "") when there is none."""
    if direction is None:
        return "No comparison", ""
    return _DIRECTION_WORDS[direction]


def format_value(value: Decimal | None, unit: str, decimal_places: int) -> str:
    """A value written for people: 23.5%, 1,204, 42.1 per 10,000, 33 days, 1.25; "No value" when missing."""
    if value is None:
        return "No value"
    exponent = Decimal(1).scaleb(-decimal_places)
    rounded = Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)
    number = f"{rounded:,.{decimal_places}f}"
    if unit == "percentage":
        return f"{number}%"
    if unit == "rate_per_10k":
        return f"{number} per 10,000"
    if unit == "days":
        return f"{number} day" if rounded == 1 else f"{number} days"
    return number


def council_rank(values: dict, own: str, polarity: str) -> tuple[int, int] | None:
    """The council's rank among all councils with a number, and how many had one: (rank, out_of).

    `values` maps each council's code to its value (councils without a number left out). Rank 1 is
    the best by polarity; councils with the same value share a rank and the next rank is skipped
    (1, 2, 2, 4). None when the council has no number, or the polarity is "close" or "none" (no
    value is better than another without a target).
    """
    if polarity not in ("higher", "lower") or values.get(own) is None:
        return None
    mine = Decimal(values[own])
    if polarity == "higher":
        better = sum(1 for value in values.values() if Decimal(value) > mine)
    else:
        better = sum(1 for value in values.values() if Decimal(value) < mine)
    return better + 1, len(values)


def quartile(rank: int | None, out_of: int) -> int | None:
    """Quartile 1 (best quarter of councils) to 4 from a rank among `out_of`; None without a rank.

    Read from the council's position between the best (0) and the worst (1), so the best council is
    always in quartile 1 and the worst in quartile 4, however few councils have a number; with 152
    councils, ranks 1 to 38 are quartile 1 and 115 to 152 quartile 4.
    """
    if rank is None or out_of <= 0:
        return None
    if out_of == 1:
        return 1
    return min(4, (4 * (rank - 1)) // (out_of - 1) + 1)


QUARTILE_WORDS = {1: "1st quartile (best)", 2: "2nd quartile", 3: "3rd quartile", 4: "4th quartile (worst)"}


def quartile_words(value: int | None) -> str:
    return QUARTILE_WORDS.get(value, "No quartile")
