"""The pickup planner: every participant gets one pickup point and one time slot.

The hand-out window is cut into slots (the last one may be shorter). A point's **capacity
in a slot** is ⌊desks · slot length / service time⌋: how many participants its desks can
serve in that slot if they work without a pause, rounded down so that no slot is promised
more than it can do. The planner never fills a slot beyond it.

Rules, in order of strength:

1. every participant gets exactly one point and one slot, or the plan is refused with
   `CapacityShortfall` saying what is missing (it never overfills);
2. participants with the same last name (ignoring case, spacing, and yo written as ye) share
   a point, so families and colleagues come together; there are no alphabet blocks;
3. a preferred point is honoured when it has room; when it is not, the plan says so and why
   (`unhonoured`), never silently;
4. the rest is balanced: each point gets a share proportional to its capacity, and within a
   point participants spread over the slots in proportion to slot capacity, so every slot
   runs at the same utilisation (a family of up to `FAMILY_SIZE` also shares a slot).

Deterministic: the same participants and points give the same plan, in any input order.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from core.distribution.grouping import SurnameGroup, group_by_surname
from core.distribution.placement import (
    CapacityShortfall,
    Placement,
    PreferenceMiss,
    UnhonouredPreference,
)
from core.shared.clock import require_aware
from core.shared.errors import ValidationFailed

__all__ = [
    "DEFAULT_SLOT",
    "FAMILY_SIZE",
    "CapacityShortfall",
    "HandOutWindow",
    "PickupPlan",
    "PickupSlot",
    "PlanParticipant",
    "PlanPoint",
    "PointLoad",
    "PreferenceMiss",
    "SlotAssignment",
    "UnhonouredPreference",
    "make_slots",
    "plan_pickup",
    "proportional_quotas",
    "slot_capacity",
]

DEFAULT_SLOT = timedelta(minutes=15)
FAMILY_SIZE = 8
"""Same-surname groups up to this size come in one slot; bigger ones are namesakes."""


def _positive_desks(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValidationFailed("a pickup point needs at least one desk", field="desks")


@attrs.frozen
class PlanParticipant:
    """A participant as the planner sees them: who, what surname, which point they asked for."""

    id: UUID
    last_name: str
    preferred_point_id: UUID | None = None


@attrs.frozen
class PlanPoint:
    """A pickup point as the planner sees it: its desks work in parallel."""

    id: UUID
    name: str
    desks: int = attrs.field(validator=_positive_desks)


@attrs.frozen
class HandOutWindow:
    """When the packs are handed out; both ends carry a time zone."""

    start: datetime
    end: datetime

    def __attrs_post_init__(self) -> None:
        require_aware(self.start, "start")
        require_aware(self.end, "end")
        if self.end <= self.start:
            raise ValidationFailed("the hand-out window must end after it starts", field="end")

    @classmethod
    def lasting(cls, start: datetime, duration: timedelta) -> HandOutWindow:
        return cls(start, start + duration)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@attrs.frozen
class PickupSlot:
    """One time window within the hand-out window; participants are told to come then."""

    index: int
    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@attrs.frozen
class SlotAssignment:
    """Where and when one participant picks up their pack; `slot` indexes `PickupPlan.slots`."""

    participant_id: UUID
    point_id: UUID
    slot: int


@attrs.frozen
class PointLoad:
    """Participants planned for one point, slot by slot, next to what it can serve."""

    point_id: UUID
    capacity: tuple[int, ...]
    load: tuple[int, ...]

    @property
    def total_capacity(self) -> int:
        return sum(self.capacity)

    @property
    def total_load(self) -> int:
        return sum(self.load)

    @property
    def fill(self) -> float:
        """Planned participants per place over the whole window (the expected utilisation)."""
        return self.total_load / self.total_capacity if self.total_capacity else 0.0


@attrs.frozen
class PickupPlan:
    """The outcome: slots, one assignment per participant, loads per point, missed wishes."""

    window: HandOutWindow
    service_time: timedelta
    slots: tuple[PickupSlot, ...]
    points: tuple[PlanPoint, ...]
    assignments: tuple[SlotAssignment, ...]
    """One per participant, ordered by participant id."""
    loads: tuple[PointLoad, ...]
    """In the order of `points`."""
    unhonoured: tuple[UnhonouredPreference, ...]

    def load_of(self, point_id: UUID) -> PointLoad:
        for load in self.loads:
            if load.point_id == point_id:
                return load
        raise ValidationFailed(f"point {point_id} is not part of this plan", field="point_id")


def plan_pickup(
    participants: Sequence[PlanParticipant],
    points: Sequence[PlanPoint],
    window: HandOutWindow,
    service_time: timedelta,
    *,
    slot_length: timedelta = DEFAULT_SLOT,
) -> PickupPlan:
    """Assign every participant a point and a slot within capacity (see the module rules)."""
    _check_inputs(participants, points, service_time, slot_length)
    slots = make_slots(window, slot_length)
    capacity = [
        tuple(slot_capacity(p.desks, s.length, service_time) for s in slots) for p in points
    ]
    totals = [sum(c) for c in capacity]
    _require_room(len(participants), points, totals, window, service_time)
    groups = group_by_surname(participants)
    placement = Placement(points, totals)
    for group in groups:
        placement.place_preferred(group)
    for group in placement.deferred:
        placement.place_balanced(group)
    assignments, loads = _fill_slots(groups, placement.chosen, points, capacity)
    return PickupPlan(
        window=window,
        service_time=service_time,
        slots=slots,
        points=tuple(points),
        assignments=assignments,
        loads=loads,
        unhonoured=placement.misses(groups),
    )


def make_slots(window: HandOutWindow, slot_length: timedelta) -> tuple[PickupSlot, ...]:
    """Consecutive slots of `slot_length` covering the window; the last one may be shorter."""
    slots: list[PickupSlot] = []
    start = window.start
    while start < window.end:
        end = min(start + slot_length, window.end)
        slots.append(PickupSlot(len(slots), start, end))
        start = end
    return tuple(slots)


def slot_capacity(desks: int, length: timedelta, service_time: timedelta) -> int:
    """⌊desks · slot length / service time⌋, in exact integer arithmetic."""
    return (desks * length) // service_time


def _check_inputs(
    participants: Sequence[PlanParticipant],
    points: Sequence[PlanPoint],
    service_time: timedelta,
    slot_length: timedelta,
) -> None:
    if not points:
        raise ValidationFailed("plan at least one pickup point", field="points")
    if len({p.id for p in points}) != len(points):
        raise ValidationFailed("two pickup points share an id", field="points")
    if len({p.id for p in participants}) != len(participants):
        raise ValidationFailed("two participants share an id", field="participants")
    if service_time <= timedelta(0):
        raise ValidationFailed("the service time must be positive", field="service_time")
    if slot_length <= timedelta(0):
        raise ValidationFailed("the slot length must be positive", field="slot_length")


def _require_room(
    count: int,
    points: Sequence[PlanPoint],
    totals: Sequence[int],
    window: HandOutWindow,
    service_time: timedelta,
) -> None:
    room = sum(totals)
    if count <= room:
        return
    missing = count - room
    desks = sum(p.desks for p in points)
    more_desks = -(-missing * service_time // window.duration)  # ceiling division
    longer = missing * service_time / desks
    raise CapacityShortfall(
        f"capacity is short by {missing}: {len(points)} point(s) with {desks} desk(s) can hand "
        f"out {room} packs in the window (desks · slot length / service time, per slot), but "
        f"{count} participants are to be planned. Add at least {more_desks} desk(s), lengthen "
        f"the window by about {longer.total_seconds() / 60:.0f} min or shorten the service time",
        missing=missing,
    )


def _fill_slots(
    groups: Sequence[SurnameGroup],
    chosen: dict[str, int],
    points: Sequence[PlanPoint],
    capacity: Sequence[tuple[int, ...]],
) -> tuple[tuple[SlotAssignment, ...], tuple[PointLoad, ...]]:
    """Spread each point's participants over its slots in proportion to slot capacity."""
    at_point: list[list[SurnameGroup]] = [[] for _ in points]
    for group in groups:
        at_point[chosen[group.key]].append(group)
    assignments: list[SlotAssignment] = []
    loads: list[PointLoad] = []
    for point, point_groups, slots in zip(points, at_point, capacity, strict=True):
        point_groups.sort(key=lambda group: group.key)
        load = [0] * len(slots)
        _spread_over_slots(point_groups, slots, load, point.id, assignments)
        loads.append(PointLoad(point.id, slots, tuple(load)))
    assignments.sort(key=lambda a: a.participant_id.int)
    return tuple(assignments), tuple(loads)


def _spread_over_slots(
    groups: Sequence[SurnameGroup],
    capacity: Sequence[int],
    load: list[int],
    point_id: UUID,
    assignments: list[SlotAssignment],
) -> None:
    """Walk the groups in surname order along the slots' proportional quotas.

    A family (up to `FAMILY_SIZE`) goes whole into the slot its middle falls in, or the nearest
    slot with room, so that it comes at one time; a bigger same-surname group (namesakes, not
    a family) follows the quotas person by person. Appends to `assignments` and counts in
    `load`, which never passes `capacity`.
    """
    quotas = proportional_quotas(sum(g.size for g in groups), capacity)
    ends = list(itertools.accumulate(quotas))
    position = 0
    for group in groups:
        whole = None
        if group.size <= FAMILY_SIZE:
            middle = _slot_at(ends, position + group.size / 2)
            whole = _nearest_with_room(load, capacity, middle, group.size)
        for offset, member in enumerate(group.members):
            slot = whole
            if slot is None:
                slot = _nearest_with_room(
                    load, capacity, _slot_at(ends, position + offset + 0.5), 1
                )
            assert slot is not None  # count <= total capacity, so some slot has room
            load[slot] += 1
            assignments.append(SlotAssignment(member.id, point_id, slot))
        position += group.size


def _slot_at(ends: Sequence[int], position: float) -> int:
    """The slot whose share of the quota holds `position`."""
    return min(bisect.bisect_right(ends, position), len(ends) - 1)


def _nearest_with_room(
    load: list[int], capacity: Sequence[int], ideal: int, size: int
) -> int | None:
    """The slot closest to `ideal` (later first on ties) with room for `size` more."""
    if load[ideal] + size <= capacity[ideal]:  # the usual case, checked first for speed
        return ideal
    for distance in range(1, len(capacity)):
        for slot in (ideal + distance, ideal - distance):
            if 0 <= slot < len(capacity) and load[slot] + size <= capacity[slot]:
                return slot
    return None


def proportional_quotas(count: int, capacity: Sequence[int]) -> tuple[int, ...]:
    """Split `count` over slots in proportion to `capacity` (largest remainder), never above it.

    ⌊count·cᵢ/C⌋ + 1 ≤ cᵢ whenever the share has a remainder, because count ≤ C.
    """
    total = sum(capacity)
    if count == 0 or total == 0:
        return tuple(0 for _ in capacity)
    quotas = [count * c // total for c in capacity]
    remainders = sorted(range(len(capacity)), key=lambda k: (-(count * capacity[k] % total), k))
    for k in remainders[: count - sum(quotas)]:
        quotas[k] += 1
    return tuple(quotas)
