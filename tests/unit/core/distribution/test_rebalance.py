"""Rebalancing: the people still due at a closed or overloaded point, spread over the others.

The conference hands out from 13:00 to 15:00 at 30 s a person. With one receiving point of
two desks a 15-minute slot holds 60, so three people fill the first three slots one each in
surname order (the quotas of 3 over equal slots are 1, 1, 1, 0, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from tests.unit.support import NewUow, RegisterAccount, only

from adapters.memory import SteppingClock
from core.distribution import desk, services
from core.distribution import participants as participant_list
from core.distribution.desk import Move, Rebalance
from core.distribution.events import RosterChanged
from core.distribution.model import (
    Conference,
    Participant,
    Person,
    PickupPoint,
    PointChanges,
    PointId,
    Role,
    Slot,
)
from core.identity.model import Account
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.outbox import OutboxMessage

OPENS = datetime(2030, 1, 1, 13, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(hours=2)


def at(minutes: float) -> datetime:
    return OPENS + timedelta(minutes=minutes)


def slot(start: float, end: float) -> Slot:
    return Slot(at(start), at(end))


@attrs.define
class Venue:
    """An organiser's conference with helpers to add points and people and to ask the desk."""

    new_uow: NewUow
    clock: SteppingClock
    organiser: Account
    conference: Conference

    async def point(self, name: str, desks: int = 2, stock: int = 50) -> PickupPoint:
        return await services.add_point(
            services.NewPoint(self.conference.id, name, "", desks, stock),
            actor=self.organiser.id, uow=self.new_uow(), clock=self.clock,
        )  # fmt: skip

    async def close(self, point: PickupPoint) -> None:
        await services.edit_point(
            self.conference.id, point.id, PointChanges(is_open=False), actor=self.organiser.id,
            uow=self.new_uow(), clock=self.clock,
        )  # fmt: skip

    async def person(
        self, last: str, at_point: PickupPoint | None, prefers: PickupPoint | None = None
    ) -> Participant:
        made = await participant_list.add_participant(
            self.conference.id, Person(last, "Ann"), prefers.id if prefers else None,
            actor=self.organiser.id, uow=self.new_uow(), clock=self.clock,
        )  # fmt: skip
        if at_point is not None:
            async with self.new_uow() as uow:
                stored = await uow.participants.get(made.id)
                stored.assign(at_point.id, slot(0, 15), OPENS)
                await uow.participants.save(stored)
                await uow.commit()
        return made

    async def deliver(self, who: Participant, where: PickupPoint) -> None:
        await desk.deliver_pack(
            self.conference.id, who.id, where.id, actor=self.organiser.id, uow=self.new_uow(),
            clock=self.clock,
        )  # fmt: skip

    async def propose(
        self, from_point: PickupPoint, *, now: datetime | None = None, **options: object
    ) -> Rebalance:
        if now is not None:
            self.clock.current = now
        return await desk.propose_rebalance(
            self.conference.id, from_point.id, actor=self.organiser.id, uow=self.new_uow(),
            clock=self.clock, **options,  # type: ignore[arg-type]
        )  # fmt: skip

    async def apply(self, proposal: Rebalance, now: datetime) -> int:
        self.clock.current = now
        return await desk.apply_rebalance(
            proposal, self.conference.id, actor=self.organiser.id, uow=self.new_uow(),
            clock=self.clock,
        )  # fmt: skip

    async def stored(self, who: Participant) -> Participant:
        async with self.new_uow() as uow:
            return await uow.participants.get(who.id)


async def venue(register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock) -> Venue:
    organiser = await register_account()
    conference = await services.create_conference(
        services.NewConference(organiser.id, "PyCon", "Expo hall", OPENS, CLOSES),
        uow=new_uow(), clock=clock,
    )  # fmt: skip
    return Venue(new_uow, clock, organiser, conference)


@pytest.fixture
async def made(register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock) -> Venue:
    return await venue(register_account, new_uow, clock)


async def closed_hall(made: Venue) -> tuple[PickupPoint, PickupPoint, list[Participant]]:
    """Hall closed with Adams, Brown and Clark still due and Moss served; Annex the only other
    open point (Shut is closed too); Young is planned at the Annex."""
    hall, annex, shut = (
        await made.point("Hall"),
        await made.point("Annex"),
        await made.point("Shut"),
    )
    # added out of surname order: the plan follows surnames, not the order of the list
    clark, adams, brown = [await made.person(n, hall) for n in ("Clark", "Adams", "Brown")]
    moss = await made.person("Moss", hall)
    await made.person("Young", annex)
    await made.deliver(moss, hall)
    await made.close(hall)
    await made.close(shut)
    return hall, annex, [adams, brown, clark]


# --- proposals --------------------------------------------------------------------------------


async def test_the_people_due_at_a_closed_point_go_to_the_open_one_from_the_window_start(
    made: Venue,
) -> None:
    hall, annex, (adams, brown, clark) = await closed_hall(made)

    proposal = await made.propose(hall, now=OPENS - timedelta(hours=1))

    assert proposal == Rebalance(
        from_point=hall.id,
        moves=(
            Move(clark.id, annex.id, slot(30, 45)),
            Move(adams.id, annex.id, slot(0, 15)),
            Move(brown.id, annex.id, slot(15, 30)),
        ),
        packs_needed={annex.id: 3},
    )


async def test_inside_the_window_the_moves_start_now(made: Venue) -> None:
    hall, _, (adams, brown, clark) = await closed_hall(made)

    proposal = await made.propose(hall, now=at(40))

    assert {m.participant_id: m.slot for m in proposal.moves} == {
        adams.id: slot(40, 55),
        brown.id: slot(55, 70),
        clark.id: slot(70, 85),
    }


async def test_the_slot_length_can_be_chosen(made: Venue) -> None:
    hall, _, (adams, brown, clark) = await closed_hall(made)

    proposal = await made.propose(hall, now=at(-5), slot_length=timedelta(minutes=30))

    assert {m.participant_id: m.slot for m in proposal.moves} == {
        adams.id: slot(0, 30),
        brown.id: slot(30, 60),
        clark.id: slot(60, 90),
    }


async def test_an_overloaded_open_point_sends_its_people_elsewhere_not_to_itself(
    made: Venue,
) -> None:
    busy, quiet = await made.point("Busy", desks=1), await made.point("Quiet", desks=2)
    first = await made.person("Adams", busy)

    proposal = await made.propose(busy, now=at(-5))

    assert proposal.moves == (Move(first.id, quiet.id, slot(0, 15)),)
    assert proposal.packs_needed == {quiet.id: 1}


async def test_every_open_point_is_counted_and_a_wish_for_one_of_them_is_kept(
    made: Venue,
) -> None:
    hall, big, small = (
        await made.point("Hall"),
        await made.point("Big", 4),
        await made.point("Small", 1),
    )
    keen = await made.person("Adams", hall, prefers=small)
    loyal = await made.person("Brown", hall, prefers=hall)
    await made.close(hall)

    proposal = await made.propose(hall, now=at(-5))

    targets = {m.participant_id: m.to_point for m in proposal.moves}
    assert targets[keen.id] == small.id
    assert targets[loyal.id] in {big.id, small.id}
    assert proposal.packs_needed == {
        big.id: list(targets.values()).count(big.id),
        small.id: list(targets.values()).count(small.id),
    }
    assert sum(proposal.packs_needed.values()) == 2


async def test_a_point_nobody_is_sent_to_still_shows_zero_packs_needed(made: Venue) -> None:
    hall, big, small = (
        await made.point("Hall"),
        await made.point("Big", 4),
        await made.point("Small", 1),
    )
    only_one = await made.person("Adams", hall, prefers=small)

    proposal = await made.propose(hall, now=at(-5))

    assert proposal.moves == (Move(only_one.id, small.id, slot(0, 15)),)
    assert proposal.packs_needed == {big.id: 0, small.id: 1}


async def test_a_proposal_stores_nothing(made: Venue) -> None:
    hall, _, (adams, _, _) = await closed_hall(made)
    await made.propose(hall, now=at(-5))
    stored = await made.stored(adams)
    assert (stored.assigned_point_id, stored.slot) == (hall.id, slot(0, 15))


async def test_with_nobody_due_there_is_nothing_to_move_even_without_other_points(
    made: Venue,
) -> None:
    lonely = await made.point("Lonely")
    served = await made.person("Moss", lonely)
    await made.person("Young", None)
    await made.deliver(served, lonely)
    await made.close(lonely)

    assert await made.propose(lonely, now=at(-5)) == Rebalance(lonely.id, (), {})


async def test_people_due_but_no_other_open_point_is_refused(made: Venue) -> None:
    hall, shut = await made.point("Hall"), await made.point("Shut")
    await made.person("Adams", hall)
    await made.close(shut)
    with pytest.raises(ValidationFailed, match=r"^there is no other open point to send people to$"):
        await made.propose(hall, now=at(-5))


async def test_once_the_window_is_over_rebalancing_is_refused(made: Venue) -> None:
    hall, _, _ = await closed_hall(made)
    message = "^the hand-out window is over; extend it to rebalance$"
    with pytest.raises(ValidationFailed, match=message):
        await made.propose(hall, now=CLOSES)
    with pytest.raises(ValidationFailed, match=message):
        await made.propose(hall, now=CLOSES + timedelta(minutes=1))
    last_minute = await made.propose(hall, now=CLOSES - timedelta(minutes=1))
    assert {m.slot for m in last_minute.moves} == {Slot(CLOSES - timedelta(minutes=1), CLOSES)}


async def test_a_point_of_another_conference_or_none_at_all_is_not_found(
    made: Venue, register_account: RegisterAccount
) -> None:
    hall, _, _ = await closed_hall(made)
    other = await venue(register_account, made.new_uow, made.clock)
    foreign = await other.point("Foyer")
    with pytest.raises(NotFound, match=r"^pickup point not found$"):
        await made.propose(foreign)
    with pytest.raises(NotFound):
        await desk.propose_rebalance(
            made.conference.id, PointId(other.conference.id), actor=made.organiser.id,
            uow=made.new_uow(), clock=made.clock,
        )  # fmt: skip
    assert (await made.propose(hall, now=at(-5))).from_point == hall.id


async def test_only_the_organiser_rebalances(
    made: Venue, register_account: RegisterAccount
) -> None:
    hall, _, (adams, _, _) = await closed_hall(made)
    proposal = await made.propose(hall, now=at(-5))
    helper, outsider = await register_account(), await register_account()
    _, token = await services.invite_staff(
        made.conference.id, Role.STAFF, None, actor=made.organiser.id, uow=made.new_uow(),
        clock=made.clock,
    )  # fmt: skip
    await services.accept_invitation(token, actor=helper.id, uow=made.new_uow(), clock=made.clock)
    for actor, refusal in ((helper.id, PermissionDenied), (outsider.id, NotFound)):
        with pytest.raises(refusal):
            await desk.propose_rebalance(
                made.conference.id, hall.id, actor=actor, uow=made.new_uow(), clock=made.clock
            )
        with pytest.raises(refusal):
            await desk.apply_rebalance(
                proposal, made.conference.id, actor=actor, uow=made.new_uow(), clock=made.clock
            )
    assert (await made.stored(adams)).assigned_point_id == hall.id


# --- applying a proposal ----------------------------------------------------------------------


async def test_applying_moves_everyone_in_the_proposal_and_tells_the_dashboards(
    made: Venue, outbox: Callable[[], list[OutboxMessage]]
) -> None:
    hall, annex, people = await closed_hall(made)
    proposal = await made.propose(hall, now=at(-10))

    moved = await made.apply(proposal, now=at(-5))

    assert moved == 3
    for person, start in zip(people, (0, 15, 30), strict=True):
        stored = await made.stored(person)
        assert (stored.assigned_point_id, stored.slot) == (annex.id, slot(start, start + 15))
        assert stored.updated_at == at(-5)
    change = only(outbox(), RosterChanged.name)[-1]
    assert (change.what, change.occurred_at, change.conference_id) == (
        "assignments",
        at(-5),
        made.conference.id,
    )


async def test_someone_served_meanwhile_keeps_their_point(made: Venue) -> None:
    hall, annex, (adams, brown, clark) = await closed_hall(made)
    proposal = await made.propose(hall, now=at(-10))
    # Adams's move comes first: the moves after a skipped one still happen
    assert proposal.moves[1].participant_id == adams.id
    first, second, third = proposal.moves
    reordered = attrs.evolve(proposal, moves=(second, first, third))
    async with made.new_uow() as uow:  # a desk still open elsewhere served Adams at the Hall
        stored = await uow.participants.get(adams.id)
        stored.delivered_at, stored.delivered_point_id = at(-8), hall.id
        await uow.participants.save(stored)
        await uow.commit()

    moved = await made.apply(reordered, now=at(-5))

    assert moved == 2
    kept = await made.stored(adams)
    assert (kept.assigned_point_id, kept.slot) == (hall.id, slot(0, 15))
    assert (await made.stored(brown)).assigned_point_id == annex.id
    assert (await made.stored(clark)).assigned_point_id == annex.id


async def test_a_move_naming_someone_of_another_conference_is_skipped(
    made: Venue, register_account: RegisterAccount
) -> None:
    hall, annex, (adams, _, _) = await closed_hall(made)
    other = await venue(register_account, made.new_uow, made.clock)
    foyer = await other.point("Foyer")
    outsider = await other.person("Zorn", foyer)
    proposal = Rebalance(
        hall.id,
        (Move(outsider.id, annex.id, slot(0, 15)), Move(adams.id, annex.id, slot(45, 60))),
        {annex.id: 2},
    )

    assert await made.apply(proposal, now=at(-5)) == 1

    untouched = await other.stored(outsider)
    assert (untouched.assigned_point_id, untouched.slot) == (foyer.id, slot(0, 15))
    moved = await made.stored(adams)
    assert (moved.assigned_point_id, moved.slot) == (annex.id, slot(45, 60))


async def test_someone_moved_or_removed_meanwhile_is_left_alone(made: Venue) -> None:
    hall, annex, (adams, brown, clark) = await closed_hall(made)
    proposal = await made.propose(hall, now=at(-10))
    async with made.new_uow() as uow:  # the organiser sent Adams to the Annex by hand
        stored = await uow.participants.get(adams.id)
        stored.assign(annex.id, slot(90, 105), at(-9))
        await uow.participants.save(stored)
        await uow.commit()
    await participant_list.remove_participant(
        made.conference.id, brown.id, actor=made.organiser.id, uow=made.new_uow(),
        clock=made.clock,
    )  # fmt: skip

    assert await made.apply(proposal, now=at(-5)) == 1

    kept = await made.stored(adams)
    assert (kept.assigned_point_id, kept.slot) == (annex.id, slot(90, 105))
    assert (await made.stored(clark)).assigned_point_id == annex.id


async def test_a_proposal_sending_people_to_a_point_closed_since_is_refused(made: Venue) -> None:
    hall, annex, people = await closed_hall(made)
    proposal = await made.propose(hall, now=at(-10))
    await made.close(annex)

    with pytest.raises(Conflict, match=r"closed or gone; propose again$"):
        await made.apply(proposal, now=at(-5))

    for person in people:
        assert (await made.stored(person)).assigned_point_id == hall.id


async def test_a_proposal_naming_a_point_of_another_conference_is_refused(
    made: Venue, register_account: RegisterAccount
) -> None:
    hall, _, (adams, _, _) = await closed_hall(made)
    other = await venue(register_account, made.new_uow, made.clock)
    foyer = await other.point("Foyer")
    proposal = Rebalance(hall.id, (Move(adams.id, foyer.id, slot(0, 15)),), {foyer.id: 1})

    with pytest.raises(Conflict):
        await made.apply(proposal, now=at(-5))

    assert (await made.stored(adams)).assigned_point_id == hall.id
