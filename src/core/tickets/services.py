"""Ticket use cases: a holder's tickets, one ticket for its holder, the door check."""

from __future__ import annotations

from uuid import UUID

import attrs

from core.booking.model import EventId
from core.identity.model import AccountId
from core.shared.clock import Clock
from core.shared.errors import ValidationFailed
from core.shared.paging import Page, PageRequest
from core.tickets.model import (
    BARCODE_ALPHABET,
    BARCODE_LENGTH,
    DoorCheck,
    Ticket,
    TicketId,
    admit,
    normal_barcode,
)
from core.tickets.ports import TicketsUnitOfWork


@attrs.frozen
class ScanAtDoor:
    """The host's door staff scanned `barcode` at `event_id`."""

    event_id: EventId
    barcode: str = attrs.field(repr=False)
    actor_id: UUID


def checked_barcode(text: str, field: str = "barcode") -> str:
    """A barcode as typed, normalised; ValidationFailed when it cannot be one of ours."""
    barcode = normal_barcode(text)
    if not barcode:
        raise ValidationFailed("barcode must not be empty", field=field)
    if len(barcode) > 64:
        raise ValidationFailed("barcode must be at most 64 characters", field=field)
    return barcode


def looks_like_ours(barcode: str) -> bool:
    """Whether a normalised barcode has the shape of one Stagedoor issues."""
    return len(barcode) == BARCODE_LENGTH and set(barcode) <= set(BARCODE_ALPHABET)


async def my_tickets(holder_id: UUID, page: PageRequest, *, uow: TicketsUnitOfWork) -> Page[Ticket]:
    """The tickets a person holds or held, newest first (resold ones show as revoked)."""
    async with uow:
        return await uow.tickets.list_for_holder(holder_id, page)


async def ticket_for_holder(ticket_id: TicketId, *, viewer: UUID, uow: TicketsUnitOfWork) -> Ticket:
    """One ticket with its barcode, for its holder only: anyone else is told it does not exist."""
    async with uow:
        ticket = await uow.tickets.get(ticket_id)
    ticket.ensure_held_by(viewer)
    return ticket


async def check_at_door(cmd: ScanAtDoor, *, uow: TicketsUnitOfWork, clock: Clock) -> DoorCheck:
    """Admit a valid ticket once; refuse a revoked, void, used, unknown or other event's one.

    Only the event's host may scan (anyone else learns nothing about barcodes). The ticket
    is locked while it is admitted, so two doors scanning one barcode at once let one in.
    """
    barcode = checked_barcode(cmd.barcode)
    async with uow:
        event = await uow.events.get(cmd.event_id)
        event.ensure_manageable_by(AccountId(cmd.actor_id))
        found = await uow.tickets.find_by_barcode(barcode)
        ticket = None if found is None else await uow.tickets.get_for_update(found.id)
        check = admit(ticket, event.id, clock.now())
        if check.admitted:
            assert ticket is not None
            await uow.tickets.save(ticket)
            await uow.commit()
    return check
