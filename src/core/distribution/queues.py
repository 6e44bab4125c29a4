"""FIFO queues in front of several desks, replayed event by event, and what they add up to."""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence

import attrs

Visit = tuple[float, float]
"""(arrival, service): seconds from the window start, and seconds at the desk."""


@attrs.frozen
class QueueStats:
    """What one queue (or all of them together) looked like; times in seconds."""

    name: str
    desks: int
    arrived: int
    mean_wait: float
    p95_wait: float
    max_wait: float
    max_queue: int
    """The most people waiting at once (not counting those at a desk)."""
    finished: float
    """When the last pack was handed out, from the window start (beyond the window = overrun)."""
    queue_length: tuple[float, ...]
    """Time-averaged number of people waiting in consecutive steps from the window start."""


@attrs.frozen
class _Served:
    waits: list[float]
    changes: list[tuple[float, int]]
    """(moment, +1 joins the queue | -1 leaves it for a desk), in time order."""
    finished: float


def serve(visits: Sequence[Visit], desks: int) -> _Served:
    """Serve visits first come, first served; each takes the desk that frees up first.

    Desks open at 0: an earlier arrival counts as arriving at the opening.
    """
    free_at = [0.0] * desks  # a heap: when each desk is free again
    waits: list[float] = []
    joins: list[tuple[float, int]] = []
    leaves: list[tuple[float, int]] = []
    finished = 0.0
    for arrival, service in sorted((max(0.0, a), s) for a, s in visits):
        start = max(arrival, heapq.heappop(free_at))
        end = start + service
        heapq.heappush(free_at, end)
        waits.append(start - arrival)
        finished = max(finished, end)
        if start > arrival:
            joins.append((arrival, 1))
            leaves.append((start, -1))
    changes = sorted(joins + leaves)  # at equal moments a leave (-1) sorts before a join
    return _Served(waits, changes, finished)


def queue_stats(
    names: Sequence[str],
    desks: Sequence[int],
    visits: Sequence[Sequence[Visit]],
    step: float,
    window: float,
) -> tuple[tuple[QueueStats, ...], QueueStats]:
    """Stats per queue and for all of them together, with queue series on one time axis."""
    served = [serve(v, d) for v, d in zip(visits, desks, strict=True)]
    horizon = max([window] + [s.changes[-1][0] for s in served if s.changes])
    steps = max(1, math.ceil(horizon / step))
    per_point = tuple(
        _stats(name, d, s.waits, s.changes, s.finished, step, steps)
        for name, d, s in zip(names, desks, served, strict=True)
    )
    total = _stats(
        "all points",
        sum(desks),
        [w for s in served for w in s.waits],
        sorted(c for s in served for c in s.changes),
        max((s.finished for s in served), default=0.0),
        step,
        steps,
    )
    return per_point, total


def _stats(
    name: str,
    desks: int,
    waits: list[float],
    changes: list[tuple[float, int]],
    finished: float,
    step: float,
    steps: int,
) -> QueueStats:
    ordered = sorted(waits)
    return QueueStats(
        name=name,
        desks=desks,
        arrived=len(ordered),
        mean_wait=sum(ordered) / len(ordered) if ordered else 0.0,
        p95_wait=percentile(ordered, 0.95),
        max_wait=ordered[-1] if ordered else 0.0,
        max_queue=_max_queue(changes),
        finished=finished,
        queue_length=_queue_series(changes, step, steps),
    )


def percentile(ordered: Sequence[float], q: float) -> float:
    """The nearest-rank percentile of sorted values (0 for none)."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _max_queue(changes: Sequence[tuple[float, int]]) -> int:
    length = longest = 0
    for _, change in changes:
        length += change
        longest = max(longest, length)
    return longest


def _queue_series(
    changes: Sequence[tuple[float, int]], step: float, steps: int
) -> tuple[float, ...]:
    """The time-averaged queue length in each step: the area under the queue curve / step."""
    area = [0.0] * steps
    length, since = 0, 0.0
    for moment, change in changes:
        if length:
            _add_area(area, since, moment, length, step)
        length += change
        since = moment
    return tuple(a / step for a in area)


def _add_area(area: list[float], start: float, end: float, height: int, step: float) -> None:
    """Add `height` over [start, end) to the steps it covers."""
    first = int(start // step)
    while start < end and first < len(area):
        boundary = min(end, (first + 1) * step)
        area[first] += height * (boundary - start)
        start, first = boundary, first + 1
