"""The perks a subscription gives are read by the rest of the product: resale waives its fee
for a subscriber with the no-resale-fee perk (and charges it again once they cancel); the
waiting list offers freed seats to a subscriber with waiting-list priority first."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.core.subscriptions.support import World
from tests.unit.support import BookHelper, PublishHelper, RegisterAccount

from core.booking.commands import CancelBooking, JoinWaitlist
from core.booking.services import cancel_booking
from core.booking.waiting import join_waitlist
from core.booking.waitlist import EntryStatus
from core.identity.model import Account
from core.resale import services as resale
from core.resale.commands import ListTicket
from core.resale.model import EventType, ListingDetails
from core.shared.money import Money
from core.shared.perks import Perk

RUB = "RUB"


async def _seller(world: World, register_account: RegisterAccount) -> Account:
    account = await register_account()
    async with world.new_uow() as uow:
        stored = await uow.accounts.get(account.id)
        stored.verify_phone("+79990001122", world.clock.now())
        await uow.accounts.save(stored)
        await uow.commit()
    return stored


async def _fee(world: World, seller: Account, barcode: str) -> Money:
    details = ListingDetails(
        "Night at the Opera", EventType.THEATRE, world.clock.current + timedelta(days=5),
        "Moscow", "Bolshoi",
    )  # fmt: skip
    listing = await resale.list_ticket(
        ListTicket(seller.id, barcode, Money(50_000, RUB), EventType.THEATRE, "kassa", details),
        uow=world.new_uow(),
        clock=world.clock,
        checkers={},
    )
    return listing.fee


async def test_a_subscriber_sells_without_the_fee_until_they_cancel(
    world: World, register_account: RegisterAccount
) -> None:
    seller = await _seller(world, register_account)
    assert (await _fee(world, seller, "BEFORE-1")).amount > 0

    subscription = await world.subscribe(
        seller, await world.plan(perks=frozenset({Perk.NO_RESALE_FEE}))
    )
    assert await _fee(world, seller, "DURING-1") == Money(0, RUB)

    await world.cancel(subscription)
    assert (await _fee(world, seller, "AFTER-1")).amount > 0


async def test_a_subscriber_with_priority_is_offered_freed_seats_first(
    world: World, register_account: RegisterAccount, publish: PublishHelper, book: BookHelper
) -> None:
    host, holder = await register_account(), await register_account()
    event = await publish(host, capacity=1)
    booking = await book(event, holder, 1)
    early, subscriber = await register_account(), await register_account()
    await world.subscribe(subscriber, await world.plan(perks=frozenset({Perk.WAITLIST_PRIORITY})))
    plain = await join_waitlist(JoinWaitlist(event.id, early.id, 1), uow=world.new_uow(),
                                clock=world.clock)  # fmt: skip
    first = await join_waitlist(JoinWaitlist(event.id, subscriber.id, 1), uow=world.new_uow(),
                                clock=world.clock)  # fmt: skip
    await cancel_booking(
        CancelBooking(booking.id, holder.id), uow=world.new_uow(), clock=world.clock
    )
    async with world.new_uow() as uow:
        assert (await uow.waitlist.get(first.id)).status is EntryStatus.OFFERED
        assert (await uow.waitlist.get(plain.id)).status is EntryStatus.WAITING
