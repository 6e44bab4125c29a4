"""Placement and slot filling on small plans where each step can be followed by hand."""

# ruff: noqa: RUF001 - Cyrillic letters are the data of these tests.
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from tests.unit.core.distribution.support import OPENING, SERVICE, person, pid, point, window

from core.distribution.planner import (
    CapacityShortfall,
    HandOutWindow,
    PickupPlan,
    PlanParticipant,
    PointLoad,
    plan_pickup,
    proportional_quotas,
)


def slots_of(plan: PickupPlan) -> dict[int, list[int]]:
    """Participant number -> the slots given to them (one each), for reading assignments."""
    return {a.participant_id.int: [a.slot] for a in plan.assignments}


def where(plan: PickupPlan) -> dict[int, int]:
    """Participant number -> index of their point in the plan."""
    index = {p.id: i for i, p in enumerate(plan.points)}
    return {a.participant_id.int: index[a.point_id] for a in plan.assignments}


def test_a_shortfall_says_how_many_desks_or_minutes_are_missing() -> None:
    # two single desks hand out 240 packs in an hour; 640 people leave 400 over: at 30 s
    # that is 12,000 desk-seconds, 4 more desks for the hour or 100 more minutes for both
    people = [person(i, f"N{i}") for i in range(640)]
    with pytest.raises(CapacityShortfall) as caught:
        plan_pickup(people, [point(1, 1), point(2, 1)], window(60), SERVICE)
    assert caught.value.detail == (
        "capacity is short by 400: 2 point(s) with 2 desk(s) can hand out 240 packs in the "
        "window (desks · slot length / service time, per slot), but 640 participants are to "
        "be planned. Add at least 4 desk(s), lengthen the window by about 100 min or shorten "
        "the service time"
    )
    assert caught.value.missing == 400
    assert caught.value.field == "desks"


def test_a_family_no_point_can_take_is_refused_with_the_room_that_is_left() -> None:
    # a minute at 30 s: two places per desk; three Petrovs, two single-desk points
    people = [person(1, " Петров"), person(2, "ПЕТРОВ"), person(3, "петров")]
    with pytest.raises(CapacityShortfall) as caught:
        plan_pickup(people, [point(1, 1), point(2, 1)], window(1), SERVICE)
    assert caught.value.detail == (
        "the 3 participants named 'Петров' share a point, but no point has room for all of "
        "them (the most room left is 2); add desks at one point or lengthen the window"
    )
    assert caught.value.missing == 1
    assert caught.value.field == "desks"
    assert caught.value.code == "capacity-shortfall"


def test_a_point_that_is_full_for_a_family_still_takes_a_single_later() -> None:
    # capacities 2 (one desk) and 6 (three desks) in a minute; wishes fill them to 1 and 4;
    # the pair goes where two still fit (point 2), the last single to point 1's last place
    small, big = point(1, 1), point(2, 3)
    people = [
        person(1, "Ааков", prefers=small),
        *(person(n, "Бобров", prefers=big) for n in range(2, 6)),
        person(6, "Волков"),
        person(7, "Волков"),
        person(8, "Гусев"),
    ]
    plan = plan_pickup(people, [small, big], window(1), SERVICE)
    assert where(plan) == {1: 0, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 0}
    assert [load.total_load for load in plan.loads] == [2, 6]


def test_balancing_starts_from_the_fill_the_wishes_left() -> None:
    # point 1 is half full (1 of 2), point 2 a sixth (1 of 6): the next single goes to point 2
    small, big = point(1, 1), point(2, 3)
    people = [person(1, "Ааков", prefers=small), person(2, "Бобров", prefers=big)]
    people.append(person(3, "Волков"))
    plan = plan_pickup(people, [small, big], window(1), SERVICE)
    assert where(plan)[3] == 1


def test_a_point_too_small_to_serve_anyone_in_the_window_is_left_out() -> None:
    # 20 seconds at 30 s each: one desk serves nobody, two desks serve one
    brief = HandOutWindow.lasting(OPENING, timedelta(seconds=20))
    plan = plan_pickup([person(1, "Орлов")], [point(1, 1), point(2, 2)], brief, SERVICE)
    assert where(plan) == {1: 1}
    assert plan.loads[0] == PointLoad(point(1, 1).id, (0,), (0,))
    assert plan.loads[0].fill == 0.0


def singles(prefix: str, count: int, start: int) -> list[PlanParticipant]:
    return [person(start + k, f"{prefix}{k:02d}") for k in range(count)]


def family_in_the_middle(size: int) -> list[PlanParticipant]:
    """14 singles, then `size` namesakes, then 12 singles, at one point of one desk.

    With an hour of four 15-minute slots, the quotas for 26 + size people cut at 1/4, 1/2
    and 3/4; the namesakes start at position 14 of the sorted list.
    """
    return (
        singles("Аа", 14, 0)
        + [person(100 + k, "Бобров") for k in range(size)]
        + singles("Вв", 12, 200)
    )


def test_a_family_of_eight_comes_in_one_slot_that_holds_its_middle() -> None:
    # 34 people: quotas 9, 9, 8, 8 end at 9, 18, 26, 34; the family spans 14-22, middle 18
    plan = plan_pickup(family_in_the_middle(8), [point(1, 1)], window(60), SERVICE)
    family = {s for n, [s] in slots_of(plan).items() if 100 <= n < 200}
    assert family == {2}


def test_nine_namesakes_are_no_family_and_follow_the_quotas_one_by_one() -> None:
    # 35 people: quotas 9, 9, 9, 8 end at 9, 18, 27, 35; the namesakes sit at 14.5 ... 22.5
    plan = plan_pickup(family_in_the_middle(9), [point(1, 1)], window(60), SERVICE)
    per_slot: dict[int, int] = defaultdict(int)
    for n, [slot] in slots_of(plan).items():
        if 100 <= n < 200:
            per_slot[slot] += 1
    assert dict(per_slot) == {1: 4, 2: 5}


def test_families_that_overflow_their_slot_go_to_the_nearest_later_slot_first() -> None:
    # 5-minute service, 15-minute slots: 3 places a slot, 12 in the hour; six couples.
    # Quotas end at 3, 6, 9, 12. A and B fit where their middles fall (slots 0 and 1); C's
    # middle is in full slot 1, so it goes one later (2); D likewise to 3; E and F fit
    # nowhere whole and fill the gaps one by one, nearest first, later before earlier.
    couples = "АБВГДЕ"
    people = [person(10 * k + m, f"{letter}ов") for k, letter in enumerate(couples) for m in (0, 1)]
    plan = plan_pickup(people, [point(1, 1)], window(60), timedelta(minutes=5))
    slots = slots_of(plan)
    assert [(slots[10 * k][0], slots[10 * k + 1][0]) for k in range(6)] == [
        (0, 0),
        (1, 1),
        (2, 2),
        (3, 3),
        (2, 3),
        (1, 0),
    ]
    assert plan.loads[0].load == (3, 3, 3, 3)


def test_a_plan_lists_its_loads_in_point_order_and_finds_each() -> None:
    first, second = point(1, 2), point(2, 1)
    plan = plan_pickup([person(1, "Орлов")], [first, second], window(60), SERVICE)
    assert [load.point_id for load in plan.loads] == [first.id, second.id]
    assert plan.load_of(second.id) is plan.loads[1]
    assert plan.load_of(first.id).capacity == (60, 60, 60, 60)
    assert pid(1) in {a.participant_id for a in plan.assignments}


def test_a_single_participant_goes_to_the_slot_with_the_largest_share() -> None:
    assert proportional_quotas(1, (2, 3)) == (0, 1)
    assert proportional_quotas(1, (1,)) == (1,)
    assert proportional_quotas(1, (0, 1, 0)) == (0, 1, 0)


def test_quotas_give_the_spare_place_to_the_largest_remainder_not_the_largest_share() -> None:
    # 5 over (6, 3): shares 3.33 and 1.67; the remainders 1/3 and 2/3 decide
    assert proportional_quotas(5, (6, 3)) == (3, 2)
