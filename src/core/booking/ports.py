"""What booking needs from the outside world."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from core.booking.model import Event, EventFilter, EventId, GuestListEntry, Invitation
from core.booking.reminders import ReminderRepository
from core.booking.reviews import ReviewRepository
from core.booking.seating import SeatHolds, VenueRepository
from core.booking.tickets import Booking, BookingId
from core.booking.waitlist import WaitlistRepository
from core.identity.model import AccountId
from core.payments.model import PaymentId
from core.payments.ports import PaymentsUnitOfWork
from core.shared.idempotency import IdempotencyStore
from core.shared.paging import Page, PageRequest
from core.shared.perks import PerkReader
from core.shared.uow import UnitOfWork


class EventRepository(Protocol):
    async def get(self, event_id: EventId) -> Event: ...

    async def get_for_update(self, event_id: EventId) -> Event:
        """Load and lock: concurrent writers of the same event wait for this transaction."""
        ...

    async def add(self, event: Event) -> None: ...

    async def save(self, event: Event) -> None: ...

    async def take_seats(self, event_id: EventId, seats: int, now: datetime) -> bool:
        """Atomically add `seats` to `booked` if the event is still scheduled, has not started
        by `now` and has that many seats left; False, changing nothing, otherwise. The last
        line behind Event.book: it holds under any concurrency without a lock taken earlier."""
        ...

    async def search(self, query: EventFilter, page: PageRequest) -> Page[Event]:
        """Public scheduled events, by start time then id."""
        ...

    async def hosted_by(
        self,
        host_id: AccountId,
        *,
        past: bool,
        now: datetime,
        page: PageRequest,
        public_only: bool = False,
    ) -> Page[Event]:
        """The host's events of every status (only public ones when `public_only`): upcoming
        ones (starting after `now`) soonest first, or past ones latest first."""
        ...


class BookingRepository(Protocol):
    async def get(self, booking_id: BookingId) -> Booking: ...

    async def add(self, booking: Booking) -> None:
        """Store the booking and its tickets."""
        ...

    async def save(self, booking: Booking) -> None: ...

    async def list_for_guest(self, guest_id: AccountId, page: PageRequest) -> Page[Booking]:
        """Newest first."""
        ...

    async def has_active(self, event_id: EventId, guest_id: AccountId) -> bool: ...

    async def cancel_all_for_event(self, event_id: EventId, now: datetime) -> list[AccountId]:
        """Cancel every confirmed or held booking of the event; the distinct guests of the
        confirmed ones, in booking order."""
        ...

    async def payments_of_event(self, event_id: EventId) -> list[PaymentId]:
        """The payments of the event's paid bookings, in booking order."""
        ...


class GuestList(Protocol):
    async def entries(self, event_id: EventId) -> list[GuestListEntry]: ...

    async def guest_ids(self, event_id: EventId) -> list[AccountId]:
        """Guests holding a confirmed booking, each once."""
        ...


class InvitationRepository(Protocol):
    async def add(self, invitation: Invitation) -> None: ...

    async def find(self, event_id: EventId, token_hash: str) -> Invitation | None: ...


class SeatCounter(UnitOfWork, Protocol):
    """A unit of work that takes an event's seats as its commit."""

    events: EventRepository

    async def commit_taking_seats(self, event_id: EventId, seats: int, now: datetime) -> bool:
        """`events.take_seats(...)`, then `commit()` when it took them: True. When it could
        not, nothing of this unit of work is committed and False comes back; the unit of
        work can still read (what it wrote is gone or is discarded on leaving the block).

        One operation rather than two so that an adapter can send the seats' conditional
        update together with everything written before it: the event's row, the hot one
        when many book at once, is then locked only while the database commits.
        """
        ...


class BookingUnitOfWork(PaymentsUnitOfWork, SeatCounter, Protocol):
    """Booking writes payments too: a paid booking and its payment are made together."""

    events: EventRepository
    bookings: BookingRepository
    guests: GuestList
    invitations: InvitationRepository
    idempotency: IdempotencyStore
    reminders: ReminderRepository
    reviews: ReviewRepository
    perks: PerkReader  # the waiting list asks who holds WAITLIST_PRIORITY
    waitlist: WaitlistRepository
    venues: VenueRepository
    seats: SeatHolds
