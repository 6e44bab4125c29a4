"""The waiting list of a full event: guests wait for N seats; freed seats are offered.

When seats free up (a cancellation, a hold that lapsed, a raised capacity, an offer that ran
out), the next waiting entry that fits gets an offer: its seats are taken from the event at
once (held for it, nobody else can book them) for OFFER_TTL, and the guest is told by email.
Accepting books them; letting the offer lapse gives them to the next entry. Guests with the
`WAITLIST_PRIORITY` perk go first; otherwise first come, first served. An entry asking for
more seats than are free is passed over, not blocking smaller ones behind it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

import attrs

from core.booking import events
from core.booking.model import SEATS_PER_BOOKING_MAX, Event, EventId
from core.booking.tickets import BookingId
from core.identity.model import AccountId
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.events import Aggregate
from core.shared.ids import uuid7
from core.shared.perks import Perk

if TYPE_CHECKING:
    from core.booking.ports import BookingUnitOfWork

OFFER_TTL = timedelta(hours=2)


class EntryStatus(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    BOOKED = "booked"
    LAPSED = "lapsed"  # the offer ran out
    LEFT = "left"  # the guest left the list, or the event was cancelled


ACTIVE = (EntryStatus.WAITING, EntryStatus.OFFERED)


@attrs.define
class WaitlistEntry(Aggregate):
    id: UUID
    event_id: EventId
    guest_id: AccountId
    seats: int
    created_at: datetime
    status: EntryStatus = EntryStatus.WAITING
    offer_expires_at: datetime | None = None
    booking_id: BookingId | None = None

    @classmethod
    def join(cls, event: Event, guest: AccountId, seats: int, now: datetime) -> WaitlistEntry:
        if event.is_host(guest):
            raise PermissionDenied("a host cannot wait for seats at their own event")
        if not 1 <= seats <= SEATS_PER_BOOKING_MAX:
            raise ValidationFailed(
                f"seats must be between 1 and {SEATS_PER_BOOKING_MAX}", field="seats"
            )
        event.ensure_open(now, "join its waiting list")
        if seats <= event.seats_left:
            raise Conflict(f"{event.seats_left} seats are free: book them instead of waiting")
        return cls(uuid7(now), event.id, guest, seats, now)

    def ensure_owned_by(self, actor: AccountId) -> None:
        if actor != self.guest_id:
            raise NotFound("waiting list entry not found")

    def offer(self, event: Event, now: datetime, ttl: timedelta = OFFER_TTL) -> None:
        """Hold the entry's seats for it and tell the guest; the event must have them free."""
        self.status = EntryStatus.OFFERED
        self.offer_expires_at = min(now + ttl, event.starts_at)
        event.take(self.seats, now, doing="hold seats for the waiting list")
        self.record(
            events.WaitlistOffered(
                event_id=uuid7(now),
                occurred_at=now,
                entry_id=self.id,
                live_event_id=self.event_id,
                guest_id=self.guest_id,
                seats=self.seats,
                title=event.details.title,
                starts_at=event.local_start,
                expires_at=self.offer_expires_at.astimezone(event.local_start.tzinfo),
            )
        )

    def take_offer(self, event: Event, now: datetime) -> None:
        """Give the held seats back to the event, for the booking that takes them next."""
        if self.status is not EntryStatus.OFFERED:
            raise Conflict("there is no open offer on this entry")
        assert self.offer_expires_at is not None
        if now >= self.offer_expires_at:
            raise Conflict("the offer has run out; the seats went to the next person waiting")
        event.release(self.seats, now)

    def lapse(self, event: Event, now: datetime) -> None:
        """The offer ran out: its seats go back to the event."""
        event.release(self.seats, now)
        self.status = EntryStatus.LAPSED

    def leave(self, event: Event, now: datetime) -> None:
        if self.status not in ACTIVE:
            raise Conflict(f"this entry is already {self.status.value}")
        if self.status is EntryStatus.OFFERED:
            event.release(self.seats, now)
        self.status = EntryStatus.LEFT


def next_in_line(
    waiting: Sequence[WaitlistEntry], free: int, first: frozenset[AccountId]
) -> WaitlistEntry | None:
    """The entry the next offer goes to: priority holders (`first`) before the others, each
    in order of joining, skipping entries that ask for more than `free` seats."""
    ordered = sorted(waiting, key=lambda e: (e.guest_id not in first, e.created_at, e.id))
    return next((e for e in ordered if e.seats <= free), None)


class WaitlistRepository(Protocol):
    async def add(self, entry: WaitlistEntry) -> None:
        """Store it; Conflict when the guest already waits for (or holds an offer at) this
        event."""
        ...

    async def get(self, entry_id: UUID) -> WaitlistEntry: ...

    async def save(self, entry: WaitlistEntry) -> None: ...

    async def active(self, event_id: EventId) -> list[WaitlistEntry]:
        """The event's entries waiting or holding an offer, in order of joining."""
        ...

    async def lapsed_offers(self, now: datetime, limit: int) -> list[WaitlistEntry]:
        """Offers that ran out by `now`, earliest first."""
        ...

    async def of_guest(self, guest_id: AccountId) -> list[WaitlistEntry]:
        """The guest's active entries, newest first."""
        ...


async def offer_freed_seats(event: Event, uow: BookingUnitOfWork, now: datetime) -> int:
    """Inside a transaction holding the event's lock: offer its free seats to the people
    waiting, in turn, while someone fits. Returns how many offers were made."""
    if not event.is_open(now):
        return 0
    waiting = [e for e in await uow.waitlist.active(event.id) if e.status is EntryStatus.WAITING]
    first = frozenset(
        [
            e.guest_id
            for e in waiting
            if Perk.WAITLIST_PRIORITY in await uow.perks.perks_of(e.guest_id, now)
        ]
    )
    made = 0
    while (entry := next_in_line(waiting, event.seats_left, first)) is not None:
        entry.offer(event, now)
        await uow.waitlist.save(entry)
        waiting.remove(entry)
        made += 1
    if made:
        await uow.events.save(event)
    return made


async def close_waitlist(event_id: EventId, uow: BookingUnitOfWork) -> None:
    """Inside the cancellation of an event: nobody waits for it any more."""
    for entry in await uow.waitlist.active(event_id):
        entry.status = EntryStatus.LEFT
        await uow.waitlist.save(entry)
