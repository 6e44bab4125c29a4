"""Exact figures on cases small enough to work out by hand: Erlang B and C, one layout, targets.

The layout case: 240 people in an hour at 30 s keep a = 2 desks busy. Split over a point of 2
desks (share 2/3, a = 4/3) and a point of 1 desk (share 1/3, a = 2/3):

- 2 desks, a = 4/3: B = 8/29, C = 8/15, θ = (2 - 4/3)/30 = 1/45, W = C/θ = 24 s;
- 1 desk, a = 2/3 (M/M/1): C = 2/3, θ = 1/90, W = 60 s;
- averaged by share W = 2/3·24 + 1/3·60 = 36 s; waiting on average 2/45·24 + 1/45·60 = 2.4;
- pooled, 3 desks at a = 2: C = 4/9, W = 4/9·30 = 40/3 s.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from tests.unit.core.distribution.support import SERVICE

from core.distribution.capacity import (
    DeskLayout,
    MeanWaitTarget,
    WaitOverTarget,
    evaluate_layout,
    recommend_desks,
)
from core.distribution.erlang import (
    QueueFigures,
    erlang_b,
    erlang_c,
    erlang_c_from_b,
    queue_figures,
)

HOUR = timedelta(hours=1)
LAX = MeanWaitTarget(timedelta(hours=1))
P_OVER_2M = WaitOverTarget(timedelta(minutes=2), 0.05)


# --- Erlang B and C --------------------------------------------------------------------------


def test_erlang_b_follows_the_recursion_step_by_step() -> None:
    # B(1) = 2/3, B(2) = (4/3)/(10/3) = 2/5, B(3) = (4/5)/(19/5) = 4/19
    assert erlang_b(1, 2.0) == pytest.approx(2 / 3, rel=1e-12)
    assert erlang_b(2, 2.0) == pytest.approx(2 / 5, rel=1e-12)
    assert erlang_b(3, 2.0) == pytest.approx(4 / 19, rel=1e-12)
    assert erlang_b(2, 1.0) == pytest.approx(1 / 5, rel=1e-12)


def test_erlang_c_from_b_is_c_b_over_c_minus_a_times_one_minus_b() -> None:
    assert erlang_c_from_b(3, 2.0, 4 / 19) == pytest.approx(4 / 9, rel=1e-12)
    assert erlang_c_from_b(2, 1.0, 1 / 5) == pytest.approx(1 / 3, rel=1e-12)


def test_on_a_single_desk_the_chance_to_wait_is_the_utilisation() -> None:
    for load in (0.1, 0.5, 0.9):
        assert erlang_c(1, load) == pytest.approx(load, rel=1e-12)


# --- Figures of one queue: M/M/2 with a = 1 (λ = 1/4 per s, s = 4 s) ---------------------------


def two_desks_half_busy() -> QueueFigures:
    # textbook M/M/2 at utilisation 1/2: P0 = 1/3, C = 1/3, Lq = 1/3, Wq = Lq/λ = 4/3 s
    return queue_figures(arrival_rate=0.25, service_seconds=4.0, servers=2)


def test_queue_figures_of_two_desks_half_busy() -> None:
    figures = two_desks_half_busy()
    assert (figures.servers, figures.offered_load, figures.service_seconds) == (2, 1.0, 4.0)
    assert figures.p_wait == pytest.approx(1 / 3, rel=1e-12)
    assert figures.utilisation == 0.5
    assert figures.arrival_rate == 0.25
    assert figures.decay == 0.25
    assert figures.mean_wait == pytest.approx(4 / 3, rel=1e-12)
    assert figures.mean_queue_length == pytest.approx(1 / 3, rel=1e-12)


def test_the_wait_tail_falls_exponentially_from_the_chance_to_wait() -> None:
    figures = two_desks_half_busy()
    assert figures.p_wait_over(0.0) == pytest.approx(1 / 3, rel=1e-12)
    assert figures.p_wait_over(4.0) == pytest.approx(math.exp(-1) / 3, rel=1e-12)
    assert figures.p_wait_over(8.0) == pytest.approx(math.exp(-2) / 3, rel=1e-12)


def test_everybody_waits_longer_than_a_negative_time() -> None:
    assert two_desks_half_busy().p_wait_over(-0.001) == 1.0


def test_a_wait_quantile_inverts_the_tail() -> None:
    figures = two_desks_half_busy()
    # P(wait > t) = 1/3·e^(-t/4) = 0.1  =>  t = 4·ln(10/3)
    assert figures.wait_quantile(0.9) == pytest.approx(4 * math.log(10 / 3), rel=1e-12)
    assert figures.wait_quantile(0.99) == pytest.approx(4 * math.log(100 / 3), rel=1e-12)


def test_a_quantile_below_the_share_that_never_waits_is_no_wait() -> None:
    # two thirds never wait, so the median and even the 40th percentile wait nothing
    figures = two_desks_half_busy()
    assert figures.wait_quantile(0.5) == 0.0
    assert figures.wait_quantile(0.4) == 0.0


def test_figures_computed_from_their_parts() -> None:
    figures = QueueFigures(servers=2, offered_load=1.0, service_seconds=4.0, p_wait=0.5)
    assert figures.mean_wait == 2.0  # C / ((c - a) / s) = 0.5 / 0.25
    assert figures.mean_queue_length == 0.5  # λ·W = 0.25 · 2
    assert figures.wait_quantile(0.75) == pytest.approx(4 * math.log(2), rel=1e-12)


# --- Targets on exact figures ----------------------------------------------------------------

EXACT = QueueFigures(servers=2, offered_load=1.0, service_seconds=4.0, p_wait=0.5)
"""Mean wait exactly 2 s, P(wait > 0) exactly 0.5, P(wait > 4 s) = 0.5/e."""


def test_a_mean_wait_exactly_at_the_target_meets_it() -> None:
    assert MeanWaitTarget(timedelta(seconds=2)).met_by(EXACT)
    assert not MeanWaitTarget(timedelta(seconds=1.999)).met_by(EXACT)


def test_a_tail_exactly_at_the_target_probability_meets_it() -> None:
    assert WaitOverTarget(timedelta(0), 0.5).met_by(EXACT)
    assert not WaitOverTarget(timedelta(0), 0.4999).met_by(EXACT)
    assert WaitOverTarget(timedelta(seconds=4), 0.19).met_by(EXACT)  # 0.5/e = 0.184
    assert not WaitOverTarget(timedelta(seconds=4), 0.18).met_by(EXACT)


def test_targets_describe_themselves_in_seconds_and_percent() -> None:
    assert MeanWaitTarget(timedelta(seconds=2)).describe() == "mean wait ≤ 2 s"
    assert MeanWaitTarget(timedelta(seconds=1.5)).describe() == "mean wait ≤ 1.5 s"
    assert P_OVER_2M.describe() == "P(wait > 120 s) ≤ 5.0%"
    assert WaitOverTarget(timedelta(seconds=90), 0.125).describe() == "P(wait > 90 s) ≤ 12.5%"


# --- One layout worked out by hand (see the module docstring) --------------------------------


def hand_layout() -> DeskLayout:
    return evaluate_layout(240, HOUR, SERVICE, [2, 1])


def test_layout_totals_of_a_two_and_one_desk_split() -> None:
    layout = hand_layout()
    assert (layout.participants, layout.window, layout.service_time) == (240, HOUR, SERVICE)
    assert layout.desks == 3
    assert layout.desks_per_point == (2, 1)
    assert layout.arrival_rate == pytest.approx(1 / 15, rel=1e-12)
    assert layout.offered_load == pytest.approx(2.0, rel=1e-12)
    assert layout.utilisation == pytest.approx(2 / 3, rel=1e-12)


def test_each_point_is_its_own_queue_with_its_share_of_arrivals() -> None:
    big, small = hand_layout().points
    assert (big.desks, small.desks) == (2, 1)
    assert big.share == pytest.approx(2 / 3, rel=1e-12)
    assert small.share == pytest.approx(1 / 3, rel=1e-12)
    assert big.figures.servers == 2
    assert big.figures.service_seconds == 30.0
    assert big.figures.offered_load == pytest.approx(4 / 3, rel=1e-12)
    assert big.figures.p_wait == pytest.approx(8 / 15, rel=1e-12)
    assert big.figures.mean_wait == pytest.approx(24.0, rel=1e-12)
    assert small.figures.servers == 1
    assert small.figures.offered_load == pytest.approx(2 / 3, rel=1e-12)
    assert small.figures.p_wait == pytest.approx(2 / 3, rel=1e-12)
    assert small.figures.mean_wait == pytest.approx(60.0, rel=1e-12)


def test_layout_averages_weigh_points_by_share_and_queue_lengths_add_up() -> None:
    layout = hand_layout()
    assert layout.mean_wait == pytest.approx(36.0, rel=1e-12)
    assert layout.mean_queue_length == pytest.approx(2.4, rel=1e-12)
    assert layout.p_wait_over(0) == pytest.approx(26 / 45, rel=1e-12)
    expected = 16 / 45 * math.exp(-90 / 45) + 2 / 9 * math.exp(-90 / 90)
    assert layout.p_wait_over(90) == pytest.approx(expected, rel=1e-12)


def test_the_pooled_queue_holds_all_desks_and_all_arrivals() -> None:
    pooled = hand_layout().pooled
    assert pooled.servers == 3
    assert pooled.offered_load == pytest.approx(2.0, rel=1e-12)
    assert pooled.p_wait == pytest.approx(4 / 9, rel=1e-12)
    assert pooled.mean_wait == pytest.approx(40 / 3, rel=1e-12)


def test_a_layout_quantile_is_where_the_mixed_tail_reaches_its_share() -> None:
    layout = hand_layout()
    p90 = layout.wait_quantile(0.9)
    assert p90 == pytest.approx(107.446099, abs=1e-6)
    assert layout.p_wait_over(p90) == pytest.approx(0.1, rel=1e-12)
    median = layout.wait_quantile(0.5)
    assert median == pytest.approx(8.109122, abs=1e-6)
    assert layout.p_wait_over(median) == pytest.approx(0.5, rel=1e-12)


def test_a_layout_quantile_below_the_share_that_never_waits_is_no_wait() -> None:
    # 26/45 = 0.578 of people wait at all; the 40th percentile waits nothing
    assert hand_layout().wait_quantile(0.4) == pytest.approx(0.0, abs=1e-12)


def test_a_layout_meets_a_target_only_if_its_worst_point_does() -> None:
    layout = hand_layout()  # the points wait 24 s and 60 s on average
    assert not layout.meets(MeanWaitTarget(timedelta(seconds=30)))
    assert not layout.meets(MeanWaitTarget(timedelta(seconds=20)))
    assert layout.meets(MeanWaitTarget(timedelta(seconds=61)))


# --- Recommendations -------------------------------------------------------------------------


def test_a_lax_target_needs_one_desk_more_than_the_load() -> None:
    # 960 people in an hour at 30 s keep 8 desks busy: 9 desks, above the default 8 per point
    assert recommend_desks(960, HOUR, SERVICE, LAX, points=1).desks_per_point == (9,)
    assert recommend_desks(240, HOUR, SERVICE, LAX, points=1).desks_per_point == (3,)
    assert recommend_desks(250, HOUR, SERVICE, LAX, points=1).desks_per_point == (3,)


def test_auto_points_keep_to_eight_desks_a_point_by_default() -> None:
    assert recommend_desks(960, HOUR, SERVICE, LAX).desks_per_point == (5, 4)
    assert recommend_desks(960, HOUR, SERVICE, LAX, max_desks_per_point=9).desks_per_point == (9,)


def test_auto_points_start_from_a_single_point() -> None:
    assert recommend_desks(10, HOUR, SERVICE, LAX).desks_per_point == (1,)
    assert recommend_desks(900, HOUR, SERVICE, LAX).desks_per_point == (8,)


def test_auto_points_jump_to_as_many_points_as_the_desks_need() -> None:
    # 300 people in an hour at 30 s need 3 desks; at most 1 a point makes 3 points at once
    assert recommend_desks(300, HOUR, SERVICE, LAX, max_desks_per_point=1).desks_per_point == (
        1,
        1,
        1,
    )
    assert recommend_desks(300, HOUR, SERVICE, LAX, max_desks_per_point=2).desks_per_point == (
        2,
        1,
    )


def test_fixed_points_get_at_least_one_desk_each() -> None:
    assert recommend_desks(10, HOUR, SERVICE, LAX, points=3).desks_per_point == (1, 1, 1)


def test_recommendations_for_a_strict_tail_target_on_known_crowds() -> None:
    # each is the fewest desks: one desk fewer at the same points misses the target
    cases = [
        (5000, timedelta(hours=2), (8, 8, 8)),
        (2000, HOUR, (7, 6, 6)),
        (20000, timedelta(hours=2), (8,) * 9 + (7, 7, 7)),
    ]
    for participants, window, desks in cases:
        layout = recommend_desks(participants, window, SERVICE, P_OVER_2M)
        assert layout.desks_per_point == desks
        assert layout.meets(P_OVER_2M)
