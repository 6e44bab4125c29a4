"""Choosing a pickup point for each surname group: wishes first, then the least-filled point."""

from __future__ import annotations

import enum
import heapq
from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from core.distribution.grouping import SurnameGroup
from core.shared.errors import ValidationFailed

if TYPE_CHECKING:
    from core.distribution.planner import PlanPoint


class PreferenceMiss(enum.StrEnum):
    """Why a preferred point was not given."""

    POINT_FULL = "point-full"
    """The preferred point had no room for the participant's surname group."""
    SURNAME_GROUP = "surname-group"
    """Others with the same surname preferred another point, and the group stays together."""
    UNKNOWN_POINT = "unknown-point"
    """The preferred point is not among the points being planned."""


@attrs.frozen
class UnhonouredPreference:
    """A participant who asked for one point and was given another."""

    participant_id: UUID
    preferred_point_id: UUID
    assigned_point_id: UUID
    reason: PreferenceMiss


class CapacityShortfall(ValidationFailed):
    """Raised when the points cannot take every participant without overfilling a slot."""

    code = "capacity-shortfall"

    def __init__(self, detail: str, *, missing: int) -> None:
        super().__init__(detail, field="desks")
        self.missing = missing


class Placement:
    """Chooses a point for each surname group: wishes first, then the least-filled point."""

    def __init__(self, points: Sequence[PlanPoint], totals: Sequence[int]) -> None:
        self.points = points
        self.index = {p.id: i for i, p in enumerate(points)}
        self.totals = totals
        self.load = [0] * len(points)
        self.chosen: dict[str, int] = {}
        self.full: dict[str, set[int]] = {}
        self.deferred: list[SurnameGroup] = []
        self._heap: list[tuple[float, int]] | None = None

    def room(self, point: int) -> int:
        return self.totals[point] - self.load[point]

    def put(self, group: SurnameGroup, point: int) -> None:
        self.chosen[group.key] = point
        self.load[point] += group.size

    def place_preferred(self, group: SurnameGroup) -> None:
        """The most-wished point with room for the whole group; otherwise wait for balancing."""
        for point in self._wishes(group):
            if self.room(point) >= group.size:
                self.put(group, point)
                return
            self.full.setdefault(group.key, set()).add(point)
        self.deferred.append(group)

    def place_balanced(self, group: SurnameGroup) -> None:
        """The point with the lowest fill that has room for the whole group."""
        heap = self._balancing_heap()
        skipped: list[tuple[float, int]] = []
        while heap and self.room(heap[0][1]) < group.size:
            entry = heapq.heappop(heap)
            if self.room(entry[1]) > 0:  # a full point never takes anyone again
                skipped.append(entry)
        if not heap:
            raise _no_room_for(group, max(self.room(i) for i in range(len(self.points))))
        _, point = heapq.heappop(heap)
        self.put(group, point)
        heapq.heappush(heap, (self.load[point] / self.totals[point], point))
        for entry in skipped:
            heapq.heappush(heap, entry)

    def _balancing_heap(self) -> list[tuple[float, int]]:
        if self._heap is None:
            self._heap = [
                (self.load[i] / total, i) for i, total in enumerate(self.totals) if total > 0
            ]
            heapq.heapify(self._heap)
        return self._heap

    def _wishes(self, group: SurnameGroup) -> list[int]:
        votes: dict[int, int] = {}
        for member in group.members:
            point = self.index.get(member.preferred_point_id) if member.preferred_point_id else None
            if point is not None:
                votes[point] = votes.get(point, 0) + 1
        if len(votes) < 2:
            return list(votes)
        return sorted(votes, key=lambda point: (-votes[point], point))

    def misses(self, groups: Sequence[SurnameGroup]) -> tuple[UnhonouredPreference, ...]:
        """Every participant whose wish was not met, with the reason."""
        missed: list[UnhonouredPreference] = []
        for group in groups:
            point = self.chosen[group.key]
            for member in group.members:
                wish = member.preferred_point_id
                if wish is None or self.index.get(wish) == point:
                    continue
                missed.append(
                    UnhonouredPreference(
                        member.id, wish, self.points[point].id, self._reason(group.key, wish)
                    )
                )
        missed.sort(key=lambda miss: miss.participant_id.int)
        return tuple(missed)

    def _reason(self, key: str, wish: UUID) -> PreferenceMiss:
        wished = self.index.get(wish)
        if wished is None:
            return PreferenceMiss.UNKNOWN_POINT
        if wished in self.full.get(key, ()):
            return PreferenceMiss.POINT_FULL
        return PreferenceMiss.SURNAME_GROUP


def _no_room_for(group: SurnameGroup, most_room: int) -> CapacityShortfall:
    return CapacityShortfall(
        f"the {group.size} participants named {group.members[0].last_name.strip()!r} share a "
        f"point, but no point has room for all of them (the most room left is {most_room}); "
        f"add desks at one point or lengthen the window",
        missing=group.size - most_room,
    )
