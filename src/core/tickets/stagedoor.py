"""The authenticity checker of tickets Stagedoor issued: asked of its own ticket store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from core.booking.model import EventId, EventStatus
from core.shared.errors import NotFound
from core.tickets.authenticity import STAGEDOOR, Authenticity, TicketClaim, Verdict
from core.tickets.model import normal_barcode
from core.tickets.ports import TicketsUnitOfWork

CHECKER = "stagedoor-tickets"


class StagedoorTickets:
    """Genuine when the ticket exists, is valid and unused, is held by the seller, and its
    event is still ahead and not cancelled; refused otherwise, with the reason."""

    issuer = STAGEDOOR

    def __init__(self, new_uow: Callable[[], TicketsUnitOfWork]) -> None:
        self._new_uow = new_uow

    async def check(self, claim: TicketClaim, now: datetime) -> Verdict:
        uow = self._new_uow()
        async with uow:
            ticket = await uow.tickets.find_by_barcode(normal_barcode(claim.barcode))
            if ticket is None:
                return self._refuse("no Stagedoor ticket has this barcode")
            try:
                event = await uow.events.get(EventId(ticket.event_id))
            except NotFound:
                return self._refuse("the ticket's event no longer exists")
        if not ticket.is_valid:
            return self._refuse(f"this ticket is {ticket.status.value}")
        if ticket.admitted_at is not None:
            return self._refuse("this ticket was already used at the door")
        if ticket.holder_id != claim.seller_id:
            return self._refuse("this ticket is held by someone else")
        if event.status is EventStatus.CANCELLED:
            return self._refuse("the event was cancelled")
        if event.starts_at <= now:
            return self._refuse("the event has already started")
        return Verdict(Authenticity.GENUINE, CHECKER, "", ticket.id, ticket.event_id)

    def _refuse(self, reason: str) -> Verdict:
        return Verdict(Authenticity.REFUSED, CHECKER, reason)
