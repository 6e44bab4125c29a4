"""The planner's rules as properties over all inputs: exactly once, within capacity, families
together, wishes honoured whenever there was room, balanced, and independent of input order."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.core.distribution.support import pid, point, window

from core.distribution.grouping import surname_key
from core.distribution.planner import (
    CapacityShortfall,
    PickupPlan,
    PlanParticipant,
    PlanPoint,
    PreferenceMiss,
    plan_pickup,
    proportional_quotas,
)

SURNAMES = ["Ёлкин", "елкин", "ЕЛКИН", "Иванов", "Иванова", "Ли", "li", "Ng", " ", "Орлов"]
UNKNOWN_POINT = UUID(int=999_999_999)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[PlanParticipant], list[PlanPoint], int, int, int]:
    points = [point(n, draw(st.integers(1, 4))) for n in range(draw(st.integers(1, 4)))]
    wishes = st.one_of(st.none(), st.sampled_from([*[p.id for p in points], UNKNOWN_POINT]))
    names = st.one_of(st.sampled_from(SURNAMES), st.text("абвгд", min_size=1, max_size=3))
    size = draw(st.integers(0, 220))
    people = [PlanParticipant(pid(i + 1), draw(names), draw(wishes)) for i in range(size)]
    minutes = draw(st.integers(5, 60))
    service = draw(st.integers(15, 120))
    slot = draw(st.integers(3, 30))
    return people, points, minutes, service, slot


def planned(
    people: list[PlanParticipant], points: list[PlanPoint], minutes: int, service: int, slot: int
) -> PickupPlan | None:
    """The plan, or None when it was refused for a reason the scenario really has."""
    refused: CapacityShortfall | None = None
    try:
        return plan_pickup(
            people, points, window(minutes), timedelta(seconds=service),
            slot_length=timedelta(minutes=slot),
        )  # fmt: skip
    except CapacityShortfall as error:
        refused = error
    capacity = _capacity(points, minutes, service, slot)
    biggest = max(Counter(_family(p) for p in people).values())
    assert len(people) > capacity or biggest > 1, "refused although singles would fit"
    assert refused.missing > 0
    return None


def _family(person: PlanParticipant) -> str:
    return surname_key(person.last_name) or str(person.id)


def _capacity(points: list[PlanPoint], minutes: int, service: int, slot: int) -> int:
    lengths = [min(slot, minutes - start) * 60 for start in range(0, minutes, slot)]
    return sum(p.desks * length // service for p in points for length in lengths)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_every_participant_is_assigned_exactly_once(scenario: tuple) -> None:
    people, *_ = scenario
    plan = planned(*scenario)
    if plan is not None:
        assert Counter(a.participant_id for a in plan.assignments) == Counter(p.id for p in people)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_no_point_and_slot_is_planned_beyond_its_capacity(scenario: tuple) -> None:
    plan = planned(*scenario)
    if plan is None:
        return
    counted = Counter((a.point_id, a.slot) for a in plan.assignments)
    for load in plan.loads:
        for slot, capacity in enumerate(load.capacity):
            assert counted[(load.point_id, slot)] == load.load[slot] <= capacity


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_participants_with_the_same_surname_share_a_point(scenario: tuple) -> None:
    people, *_ = scenario
    plan = planned(*scenario)
    if plan is None:
        return
    where = {a.participant_id: a.point_id for a in plan.assignments}
    points_of_family: dict[str, set[UUID]] = defaultdict(set)
    for person in people:
        if person.last_name.strip():
            points_of_family[surname_key(person.last_name)].add(where[person.id])
    assert all(len(chosen) == 1 for chosen in points_of_family.values())


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_a_wish_is_honoured_whenever_the_wished_point_had_room(scenario: tuple) -> None:
    people, points, *_ = scenario
    plan = planned(*scenario)
    if plan is None:
        return
    where = {a.participant_id: a.point_id for a in plan.assignments}
    missed = {m.participant_id: m for m in plan.unhonoured}
    family = Counter(_family(p) for p in people)
    room = {load.point_id: load.total_capacity - load.total_load for load in plan.loads}
    known = {p.id for p in points}
    for person in people:
        wish = person.preferred_point_id
        if wish is None or where[person.id] == wish:
            assert person.id not in missed
            continue
        miss = missed[person.id]  # never silently dropped
        assert (miss.preferred_point_id, miss.assigned_point_id) == (wish, where[person.id])
        if miss.reason is PreferenceMiss.UNKNOWN_POINT:
            assert wish not in known
        elif miss.reason is PreferenceMiss.POINT_FULL:
            assert room[wish] < family[_family(person)]  # room only shrinks as the plan fills
        else:
            relatives = [p for p in people if _family(p) == _family(person)]
            votes = Counter(p.preferred_point_id for p in relatives)
            assert votes[where[person.id]] >= votes[wish]


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_without_wishes_points_fill_evenly_up_to_one_family(scenario: tuple) -> None:
    people, points, minutes, service, slot = scenario
    people = [PlanParticipant(p.id, p.last_name) for p in people]
    plan = planned(people, points, minutes, service, slot)
    if plan is None or not people:
        return
    usable = [load for load in plan.loads if load.total_capacity > 0]
    biggest = max(Counter(_family(p) for p in people).values())
    fills = [load.fill for load in usable]
    assert max(fills) - min(fills) <= biggest / min(load.total_capacity for load in usable) + 1e-9


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_plan_does_not_depend_on_input_order(scenario: tuple, rng: object) -> None:
    people, points, minutes, service, slot = scenario
    shuffled = list(people)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert planned(people, points, minutes, service, slot) == planned(
        shuffled, points, minutes, service, slot
    )


@given(st.integers(0, 500), st.lists(st.integers(0, 60), min_size=1, max_size=12))
def test_slot_quotas_are_proportional_and_within_capacity(count: int, capacity: list[int]) -> None:
    total = sum(capacity)
    if count > total:
        count = total
    quotas = proportional_quotas(count, capacity)
    assert sum(quotas) == count
    for quota, room in zip(quotas, capacity, strict=True):
        assert quota <= room
        assert abs(quota - count * room / max(total, 1)) < 1
