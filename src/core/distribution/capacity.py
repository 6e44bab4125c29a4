"""How many desks, at how many pickup points, keep the wait within a target.

Arrivals are assumed to spread evenly over the hand-out window: λ = participants / window.
Real crowds peak (at the opening, after a session ends); time slots from the planner are what
makes the even spread come true. Each point is its own M/M/c queue and receives a share of
the participants proportional to its desks, which is what the planner's assignment does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from typing import Literal

import attrs

from core.distribution.erlang import QueueFigures, queue_figures
from core.shared.errors import ValidationFailed

MAX_DESKS = 100_000
"""A ceiling on the search, far beyond any venue; reaching it means the target is unreachable."""


@attrs.frozen
class MeanWaitTarget:
    """At every point, the mean wait stays at or below `mean_wait`."""

    mean_wait: timedelta

    def __attrs_post_init__(self) -> None:
        if self.mean_wait <= timedelta(0):
            raise ValidationFailed("the target mean wait must be positive", field="target")

    def met_by(self, figures: QueueFigures) -> bool:
        return figures.mean_wait <= self.mean_wait.total_seconds()

    def describe(self) -> str:
        return f"mean wait ≤ {self.mean_wait.total_seconds():g} s"


@attrs.frozen
class WaitOverTarget:
    """At every point, P(wait > `over`) stays at or below `probability` (e.g. 2 min, 5 %)."""

    over: timedelta
    probability: float

    def __attrs_post_init__(self) -> None:
        if self.over < timedelta(0):
            raise ValidationFailed("the wait limit must not be negative", field="target")
        if not 0 < self.probability < 1:
            raise ValidationFailed(
                "the probability must lie strictly between 0 and 1, e.g. 0.05", field="target"
            )

    def met_by(self, figures: QueueFigures) -> bool:
        return figures.p_wait_over(self.over.total_seconds()) <= self.probability

    def describe(self) -> str:
        return f"P(wait > {self.over.total_seconds():g} s) ≤ {self.probability:.1%}"


WaitTarget = MeanWaitTarget | WaitOverTarget


@attrs.frozen
class PointDesks:
    """One pickup point of a layout: its desks, its share of participants, its queue."""

    desks: int
    share: float
    figures: QueueFigures


@attrs.frozen
class DeskLayout:
    """Desks spread over pickup points, with the waits Erlang C expects there.

    Totals are averages over participants (weighted by each point's share); `pooled` is one
    shared queue with all the desks, the best any split can do.
    """

    participants: int
    window: timedelta
    service_time: timedelta
    points: tuple[PointDesks, ...]
    pooled: QueueFigures

    @property
    def desks(self) -> int:
        return sum(p.desks for p in self.points)

    @property
    def desks_per_point(self) -> tuple[int, ...]:
        return tuple(p.desks for p in self.points)

    @property
    def arrival_rate(self) -> float:
        """Participants per second, assuming they spread evenly over the window."""
        return self.participants / self.window.total_seconds()

    @property
    def offered_load(self) -> float:
        """Desks busy on average, a = λ·s."""
        return self.arrival_rate * self.service_time.total_seconds()

    @property
    def utilisation(self) -> float:
        return self.offered_load / self.desks

    @property
    def mean_wait(self) -> float:
        """Mean wait over all participants (seconds)."""
        return sum(p.share * p.figures.mean_wait for p in self.points)

    @property
    def mean_queue_length(self) -> float:
        """People waiting on average, summed over points."""
        return sum(p.figures.mean_queue_length for p in self.points)

    def p_wait_over(self, seconds: float) -> float:
        """The share of all participants who wait longer than `seconds`."""
        return sum(p.share * p.figures.p_wait_over(seconds) for p in self.points)

    def wait_quantile(self, q: float) -> float:
        """The wait (seconds) that a share `q` of all participants do not exceed."""
        upper = max(p.figures.wait_quantile(q) for p in self.points)
        low, high = 0.0, upper
        for _ in range(60):  # bisection on a decreasing tail; 60 halvings reach float precision
            middle = (low + high) / 2
            if self.p_wait_over(middle) > 1.0 - q:
                low = middle
            else:
                high = middle
        return high

    def meets(self, target: WaitTarget) -> bool:
        """Whether every point meets the target (the worst point decides)."""
        return all(target.met_by(p.figures) for p in self.points)


def evaluate_layout(
    participants: int, window: timedelta, service_time: timedelta, desks: Sequence[int]
) -> DeskLayout:
    """Erlang C figures for a given number of desks at each point.

    Refuses a layout whose utilisation is 1 or more, saying what to change.
    """
    rate, service = _rates(participants, window, service_time)
    if not desks or min(desks) < 1:
        raise ValidationFailed("every pickup point needs at least one desk", field="desks")
    total = sum(desks)
    _require_enough_desks(participants, window, service_time, total)
    points = tuple(
        PointDesks(d, d / total, queue_figures(rate * d / total, service, d)) for d in desks
    )
    return DeskLayout(
        participants, window, service_time, points, queue_figures(rate, service, total)
    )


def recommend_desks(
    participants: int,
    window: timedelta,
    service_time: timedelta,
    target: WaitTarget,
    *,
    points: int | Literal["auto"] = "auto",
    max_desks_per_point: int = 8,
) -> DeskLayout:
    """The fewest desks, spread as evenly as possible over `points`, that meet `target`.

    With `points="auto"` it picks the fewest points with at most `max_desks_per_point` desks
    each: one big queue beats several small ones, so fewer points also means fewer desks.
    """
    _rates(participants, window, service_time)
    if max_desks_per_point < 1:
        raise ValidationFailed("a point holds at least one desk", field="max_desks_per_point")
    if points != "auto":
        if points < 1:
            raise ValidationFailed("plan at least one pickup point", field="points")
        return _fewest_desks(participants, window, service_time, target, points)
    count = 1
    while True:
        layout = _fewest_desks(participants, window, service_time, target, count)
        if max(layout.desks_per_point) <= max_desks_per_point:
            return layout
        count = max(count + 1, math.ceil(layout.desks / max_desks_per_point))


def _fewest_desks(
    participants: int, window: timedelta, service_time: timedelta, target: WaitTarget, points: int
) -> DeskLayout:
    rate, service = _rates(participants, window, service_time)
    desks = max(points, math.floor(rate * service) + 1)
    while desks <= MAX_DESKS:
        layout = evaluate_layout(participants, window, service_time, spread(desks, points))
        if layout.meets(target):
            return layout
        desks += 1
    raise ValidationFailed(
        f"no layout of up to {MAX_DESKS} desks meets {target.describe()}; relax the target",
        field="target",
    )


def _require_enough_desks(
    participants: int, window: timedelta, service_time: timedelta, desks: int
) -> None:
    load = participants * service_time / window
    if load < desks:
        return
    raise ValidationFailed(
        f"utilisation would be {load / desks:.2f}: {participants} participants at "
        f"{service_time.total_seconds():g} s each over {_minutes(window)} keep {load:.1f} desks "
        f"busy on average and there are {desks}; at 1 or more the queue grows without bound. "
        f"Add at least {_count(math.floor(load) + 1 - desks, 'desk')}, lengthen the window beyond "
        f"{_minutes(participants * service_time / desks)} or shorten the service time below "
        f"{(desks * window / participants).total_seconds():.1f} s",
        field="desks",
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _minutes(span: timedelta) -> str:
    return f"{span.total_seconds() / 60:.0f} min"


def spread(desks: int, points: int) -> tuple[int, ...]:
    """`desks` over `points` as evenly as possible, the larger points first."""
    base, extra = divmod(desks, points)
    return tuple(base + 1 if i < extra else base for i in range(points))


def _rates(participants: int, window: timedelta, service_time: timedelta) -> tuple[float, float]:
    if participants < 1:
        raise ValidationFailed("plan for at least one participant", field="participants")
    if window <= timedelta(0):
        raise ValidationFailed("the hand-out window must be longer than zero", field="window")
    if service_time <= timedelta(0):
        raise ValidationFailed("the service time must be positive", field="service_time")
    return participants / window.total_seconds(), service_time.total_seconds()
