"""Tickets on SQL, barcodes sealed: the only place that encrypts and digests them.

Bookings write and read their tickets through the functions here too, so every ticket row
is written one way whoever writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from adapters.db.repository import SqlRepository, insert_rows, placeholders
from adapters.db.session import Row
from core.shared.errors import NotFound
from core.shared.paging import Page, PageRequest, id_after, id_cursor
from core.tickets.model import Ticket, TicketId, TicketStatus

if TYPE_CHECKING:
    from adapters.security.barcodes import BarcodeVault

COLUMNS = (
    "id, booking_id, event_id, holder_id, position, barcode_digest, barcode_key,"
    " barcode_sealed, status, issued_at, replaces, replaced_by, revoked_at, admitted_at,"
    " on_sale, seat_id"
)

_INSERT = f"INSERT INTO tickets ({COLUMNS})"
_ON_CONFLICT = (
    " ON CONFLICT (id) DO UPDATE SET holder_id = excluded.holder_id,"
    " status = excluded.status, replaced_by = excluded.replaced_by,"
    " revoked_at = excluded.revoked_at, admitted_at = excluded.admitted_at,"
    " on_sale = excluded.on_sale"
)


def _opt_id(value: Any) -> TicketId | None:
    return None if value is None else TicketId(value if isinstance(value, UUID) else UUID(value))


def ticket_from(row: Row, vault: BarcodeVault) -> Ticket:
    """A row as a ticket; a row from before encryption holds its plain barcode in the digest
    column until it is sealed."""
    ticket_id = TicketId(row["id"])
    sealed = row["barcode_sealed"]
    barcode = (
        row["barcode_digest"]
        if sealed is None
        else vault.open(ticket_id, row["barcode_key"], sealed)
    )
    return Ticket(
        id=ticket_id,
        booking_id=row["booking_id"],
        event_id=row["event_id"],
        holder_id=row["holder_id"],
        barcode=barcode,
        issued_at=row["issued_at"],
        status=TicketStatus(row["status"]),
        replaces=_opt_id(row["replaces"]),
        replaced_by=_opt_id(row["replaced_by"]),
        revoked_at=row["revoked_at"],
        admitted_at=row["admitted_at"],
        on_sale=bool(row["on_sale"]),
        seat_id=row["seat_id"],
    )


def ticket_rows(
    tickets: Sequence[Ticket], vault: BarcodeVault, first_position: int = 0
) -> list[tuple[Any, ...]]:
    return [ticket_values(t, first_position + n, vault) for n, t in enumerate(tickets)]


def ticket_values(ticket: Ticket, position: int, vault: BarcodeVault) -> tuple[Any, ...]:
    key_id, sealed = vault.seal(ticket.id, ticket.barcode)
    return (
        ticket.id,
        ticket.booking_id,
        ticket.event_id,
        ticket.holder_id,
        position,
        vault.digest(ticket.barcode),
        key_id,
        sealed,
        ticket.status.value,
        ticket.issued_at,
        ticket.replaces,
        ticket.replaced_by,
        ticket.revoked_at,
        ticket.admitted_at,
        ticket.on_sale,
        ticket.seat_id,
    )


class SqlTickets(SqlRepository):
    """Tickets by id, by barcode (through its digest) and by holder."""

    @property
    def vault(self) -> BarcodeVault:
        return self._uow.barcodes

    async def _one(self, where: str, *args: Any, lock: str = "") -> Ticket | None:
        row = await self.db.fetchrow(f"SELECT {COLUMNS} FROM tickets WHERE {where}{lock}", *args)
        return None if row is None else ticket_from(row, self.vault)

    async def get(self, ticket_id: TicketId) -> Ticket:
        ticket = await self._one("id = $1", ticket_id)
        if ticket is None:
            raise NotFound("ticket not found")
        return ticket

    async def get_for_update(self, ticket_id: TicketId) -> Ticket:
        ticket = await self._one("id = $1", ticket_id, lock=self.for_update)
        if ticket is None:
            raise NotFound("ticket not found")
        return ticket

    async def find_by_barcode(self, barcode: str) -> Ticket | None:
        # the plain form matches only rows written before encryption and not sealed since
        return await self._one(
            "barcode_digest IN ($1, $2) AND (barcode_sealed IS NOT NULL OR barcode_digest = $2)",
            self.vault.digest(barcode),
            barcode,
        )

    async def list_for_holder(self, holder_id: UUID, page: PageRequest) -> Page[Ticket]:
        args: list[Any] = [holder_id]
        before = ""
        if page.cursor is not None:
            args.append(id_after(page.cursor))
            before = " AND id < $2"
        args.append(page.limit + 1)
        rows = await self.db.fetch(
            f"SELECT {COLUMNS} FROM tickets WHERE holder_id = $1{before}"
            f" ORDER BY id DESC LIMIT ${len(args)}",
            *args,
        )
        shown = [ticket_from(row, self.vault) for row in rows[: page.limit]]
        more = len(rows) > page.limit
        return Page(shown, id_cursor(shown[-1].id) if more else None)

    async def add(self, ticket: Ticket) -> None:
        await self.write([ticket])

    async def save(self, ticket: Ticket) -> None:
        await self.write([ticket])

    async def write(
        self, tickets: Sequence[Ticket], *, first_position: int = 0, new: bool = False
    ) -> None:
        """Insert new tickets, update known ones; a barcode never changes once stored. `new`:
        they are all new, and the insert may be deferred (see `Session.defer`)."""
        rows = ticket_rows(tickets, self.vault, first_position)
        await insert_rows(self.db, _INSERT, rows, _ON_CONFLICT, defer=new)

    async def of_bookings(self, booking_ids: Sequence[UUID]) -> dict[UUID, list[Ticket]]:
        """The tickets each booking issued (not their reissued successors), in seat order."""
        rows = await self.db.fetch(
            f"SELECT {COLUMNS} FROM tickets WHERE booking_id IN"
            f" ({placeholders(1, len(booking_ids))}) AND replaces IS NULL"
            " ORDER BY booking_id, position",
            *booking_ids,
        )
        found: dict[UUID, list[Ticket]] = {booking_id: [] for booking_id in booking_ids}
        for row in rows:
            found[row["booking_id"]].append(ticket_from(row, self.vault))
        return found
