"""Partner holds: seats taken from the event's one counter, then confirmed, released or lapsed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from tests.unit.core.partners.conftest import IssueHelper
from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount, only

from adapters.memory import SteppingClock
from core.booking.commands import CancelEvent
from core.booking.model import Event, Visibility
from core.booking.services import cancel_event
from core.identity.model import Account
from core.partners import services
from core.partners.commands import PlaceHold, RevokeKey
from core.partners.model import HOLD_TTL_DEFAULT, HoldStatus, KeyScope, PartnerHold, PartnerKey
from core.shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from core.shared.money import Money
from core.shared.outbox import OutboxMessage

Outbox = Callable[[], list[OutboxMessage]]


async def place(
    key: PartnerKey,
    event: Event,
    seats: int,
    new_uow: NewUow,
    clock: SteppingClock,
    reference: str = "order-1",
    ttl: timedelta = HOLD_TTL_DEFAULT,
) -> PartnerHold:
    hold, _ = await services.place_hold(
        PlaceHold(key.id, event.id, seats, reference, ttl), uow=new_uow(), clock=clock
    )
    return hold


async def booked(event: Event, new_uow: NewUow) -> int:
    async with new_uow() as uow:
        return (await uow.events.get(event.id)).booked


async def test_a_hold_takes_seats_from_the_event_counter(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    hold = await place(key, show, 3, new_uow, clock)

    assert hold.status is HoldStatus.HELD
    assert hold.seats == 3
    assert hold.organiser_id == show.host_id
    assert hold.partner == "Kassir"
    assert hold.expires_at - hold.created_at == HOLD_TTL_DEFAULT
    assert await booked(show, new_uow) == 3


async def test_placing_a_hold_records_it_and_the_availability_change(
    key: PartnerKey,
    show: Event,
    new_uow: NewUow,
    clock: SteppingClock,
    outbox: Outbox,
) -> None:
    hold = await place(key, show, 2, new_uow, clock)
    messages = outbox()

    (placed,) = only(messages, "partner.hold_placed")
    assert (placed.hold_id, placed.seats, placed.reference) == (hold.id, 2, "order-1")
    assert placed.organiser_id == show.host_id
    changes = only(messages, "availability.changed")
    assert [c.live_event_id for c in changes][-1] == show.id


async def test_the_same_reference_returns_the_first_hold_and_takes_nothing_more(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    first, replay = await services.place_hold(
        PlaceHold(key.id, show.id, 2, "A-1"), uow=new_uow(), clock=clock
    )
    again, replayed = await services.place_hold(
        PlaceHold(key.id, show.id, 2, "A-1"), uow=new_uow(), clock=clock
    )

    assert (replay, replayed) == (False, True)
    assert again.id == first.id
    assert await booked(show, new_uow) == 2


async def test_a_reference_reused_for_a_different_hold_is_refused(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    await place(key, show, 2, new_uow, clock, reference="A-1")
    with pytest.raises(ValidationFailed) as caught:
        await place(key, show, 3, new_uow, clock, reference="A-1")
    assert caught.value.field == "reference"
    assert await booked(show, new_uow) == 2


async def test_partners_and_guests_together_never_exceed_the_capacity(
    key: PartnerKey,
    show: Event,
    new_uow: NewUow,
    clock: SteppingClock,
    book: BookHelper,
    register_account: RegisterAccount,
) -> None:
    await book(show, await register_account(), 6)
    await place(key, show, 3, new_uow, clock, reference="A")

    with pytest.raises(Conflict, match="only 1 seat left"):
        await place(key, show, 2, new_uow, clock, reference="B")
    await place(key, show, 1, new_uow, clock, reference="C")
    with pytest.raises(Conflict, match="only 0 seats left"):
        await book(show, await register_account(), 1)
    assert await booked(show, new_uow) == 10


async def test_confirming_is_idempotent_and_keeps_the_seats(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    hold = await place(key, show, 4, new_uow, clock)

    confirmed = await services.confirm_hold(key.id, hold.id, uow=new_uow(), clock=clock)
    again = await services.confirm_hold(key.id, hold.id, uow=new_uow(), clock=clock)

    assert confirmed.status is HoldStatus.CONFIRMED
    assert again.confirmed_at == confirmed.confirmed_at
    assert await booked(show, new_uow) == 4
    assert len(only(outbox(), "partner.hold_confirmed")) == 1


async def test_releasing_gives_the_seats_back_once(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    hold = await place(key, show, 4, new_uow, clock)

    released = await services.release_hold(key.id, hold.id, uow=new_uow(), clock=clock)
    again = await services.release_hold(key.id, hold.id, uow=new_uow(), clock=clock)

    assert released.status is HoldStatus.RELEASED
    assert again.closed_at == released.closed_at
    assert await booked(show, new_uow) == 0
    (event,) = only(outbox(), "partner.hold_released")
    assert event.reason == "released"


async def test_a_confirmed_hold_cannot_be_released_nor_a_released_one_confirmed(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    sold = await place(key, show, 1, new_uow, clock, reference="sold")
    gone = await place(key, show, 1, new_uow, clock, reference="gone")
    await services.confirm_hold(key.id, sold.id, uow=new_uow(), clock=clock)
    await services.release_hold(key.id, gone.id, uow=new_uow(), clock=clock)

    with pytest.raises(Conflict, match="seats are sold"):
        await services.release_hold(key.id, sold.id, uow=new_uow(), clock=clock)
    with pytest.raises(Conflict, match="the hold was released; place a new one"):
        await services.confirm_hold(key.id, gone.id, uow=new_uow(), clock=clock)
    assert await booked(show, new_uow) == 1


async def test_holds_nobody_confirms_lapse_and_give_their_seats_back(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    short = await place(key, show, 2, new_uow, clock, reference="s", ttl=timedelta(minutes=1))
    long = await place(key, show, 3, new_uow, clock, reference="l", ttl=timedelta(minutes=20))

    assert await services.expire_holds(uow=new_uow(), clock=clock) == 0
    clock.advance(timedelta(minutes=2))
    assert await services.expire_holds(uow=new_uow(), clock=clock) == 1
    assert await services.expire_holds(uow=new_uow(), clock=clock) == 0

    assert (await services.get_hold(key.id, short.id, uow=new_uow())).status is HoldStatus.EXPIRED
    assert (await services.get_hold(key.id, long.id, uow=new_uow())).status is HoldStatus.HELD
    assert await booked(show, new_uow) == 3
    (lapsed,) = only(outbox(), "partner.hold_released")
    assert (lapsed.hold_id, lapsed.reason) == (short.id, "expired")


async def test_a_lapsed_hold_cannot_be_confirmed_even_before_the_job_ran(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    hold = await place(key, show, 2, new_uow, clock, ttl=timedelta(minutes=1))
    clock.advance(timedelta(minutes=1))
    with pytest.raises(Conflict, match="the hold lapsed at"):
        await services.confirm_hold(key.id, hold.id, uow=new_uow(), clock=clock)


async def test_a_priced_event_hold_carries_what_the_partner_owes(
    key: PartnerKey,
    organiser: Account,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    paid = await publish(organiser, capacity=5, price=Money(150_000, "RUB"))
    hold = await place(key, paid, 2, new_uow, clock)
    assert hold.amount == Money(300_000, "RUB")


async def test_partners_see_only_their_organisers_public_events(
    key: PartnerKey,
    organiser: Account,
    publish: PublishHelper,
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    private = await publish(organiser, visibility=Visibility.PRIVATE)
    elsewhere = await publish(await register_account())
    for event in (private, elsewhere):
        with pytest.raises(NotFound, match="event not found"):
            await place(key, event, 1, new_uow, clock)


async def test_a_hold_is_seen_only_by_the_key_that_made_it(
    key: PartnerKey, issue: IssueHelper, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    hold = await place(key, show, 1, new_uow, clock)
    other, _ = await issue("Another shop")
    for action in (services.confirm_hold, services.release_hold):
        with pytest.raises(NotFound, match="hold not found"):
            await action(other.id, hold.id, uow=new_uow(), clock=clock)
    with pytest.raises(NotFound):
        await services.get_hold(other.id, hold.id, uow=new_uow())


async def test_holds_need_the_holds_scope_and_a_live_key(
    issue: IssueHelper, show: Event, organiser: Account, new_uow: NewUow, clock: SteppingClock
) -> None:
    reader, _ = await issue(scopes=frozenset({KeyScope.AVAILABILITY_READ}))
    with pytest.raises(PermissionDenied):
        await place(reader, show, 1, new_uow, clock)

    writer, _ = await issue()
    hold = await place(writer, show, 1, new_uow, clock)
    await services.revoke_key(RevokeKey(writer.id, organiser.id), uow=new_uow(), clock=clock)
    with pytest.raises(Unauthenticated):
        await services.confirm_hold(writer.id, hold.id, uow=new_uow(), clock=clock)


@pytest.mark.parametrize(
    ("seats", "reference", "ttl", "field"),
    [
        (0, "r", HOLD_TTL_DEFAULT, "seats"),
        (101, "r", HOLD_TTL_DEFAULT, "seats"),
        (1, "", HOLD_TTL_DEFAULT, "reference"),
        (1, "r" * 101, HOLD_TTL_DEFAULT, "reference"),
        (1, "bad\nref", HOLD_TTL_DEFAULT, "reference"),
        (1, "r", timedelta(seconds=59), "ttl_seconds"),
        (1, "r", timedelta(minutes=30, seconds=1), "ttl_seconds"),
    ],
)
async def test_hold_input_is_checked_field_by_field(
    seats: int,
    reference: str,
    ttl: timedelta,
    field: str,
    key: PartnerKey,
    show: Event,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await place(key, show, seats, new_uow, clock, reference=reference, ttl=ttl)
    assert caught.value.field == field
    assert await booked(show, new_uow) == 0


async def test_a_cancelled_event_takes_no_holds_and_its_holds_release_without_seats(
    key: PartnerKey, show: Event, organiser: Account, new_uow: NewUow, clock: SteppingClock
) -> None:
    hold = await place(key, show, 2, new_uow, clock, reference="before")
    await cancel_event(CancelEvent(show.id, organiser.id), uow=new_uow(), clock=clock)

    with pytest.raises(Conflict, match="the event is cancelled; cannot hold seats"):
        await place(key, show, 1, new_uow, clock, reference="after")
    with pytest.raises(Conflict, match="the event was cancelled"):
        await services.confirm_hold(key.id, hold.id, uow=new_uow(), clock=clock)
    released = await services.release_hold(key.id, hold.id, uow=new_uow(), clock=clock)
    assert released.status is HoldStatus.RELEASED
    assert await booked(show, new_uow) == 0


async def test_an_event_that_started_takes_no_holds(
    key: PartnerKey, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    clock.advance(timedelta(days=8))
    with pytest.raises(Conflict, match="already started; cannot hold seats"):
        await place(key, show, 1, new_uow, clock)
