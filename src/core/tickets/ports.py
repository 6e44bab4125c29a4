"""What the tickets context needs from storage."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from core.booking.ports import EventRepository
from core.shared.paging import Page, PageRequest
from core.shared.uow import UnitOfWork
from core.tickets.model import Ticket, TicketId


class TicketRepository(Protocol):
    """Tickets with their barcodes; a barcode is unique across every ticket ever issued."""

    async def get(self, ticket_id: TicketId) -> Ticket: ...

    async def get_for_update(self, ticket_id: TicketId) -> Ticket:
        """Load and lock: a resale, a door check and a cancellation of one ticket queue."""
        ...

    async def find_by_barcode(self, barcode: str) -> Ticket | None:
        """The ticket with exactly this barcode (as `normal_barcode` writes it), any status."""
        ...

    async def list_for_holder(self, holder_id: UUID, page: PageRequest) -> Page[Ticket]:
        """The tickets `holder_id` holds or held (revoked, void too), newest first."""
        ...

    async def add(self, ticket: Ticket) -> None:
        """Store a new ticket; a barcode already stored is a Conflict."""
        ...

    async def save(self, ticket: Ticket) -> None: ...


class TicketsUnitOfWork(UnitOfWork, Protocol):
    """The door reads the event (who hosts it) with the ticket it admits."""

    tickets: TicketRepository
    events: EventRepository
