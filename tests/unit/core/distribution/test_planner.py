"""The planner's rules on worked examples: capacity, surnames, wishes, shortfalls, determinism."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from tests.unit.core.distribution.support import OPENING, SERVICE, person, pid, point, window

from core.distribution.planner import (
    CapacityShortfall,
    HandOutWindow,
    PlanPoint,
    PreferenceMiss,
    make_slots,
    plan_pickup,
    proportional_quotas,
    slot_capacity,
)
from core.shared.errors import ValidationFailed


def test_slot_capacity_is_desks_times_slot_length_over_service_time_rounded_down() -> None:
    assert slot_capacity(3, timedelta(minutes=15), SERVICE) == 90
    assert slot_capacity(2, timedelta(minutes=1), timedelta(seconds=45)) == 2  # 2.67 -> 2
    assert slot_capacity(1, timedelta(seconds=20), SERVICE) == 0


def test_slots_cover_the_window_and_the_last_may_be_shorter() -> None:
    slots = make_slots(window(40), timedelta(minutes=15))
    assert [s.length for s in slots] == [timedelta(minutes=m) for m in (15, 15, 10)]
    assert slots[0].start == OPENING
    assert slots[-1].end == OPENING + timedelta(minutes=40)


def test_every_participant_gets_one_point_and_one_slot() -> None:
    points = [point(1, 2), point(2, 1)]
    people = [person(i, f"Name{i}") for i in range(100)]
    plan = plan_pickup(people, points, window(60), SERVICE)
    assert sorted(a.participant_id for a in plan.assignments) == sorted(p.id for p in people)
    assert all(0 <= a.slot < len(plan.slots) for a in plan.assignments)


def test_points_get_shares_proportional_to_their_desks() -> None:
    points = [point(1, 3), point(2, 1)]
    people = [person(i, f"Name{i}") for i in range(200)]
    plan = plan_pickup(people, points, window(60), SERVICE)
    assert [load.total_load for load in plan.loads] == [150, 50]
    assert [load.capacity for load in plan.loads] == [(90,) * 4, (30,) * 4]


def test_slots_of_a_point_fill_evenly_not_first_come_first_filled() -> None:
    plan = plan_pickup([person(i, f"N{i}") for i in range(61)], [point(1, 1)], window(60), SERVICE)
    assert plan.loads[0].load == (16, 15, 15, 15)


def test_same_surname_ignoring_case_spacing_and_yo_goes_to_one_point() -> None:
    family = ["Ёлкина", "ЕЛКИНА ", "елкина", "  Ёлкина"]
    people = [person(i, name) for i, name in enumerate(family)]
    people += [person(10 + i, f"Other{i}") for i in range(20)]
    plan = plan_pickup(people, [point(1, 1), point(2, 1), point(3, 1)], window(60), SERVICE)
    chosen = {
        a.point_id for a in plan.assignments if a.participant_id in {pid(i) for i in range(4)}
    }
    assert len(chosen) == 1


def test_a_family_comes_in_one_slot_when_a_slot_has_room() -> None:
    people = [person(10 * f + i, f"Family{f:02d}") for f in range(30) for i in range(3)]
    plan = plan_pickup(people, [point(1, 1)], window(60), SERVICE)
    slots_of = {
        f: {a.slot for a in plan.assignments if a.participant_id.int // 10 == f} for f in range(30)
    }
    assert all(len(slots) == 1 for slots in slots_of.values())
    load = plan.loads[0].load
    assert sum(load) == 90
    assert max(load) - min(load) <= 3  # still spread evenly, to within one family


def test_different_surnames_are_not_grouped_by_their_first_letters() -> None:
    people = [person(i, f"Кузнецов{i}") for i in range(40)]
    plan = plan_pickup(people, [point(1, 1), point(2, 1)], window(60), SERVICE)
    assert Counter(a.point_id for a in plan.assignments) == {point(1, 1).id: 20, point(2, 1).id: 20}


def test_a_preferred_point_with_room_is_honoured() -> None:
    east, west = point(1, 1), point(2, 1)
    people = [person(i, f"N{i}", prefers=west) for i in range(10)]
    plan = plan_pickup(people, [east, west], window(60), SERVICE)
    assert {a.point_id for a in plan.assignments} == {west.id}
    assert plan.unhonoured == ()


def test_a_full_preferred_point_is_reported_not_silently_dropped() -> None:
    east, west = point(1, 1), point(2, 1)  # 120 places each in an hour
    people = [person(i, f"N{i}", prefers=west) for i in range(130)]
    plan = plan_pickup(people, [east, west], window(60), SERVICE)
    assert plan.load_of(west.id).total_load == 120
    assert len(plan.unhonoured) == 10
    assert {m.reason for m in plan.unhonoured} == {PreferenceMiss.POINT_FULL}
    assert {m.assigned_point_id for m in plan.unhonoured} == {east.id}


def test_a_family_follows_its_majority_wish_and_the_minority_is_told_why() -> None:
    east, west = point(1, 1), point(2, 1)
    people = [
        person(1, "Петров", prefers=east),
        person(2, "Петрова", prefers=west),  # another surname: her own wish counts
        person(3, "петров", prefers=east),
        person(4, "ПЕТРОВ", prefers=west),
    ]
    plan = plan_pickup(people, [east, west], window(60), SERVICE)
    where = {a.participant_id: a.point_id for a in plan.assignments}
    assert where[pid(1)] == where[pid(3)] == where[pid(4)] == east.id
    assert where[pid(2)] == west.id
    [miss] = plan.unhonoured
    assert (miss.participant_id, miss.reason) == (pid(4), PreferenceMiss.SURNAME_GROUP)


def test_a_wish_for_an_unknown_point_is_reported() -> None:
    stranger = pid(999)
    plan = plan_pickup([person(1, "Орлов", prefers=stranger)], [point(1, 1)], window(60), SERVICE)
    [miss] = plan.unhonoured
    assert miss.reason is PreferenceMiss.UNKNOWN_POINT
    assert miss.preferred_point_id == stranger


def test_short_capacity_is_refused_with_what_to_add_instead_of_overfilling() -> None:
    people = [person(i, f"N{i}") for i in range(250)]
    with pytest.raises(CapacityShortfall) as caught:
        plan_pickup(people, [point(1, 1), point(2, 1)], window(60), SERVICE)
    assert caught.value.missing == 10
    assert "capacity is short by 10" in caught.value.detail
    assert "Add at least 1 desk(s)" in caught.value.detail
    assert caught.value.code == "capacity-shortfall"
    assert isinstance(caught.value, ValidationFailed)


def test_a_family_too_big_for_any_point_is_refused_by_name() -> None:
    people = [person(i, "Иванов") for i in range(130)]
    with pytest.raises(CapacityShortfall, match="130 participants named 'Иванов' share a point"):
        plan_pickup(people, [point(1, 1), point(2, 1)], window(60), SERVICE)


def test_the_same_input_in_any_order_gives_the_same_plan() -> None:
    points = [point(1, 2), point(2, 1), point(3, 3)]
    people = [
        person(i, f"Name{i % 37}", prefers=points[i % 4] if i % 4 < 3 else None) for i in range(300)
    ]
    forward = plan_pickup(people, points, window(90), SERVICE)
    backward = plan_pickup(list(reversed(people)), points, window(90), SERVICE)
    assert forward == backward


def test_a_blank_surname_is_nobodys_family() -> None:
    people = [person(i, "  ") for i in range(4)]
    plan = plan_pickup(people, [point(1, 1), point(2, 1)], window(60), SERVICE)
    assert len({a.point_id for a in plan.assignments}) == 2


def test_windows_need_time_zones_and_an_end_after_the_start() -> None:
    with pytest.raises(ValidationFailed, match="time zone"):
        HandOutWindow(datetime(2025, 6, 2, 9), datetime(2025, 6, 2, 10))
    with pytest.raises(ValidationFailed, match="end after it starts"):
        HandOutWindow(OPENING, OPENING)


def test_inconsistent_inputs_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="at least one desk"):
        PlanPoint(pid(1), "Hall", 0)
    with pytest.raises(ValidationFailed, match="share an id"):
        plan_pickup([person(1, "A"), person(1, "B")], [point(1, 1)], window(60), SERVICE)
    with pytest.raises(ValidationFailed, match="at least one pickup point"):
        plan_pickup([person(1, "A")], [], window(60), SERVICE)


def test_quotas_follow_capacity_and_never_exceed_it() -> None:
    assert proportional_quotas(10, (4, 4, 2)) == (4, 4, 2)
    assert proportional_quotas(5, (4, 4, 2)) == (2, 2, 1)
    assert proportional_quotas(7, (3, 3, 3)) == (3, 2, 2)
    assert proportional_quotas(0, (3, 3)) == (0, 0)
