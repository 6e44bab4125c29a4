"""Capacity: the fewest desks that meet a wait target, spread over pickup points."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.distribution.capacity import (
    MeanWaitTarget,
    WaitOverTarget,
    evaluate_layout,
    recommend_desks,
    spread,
)
from core.shared.errors import ValidationFailed

HOURS_2 = timedelta(hours=2)
SERVICE = timedelta(seconds=30)
P_OVER_2M = WaitOverTarget(timedelta(minutes=2), 0.05)


def test_arrival_rate_assumes_an_even_spread_over_the_window() -> None:
    layout = evaluate_layout(7200, HOURS_2, SERVICE, [40])
    assert layout.arrival_rate == pytest.approx(1.0)
    assert layout.offered_load == pytest.approx(30.0)
    assert layout.utilisation == pytest.approx(0.75)


@pytest.mark.parametrize(
    "target",
    [MeanWaitTarget(timedelta(seconds=60)), P_OVER_2M, MeanWaitTarget(timedelta(seconds=5))],
)
@pytest.mark.parametrize("points", [1, 3])
def test_recommendation_meets_the_target_and_one_desk_less_would_not(
    target: MeanWaitTarget | WaitOverTarget, points: int
) -> None:
    layout = recommend_desks(5000, HOURS_2, SERVICE, target, points=points)
    assert layout.meets(target)
    assert len(layout.points) == points
    fewer = layout.desks - 1
    if fewer > layout.offered_load:  # otherwise no smaller layout can even keep up
        assert not evaluate_layout(5000, HOURS_2, SERVICE, spread(fewer, points)).meets(target)


def test_auto_points_hold_at_most_the_desks_a_point_can_take() -> None:
    layout = recommend_desks(20000, HOURS_2, SERVICE, P_OVER_2M, max_desks_per_point=10)
    assert max(layout.desks_per_point) <= 10
    assert layout.meets(P_OVER_2M)
    one_fewer_point = len(layout.points) - 1
    assert one_fewer_point * 10 <= layout.offered_load or not evaluate_layout(
        20000, HOURS_2, SERVICE, spread(one_fewer_point * 10, one_fewer_point)
    ).meets(P_OVER_2M)


def test_one_shared_queue_waits_less_than_the_same_desks_split() -> None:
    layout = evaluate_layout(10000, HOURS_2, SERVICE, [8, 8, 8, 8, 8, 8])
    assert layout.pooled.servers == 48
    assert layout.pooled.mean_wait < layout.mean_wait


def test_layout_figures_weigh_points_by_their_share() -> None:
    layout = evaluate_layout(3000, HOURS_2, SERVICE, [10, 5])
    big, small = layout.points
    assert big.share == pytest.approx(2 / 3)
    assert big.figures.utilisation == pytest.approx(small.figures.utilisation)
    expected = 2 / 3 * big.figures.mean_wait + 1 / 3 * small.figures.mean_wait
    assert layout.mean_wait == pytest.approx(expected)
    p95 = layout.wait_quantile(0.95)
    assert layout.p_wait_over(p95) == pytest.approx(0.05, abs=1e-9)


def test_a_layout_at_full_utilisation_is_refused_with_what_to_change() -> None:
    with pytest.raises(ValidationFailed) as caught:
        evaluate_layout(5000, HOURS_2, SERVICE, [10, 10])
    message = caught.value.detail
    assert "utilisation would be 1.04" in message
    assert "Add at least 1 desk," in message
    assert "lengthen the window beyond 125 min" in message
    assert "shorten the service time below 28.8 s" in message


@pytest.mark.parametrize(
    ("participants", "window", "service", "field"),
    [
        (0, HOURS_2, SERVICE, "participants"),
        (10, timedelta(0), SERVICE, "window"),
        (10, HOURS_2, timedelta(0), "service_time"),
    ],
)
def test_nonsense_inputs_are_refused(
    participants: int, window: timedelta, service: timedelta, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        recommend_desks(participants, window, service, P_OVER_2M)
    assert caught.value.field == field


def test_targets_refuse_impossible_values() -> None:
    with pytest.raises(ValidationFailed, match="strictly between 0 and 1"):
        WaitOverTarget(timedelta(minutes=2), 1.0)
    with pytest.raises(ValidationFailed, match="must be positive"):
        MeanWaitTarget(timedelta(0))


def test_spread_puts_the_extra_desks_first() -> None:
    assert spread(23, 3) == (8, 8, 7)
    assert spread(6, 3) == (2, 2, 2)
