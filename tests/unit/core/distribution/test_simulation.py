"""The simulator: exact FIFO on tiny cases, seeded determinism, and plans compared."""

from __future__ import annotations

import functools
import itertools
from datetime import timedelta

import pytest
from tests.unit.core.distribution.support import SERVICE, person, point, window

from core.distribution.alphabetical import alphabetical_split, first_letter
from core.distribution.capacity import WaitOverTarget, recommend_desks
from core.distribution.planner import plan_pickup
from core.distribution.population import synthetic_participants
from core.distribution.queues import percentile, queue_stats, serve
from core.distribution.simulation import Behaviour, simulate_alphabetical, simulate_plan

FIXED = Behaviour(service_variation=0)
P_OVER_2M = WaitOverTarget(timedelta(minutes=2), 0.05)


def test_the_next_in_line_takes_the_desk_that_frees_first() -> None:
    served = serve([(0.0, 10.0), (0.0, 4.0), (1.0, 5.0), (2.0, 1.0)], desks=2)
    # desks free at 10 and 4; the third starts at 4, the fourth at 9 (when the third leaves)
    assert served.waits == [0.0, 0.0, 3.0, 7.0]
    assert served.finished == 10.0
    assert served.changes == [(1.0, 1), (2.0, 1), (4.0, -1), (9.0, -1)]


def test_someone_early_waits_only_from_the_opening() -> None:
    served = serve([(-300.0, 30.0)], desks=1)
    assert served.waits == [0.0]


def test_queue_series_averages_people_waiting_over_each_step() -> None:
    per_point, total = queue_stats(
        ["Hall"], [1], [[(0.0, 10.0), (0.0, 10.0), (0.0, 10.0)]], step=10.0, window=30.0
    )
    # two wait 0-10, one waits 10-20: averages 2, 1, 0 per 10-second step
    assert per_point[0].queue_length == (2.0, 1.0, 0.0)
    assert per_point[0].max_queue == 2
    assert total.mean_wait == pytest.approx(10.0)
    assert total.p95_wait == 20.0


def test_percentile_is_nearest_rank() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile(list(map(float, range(1, 101))), 0.95) == 95.0
    assert percentile([], 0.95) == 0.0


def crowd_plan(count: int, desks: list[int], minutes: int) -> tuple:
    people = synthetic_participants(count, seed=11)
    points = [point(i + 1, d) for i, d in enumerate(desks)]
    plan = plan_pickup(people, points, window(minutes), SERVICE)
    return people, points, plan


def test_the_same_seed_replays_the_same_hand_out() -> None:
    _, _, plan = crowd_plan(600, [3, 2], 60)
    behaviour = Behaviour(jitter=timedelta(minutes=3), lateness=timedelta(minutes=1), no_show=0.1)
    first = simulate_plan(plan, behaviour, seed=5)
    assert simulate_plan(plan, behaviour, seed=5) == first
    assert simulate_plan(plan, behaviour, seed=6) != first


def test_no_shows_do_not_arrive() -> None:
    _, _, plan = crowd_plan(1000, [5], 120)
    result = simulate_plan(plan, Behaviour(no_show=0.2), seed=1)
    assert 700 < result.total.arrived < 900


def test_time_slots_with_enough_capacity_leave_next_to_no_wait() -> None:
    # 1,200 people in 2 hours at 30 s: 5 desks busy on average, 10 desks (utilisation 0.5)
    _, _, plan = crowd_plan(1200, [5, 5], 120)
    result = simulate_plan(plan, seed=2)
    assert result.total.mean_wait < 0.05 * SERVICE.total_seconds()
    assert result.total.p95_wait < SERVICE.total_seconds() / 2
    fixed = simulate_plan(plan, FIXED, seed=2)
    assert fixed.total.mean_wait < 0.05 * SERVICE.total_seconds()
    assert fixed.total.finished <= 2 * 3600 + 60


@functools.cache
def recommended_runs(count: int, minutes: int) -> tuple[tuple[float, float, float, float], ...]:
    """(ours mean, ours p95, split mean, split p95) for three crowds on the recommended desks."""
    layout = recommend_desks(count, timedelta(minutes=minutes), SERVICE, P_OVER_2M)
    points = [point(i + 1, d) for i, d in enumerate(layout.desks_per_point)]
    runs = []
    for crowd in (1, 2, 3):
        people = synthetic_participants(count, seed=crowd)
        plan = plan_pickup(people, points, window(minutes), SERVICE)
        ours = simulate_plan(plan, seed=crowd).total
        split = simulate_alphabetical(people, points, window(minutes), SERVICE, seed=crowd).total
        runs.append((ours.mean_wait, ours.p95_wait, split.mean_wait, split.p95_wait))
    return tuple(runs)


def test_our_plan_beats_the_alphabetical_split_on_the_recommended_desks() -> None:
    # 2,000 people in an hour at 30 s: 3 points (7 + 6 + 6 desks); first letters cannot be cut
    # into thirds of equal load, our surname groups can
    runs = recommended_runs(2000, 60)
    ours_mean, ours_p95, split_mean, split_p95 = (sum(column) for column in zip(*runs, strict=True))
    assert ours_mean < split_mean / 1.5
    assert ours_p95 < split_p95 / 1.5


def test_our_plan_stays_within_a_fifth_over_erlang_c_for_its_desks() -> None:
    layout = recommend_desks(2000, timedelta(hours=1), SERVICE, P_OVER_2M)
    ours = [run[0] for run in recommended_runs(2000, 60)]
    assert sum(ours) / len(ours) <= 1.2 * layout.mean_wait


def test_alphabetical_ranges_are_contiguous_and_cover_everyone() -> None:
    people = synthetic_participants(2000, seed=3)
    points = [point(1, 2), point(2, 1), point(3, 1)]
    ranges, point_of = alphabetical_split(people, points)
    assert sum(r.participants for r in ranges) == 2000
    assert [r.first <= r.last for r in ranges] == [True] * len(ranges)
    assert all(a.last < b.first for a, b in itertools.pairwise(ranges))
    index = {p.id: i for i, p in enumerate(points)}
    for person_ in people:
        letter = first_letter(person_.last_name)
        owner = next(r for r in ranges if r.first <= letter <= r.last)
        assert point_of[person_.id] == index[owner.point_id]


def test_alphabetical_split_gives_more_desks_more_letters() -> None:
    people = [person(i, f"{letter}ов") for i, letter in enumerate("АБВГДЕЖЗИКЛМНОПРСТУФ" * 10)]
    ranges, _ = alphabetical_split(people, [point(1, 3), point(2, 1)])
    assert [r.participants for r in ranges] == [150, 50]


def test_cutting_between_surnames_balances_the_alphabetical_split() -> None:
    people = synthetic_participants(3000, seed=8)
    points = [point(1, 1), point(2, 1), point(3, 1)]
    by_letter, _ = alphabetical_split(people, points, "letter")
    by_name, _ = alphabetical_split(people, points, "surname")
    spread_letter = max(r.participants for r in by_letter) - min(r.participants for r in by_letter)
    spread_name = max(r.participants for r in by_name) - min(r.participants for r in by_name)
    assert spread_name < spread_letter
    assert spread_name <= 60  # one family at most beyond the exact thirds


def test_nonsense_behaviour_is_refused() -> None:
    with pytest.raises(Exception, match="no-show share"):
        Behaviour(no_show=1.0)
    with pytest.raises(Exception, match="must not be negative"):
        Behaviour(jitter=timedelta(seconds=-1))
