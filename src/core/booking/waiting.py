"""Waiting-list use cases: join, leave, accept an offer, hand freed seats to the next in line,
and let lapsed offers go (see core.booking.waitlist for the rules)."""

from __future__ import annotations

from core.booking.commands import JoinWaitlist, WaitlistAction
from core.booking.ports import BookingUnitOfWork
from core.booking.services import book_places, store_booking
from core.booking.tickets import Booking
from core.booking.visibility import ensure_visible
from core.booking.waitlist import EntryStatus, WaitlistEntry, offer_freed_seats
from core.identity.model import AccountId
from core.payments.services import PaymentTerms
from core.shared.clock import Clock


async def join_waitlist(
    cmd: JoinWaitlist, *, uow: BookingUnitOfWork, clock: Clock
) -> WaitlistEntry:
    """Wait for seats at a full event (one active entry per guest and event)."""
    now = clock.now()
    async with uow:
        event = await uow.events.get_for_update(cmd.event_id)
        await ensure_visible(event, cmd.guest_id, cmd.invite_token, uow)
        entry = WaitlistEntry.join(event, cmd.guest_id, cmd.seats, now)
        await uow.waitlist.add(entry)
        await uow.commit()
    return entry


async def leave_waitlist(
    cmd: WaitlistAction, *, uow: BookingUnitOfWork, clock: Clock
) -> WaitlistEntry:
    """Leave the list; seats held by an open offer go to the next in line."""
    now = clock.now()
    async with uow:
        entry = await uow.waitlist.get(cmd.entry_id)
        entry.ensure_owned_by(cmd.actor_id)
        event = await uow.events.get_for_update(entry.event_id)
        entry = await uow.waitlist.get(cmd.entry_id)  # re-read under the event's lock
        entry.leave(event, now)
        await uow.waitlist.save(entry)
        await uow.events.save(event)
        await offer_freed_seats(event, uow, now)
        await uow.commit()
    return entry


async def accept_offer(
    cmd: WaitlistAction,
    *,
    uow: BookingUnitOfWork,
    clock: Clock,
    terms: PaymentTerms = PaymentTerms(),
) -> Booking:
    """Book the seats an offer holds: confirmed at once for a free event, held for payment
    (as any booking) for a paid one."""
    now = clock.now()
    async with uow:
        entry = await uow.waitlist.get(cmd.entry_id)
        entry.ensure_owned_by(cmd.actor_id)
        event = await uow.events.get_for_update(entry.event_id)
        entry = await uow.waitlist.get(cmd.entry_id)
        entry.take_offer(event, now)
        booking = await book_places(event, entry.guest_id, entry.seats, now, uow, terms)
        await store_booking(booking, event, uow, terms, now)
        entry.status, entry.booking_id = EntryStatus.BOOKED, booking.id
        await uow.waitlist.save(entry)
        await uow.events.save(event)
        await uow.commit()
    return booking


async def lapse_offers(*, uow: BookingUnitOfWork, clock: Clock, limit: int = 100) -> int:
    """The periodic job: offers that ran out give their seats to the next in line."""
    async with uow:
        lapsed = await uow.waitlist.lapsed_offers(clock.now(), limit)
    for found in lapsed:
        now = clock.now()
        async with uow:
            event = await uow.events.get_for_update(found.event_id)
            entry = await uow.waitlist.get(found.id)
            if entry.status is EntryStatus.OFFERED:
                entry.lapse(event, now)
                await uow.waitlist.save(entry)
                await uow.events.save(event)
                await offer_freed_seats(event, uow, now)
                await uow.commit()
    return len(lapsed)


async def my_waitlist(guest_id: AccountId, *, uow: BookingUnitOfWork) -> list[WaitlistEntry]:
    async with uow:
        return await uow.waitlist.of_guest(guest_id)
