"""Tickets in memory: one table of every ticket, read by bookings and by the ticket port."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from core.shared.errors import Conflict
from core.shared.paging import Page, PageRequest, id_after, id_cursor
from core.tickets.model import Ticket, TicketId

if TYPE_CHECKING:
    from adapters.memory.store import _Repo
else:  # imported at the end of adapters.memory.store, once _Repo exists
    from adapters.memory.store import _Repo

TABLE = "tickets"


class MemoryTickets(_Repo):
    table = TABLE

    async def get(self, ticket_id: TicketId) -> Ticket:
        return self._get(ticket_id, "ticket")  # type: ignore[no-any-return]

    async def get_for_update(self, ticket_id: TicketId) -> Ticket:
        return await self.get(ticket_id)  # the store's lock already serialises writers

    async def find_by_barcode(self, barcode: str) -> Ticket | None:
        return next((t for t in self.tx.rows(self.table) if t.barcode == barcode), None)

    async def list_for_holder(self, holder_id: UUID, page: PageRequest) -> Page[Ticket]:
        mine = sorted(
            (t for t in self.tx.rows(self.table) if t.holder_id == holder_id),
            key=lambda t: t.id,
            reverse=True,
        )
        if page.cursor is not None:
            before = id_after(page.cursor)
            mine = [t for t in mine if t.id < before]
        chunk = mine[: page.limit]
        more = len(mine) > page.limit
        return Page(chunk, id_cursor(chunk[-1].id) if more else None)

    async def add(self, ticket: Ticket) -> None:
        clash = await self.find_by_barcode(ticket.barcode)
        if clash is not None and clash.id != ticket.id:
            raise Conflict("a ticket with this barcode already exists; try again")
        self.tx.put(self.table, ticket.id, ticket)

    async def save(self, ticket: Ticket) -> None:
        await self.add(ticket)

    def of_booking(self, booking_id: UUID) -> list[Ticket]:
        """The tickets a booking issued (not their reissued successors), in issue order (the
        table keeps the order rows were first put in)."""
        return [
            t for t in self.tx.rows(self.table) if t.booking_id == booking_id and t.replaces is None
        ]
