"""Tickets over HTTP: a holder's tickets with their barcodes and QR codes, and the door check.

Barcodes are secrets of their holders: every answer carrying one is `Cache-Control:
no-store`, and anyone else asking for a ticket is told it does not exist.
"""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody

from adapters.http.auth import BEARER, CurrentAccount
from adapters.http.deps import PlatformDep
from adapters.http.events import Cursor, Limit
from adapters.http.problems import problem_responses
from adapters.http.qr import qr_svg
from adapters.http.resale_schemas import DoorCheckOut, HeldTicketOut, HeldTicketPage, ScanIn
from core.booking.model import EventId
from core.shared.errors import Conflict
from core.shared.paging import PageRequest
from core.tickets import services
from core.tickets.model import TicketId

NO_STORE = {"Cache-Control": "no-store"}
"""Answers with barcodes must stay out of shared and browser caches."""


class TicketsController(Controller):
    """The caller's tickets under /api/v1/tickets, and the door of an event."""

    path = "/api/v1"
    tags = ["tickets"]

    @get(
        "/tickets", operation_id="myTickets", security=BEARER, responses=problem_responses(401, 422)
    )
    async def mine(
        self,
        platform: PlatformDep,
        account_id: CurrentAccount,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> Response[HeldTicketPage]:
        """The tickets the caller holds or held, newest first: booked ones and ones bought on
        resale. A resold (revoked) or cancelled (void) ticket shows without its barcode."""
        page = await services.my_tickets(
            account_id, PageRequest.parse(cursor, limit), uow=platform.new_uow()
        )
        next_cursor = page.next_cursor.encode() if page.next_cursor else None
        body = HeldTicketPage([HeldTicketOut.of(t) for t in page.items], next_cursor)
        return Response(body, headers=NO_STORE)

    @get(
        "/tickets/{ticket_id:uuid}",
        operation_id="getTicket",
        security=BEARER,
        responses=problem_responses(401, 404),
    )
    async def one(
        self, ticket_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> Response[HeldTicketOut]:
        """One ticket of the caller's; 404 for anyone else's."""
        ticket = await services.ticket_for_holder(
            TicketId(ticket_id), viewer=account_id, uow=platform.new_uow()
        )
        return Response(HeldTicketOut.of(ticket), headers=NO_STORE)

    @get(
        "/tickets/{ticket_id:uuid}/qr.svg",
        operation_id="ticketQrCode",
        security=BEARER,
        media_type="image/svg+xml",
        responses=problem_responses(401, 404, 409),
    )
    async def qr(
        self, ticket_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> Response[str]:
        """The ticket's barcode as a QR code (SVG), for its holder to show at the door; 409
        when the ticket no longer admits anyone (resold or cancelled)."""
        ticket = await services.ticket_for_holder(
            TicketId(ticket_id), viewer=account_id, uow=platform.new_uow()
        )
        if not ticket.is_valid:
            raise Conflict(f"this ticket is {ticket.status.value}; its barcode admits nobody")
        return Response(qr_svg(ticket.barcode), media_type="image/svg+xml", headers=NO_STORE)

    @post(
        "/events/{event_id:uuid}/door",
        status_code=200,
        operation_id="checkTicketAtDoor",
        security=BEARER,
        responses=problem_responses(401, 403, 404, 422),
    )
    async def door(
        self,
        event_id: FromPath[UUID],
        data: JSONBody[ScanIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> DoorCheckOut:
        """The event's host scans a barcode: a valid ticket is admitted once; a used, resold,
        cancelled, unknown or other event's one is refused, and `reason` says why."""
        check = await services.check_at_door(
            services.ScanAtDoor(EventId(event_id), data.barcode, account_id),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return DoorCheckOut.of(check)
