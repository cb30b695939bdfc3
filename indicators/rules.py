"""KPI rules: RAG against target, direction of travel, signals of change (SPC). Values are written by
core.formats.value_words.

One function per rule. Pages, exports, imports and board packs all call these, so a figure
is rated and written the same way everywhere.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from indicators import periods
from indicators.models import KpiRag

GREEN, AMBER, RED, NONE = KpiRag.GREEN, KpiRag.AMBER, KpiRag.RED, KpiRag.NONE
CONTEXT_MEASURE_LABEL = "No RAG - context measure"

IMPROVING, DECLINING, NO_CHANGE, UP, DOWN = "improving", "declining", "no_change", "up", "down"

# One set of words for a direction of travel on every page, pack and export (issue 17): better or
# worse for the people the figure is about, never "up" on one page and "improving" on another. No
# arrows: an arrow pointing down beside "better" (fewer re-referrals) read as bad news to board members.
_DIRECTION_WORDS = {
    IMPROVING: "Better",
    DECLINING: "Worse",
    NO_CHANGE: "No change",
    UP: "Higher, neither better nor worse",
    DOWN: "Lower, neither better nor worse",
}


def target_band(target) -> tuple[Decimal, Decimal] | None:
    """(lowest, highest) value that meets a close-to-target band ("between 8 and 12"), or None for a
    single figure. Read with getattr so a plain object with value and tolerance still works."""
    lower, upper = getattr(target, "band_lower", None), getattr(target, "band_upper", None)
    if lower is None or upper is None:
        return None
    return Decimal(lower), Decimal(upper)


def tolerance_band(target) -> Decimal:
    """How far from the target a value may be and still be amber, in the indicator's unit. For a band,
    a relative tolerance is a percentage of the band's nearer end (of the middle, `value`, when asked
    without a value: the two differ only slightly)."""
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
    - A target band ("between 8 and 12", whatever the polarity other than "none"): anywhere in the
      band, ends included, is green; outside it but no further from the nearer end than the
      tolerance (absolute points, or a percentage of that end) is amber; further is red.
    - A value exactly on the edge of the band counts as within it: amber.
    """
    if value is None or target is None or polarity not in ("higher", "lower", "close"):
        return NONE
    value = Decimal(value)
    band = target_band(target)
    if band is not None:
        lower, upper = band
        if lower <= value <= upper:
            return GREEN
        edge = lower if value < lower else upper
        if target.tolerance_kind == "absolute":
            allowed = abs(Decimal(target.tolerance))
        else:
            allowed = abs(edge) * Decimal(target.tolerance) / Decimal(100)
        return AMBER if abs(value - edge) <= allowed else RED
    goal = Decimal(target.value)
    allowed = tolerance_band(target)
    if polarity == "higher":
        shortfall = goal - value
    elif polarity == "lower":
        shortfall = value - goal
    else:
        shortfall = abs(value - goal)
    if shortfall <= 0:
        return GREEN
    if shortfall <= allowed:
        return AMBER
    return RED


def turns_red(*, rag_now: str, rag_before: str) -> bool:
    """A KPI turns red when its value is red for this period (kpi_rag) and was not red for the previous
    period: amber, green, no RAG, or no value then. Red after red is not turning red: the commentary
    given when it turned is still the story."""
    return rag_now == RED and rag_before != RED


def commentary_needed(*, rag_now: str, rag_before: str, commentary: str) -> bool:
    """A value that turns the KPI red needs the owner's commentary before the board reads it: the entry
    form refuses it without; an import saves it and flags it until the owner adds commentary."""
    return turns_red(rag_now=rag_now, rag_before=rag_before) and not (commentary or "").strip()


def rag_label(rag: str, polarity: str = "") -> str:
    """The words shown with a KPI RAG colour."""
    if rag == NONE and polarity == "none":
        return CONTEXT_MEASURE_LABEL
    return KpiRag(rag).label


def direction_of_travel(*, current: Decimal | None, previous: Decimal | None, polarity: str, target=None) -> str | None:
    """Which way a value moved since an earlier one, read through polarity.

    Higher or lower is better: "improving", "declining" or "no_change".
    Close to target, with the target given: nearer to it (to a band's nearer end; inside the band
    counts as on it) is "improving", further "declining", as far "no_change". Without a target, or
    with no polarity, the move cannot be called good or bad, so the answer is a neutral "up",
    "down" or "no_change".
    None when either value is missing: never a direction without two values.
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
    if polarity == "close" and target is not None:
        now, then = _distance_from_target(current, target), _distance_from_target(previous, target)
        if now == then:
            return NO_CHANGE
        return IMPROVING if now < then else DECLINING
    return UP if went_up else DOWN


def _distance_from_target(value: Decimal, target) -> Decimal:
    band = target_band(target)
    if band is None:
        return abs(value - Decimal(target.value))
    lower, upper = band
    return max(lower - value, value - upper, Decimal(0))


def direction_words(direction: str | None) -> str:
    """A direction of travel in words: "Better", "Worse", "No change", or for a measure where neither
    way is better "Higher, neither better nor worse"; "No comparison" when there is none."""
    if direction is None:
        return "No comparison"
    return _DIRECTION_WORDS[direction]


# Statistical process control (XmR charts) ---------------------------------------------------
#
# Pure functions over a list of values, oldest first (no ORM): whether the latest movement of a
# monthly or quarterly KPI is a signal of real change or the ordinary wobble of small numbers.
# shared/domain.md §5.1 has the facts; the wording follows NHS "Making Data Count".

MIN_BASELINE_POINTS = 12
DEFAULT_BASELINE_POINTS = 20
MAX_BASELINE_POINTS = 36
XMR_SCALING = Decimal("2.66")  # 3 / d2 (1.128): the average moving range to three sigma
SPC_RUN_LENGTH = 7
SPC_TREND_LENGTH = 6

OUTSIDE_LIMITS, TWO_OF_THREE, RUN, TREND = "outside_limits", "two_of_three", "run", "trend"
# The order a signal is named in when the latest point shows more than one.
SPC_RULES = (OUTSIDE_LIMITS, TWO_OF_THREE, RUN, TREND)
HIGH, LOW = "high", "low"

NOT_ENOUGH_DATA, NOT_APPLICABLE, COMMON_CAUSE = "not_enough_data", "not_applicable", "common_cause"
IMPROVEMENT, CONCERN, NEUTRAL = "improvement", "concern", "neutral"

CONSISTENTLY_MET, HIT_AND_MISS, CONSISTENTLY_MISSED = "consistently_met", "hit_and_miss", "consistently_missed"


@dataclass(frozen=True)
class XmrLimits:
    mean: Decimal
    average_moving_range: Decimal
    upper: Decimal
    lower: Decimal
    upper_two_sigma: Decimal
    lower_two_sigma: Decimal

    @property
    def sigma(self) -> Decimal:
        return self.average_moving_range * XMR_SCALING / 3


@dataclass(frozen=True)
class PointSignal:
    """The signals one point takes part in: {rule: HIGH or LOW}."""

    rules: dict = field(default_factory=dict)

    @property
    def is_signal(self) -> bool:
        return bool(self.rules)

    def first(self) -> tuple[str, str] | None:
        for rule in SPC_RULES:
            if rule in self.rules:
                return rule, self.rules[rule]
        return None


def xmr_limits(baseline: list) -> XmrLimits:
    """Mean and natural process limits of an XmR chart from its baseline values (at least two).

    The moving range is |x(i) - x(i-1)|; the limits are the mean ± 2.66 × the average moving range
    (about three sigma); the two-sigma lines are two thirds of the way out.
    """
    values = [Decimal(v) for v in baseline]
    if len(values) < 2:
        raise ValueError("An XmR baseline needs at least two values")
    mean = sum(values) / len(values)
    moving_ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    average_moving_range = sum(moving_ranges) / len(moving_ranges)
    width = XMR_SCALING * average_moving_range
    return XmrLimits(
        mean=mean,
        average_moving_range=average_moving_range,
        upper=mean + width,
        lower=mean - width,
        upper_two_sigma=mean + width * 2 / 3,
        lower_two_sigma=mean - width * 2 / 3,
    )


def xmr_signals(values: list, limits: XmrLimits) -> list[PointSignal]:
    """For each value, oldest first, the special-cause rules it takes part in, and on which side:

    - outside the limits: a point above the upper or below the lower limit (on a limit is inside);
    - a run: 7 or more points in a row above the mean, or below it (a point on the mean ends a run);
    - a trend: 6 or more points in a row each higher than the one before (or each lower); a repeat
      of the same value ends it;
    - two of three: 2 of 3 points in a row beyond two sigma on the same side (the two are marked).
    """
    values = [Decimal(v) for v in values]
    found = [{} for _ in values]
    for i, value in enumerate(values):
        if value > limits.upper:
            found[i][OUTSIDE_LIMITS] = HIGH
        elif value < limits.lower:
            found[i][OUTSIDE_LIMITS] = LOW
    for side, beyond in ((HIGH, lambda v: v > limits.upper_two_sigma), (LOW, lambda v: v < limits.lower_two_sigma)):
        for start in range(len(values) - 2):
            window = range(start, start + 3)
            close = [i for i in window if beyond(values[i])]
            if len(close) >= 2:
                for i in close:
                    found[i][TWO_OF_THREE] = side
    sides = [HIGH if v > limits.mean else LOW if v < limits.mean else None for v in values]
    for start, end, side in _stretches(sides):
        if side is not None and end - start >= SPC_RUN_LENGTH:
            for i in range(start, end):
                found[i][RUN] = side
    steps = [None] + [HIGH if b > a else LOW if b < a else None for a, b in zip(values, values[1:], strict=False)]
    # A trend of n points is n - 1 steps the same way; the point before the first step belongs to it.
    for start, end, side in _stretches(steps):
        if side is not None and end - start + 1 >= SPC_TREND_LENGTH:
            for i in range(start - 1, end):
                found[i][TREND] = side
    return [PointSignal(rules) for rules in found]


def _stretches(labels: list):
    """(start, end, label) for each stretch of equal labels, end exclusive."""
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            yield start, i, labels[start]
            start = i


def signal_reading(side: str, polarity: str) -> str:
    """A signal read through polarity: IMPROVEMENT, CONCERN, or NEUTRAL where better is not a direction."""
    if polarity == "higher":
        return IMPROVEMENT if side == HIGH else CONCERN
    if polarity == "lower":
        return IMPROVEMENT if side == LOW else CONCERN
    return NEUTRAL


def assurance(limits: XmrLimits, target_value: Decimal | None, polarity: str) -> str | None:
    """Whether the process, as it runs, will meet the target: None with no target or no better way.

    A target outside the limits on the wrong side will be missed consistently until something
    changes; inside the limits it will be met and missed at random; outside on the right side it
    will be met consistently. For "close to target" only inside the limits can it be met.
    """
    if target_value is None or polarity not in ("higher", "lower", "close"):
        return None
    goal = Decimal(target_value)
    inside = limits.lower <= goal <= limits.upper
    if inside:
        return HIT_AND_MISS
    if polarity == "close":
        return CONSISTENTLY_MISSED
    above = goal > limits.upper
    if polarity == "higher":
        return CONSISTENTLY_MISSED if above else CONSISTENTLY_MET
    return CONSISTENTLY_MET if above else CONSISTENTLY_MISSED


@dataclass(frozen=True)
class SpcPoint:
    period: object
    value: Decimal
    in_baseline: bool
    signal: PointSignal


@dataclass(frozen=True)
class SpcSegment:
    """One stretch of the series between re-bases, with the limits of its own baseline (None when
    it has too few points for them)."""

    points: list
    limits: XmrLimits | None


@dataclass(frozen=True)
class SpcResult:
    variation: str  # NOT_APPLICABLE, NOT_ENOUGH_DATA, COMMON_CAUSE, IMPROVEMENT, CONCERN, NEUTRAL
    words: str
    assurance: str | None = None
    assurance_words: str = ""
    segments: list = field(default_factory=list)
    rule: str | None = None
    side: str | None = None
    points_in_segment: int = 0
    baseline_points: int = 0

    @property
    def current(self) -> SpcSegment | None:
        return self.segments[-1] if self.segments else None

    @property
    def is_signal(self) -> bool:
        return self.variation in (IMPROVEMENT, CONCERN, NEUTRAL)


def spc_segments(points: list, *, rebases: list, baseline_points: int = DEFAULT_BASELINE_POINTS) -> list[SpcSegment]:
    """Split (period, value) points, oldest first, at each re-base period (a re-base starts a new
    segment at that period) and give each segment the limits of its first `baseline_points` points,
    once it has at least MIN_BASELINE_POINTS. Points without a value are left out beforehand."""
    starts = sorted(set(rebases))
    groups = [[]]
    boundaries = iter(starts)
    upcoming = next(boundaries, None)
    for period, value in points:
        moved = False
        while upcoming is not None and period >= upcoming:
            upcoming = next(boundaries, None)
            moved = True
        if moved and groups[-1]:
            groups.append([])
        groups[-1].append((period, Decimal(value)))
    segments = []
    for group in groups:
        if not group:
            continue
        values = [value for _, value in group]
        if len(values) < MIN_BASELINE_POINTS:
            spc_points = [SpcPoint(period, value, False, PointSignal()) for period, value in group]
            segments.append(SpcSegment(points=spc_points, limits=None))
            continue
        size = min(baseline_points, len(values))
        limits = xmr_limits(values[:size])
        signals = xmr_signals(values, limits)
        spc_points = [
            SpcPoint(period, value, i < size, signal)
            for i, ((period, value), signal) in enumerate(zip(group, signals, strict=True))
        ]
        segments.append(SpcSegment(points=spc_points, limits=limits))
    return segments


_RULE_WORDS = {
    OUTSIDE_LIMITS: {
        HIGH: "the latest point is above the upper limit",
        LOW: "the latest point is below the lower limit",
    },
    TWO_OF_THREE: {
        HIGH: "2 of the last 3 points are close to the upper limit (beyond two sigma)",
        LOW: "2 of the last 3 points are close to the lower limit (beyond two sigma)",
    },
}
_READING_WORDS = {
    IMPROVEMENT: "an improvement",
    CONCERN: "a concern",
    NEUTRAL: "a real change, not normal variation",
}
_PERIOD_WORDS = {"monthly": ("months", "month"), "quarterly": ("quarters", "quarter")}


def _signal_phrase(rule: str, side: str, points: list) -> str:
    if rule in _RULE_WORDS:
        return _RULE_WORDS[rule][side]
    if rule == RUN:
        count = _trailing(points, lambda p: p.signal.rules.get(RUN) == side)
        return f"{count} points in a row {'above' if side == HIGH else 'below'} the mean"
    count = _trailing(points, lambda p: p.signal.rules.get(TREND) == side)
    return f"{count} points in a row {'rising' if side == HIGH else 'falling'}"


def _trailing(points: list, test) -> int:
    count = 0
    for point in reversed(points):
        if not test(point):
            break
        count += 1
    return count


def _assurance_words(kind: str | None, frequency: str) -> str:
    plural, _ = _PERIOD_WORDS.get(frequency, ("periods", "period"))
    return {
        None: "",
        HIT_AND_MISS: f"The target lies within the limits: it will be met some {plural} and missed in others.",
        CONSISTENTLY_MET: "The target lies outside the limits on the right side: it will be met consistently.",
        CONSISTENTLY_MISSED: (
            "The target lies outside the limits on the wrong side: it will be missed consistently "
            "until something changes."
        ),
    }[kind]


def spc_assessment(
    points: list,
    *,
    frequency: str,
    polarity: str,
    rebases: list = (),
    baseline_points: int = DEFAULT_BASELINE_POINTS,
    target_value: Decimal | None = None,
) -> SpcResult:
    """Whether the latest movement of a KPI is a signal, in words, with its assurance and segments.

    `points` are (period, value) with a value, oldest first. Annual KPIs have no SPC. Fewer than
    MIN_BASELINE_POINTS since the last re-base says "not enough data yet".
    """
    if frequency not in _PERIOD_WORDS:
        return SpcResult(variation=NOT_APPLICABLE, words="Not for annual figures")
    segments = spc_segments(points, rebases=list(rebases), baseline_points=baseline_points)
    current = segments[-1] if segments else None
    count = len(current.points) if current else 0
    if current is None or current.limits is None:
        return SpcResult(
            variation=NOT_ENOUGH_DATA,
            words=f"Not enough data yet ({count} of {MIN_BASELINE_POINTS} points)",
            segments=segments,
            points_in_segment=count,
        )
    limits = current.limits
    kind = assurance(limits, target_value, polarity)
    base = {
        "assurance": kind,
        "assurance_words": _assurance_words(kind, frequency),
        "segments": segments,
        "points_in_segment": count,
        "baseline_points": min(baseline_points, count),
    }
    latest = current.points[-1]
    first = latest.signal.first()
    if first is None:
        previous = current.points[-2].value
        move = "rise" if latest.value > previous else "fall" if latest.value < previous else "latest value"
        return SpcResult(variation=COMMON_CAUSE, words=f"No signal: the {move} is within normal variation", **base)
    rule, side = first
    reading = signal_reading(side, polarity)
    phrase = _signal_phrase(rule, side, current.points)
    return SpcResult(
        variation=reading,
        words=f"Signal: {phrase} \u2014 {_READING_WORDS[reading]}",
        rule=rule,
        side=side,
        **base,
    )


SPC_VARIATION_LABELS = {
    COMMON_CAUSE: "No signal",
    IMPROVEMENT: "Signal: improvement",
    CONCERN: "Signal: concern",
    NEUTRAL: "Signal",
    NOT_ENOUGH_DATA: "Not enough data yet",
    NOT_APPLICABLE: "Not for annual figures",
}


_POINT_WORDS = {
    OUTSIDE_LIMITS: {HIGH: "above the upper limit", LOW: "below the lower limit"},
    TWO_OF_THREE: {HIGH: "close to the upper limit (2 of 3)", LOW: "close to the lower limit (2 of 3)"},
    RUN: {HIGH: "in a run above the mean", LOW: "in a run below the mean"},
    TREND: {HIGH: "in a rising trend", LOW: "in a falling trend"},
}


def point_signal_words(signal: PointSignal) -> str:
    """The signals one point takes part in, in words: "Above the upper limit; in a run above the mean"."""
    if not signal.is_signal:
        return "None"
    words = "; ".join(_POINT_WORDS[rule][signal.rules[rule]] for rule in SPC_RULES if rule in signal.rules)
    return words[0].upper() + words[1:]


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


# What was known when (shared/design.md) -----------------------------------------------------


def version_known_from(*, describes_until: date, entered_on: date, is_first: bool, previous_known_from=None) -> date:
    """The first day a version of a KPI value counts as known.

    - An original value (the first version: typed, imported or loaded from published statistics) is
      known from the last day it describes, the end of its period, even when it was entered years
      later (imported history). A value entered before its period ends (a month's figure typed on the
      20th) is known from the day it was entered, never later than it really was.
    - A later version (a correction, or new commentary) is known from the day it was entered, and
      never before the version it replaces (a clock moved back in a test, a backdated original).
    """
    if is_first:
        return min(describes_until, entered_on)
    if previous_known_from is not None and entered_on < previous_known_from:
        return previous_known_from
    return entered_on


def changes_the_figure(before: dict, after: dict) -> bool:
    """A version corrects the one before when the figure changes (value, reason or DfE symbol)."""
    return any(before.get(name) != after.get(name) for name in ("value", "missing_reason", "suppression_code"))


NOT_YET_AVAILABLE = "not_yet_available"  # Measurement.MissingReason.NOT_YET_AVAILABLE


@dataclass(frozen=True)
class ValueDue:
    period: date  # the next period that needs a value
    ends: date  # the last day of that period
    is_due: bool


def value_due(latest, frequency: str, today: date) -> ValueDue:
    """The next period an indicator needs a value for, and whether that value is due.

    latest is the indicator's newest measurement (anything with .period and .missing_reason) or None.
    The next period is the one after the latest value; the latest itself when it was recorded as "not
    yet available"; with no value at all, the period before the current one. A value is due once its
    period has ended (the day after its last day). The "enter values" page and the reminders both ask this.
    """
    if latest is None:
        period = periods.recent_periods(today, frequency, 2)[1]
    elif latest.missing_reason == NOT_YET_AVAILABLE:
        period = latest.period
    else:
        period = periods.next_period(latest.period, frequency)
    ends = periods.period_end(period, frequency)
    return ValueDue(period=period, ends=ends, is_due=ends < today)
