"""The simulator's bookkeeping on tiny plans whose every arrival can be worked out.

Each participant's luck is drawn from `random.Random(seed)` in participant id order: the
position within their slot, then the jitter (only if there is jitter), then the lateness (only
if there is lateness), then whether they come, then the service time (only if it varies). The
tests replay those draws by hand to know exactly when everybody arrives.
"""

from __future__ import annotations

import random
import statistics
from datetime import timedelta

import attrs
import pytest
from tests.unit.core.distribution.support import OPENING, SERVICE, person, pid, point, window

from core.distribution.planner import PickupPlan, PickupSlot, SlotAssignment, make_slots
from core.distribution.simulation import (
    DEFAULT_STEPS,
    Behaviour,
    _draws,
    _service,
    simulate_alphabetical,
    simulate_plan,
)

FIXED = Behaviour(service_variation=0)
"""Punctual people, everybody exactly 30 s at a desk."""


def hand_plan(
    assignments: list[tuple[int, int, int]],
    desks: tuple[int, ...] = (1,),
    slots: tuple[PickupSlot, ...] | None = None,
) -> PickupPlan:
    """A plan over an hour in 15-minute slots; assignments are (participant, point, slot)."""
    points = tuple(point(i + 1, d) for i, d in enumerate(desks))
    hour = window(60)
    return PickupPlan(
        window=hour,
        service_time=SERVICE,
        slots=slots if slots is not None else make_slots(hour, timedelta(minutes=15)),
        points=points,
        assignments=tuple(SlotAssignment(pid(n), points[p].id, s) for n, p, s in assignments),
        loads=(),
        unhonoured=(),
    )


def an_instant(minutes: int) -> tuple[PickupSlot, ...]:
    """A single slot of no length: everybody in it arrives exactly at its start."""
    moment = OPENING + timedelta(minutes=minutes)
    return (PickupSlot(0, moment, moment),)


def test_two_arrivals_at_the_same_instant_at_one_desk_the_second_waits_one_service() -> None:
    plan = hand_plan([(1, 0, 0), (2, 0, 0)], slots=an_instant(10))
    hall = simulate_plan(plan, FIXED).points[0]
    assert hall.arrived == 2
    assert (hall.mean_wait, hall.p95_wait, hall.max_wait) == (15.0, 30.0, 30.0)
    assert hall.max_queue == 1
    assert hall.finished == 600.0 + 2 * 30.0
    # one person waits over [600, 630): 30 of the 75 seconds of the ninth step
    assert hall.queue_length == (0.0,) * 8 + (0.4,) + (0.0,) * 39


def test_three_arrivals_at_once_at_two_desks_only_the_third_waits() -> None:
    plan = hand_plan([(1, 0, 0), (2, 0, 0), (3, 0, 0)], desks=(2,), slots=an_instant(0))
    result = simulate_plan(plan, FIXED, steps=4)
    hall = result.points[0]
    assert (hall.arrived, hall.max_wait, hall.max_queue, hall.finished) == (3, 30.0, 1, 60.0)
    assert hall.mean_wait == pytest.approx(10.0)
    assert hall.queue_length == (30.0 / 900.0, 0.0, 0.0, 0.0)
    assert result.total == attrs.evolve(hall, name="all points")


def test_the_series_has_the_default_number_of_steps_over_the_window() -> None:
    result = simulate_plan(hand_plan([(1, 0, 0)]), FIXED)
    assert DEFAULT_STEPS == 48
    assert result.step_seconds == 75.0
    assert len(result.total.queue_length) == 48
    assert simulate_plan(hand_plan([(1, 0, 0)]), FIXED, steps=5).step_seconds == 720.0


def test_each_point_of_the_plan_gets_its_own_stats_in_plan_order() -> None:
    plan = hand_plan([(1, 1, 0), (2, 1, 0), (3, 1, 0)], desks=(1, 2), slots=an_instant(0))
    first, second = simulate_plan(plan, FIXED).points
    assert (first.name, first.desks, first.arrived) == ("Point 1", 1, 0)
    assert (second.name, second.desks, second.arrived) == ("Point 2", 2, 3)
    assert second.max_wait == 30.0


def test_a_participant_arrives_at_their_drawn_position_within_their_slot() -> None:
    # participant 1 in slot 2 (30-45 min) at point 1, participant 2 in slot 0 at point 2
    plan = hand_plan([(1, 0, 2), (2, 1, 0)], desks=(1, 1))
    first, second = simulate_plan(plan, FIXED).points  # the default seed is 0
    luck = random.Random(0)
    position_1, _ = luck.random(), luck.random()  # position, then whether they come
    position_2, _ = luck.random(), luck.random()
    assert first.finished == 1800.0 + position_1 * 900.0 + 30.0
    assert second.finished == 0.0 + position_2 * 900.0 + 30.0
    assert first.mean_wait == second.mean_wait == 0.0


def test_jitter_and_lateness_move_the_arrival_by_the_drawn_amounts() -> None:
    behaviour = Behaviour(
        jitter=timedelta(minutes=1), lateness=timedelta(minutes=2), service_variation=0
    )
    plan = hand_plan([(1, 0, 2), (2, 1, 1)], desks=(1, 1))
    first, second = simulate_plan(plan, behaviour, seed=7).points
    luck = random.Random(7)
    arrivals = []
    for slot_start in (1800.0, 900.0):
        position = luck.random()
        delay = luck.uniform(-60.0, 60.0)
        delay += luck.expovariate(1.0 / 120.0)
        luck.random()  # whether they come
        arrivals.append(slot_start + position * 900.0 + delay)
    assert first.finished == arrivals[0] + 30.0
    assert second.finished == arrivals[1] + 30.0


def test_jitter_moves_arrivals_both_earlier_and_later() -> None:
    behaviour = Behaviour(jitter=timedelta(minutes=5), service_variation=0)
    draws = _draws([pid(n) for n in range(200)], behaviour, SERVICE, seed=3)
    delays = [d.delay for d in draws]
    assert min(delays) < -250.0
    assert max(delays) > 250.0
    assert all(-300.0 <= d <= 300.0 for d in delays)


def test_lateness_only_delays_and_averages_its_mean() -> None:
    behaviour = Behaviour(lateness=timedelta(minutes=2), service_variation=0)
    draws = _draws([pid(n) for n in range(4000)], behaviour, SERVICE, seed=3)
    delays = [d.delay for d in draws]
    assert min(delays) >= 0.0
    assert statistics.fmean(delays) == pytest.approx(120.0, rel=0.05)


def test_punctual_people_have_no_delay_at_all() -> None:
    draws = _draws([pid(n) for n in range(50)], FIXED, SERVICE, seed=3)
    assert {d.delay for d in draws} == {0.0}
    assert {d.service for d in draws} == {30.0}
    assert {d.shows for d in draws} == {True}


def test_luck_follows_the_participant_ids_not_the_order_they_are_listed_in() -> None:
    behaviour = Behaviour(jitter=timedelta(minutes=1), no_show=0.3)
    ids = [pid(n) for n in (5, 1, 9, 3)]
    listed = _draws(ids, behaviour, SERVICE, seed=2)
    by_id = _draws(sorted(ids, key=lambda i: i.int), behaviour, SERVICE, seed=2)
    assert [listed[0], listed[1], listed[2], listed[3]] == [by_id[2], by_id[0], by_id[3], by_id[1]]


def test_who_comes_is_decided_by_the_draw_after_the_delays() -> None:
    behaviour = Behaviour(no_show=0.5, service_variation=0)
    plan = hand_plan([(n, 0, 0) for n in range(1, 21)], desks=(20,))
    result = simulate_plan(plan, behaviour, seed=4)
    luck = random.Random(4)
    comes = 0
    for _ in range(20):
        luck.random()  # position
        comes += luck.random() >= 0.5
    assert 0 < comes < 20
    assert result.total.arrived == comes


def test_a_fixed_service_time_is_the_mean_and_draws_nothing() -> None:
    luck = random.Random(1)
    assert _service(luck, 30.0, 0) == 30.0
    assert luck.random() == random.Random(1).random()


def test_an_exponential_service_time_is_drawn_with_the_mean() -> None:
    assert _service(random.Random(1), 30.0, 1) == random.Random(1).expovariate(1 / 30)


def test_any_other_variation_draws_a_gamma_service_time() -> None:
    # coefficient of variation 0.5: shape 1/0.25 = 4, scale 30/4
    assert _service(random.Random(1), 30.0, 0.5) == random.Random(1).gammavariate(4.0, 7.5)


@pytest.mark.parametrize("variation", [0.5, 1.0, 2.0])
def test_service_times_have_the_mean_and_the_coefficient_of_variation_asked(
    variation: float,
) -> None:
    luck = random.Random(11)
    times = [_service(luck, 30.0, variation) for _ in range(40000)]
    mean = statistics.fmean(times)
    assert mean == pytest.approx(30.0, rel=0.04)
    assert statistics.pstdev(times) / mean == pytest.approx(variation, rel=0.06)


# --- the alphabetical split replayed -----------------------------------------------------------


def test_the_alphabetical_split_sends_everybody_over_the_whole_window() -> None:
    people = [person(1, "Алексеев"), person(2, "Яковлев")]
    points = [point(1, 1), point(2, 1)]
    behaviour = Behaviour(jitter=timedelta(seconds=30), service_variation=0)
    first, second = simulate_alphabetical(people, points, window(60), SERVICE, behaviour).points
    luck = random.Random(0)  # the default seed
    arrivals = []
    for _ in people:
        position = luck.random()
        delay = luck.uniform(-30.0, 30.0)
        luck.random()  # whether they come
        arrivals.append(max(0.0, position * 3600.0 + delay))
    assert (first.arrived, second.arrived) == (1, 1)
    assert first.finished == arrivals[0] + 30.0
    assert second.finished == arrivals[1] + 30.0


def test_the_alphabetical_replay_cuts_by_letter_unless_told_by_surname() -> None:
    people = [person(1, "Ааков"), person(2, "Каров"), person(3, "Котов"), person(4, "Кулик")]
    points = [point(1, 1), point(2, 1)]
    by_letter = simulate_alphabetical(people, points, window(60), SERVICE, FIXED)
    by_name = simulate_alphabetical(people, points, window(60), SERVICE, FIXED, cut="surname")
    assert [p.arrived for p in by_letter.points] == [1, 3]
    assert [p.arrived for p in by_name.points] == [2, 2]


def test_the_alphabetical_replay_has_the_default_number_of_steps() -> None:
    result = simulate_alphabetical([person(1, "Орлов")], [point(1, 1)], window(60), SERVICE)
    assert result.step_seconds == 75.0
    assert len(result.points[0].queue_length) == 48
