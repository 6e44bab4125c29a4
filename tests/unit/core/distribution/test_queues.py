"""Queue statistics over tiny samples whose every figure can be followed by hand."""

from __future__ import annotations

import pytest

from core.distribution.queues import QueueStats, percentile, queue_stats, serve


def test_two_arrivals_at_the_same_instant_at_one_desk_the_second_waits_one_service() -> None:
    served = serve([(5.0, 30.0), (5.0, 30.0)], desks=1)
    assert served.waits == [0.0, 30.0]
    assert served.finished == 65.0
    assert served.changes == [(5.0, 1), (35.0, -1)]


def test_with_a_desk_each_nobody_waits_and_the_queue_never_forms() -> None:
    served = serve([(5.0, 30.0), (5.0, 30.0)], desks=2)
    assert served.waits == [0.0, 0.0]
    assert served.finished == 35.0
    assert served.changes == []


def test_someone_arriving_as_the_desk_frees_does_not_queue() -> None:
    served = serve([(0.0, 10.0), (10.0, 10.0)], desks=1)
    assert served.waits == [0.0, 0.0]
    assert served.changes == []
    assert served.finished == 20.0


def test_visits_are_served_in_order_of_arrival_not_of_listing() -> None:
    served = serve([(4.0, 1.0), (0.0, 10.0)], desks=1)
    assert served.waits == [0.0, 6.0]
    assert served.finished == 11.0


def test_early_arrivals_count_from_the_opening_and_wait_behind_each_other() -> None:
    served = serve([(-20.0, 10.0), (-10.0, 10.0), (3.0, 10.0)], desks=1)
    # both early ones arrive at 0: one starts at 0, one at 10, the third at 20
    assert served.waits == [0.0, 10.0, 17.0]
    assert served.changes == [(0.0, 1), (3.0, 1), (10.0, -1), (20.0, -1)]
    assert served.finished == 30.0


def test_nothing_served_finishes_at_the_opening() -> None:
    served = serve([], desks=3)
    assert (served.waits, served.changes, served.finished) == ([], [], 0.0)


def test_a_leave_sorts_before_a_join_at_the_same_moment() -> None:
    # the second leaves the queue at 10 as the fourth joins it at 10
    served = serve([(0.0, 10.0), (0.0, 10.0), (5.0, 10.0), (10.0, 10.0)], desks=1)
    assert served.changes == [(0.0, 1), (5.0, 1), (10.0, -1), (10.0, 1), (20.0, -1), (30.0, -1)]


# --- queue_stats: one desk, arrivals at 0, 0 and 5, each 10 s; a second point gets nobody ------
#
# waits 0, 10, 15; the queue is 1 long over [0, 5), 2 over [5, 10), 1 over [10, 20); the last
# leaves the queue at 20, past the 8-second window, so the series runs to 20 in steps of 4:
# areas 4, 1 + 6, 4 + 2, 4, 4  ->  1, 1.75, 1.5, 1, 1.


def small_stats() -> tuple[tuple[QueueStats, ...], QueueStats]:
    visits = [[(0.0, 10.0), (0.0, 10.0), (5.0, 10.0)], []]
    return queue_stats(["Hall", "Foyer"], [1, 2], visits, step=4.0, window=8.0)


def test_stats_of_a_busy_point_on_a_tiny_sample() -> None:
    (hall, _), _ = small_stats()
    assert hall == QueueStats(
        name="Hall",
        desks=1,
        arrived=3,
        mean_wait=pytest.approx(25 / 3),  # type: ignore[arg-type]
        p95_wait=15.0,
        max_wait=15.0,
        max_queue=2,
        finished=30.0,
        queue_length=(1.0, 1.75, 1.5, 1.0, 1.0),
    )


def test_stats_of_a_point_nobody_came_to_are_zero_on_the_same_time_axis() -> None:
    (_, foyer), _ = small_stats()
    assert foyer == QueueStats(
        name="Foyer",
        desks=2,
        arrived=0,
        mean_wait=0.0,
        p95_wait=0.0,
        max_wait=0.0,
        max_queue=0,
        finished=0.0,
        queue_length=(0.0, 0.0, 0.0, 0.0, 0.0),
    )


def test_stats_for_all_points_add_desks_and_pool_waits_and_queues() -> None:
    _, total = small_stats()
    assert total.name == "all points"
    assert total.desks == 3
    assert total.arrived == 3
    assert total.mean_wait == pytest.approx(25 / 3)
    assert (total.p95_wait, total.max_wait, total.max_queue) == (15.0, 15.0, 2)
    assert total.finished == 30.0
    assert total.queue_length == (1.0, 1.75, 1.5, 1.0, 1.0)


def test_queues_at_several_points_add_up_in_the_total() -> None:
    visits = [[(0.0, 10.0), (0.0, 10.0)], [(2.0, 4.0), (2.0, 4.0), (2.0, 4.0)]]
    per_point, total = queue_stats(["A", "B"], [1, 1], visits, step=5.0, window=10.0)
    # A: one waits over [0, 10); B: two wait over [2, 6), the last of them on over [6, 10)
    assert per_point[0].queue_length == (1.0, 1.0)
    assert per_point[1].queue_length == pytest.approx((1.2, 1.2))
    assert per_point[1].max_queue == 2
    assert per_point[1].finished == 14.0
    assert total.queue_length == pytest.approx((2.2, 2.2))
    assert total.max_queue == 3
    assert total.arrived == 5
    assert total.mean_wait == pytest.approx((0 + 10 + 0 + 4 + 8) / 5)
    assert total.max_wait == 10.0
    assert total.finished == 20.0


def test_the_series_covers_the_window_when_queues_end_inside_it() -> None:
    per_point, _ = queue_stats(["A"], [1], [[(0.0, 10.0), (0.0, 10.0)]], step=10.0, window=60.0)
    assert per_point[0].queue_length == (1.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def test_a_step_not_dividing_the_window_adds_a_last_partial_step() -> None:
    per_point, _ = queue_stats(["A"], [1], [[(0.0, 10.0), (0.0, 10.0)]], step=4.0, window=9.0)
    # the queue lasts [0, 10): full steps [0, 4), [4, 8), then 2 of the 4 seconds of [8, 12)
    assert per_point[0].queue_length == (1.0, 1.0, 0.5)


def test_the_series_has_at_least_one_step() -> None:
    per_point, total = queue_stats(["A"], [1], [[]], step=1.0, window=0.0)
    assert per_point[0].queue_length == (0.0,)
    assert total.queue_length == (0.0,)


def test_a_queue_between_step_boundaries_is_averaged_over_the_step() -> None:
    visits = [[(1.0, 2.0), (1.0, 2.0)]]
    per_point, _ = queue_stats(["A"], [1], visits, step=4.0, window=8.0)
    # one waits over [1, 3): 2 of the first 4 seconds
    assert per_point[0].queue_length == (0.5, 0.0)


def test_stats_of_no_points_at_all_are_an_empty_total() -> None:
    per_point, total = queue_stats([], [], [], step=10.0, window=30.0)
    assert per_point == ()
    assert total == QueueStats("all points", 0, 0, 0.0, 0.0, 0.0, 0, 0.0, (0.0, 0.0, 0.0))


def test_percentile_takes_the_value_at_the_nearest_rank() -> None:
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([1.0, 2.0], 0.5) == 1.0
    assert percentile([1.0, 2.0], 0.51) == 2.0
    assert percentile([1.0, 2.0, 3.0], 0.34) == 2.0
    assert percentile([1.0, 2.0, 3.0], 0.0) == 1.0


@pytest.mark.parametrize(
    ("names", "desks", "visits"),
    [
        (["A", "B"], [1], [[], []]),
        (["A", "B"], [1, 1], [[]]),
        (["A"], [1, 1], [[], []]),
        (["A"], [1], [[], []]),
    ],
)
def test_names_desks_and_visits_must_line_up_point_by_point(
    names: list[str], desks: list[int], visits: list[list[tuple[float, float]]]
) -> None:
    with pytest.raises(ValueError, match="zip"):
        queue_stats(names, desks, visits, step=1.0, window=10.0)
