"""The desk on the in-memory store: hand-overs, live figures, planning and the dashboard tick.

The conference hands out from 13:00 to 15:00 at a 30 s service time; setting the clock just
before a call fixes the instant the use case reads, so times below are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import attrs
import pytest
from tests.unit.core.distribution.support import SERVICE
from tests.unit.support import HandlerContext, NewUow, RegisterAccount, Relay, only

from adapters.live import MemoryLive
from adapters.memory import SteppingClock
from core.distribution import desk, handlers, services
from core.distribution import participants as participant_list
from core.distribution.capacity import MeanWaitTarget, evaluate_layout, recommend_desks
from core.distribution.events import PackDelivered, RosterChanged
from core.distribution.model import (
    AlreadyDelivered,
    Conference,
    Participant,
    Person,
    PickupPoint,
    PointChanges,
    Role,
    Slot,
)
from core.distribution.planner import HandOutWindow, PickupPlan, PlanParticipant, PlanPoint
from core.distribution.simulation import Behaviour, simulate_alphabetical, simulate_plan
from core.identity.model import Account
from core.shared.errors import NotFound, PermissionDenied, ValidationFailed
from core.shared.outbox import OutboxMessage

OPENS = datetime(2030, 1, 1, 13, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(hours=2)
LAX = MeanWaitTarget(timedelta(minutes=10))


@attrs.define
class Desk:
    """One organiser's conference and the calls the tests make on it."""

    new_uow: NewUow
    clock: SteppingClock
    organiser: Account
    conference: Conference

    async def point(
        self, name: str, desks: int = 1, stock: int = 10, *, is_open: bool = True
    ) -> PickupPoint:
        made = await services.add_point(
            services.NewPoint(self.conference.id, name, "", desks, stock),
            actor=self.organiser.id, uow=self.new_uow(), clock=self.clock,
        )  # fmt: skip
        if not is_open:
            await services.edit_point(
                self.conference.id, made.id, PointChanges(is_open=False),
                actor=self.organiser.id, uow=self.new_uow(), clock=self.clock,
            )  # fmt: skip
        return made

    async def person(self, last: str, prefers: PickupPoint | None = None) -> Participant:
        return await participant_list.add_participant(
            self.conference.id, Person(last, "Ann"), prefers.id if prefers else None,
            actor=self.organiser.id, uow=self.new_uow(), clock=self.clock,
        )  # fmt: skip

    async def place(self, who: Participant, where: PickupPoint, starts: datetime) -> None:
        """Put someone on a point with a 15-minute slot, straight through the repository."""
        async with self.new_uow() as uow:
            stored = await uow.participants.get(who.id)
            stored.assign(where.id, Slot(starts, starts + timedelta(minutes=15)), starts)
            await uow.participants.save(stored)
            await uow.commit()

    async def deliver(
        self, who: Participant, where: PickupPoint, at: datetime | None = None, *,
        by: Account | None = None,
    ) -> tuple[Participant, bool]:  # fmt: skip
        if at is not None:
            self.clock.current = at
        return await desk.deliver_pack(
            self.conference.id, who.id, where.id, actor=(by or self.organiser).id,
            uow=self.new_uow(), clock=self.clock,
        )  # fmt: skip

    async def stored(self, who: Participant) -> Participant:
        async with self.new_uow() as uow:
            return await uow.participants.get(who.id)

    async def points(self) -> list[PickupPoint]:
        return await services.list_points(
            self.conference.id, actor=self.organiser.id, uow=self.new_uow()
        )

    async def stock(self) -> dict[str, int]:
        return {p.name: p.stock for p in await self.points()}

    async def plan(self, **options: Any) -> desk.PlanReport:
        return await desk.plan_conference(
            self.conference.id, LAX, actor=self.organiser.id, uow=self.new_uow(), **options
        )

    async def apply_plan(self, **options: Any) -> PickupPlan:
        return await desk.apply_plan(
            self.conference.id, actor=self.organiser.id, uow=self.new_uow(), clock=self.clock,
            **options,
        )  # fmt: skip

    async def figures(self, at: datetime) -> desk.ConferenceFigures:
        self.clock.current = at
        return await desk.conference_figures(
            self.conference.id, actor=self.organiser.id, uow=self.new_uow(), clock=self.clock
        )


@pytest.fixture
async def made(register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock) -> Desk:
    organiser = await register_account()
    conference = await services.create_conference(
        services.NewConference(organiser.id, "PyCon", "Expo hall", OPENS, CLOSES),
        uow=new_uow(), clock=clock,
    )  # fmt: skip
    return Desk(new_uow, clock, organiser, conference)


async def staff(
    made: Desk, register_account: RegisterAccount, at: PickupPoint | None = None
) -> Account:
    helper = await register_account()
    _, token = await services.invite_staff(
        made.conference.id, Role.STAFF, at.id if at else None, actor=made.organiser.id,
        uow=made.new_uow(), clock=made.clock,
    )  # fmt: skip
    await services.accept_invitation(token, actor=helper.id, uow=made.new_uow(), clock=made.clock)
    return helper


# --- deliver_pack -----------------------------------------------------------------------------


async def test_a_hand_over_is_stored_once_with_its_point_staff_time_and_event(
    made: Desk, outbox: Callable[[], list[OutboxMessage]]
) -> None:
    hall, annex = await made.point("Hall", stock=3), await made.point("Annex", stock=3)
    ann = await made.person("Adams")
    await made.place(ann, annex, OPENS)
    at = OPENS + timedelta(minutes=3)

    served, repeated = await made.deliver(ann, hall, at)

    assert repeated is False
    stored = await made.stored(ann)
    assert (stored.delivered_at, stored.delivered_point_id) == (at, hall.id)
    assert (stored.delivered_by, stored.updated_at) == (made.organiser.id, at)
    assert served.delivered_at == at
    assert await made.stock() == {"Hall": 2, "Annex": 3}
    [event] = only(outbox(), PackDelivered.name)
    assert (event.conference_id, event.participant_id) == (made.conference.id, ann.id)
    assert (event.point_id, event.assigned_point_id, event.occurred_at) == (hall.id, annex.id, at)

    # the same desk confirming again gets the first hand-over back and takes no pack
    again, repeated = await made.deliver(ann, hall, at + timedelta(minutes=4))

    assert repeated is True
    assert (again.delivered_at, again.delivered_point_id, again.updated_at) == (at, hall.id, at)
    assert await made.stock() == {"Hall": 2, "Annex": 3}
    assert len(only(outbox(), PackDelivered.name)) == 1


async def test_another_desk_of_the_same_point_is_told_it_happened_at_this_point(
    made: Desk, register_account: RegisterAccount
) -> None:
    hall = await made.point("Hall", stock=3)
    ann, bob = await made.person("Adams"), await made.person("Brown")
    await made.deliver(ann, hall, OPENS + timedelta(minutes=1, seconds=30))
    helper = await staff(made, register_account, at=hall)
    served, _ = await made.deliver(bob, hall, by=helper)
    assert served.delivered_by == helper.id  # staff tied to the point hand out there
    with pytest.raises(AlreadyDelivered) as refused:
        await made.deliver(ann, hall, by=helper)
    assert refused.value.detail == (
        "Adams Ann already got their pack at this point at 2030-01-01T13:01:30+00:00"
    )
    assert (refused.value.point_id, refused.value.code) == (hall.id, "already-delivered")
    assert await made.stock() == {"Hall": 1}


async def test_a_participant_or_point_of_another_conference_is_not_found(
    made: Desk, register_account: RegisterAccount
) -> None:
    hall = await made.point("Hall", stock=5)
    ann = await made.person("Adams")
    other = Desk(made.new_uow, made.clock, made.organiser, await services.create_conference(
        services.NewConference(made.organiser.id, "DjangoCon", "", OPENS, CLOSES),
        uow=made.new_uow(), clock=made.clock,
    ))  # fmt: skip
    elsewhere, stranger = await other.point("Foyer", stock=5), await other.person("Brown")

    with pytest.raises(NotFound, match=r"^participant not found$"):
        await made.deliver(stranger, hall)
    with pytest.raises(NotFound, match=r"^pickup point not found$"):
        await made.deliver(ann, elsewhere)
    with pytest.raises(NotFound, match=r"^conference not found$"):
        await made.deliver(ann, hall, by=await register_account())
    assert (await made.stored(ann)).delivered_at is None
    assert (await made.stored(stranger)).delivered_at is None
    assert await made.stock() == {"Hall": 5}
    assert await other.stock() == {"Foyer": 5}


# --- live figures -----------------------------------------------------------------------------


def row(f: desk.PointFigures) -> tuple[int | float, ...]:
    """Assigned, remaining, handed out, for others, last 5 and 15 min, queue, wait (s), stock."""
    return (
        f.assigned, f.remaining, f.handed_out, f.for_other_points, f.last_5_min, f.last_15_min,
        f.estimated_queue, f.estimated_wait.total_seconds(), f.stock,
    )  # fmt: skip


async def test_figures_per_point_and_in_total_at_one_instant(made: Desk) -> None:
    # looked at 13:20: a slot counts as due if it began in (13:05, 13:20]; packs out at 13:04:30
    # (15.5 min ago), 13:14:30 (5.5 min ago) and 13:19 (1 min ago)
    main, side = await made.point("Main", desks=2, stock=10), await made.point("Side", stock=5)
    shut = await made.point("Shut", desks=3, stock=4, is_open=False)
    await made.point("Idle", stock=7)
    due1, due2, served_early, not_due, served_elsewhere, at_shut, walk_in, _ = [
        await made.person(name)
        for name in ("Ames", "Baker", "Cole", "Dunn", "Ewing", "Fox", "Gray", "Hale")
    ]
    for who in (due1, due2, served_early):
        await made.place(who, main, OPENS + timedelta(minutes=10))
    await made.place(not_due, main, OPENS + timedelta(minutes=4, seconds=30))
    await made.place(served_elsewhere, side, OPENS + timedelta(minutes=15))
    await made.place(at_shut, shut, OPENS + timedelta(minutes=10))
    await made.deliver(served_early, main, OPENS + timedelta(minutes=4, seconds=30))
    await made.deliver(served_elsewhere, main, OPENS + timedelta(minutes=14, seconds=30))
    await made.deliver(walk_in, side, OPENS + timedelta(minutes=19))
    looked = OPENS + timedelta(minutes=20)

    figures = await made.figures(looked)

    assert figures.at == looked
    assert [f.point for f in figures.points] == await made.points()  # Main, Side, Shut, Idle
    assert [row(f) for f in figures.points] == [
        (4, 3, 2, 1, 0, 1, 2, 30.0, 8),  # two due over two desks wait 30 s
        (1, 0, 1, 1, 1, 1, 0, 0.0, 4),
        (1, 1, 0, 0, 0, 0, 0, 0.0, 4),  # closed: queues nobody, though Fox is due there
        (0, 0, 0, 0, 0, 0, 0, 0.0, 7),
    ]
    # the total counts everyone, the due at closed points too, and has no wait and no stock
    assert figures.total.point is None
    assert row(figures.total) == (8, 5, 3, 2, 1, 2, 3, 0.0, 0)
    assert figures.unassigned == 2


async def test_the_estimated_wait_is_the_queue_times_the_service_time_over_the_desks(
    made: Desk,
) -> None:
    hall = await made.point("Hall", desks=4, stock=10)
    for name in ("Ames", "Baker", "Cole", "Dunn", "Ewing", "Fox"):
        await made.place(await made.person(name), hall, OPENS)
    [figures] = (await made.figures(OPENS + timedelta(minutes=1))).points
    assert (figures.estimated_queue, figures.estimated_wait) == (6, timedelta(seconds=45))
    assert (figures.assigned, figures.remaining, figures.handed_out) == (6, 6, 0)


# --- the dashboard tick -----------------------------------------------------------------------


@attrs.define
class LiveHandlerContext(HandlerContext):
    live: MemoryLive = attrs.field(factory=MemoryLive)


async def test_a_hand_over_wakes_the_dashboards_of_its_conference_only(
    made: Desk, ctx: HandlerContext
) -> None:
    hall = await made.point("Hall", stock=2)
    ann = await made.person("Adams")
    live = LiveHandlerContext(ctx.clock, ctx.notifier, ctx.store)
    relay = Relay(ctx=live, handlers=handlers.HANDLERS)  # type: ignore[arg-type]
    await relay.drain()  # the set-up's own roster changes
    async with (
        live.live.subscribe(made.conference.id) as mine,
        live.live.subscribe(uuid4()) as theirs,
    ):
        await made.deliver(ann, hall)
        await relay.drain()
        assert mine.get_nowait() is None
        assert theirs.empty()


def test_both_distribution_events_refresh_the_dashboards() -> None:
    table = handlers.HANDLERS
    assert table == {
        PackDelivered.name: [handlers.refresh_dashboards],
        RosterChanged.name: [handlers.refresh_dashboards],
    }


# --- planning ---------------------------------------------------------------------------------


async def test_a_report_plans_the_unserved_at_the_open_points_and_compares_both_ways(
    made: Desk,
) -> None:
    big, small = await made.point("Big", desks=2), await made.point("Small", desks=1)
    shut = await made.point("Shut", desks=3, is_open=False)
    names = ("Ames", "Baker", "Cole", "Dunn", "Ewing", "Fox", "Gray", "Hale", "Ives", "Jones")
    people = [await made.person(name) for name in names]
    wants_small = await made.person("Kent", prefers=small)
    wants_shut = await made.person("Lowe", prefers=shut)
    served = await made.person("Moss")
    await made.deliver(served, big)

    report = await made.plan(seed=7)

    window = HandOutWindow(OPENS, CLOSES)
    assert report.participants == 12
    assert report.recommended == recommend_desks(12, timedelta(hours=2), SERVICE, LAX)
    assert report.recommended.desks_per_point == (1,)
    assert report.current == evaluate_layout(12, timedelta(hours=2), SERVICE, [2, 1])
    plan = report.plan
    assert plan is not None
    assert plan.points == (PlanPoint(big.id, "Big", 2), PlanPoint(small.id, "Small", 1))
    assert (plan.window, plan.service_time, len(plan.slots)) == (window, SERVICE, 8)
    planned = {a.participant_id: a.point_id for a in plan.assignments}
    assert set(planned) == {p.id for p in [*people, wants_small, wants_shut]}
    assert planned[wants_small.id] == small.id
    assert plan.unhonoured == ()
    inputs = [
        PlanParticipant(p.id, p.person.last_name, small.id if p is wants_small else None)
        for p in [*people, wants_small, wants_shut]
    ]
    assert report.ours == simulate_plan(plan, Behaviour(), seed=7).total
    assert report.ours != simulate_plan(plan, Behaviour(), seed=0).total
    assert (
        report.alphabetical
        == simulate_alphabetical(inputs, plan.points, window, SERVICE, Behaviour(), seed=7).total
    )


async def test_a_report_uses_seed_zero_and_quarter_hour_slots_unless_told(made: Desk) -> None:
    await made.point("Hall", desks=1)
    for name in ("Ames", "Baker", "Cole"):
        await made.person(name)
    usual = await made.plan()
    assert usual.plan is not None
    assert [s.start for s in usual.plan.slots[:2]] == [OPENS, OPENS + timedelta(minutes=15)]
    assert usual.ours == simulate_plan(usual.plan, Behaviour(), seed=0).total
    halves = await made.plan(slot_length=timedelta(minutes=30))
    assert halves.plan is not None
    assert [s.end - s.start for s in halves.plan.slots] == [timedelta(minutes=30)] * 4


async def test_without_an_open_point_the_report_only_recommends(made: Desk) -> None:
    await made.point("Shut", desks=2, is_open=False)
    for name in ("Ames", "Baker"):
        await made.person(name)
    assert await made.plan() == desk.PlanReport(
        2, recommend_desks(2, timedelta(hours=2), SERVICE, LAX), None, None, None, None
    )


async def test_there_is_nothing_to_plan_when_everybody_is_served(made: Desk) -> None:
    hall = await made.point("Hall")
    with pytest.raises(ValidationFailed, match=r"^there is nobody left to plan for: add "):
        await made.plan()
    await made.deliver(await made.person("Adams"), hall)
    with pytest.raises(ValidationFailed, match="nobody left to plan for"):
        await made.plan()


async def test_only_the_organiser_plans(made: Desk, register_account: RegisterAccount) -> None:
    await made.point("Hall")
    await made.person("Adams")
    helper = await staff(made, register_account)
    with pytest.raises(PermissionDenied, match="only the conference's organiser"):
        await desk.plan_conference(made.conference.id, LAX, actor=helper.id, uow=made.new_uow())
    with pytest.raises(PermissionDenied):
        await desk.apply_plan(
            made.conference.id, actor=helper.id, uow=made.new_uow(), clock=made.clock
        )
    assert (await made.figures(OPENS)).unassigned == 1  # nothing was stored


# --- applying a plan --------------------------------------------------------------------------


async def test_applying_a_plan_stores_a_point_and_slot_for_everyone_not_served(
    made: Desk, outbox: Callable[[], list[OutboxMessage]]
) -> None:
    big, small = await made.point("Big", desks=2), await made.point("Small", desks=1)
    shut = await made.point("Shut", desks=5, is_open=False)
    people = [await made.person(name) for name in ("Ames", "Baker", "Cole", "Dunn")]
    wants_small = await made.person("Kent", prefers=small)
    wants_shut = await made.person("Lowe", prefers=shut)
    people += [wants_small, wants_shut]  # in the order of their ids, as the plan lists them
    served = await made.person("Moss")
    await made.deliver(served, big)
    made.clock.current = now = OPENS - timedelta(minutes=30)

    plan = await made.apply_plan(slot_length=timedelta(minutes=20))

    assert plan.points == (PlanPoint(big.id, "Big", 2), PlanPoint(small.id, "Small", 1))
    assert [s.start for s in plan.slots] == [OPENS + timedelta(minutes=20 * k) for k in range(6)]
    assert len(plan.assignments) == 6
    for person, assignment in zip(people, plan.assignments, strict=True):
        slot = plan.slots[assignment.slot]
        stored = await made.stored(person)
        assert (stored.id, stored.assigned_point_id) == (person.id, assignment.point_id)
        assert stored.slot == Slot(slot.start, slot.end)
        assert stored.updated_at == now
    assert (await made.stored(wants_small)).assigned_point_id == small.id
    assert (await made.stored(wants_shut)).assigned_point_id in {big.id, small.id}
    untouched = await made.stored(served)
    assert (untouched.assigned_point_id, untouched.slot) == (None, None)
    change = only(outbox(), RosterChanged.name)[-1]
    assert (change.what, change.occurred_at) == ("assignments", now)


async def test_applying_needs_an_open_point_and_stores_nothing_without_one(
    made: Desk, outbox: Callable[[], list[OutboxMessage]]
) -> None:
    await made.point("Shut", is_open=False)
    ann = await made.person("Adams")
    before = len(outbox())
    with pytest.raises(ValidationFailed, match=r"^open at least one pickup point before planning$"):
        await made.apply_plan()
    assert (await made.stored(ann)).assigned_point_id is None
    assert len(outbox()) == before
