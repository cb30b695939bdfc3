"""The XmR chart rules (indicators/rules.py): limits, the four signals at their boundaries, the
reading through polarity, assurance, baselines and re-bases, and the words a board reads."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import rules
from indicators.rules import (
    CONCERN,
    HIGH,
    IMPROVEMENT,
    LOW,
    NEUTRAL,
    OUTSIDE_LIMITS,
    RUN,
    TREND,
    TWO_OF_THREE,
    XmrLimits,
    assurance,
    spc_assessment,
    spc_segments,
    xmr_limits,
    xmr_signals,
)

D = Decimal
# A fixed chart for the rule tables: mean 50, limits 20 and 80, two-sigma lines 30 and 70.
LIMITS = XmrLimits(
    mean=D(50), average_moving_range=D(30) / D("2.66"), upper=D(80), lower=D(20), upper_two_sigma=D(70),
    lower_two_sigma=D(30),
)  # fmt: skip


def months(values, start=date(2024, 1, 1)):
    points = []
    year, month = start.year, start.month
    for value in values:
        points.append((date(year, month, 1), D(str(value))))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return points


def flags(values, rule):
    return [signal.rules.get(rule) for signal in xmr_signals([D(v) for v in values], LIMITS)]


# Limits ------------------------------------------------------------------------------------


def test_limits_are_the_mean_plus_or_minus_2_66_average_moving_ranges():
    limits = xmr_limits([D(10), D(14), D(12), D(16)])  # moving ranges 4, 2, 4: average 10/3

    assert limits.mean == D(13)
    assert round(limits.average_moving_range, 6) == D("3.333333")
    assert round(limits.upper, 6) == D("21.866667")  # 13 + 2.66 * 10 / 3
    assert round(limits.lower, 6) == D("4.133333")
    assert round(limits.upper_two_sigma, 6) == D("18.911111")  # two thirds of the way out


def test_limits_need_two_values():
    with pytest.raises(ValueError):
        xmr_limits([D(1)])


values_strategy = st.lists(
    st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False),
    min_size=2,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(values_strategy)
def test_property_limits_are_ordered_around_the_mean(values):
    limits = xmr_limits(values)

    assert limits.lower <= limits.lower_two_sigma <= limits.mean <= limits.upper_two_sigma <= limits.upper
    assert min(values) <= limits.mean <= max(values)
    assert limits.upper - limits.mean == pytest.approx(limits.mean - limits.lower, abs=D("1e-20"))


@settings(max_examples=200, deadline=None)
@given(values_strategy, st.decimals(min_value=-500, max_value=500, places=2))
def test_property_shifting_every_value_shifts_the_limits_only(values, shift):
    plain, shifted = xmr_limits(values), xmr_limits([v + shift for v in values])

    assert shifted.mean - plain.mean == pytest.approx(shift, abs=D("1e-18"))
    assert shifted.average_moving_range == pytest.approx(plain.average_moving_range, abs=D("1e-18"))
    assert [s.rules for s in xmr_signals([v + shift for v in values], shifted)] == [
        s.rules for s in xmr_signals(values, plain)
    ]


@settings(max_examples=200, deadline=None)
@given(values_strategy)
def test_property_reversing_the_baseline_keeps_its_limits(values):
    assert xmr_limits(values) == xmr_limits(list(reversed(values)))


@settings(max_examples=200, deadline=None)
@given(values_strategy)
def test_property_mirroring_the_series_mirrors_every_signal(values):
    """Negating every value turns each high signal into a low one at the same point, and back."""
    mirrored = [-v for v in values]
    flip = {HIGH: LOW, LOW: HIGH}

    plain = xmr_signals(values, xmr_limits(values))
    negated = xmr_signals(mirrored, xmr_limits(mirrored))

    assert [{rule: flip[side] for rule, side in s.rules.items()} for s in plain] == [s.rules for s in negated]


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-100, max_value=100, places=1), st.integers(min_value=2, max_value=40))
def test_property_a_flat_series_has_no_signal(value, length):
    values = [value] * length

    assert not any(s.is_signal for s in xmr_signals(values, xmr_limits(values)))


@settings(max_examples=200, deadline=None)
@given(values_strategy)
def test_property_a_point_outside_the_limits_is_always_a_signal(values):
    limits = xmr_limits(values)
    signals = xmr_signals(values, limits)

    for value, signal in zip(values, signals, strict=True):
        assert (OUTSIDE_LIMITS in signal.rules) == (value > limits.upper or value < limits.lower)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.decimals(min_value="0.1", max_value=10, places=1), min_size=1, max_size=30))
def test_property_values_within_one_sigma_that_alternate_sides_never_signal(distances):
    """Points alternating above and below the mean (so never climbing) and within one sigma (10)."""
    alternating = [LIMITS.mean + d if i % 2 == 0 else LIMITS.mean - d for i, d in enumerate(distances)]

    assert not any(s.is_signal for s in xmr_signals(alternating, LIMITS))


# Each rule at its boundary -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (D("80"), None),  # on the upper limit: inside
        (D("80.01"), HIGH),
        (D("20"), None),  # on the lower limit: inside
        (D("19.99"), LOW),
        (D("50"), None),
    ],
)
def test_outside_the_limits(value, expected):
    assert flags([value], OUTSIDE_LIMITS) == [expected]


@pytest.mark.parametrize(
    "values, expected",
    [
        ([51] * 6, [None] * 6),  # six above the mean: not yet a run
        ([51] * 7, [HIGH] * 7),  # seven: a run
        ([49] * 8, [LOW] * 8),
        ([51, 51, 51, 50, 51, 51, 51], [None] * 7),  # a point on the mean ends the run
        ([49] + [51] * 7, [None] + [HIGH] * 7),
    ],
)
def test_a_run_of_seven_on_one_side_of_the_mean(values, expected):
    assert flags(values, RUN) == expected


@pytest.mark.parametrize(
    "values, expected",
    [
        ([41, 42, 43, 44, 45], [None] * 5),  # five rising: not yet a trend
        ([41, 42, 43, 44, 45, 46], [HIGH] * 6),  # six rising: a trend
        ([59, 58, 57, 56, 55, 54, 53], [LOW] * 7),
        ([41, 42, 43, 43, 44, 45], [None] * 6),  # a repeated value ends it
        ([45, 41, 42, 43, 44, 45, 46], [None] + [HIGH] * 6),
    ],
)
def test_six_in_a_row_rising_or_falling(values, expected):
    assert flags(values, TREND) == expected


@pytest.mark.parametrize(
    "values, expected",
    [
        ([71, 50, 50], [None, None, None]),  # one beyond two sigma
        ([71, 50, 71], [HIGH, None, HIGH]),  # two of three: the two are marked
        ([71, 50, 50, 71], [None] * 4),  # two of four are not two of three
        ([70, 71, 50], [None, None, None]),  # on the two-sigma line is not beyond it
        ([29, 71, 29], [LOW, None, LOW]),  # the same side counts, not one each side
        ([71, 29, 50], [None, None, None]),
        ([81, 72, 50], [HIGH, HIGH, None]),  # a point beyond the limit is beyond two sigma too
    ],
)
def test_two_of_three_beyond_two_sigma_on_the_same_side(values, expected):
    assert flags(values, TWO_OF_THREE) == expected


# Reading and assurance ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "side, polarity, expected",
    [
        (HIGH, "higher", IMPROVEMENT),
        (LOW, "higher", CONCERN),
        (HIGH, "lower", CONCERN),
        (LOW, "lower", IMPROVEMENT),
        (HIGH, "close", NEUTRAL),
        (LOW, "none", NEUTRAL),
    ],
)
def test_a_signal_is_read_through_polarity(side, polarity, expected):
    assert rules.signal_reading(side, polarity) == expected


@pytest.mark.parametrize(
    "target, polarity, expected",
    [
        (D(85), "higher", "consistently_missed"),
        (D(80), "higher", "hit_and_miss"),  # on a limit counts as inside
        (D(50), "higher", "hit_and_miss"),
        (D(19), "higher", "consistently_met"),
        (D(85), "lower", "consistently_met"),
        (D(19), "lower", "consistently_missed"),
        (D(20), "lower", "hit_and_miss"),
        (D(85), "close", "consistently_missed"),
        (D(50), "close", "hit_and_miss"),
        (D(50), "none", None),
        (None, "higher", None),
    ],
)
def test_assurance_compares_the_target_with_the_limits(target, polarity, expected):
    assert assurance(LIMITS, target, polarity) == expected


# Baselines, re-bases and the words -------------------------------------------------------------

STEADY = [50, 52, 48, 51, 49, 53, 47, 50, 52, 48, 51, 49]  # mean 50, average moving range 3.64


def test_fewer_than_twelve_points_is_not_enough_data():
    result = spc_assessment(months(STEADY[:8]), frequency="monthly", polarity="higher")

    assert result.words == "Not enough data yet (8 of 12 points)"
    assert result.current.limits is None


def test_annual_figures_have_no_spc():
    result = spc_assessment(months(STEADY), frequency="annual", polarity="higher")

    assert (result.variation, result.words) == ("not_applicable", "Not for annual figures")


def test_twelve_points_are_enough_and_a_fall_within_the_limits_is_no_signal():
    result = spc_assessment(months(STEADY + [45]), frequency="monthly", polarity="higher")

    assert result.words == "No signal: the fall is within normal variation"
    assert result.baseline_points == 13


def test_the_baseline_is_the_first_twenty_points_by_default_then_fixed():
    series = months(STEADY + STEADY[:8] + [50] * 5)
    result = spc_assessment(series, frequency="monthly", polarity="higher")

    assert result.baseline_points == 20
    assert result.current.limits == xmr_limits([value for _, value in series[:20]])
    assert [p.in_baseline for p in result.current.points] == [True] * 20 + [False] * 5


def test_the_owner_may_choose_a_shorter_baseline():
    series = months(STEADY + STEADY)
    result = spc_assessment(series, frequency="monthly", polarity="higher", baseline_points=12)

    assert result.current.limits == xmr_limits([value for _, value in series[:12]])


def test_a_low_run_on_a_lower_is_better_measure_is_an_improvement():
    series = months(STEADY + [52, 49, 48, 49, 47, 49, 48, 49])

    result = spc_assessment(series, frequency="monthly", polarity="lower", baseline_points=12)

    assert result.words == "Signal: 7 points in a row below the mean \u2014 an improvement"
    assert (result.rule, result.side, result.variation) == (RUN, LOW, IMPROVEMENT)


def test_a_point_above_the_limit_on_a_higher_is_better_measure_is_an_improvement():
    result = spc_assessment(months(STEADY + [70]), frequency="monthly", polarity="higher")

    assert result.words == "Signal: the latest point is above the upper limit \u2014 an improvement"


def test_six_falling_on_a_higher_is_better_measure_is_a_concern():
    result = spc_assessment(months(STEADY + [55, 54, 53, 52, 51, 50.5]), frequency="quarterly", polarity="higher")

    assert result.words == "Signal: 6 points in a row falling \u2014 a concern"


def test_two_of_three_near_the_lower_limit_without_polarity_is_a_change_not_a_judgement():
    series = months(STEADY + [42, 50, 42])

    result = spc_assessment(series, frequency="monthly", polarity="none", baseline_points=12)

    assert result.words == (
        "Signal: 2 of the last 3 points are close to the lower limit (beyond two sigma) "
        "\u2014 a real change, not normal variation"
    )


def test_assurance_in_words_names_the_frequency():
    monthly = spc_assessment(months(STEADY), frequency="monthly", polarity="higher", target_value=D(51))
    quarterly = spc_assessment(months(STEADY), frequency="quarterly", polarity="higher", target_value=D(90))

    assert monthly.assurance_words == (
        "The target lies within the limits: it will be met some months and missed in others."
    )
    assert quarterly.assurance_words == (
        "The target lies outside the limits on the wrong side: it will be missed consistently until something changes."
    )


def test_a_rebase_starts_a_new_baseline_and_too_few_points_since_says_so():
    series = months(STEADY + [80, 82, 79])
    rebase = series[12][0]

    result = spc_assessment(series, frequency="monthly", polarity="higher", rebases=[rebase])

    assert result.words == "Not enough data yet (3 of 12 points)"
    assert len(result.segments) == 2
    assert result.segments[0].limits == xmr_limits([value for _, value in series[:12]])


def test_a_rebase_between_periods_starts_at_the_first_period_after_it():
    series = months(STEADY + STEADY)
    segments = spc_segments(series, rebases=[date(2024, 12, 15)])

    assert [len(segment.points) for segment in segments] == [12, 12]
    assert segments[1].points[0].period == date(2025, 1, 1)


def test_a_rebase_before_the_first_point_changes_nothing():
    series = months(STEADY)

    assert len(spc_segments(series, rebases=[date(2020, 1, 1)])) == 1
