"""Replay a hand-out: who arrives when, who waits how long, how long the queues grow.

A seeded discrete-event simulation. Each point is one FIFO queue in front of its desks; a heap
holds the moment each desk falls free, so the next person in line takes the desk that frees
first (exactly the M/G/c discipline). Desks open at the window start: someone who comes earlier
is counted from the opening, the planner's doing is only what happens after it.

Two ways of sending people are replayed with the same random draws per participant (the same
service times, the same no-shows, the same lateness), so that differences come from the plan
and not from luck:

- our plan: each participant arrives uniformly within their slot, plus jitter and lateness;
- the usual alphabetical split: contiguous first-letter ranges per point, as even in load per
  desk as whole letters allow, everybody arriving uniformly over the whole window.
"""

from __future__ import annotations

# Seeded pseudo-randomness replays a crowd reproducibly; it guards no secret.
import random  # noqa: TID251
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

import attrs

from core.distribution.alphabetical import Cut, alphabetical_split
from core.distribution.planner import HandOutWindow, PickupPlan, PlanParticipant, PlanPoint
from core.distribution.queues import QueueStats, Visit, queue_stats
from core.shared.errors import ValidationFailed

DEFAULT_STEPS = 48
"""Points of the queue-length series over the window (more follow if queues outlast it)."""


@attrs.frozen
class Behaviour:
    """How people arrive and how long they take at a desk."""

    jitter: timedelta = timedelta(0)
    """Each arrival moves by a uniform amount within ± this around its planned moment."""
    lateness: timedelta = timedelta(0)
    """Mean of an extra, exponentially distributed delay (people run late, rarely early)."""
    no_show: float = 0.0
    """Share of participants who do not come at all."""
    service_variation: float = 1.0
    """Coefficient of variation of service time: 1 is exponential, 0 a fixed time."""

    def __attrs_post_init__(self) -> None:
        if self.jitter < timedelta(0) or self.lateness < timedelta(0):
            raise ValidationFailed("jitter and lateness must not be negative", field="behaviour")
        if not 0 <= self.no_show < 1:
            raise ValidationFailed("the no-show share must lie in [0, 1)", field="no_show")
        if self.service_variation < 0:
            raise ValidationFailed("service variation must not be negative", field="behaviour")


@attrs.frozen
class SimulationResult:
    """Per point and overall: waits (seconds), queue lengths, and a queue series for a chart."""

    step_seconds: float
    """The width of one entry of every `queue_length` series."""
    points: tuple[QueueStats, ...]
    total: QueueStats


@attrs.frozen
class _Draw:
    """One participant's luck: where in their window they come, delays, service, no-show."""

    position: float
    delay: float
    service: float
    shows: bool


def simulate_plan(
    plan: PickupPlan,
    behaviour: Behaviour = Behaviour(),
    *,
    seed: int = 0,
    steps: int = DEFAULT_STEPS,
) -> SimulationResult:
    """Replay `plan`: everybody comes within their slot (then jitter, lateness, no-shows)."""
    index = {p.id: i for i, p in enumerate(plan.points)}
    starts = [(s.start - plan.window.start).total_seconds() for s in plan.slots]
    lengths = [s.length.total_seconds() for s in plan.slots]
    ids = [a.participant_id for a in plan.assignments]
    draws = _draws(ids, behaviour, plan.service_time, seed)
    visits: list[list[Visit]] = [[] for _ in plan.points]
    for assignment, draw in zip(plan.assignments, draws, strict=True):
        if draw.shows:
            moment = starts[assignment.slot] + draw.position * lengths[assignment.slot]
            visits[index[assignment.point_id]].append((moment + draw.delay, draw.service))
    return _replay(plan.points, visits, plan.window.duration, steps)


def simulate_alphabetical(
    participants: Sequence[PlanParticipant],
    points: Sequence[PlanPoint],
    window: HandOutWindow,
    service_time: timedelta,
    behaviour: Behaviour = Behaviour(),
    *,
    cut: Cut = "letter",
    seed: int = 0,
    steps: int = DEFAULT_STEPS,
) -> SimulationResult:
    """Replay the alphabetical split: name ranges per point, arrivals over the whole window."""
    ordered = sorted(participants, key=lambda p: p.id.int)
    _, point_of = alphabetical_split(ordered, points, cut)
    span = window.duration.total_seconds()
    draws = _draws([p.id for p in ordered], behaviour, service_time, seed)
    visits: list[list[Visit]] = [[] for _ in points]
    for participant, draw in zip(ordered, draws, strict=True):
        if draw.shows:
            visits[point_of[participant.id]].append(
                (draw.position * span + draw.delay, draw.service)
            )
    return _replay(points, visits, window.duration, steps)


def _draws(
    ids: Sequence[UUID], behaviour: Behaviour, service_time: timedelta, seed: int
) -> list[_Draw]:
    """One draw per participant, in id order, so every scenario sees the same luck."""
    rng = random.Random(seed)  # noqa: S311 - reproducible simulation, not a secret
    ordered = sorted(range(len(ids)), key=lambda i: ids[i].int)
    mean = service_time.total_seconds()
    jitter = behaviour.jitter.total_seconds()
    late = behaviour.lateness.total_seconds()
    draws: list[_Draw | None] = [None] * len(ids)
    for i in ordered:
        position = rng.random()
        delay = rng.uniform(-jitter, jitter) if jitter else 0.0
        delay += rng.expovariate(1.0 / late) if late else 0.0
        shows = rng.random() >= behaviour.no_show
        draws[i] = _Draw(position, delay, _service(rng, mean, behaviour.service_variation), shows)
    return [draw for draw in draws if draw is not None]


def _service(rng: random.Random, mean: float, variation: float) -> float:
    """A service time with the given mean and coefficient of variation (gamma-distributed)."""
    if variation == 0:
        return mean
    if variation == 1:
        return rng.expovariate(1.0 / mean)
    shape = 1.0 / (variation * variation)
    return rng.gammavariate(shape, mean / shape)


def _replay(
    points: Sequence[PlanPoint], visits: list[list[Visit]], window: timedelta, steps: int
) -> SimulationResult:
    if steps < 1:
        raise ValidationFailed("the queue series needs at least one step", field="steps")
    step = window.total_seconds() / steps
    names = [p.name for p in points]
    desks = [p.desks for p in points]
    per_point, total = queue_stats(names, desks, visits, step, window.total_seconds())
    return SimulationResult(step, per_point, total)
