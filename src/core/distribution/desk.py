"""At the desks and behind them: hand-overs, live figures, planning and rebalancing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from core.distribution.capacity import DeskLayout, WaitTarget, evaluate_layout, recommend_desks
from core.distribution.model import (
    Conference,
    ConferenceId,
    Participant,
    ParticipantId,
    PickupPoint,
    PointId,
    Slot,
)
from core.distribution.participants import _participant_of
from core.distribution.planner import (
    DEFAULT_SLOT,
    HandOutWindow,
    PickupPlan,
    PlanParticipant,
    PlanPoint,
    plan_pickup,
)
from core.distribution.ports import DistributionUnitOfWork, PointCounts
from core.distribution.queues import QueueStats
from core.distribution.services import _changed, _organise, _point_of, access
from core.distribution.simulation import Behaviour, simulate_alphabetical, simulate_plan
from core.identity.model import AccountId
from core.shared.clock import Clock
from core.shared.errors import Conflict, NotFound, ValidationFailed

RECENT = (timedelta(minutes=5), timedelta(minutes=15))


async def deliver_pack(
    conference_id: ConferenceId,
    participant_id: ParticipantId,
    point_id: PointId,
    *,
    actor: AccountId,
    uow: DistributionUnitOfWork,
    clock: Clock,
) -> tuple[Participant, bool]:
    """Confirm a hand-over at a desk; returns the participant and whether this is a repeat.

    The participant's row is locked first, so of two desks confirming the same person at once
    exactly one hands the pack over; the other is told where and when (AlreadyDelivered, a
    Conflict). The same desk confirming again gets the first result back.
    """
    now = clock.now()
    async with uow:
        conference, standing = await access(uow, conference_id, actor)
        standing.ensure_at(point_id)
        participant = await _participant_of(uow, conference, participant_id, lock=True)
        point = await _point_of(uow, conference, point_id, lock=True)
        if not participant.deliver(point, actor, now):
            return participant, True
        await uow.participants.save(participant)
        await uow.points.save(point)
        await uow.commit()
    return participant, False


@attrs.frozen
class PointFigures:
    """How a point (or, with `point` None, the whole conference) is doing right now.

    `assigned`/`remaining`: people planned for the point and those of them not served yet
    (anywhere); `handed_out`: packs that left this point, `for_other_points` of them to
    people planned elsewhere; `last_5_min`/`last_15_min`: packs out in those windows.
    """

    point: PickupPoint | None
    assigned: int
    remaining: int
    handed_out: int
    for_other_points: int
    last_5_min: int
    last_15_min: int
    estimated_queue: int
    estimated_wait: timedelta
    stock: int


@attrs.frozen
class ConferenceFigures:
    at: datetime
    points: tuple[PointFigures, ...]
    total: PointFigures
    unassigned: int


async def conference_figures(
    conference_id: ConferenceId, *, actor: AccountId, uow: DistributionUnitOfWork, clock: Clock
) -> ConferenceFigures:
    """Live figures per point and in total.

    The queue estimate is deliberately simple and errs high: everyone whose slot began in
    the last 15 minutes and who has not been served yet counts as waiting; the wait is that
    queue times the service time over the point's desks.
    """
    now = clock.now()
    windows = [w.total_seconds() for w in RECENT]
    async with uow:
        conference, _ = await access(uow, conference_id, actor)
        points = await uow.points.of_conference(conference_id)
        counts = {c.point_id: c for c in await uow.participants.counts(conference_id, now, windows)}
    per_point = tuple(_figures(conference, p, counts.get(p.id)) for p in points)
    total = _figures(conference, None, counts.get(None))
    assigned = sum(f.assigned for f in per_point)
    return ConferenceFigures(now, per_point, total, max(0, total.assigned - assigned))


def _figures(
    conference: Conference, point: PickupPoint | None, counts: PointCounts | None
) -> PointFigures:
    counts = counts or PointCounts(point.id if point else None)
    since = counts.handed_out_since or (0, 0)
    queue = counts.due_recently if point is None or point.is_open else 0
    desks = point.desks if point else 1
    return PointFigures(
        point=point,
        assigned=counts.assigned,
        remaining=max(0, counts.assigned - counts.assigned_delivered),
        handed_out=counts.handed_out,
        for_other_points=counts.handed_out_for_others,
        last_5_min=since[0],
        last_15_min=since[1],
        estimated_queue=queue,
        estimated_wait=conference.service_time * queue / desks if point else timedelta(0),
        stock=point.stock if point else 0,
    )


# -- planning --------------------------------------------------------------------------------


@attrs.frozen
class PlanReport:
    """What the planner recommends and how the current points would do."""

    participants: int
    recommended: DeskLayout
    current: DeskLayout | None
    plan: PickupPlan | None
    ours: QueueStats | None
    alphabetical: QueueStats | None


def _window(conference: Conference) -> HandOutWindow:
    return HandOutWindow(conference.handout_starts_at, conference.handout_ends_at)


def _plan_inputs(
    participants: Sequence[Participant], points: Sequence[PickupPoint]
) -> tuple[list[PlanParticipant], list[PlanPoint]]:
    open_points = [PlanPoint(p.id, p.name, p.desks) for p in points if p.is_open]
    open_ids = {p.id for p in open_points}
    people = [
        PlanParticipant(
            p.id,
            p.person.last_name,
            p.preferred_point_id if p.preferred_point_id in open_ids else None,
        )
        for p in participants
        if not p.delivered
    ]
    return people, open_points


async def _everyone(
    uow: DistributionUnitOfWork, conference_id: ConferenceId, actor: AccountId
) -> tuple[Conference, list[PickupPoint], list[Participant]]:
    """Inside a transaction, for the organiser only: the conference, its points and people."""
    conference = await _organise(uow, conference_id, actor)
    points = await uow.points.of_conference(conference_id)
    return conference, points, await uow.participants.all_of(conference_id)


async def plan_conference(
    conference_id: ConferenceId,
    target: WaitTarget,
    *,
    slot_length: timedelta = DEFAULT_SLOT,
    seed: int = 0,
    actor: AccountId,
    uow: DistributionUnitOfWork,
) -> PlanReport:
    """Recommend desks for everyone not served yet, and simulate the current points: a plan
    with time slots against the usual alphabetical split (nothing is stored)."""
    async with uow:
        conference, points, participants = await _everyone(uow, conference_id, actor)
    people, open_points = _plan_inputs(participants, points)
    if not people:
        raise ValidationFailed("there is nobody left to plan for: add participants first")
    window, service = _window(conference), conference.service_time
    recommended = recommend_desks(len(people), window.duration, service, target)
    if not open_points:
        return PlanReport(len(people), recommended, None, None, None, None)
    current = evaluate_layout(len(people), window.duration, service, [p.desks for p in open_points])
    plan = plan_pickup(people, open_points, window, service, slot_length=slot_length)
    ours = simulate_plan(plan, Behaviour(), seed=seed).total
    alphabetical = simulate_alphabetical(
        people, open_points, window, service, Behaviour(), seed=seed
    ).total
    return PlanReport(len(people), recommended, current, plan, ours, alphabetical)


async def apply_plan(
    conference_id: ConferenceId,
    *,
    slot_length: timedelta = DEFAULT_SLOT,
    actor: AccountId,
    uow: DistributionUnitOfWork,
    clock: Clock,
) -> PickupPlan:
    """Give everyone not served yet a point and a slot at the open points, and store it."""
    now = clock.now()
    async with uow:
        conference, points, participants = await _everyone(uow, conference_id, actor)
        people, open_points = _plan_inputs(participants, points)
        if not open_points:
            raise ValidationFailed("open at least one pickup point before planning")
        plan = plan_pickup(
            people, open_points, _window(conference), conference.service_time,
            slot_length=slot_length,
        )  # fmt: skip
        await uow.participants.save_assignments(_assigned(plan, participants, now))
        await _changed(uow, conference, "assignments", now)
        await uow.commit()
    return plan


def _assigned(
    plan: PickupPlan, participants: Sequence[Participant], now: datetime
) -> list[Participant]:
    by_id = {p.id: p for p in participants}
    changed = []
    for move in _moves(plan):
        participant = by_id[move.participant_id]
        participant.assign(move.to_point, move.slot, now)
        changed.append(participant)
    return changed


@attrs.frozen
class Move:
    participant_id: ParticipantId
    to_point: PointId
    slot: Slot


def _moves(plan: PickupPlan) -> tuple[Move, ...]:
    """The plan's assignments as points and slots, in its participant order."""
    return tuple(
        Move(
            ParticipantId(a.participant_id),
            PointId(a.point_id),
            Slot(plan.slots[a.slot].start, plan.slots[a.slot].end),
        )
        for a in plan.assignments
    )


@attrs.frozen
class Rebalance:
    """Moving the people still due at `from_point` to the other open points, from now on."""

    from_point: PointId
    moves: tuple[Move, ...]
    packs_needed: dict[PointId, int]


async def propose_rebalance(
    conference_id: ConferenceId,
    from_point: PointId,
    *,
    slot_length: timedelta = DEFAULT_SLOT,
    actor: AccountId,
    uow: DistributionUnitOfWork,
    clock: Clock,
) -> Rebalance:
    """Plan the undelivered participants of a closed or overloaded point over the others,
    for the rest of the hand-out window; also how many packs each will need."""
    now = clock.now()
    async with uow:
        conference, points, participants = await _everyone(uow, conference_id, actor)
    if all(point.id != from_point for point in points):
        raise NotFound("pickup point not found")
    stranded = [p for p in participants if p.assigned_point_id == from_point and not p.delivered]
    others = [p for p in points if p.is_open and p.id != from_point]
    if not stranded:
        return Rebalance(from_point, (), {})
    if not others:
        raise ValidationFailed("there is no other open point to send people to")
    start = max(now, conference.handout_starts_at)
    if start >= conference.handout_ends_at:
        raise ValidationFailed("the hand-out window is over; extend it to rebalance")
    people, open_points = _plan_inputs(stranded, others)
    plan = plan_pickup(
        people, open_points, HandOutWindow(start, conference.handout_ends_at),
        conference.service_time, slot_length=slot_length,
    )  # fmt: skip
    moves = _moves(plan)
    needed = {point.id: 0 for point in others}
    for move in moves:
        needed[move.to_point] += 1
    return Rebalance(from_point, moves, needed)


async def apply_rebalance(
    rebalance: Rebalance, conference_id: ConferenceId, *, actor: AccountId,
    uow: DistributionUnitOfWork, clock: Clock,
) -> int:  # fmt: skip
    """Store the moves of a proposal.

    Participants served, moved elsewhere or removed since the proposal stay as they are; a
    proposal sending people to a point that has closed since is refused (propose again).
    """
    now = clock.now()
    async with uow:
        conference = await _organise(uow, conference_id, actor)
        points = await uow.points.of_conference(conference.id)
        open_points = {point.id for point in points if point.is_open}
        closed = {move.to_point for move in rebalance.moves} - open_points
        if closed:
            raise Conflict("a point this proposal sends people to is closed or gone; propose again")
        moved = []
        for move in rebalance.moves:
            try:
                participant = await uow.participants.get_for_update(move.participant_id)
            except NotFound:
                continue
            if (
                participant.conference_id != conference.id
                or participant.delivered
                or participant.assigned_point_id != rebalance.from_point
            ):
                continue
            participant.assign(move.to_point, move.slot, now)
            moved.append(participant)
        await uow.participants.save_assignments(moved)
        await _changed(uow, conference, "assignments", now)
        await uow.commit()
    return len(moved)
