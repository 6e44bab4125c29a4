"""A holder's ticket pages (barcodes and QR codes, for the holder only, never cached) and the
page that verifies a phone number, which selling and buying on resale need.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from markupsafe import Markup

from adapters.http.deps import PlatformDep
from adapters.http.pages.layout import form_fields, render
from adapters.http.pages.session import SignedIn
from adapters.http.problems import status_for
from adapters.http.qr import qr_svg
from adapters.http.tickets import NO_STORE
from core.booking.model import EventId
from core.identity import services as identity
from core.identity.commands import StartPhoneVerification, VerifyPhone
from core.shared.errors import DomainError
from core.shared.paging import PageRequest
from core.tickets import services
from core.tickets.model import TicketId

AnyRequest = Request[Any, Any, Any]


class TicketPages(Controller):
    include_in_schema = False

    @get("/tickets")
    async def mine(
        self, request: AnyRequest, platform: PlatformDep, signed_in: SignedIn
    ) -> Template:
        page, events = await services.my_tickets_with_events(
            signed_in, PageRequest.parse(None, 100), uow=platform.new_uow()
        )
        rows = [(ticket, events[EventId(ticket.event_id)]) for ticket in page.items]
        now = platform.clock.now()
        return render(request, "tickets/tickets.html", {"rows": rows, "now": now}, headers=NO_STORE)

    @get("/tickets/{ticket_id:uuid}")
    async def one(
        self,
        request: AnyRequest,
        ticket_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        ticket, event = await services.ticket_with_event(
            TicketId(ticket_id), viewer=signed_in, uow=platform.new_uow()
        )
        qr = Markup(qr_svg(ticket.barcode)) if ticket.is_valid else None  # noqa: S704 - segno's SVG
        context = {"ticket": ticket, "event": event, "qr": qr}
        return render(request, "tickets/ticket.html", context, headers=NO_STORE)


class PhonePages(Controller):
    path = "/account/phone"
    include_in_schema = False

    @get("/")
    async def form(
        self, request: AnyRequest, platform: PlatformDep, signed_in: SignedIn
    ) -> Template:
        account = await identity.get_account(signed_in, uow=platform.new_uow())
        return _phone_page(request, account.phone or "", done=account.phone_verified)

    @post("/", status_code=200)
    async def submit(
        self, request: AnyRequest, platform: PlatformDep, signed_in: SignedIn
    ) -> Template:
        fields = await form_fields(request)
        phone, code = fields.get("phone", ""), fields.get("code", "")
        try:
            if not code:
                await identity.start_phone_verification(
                    StartPhoneVerification(signed_in, phone),
                    uow=platform.new_uow(),
                    phones=platform.phones,
                    sms=platform.sms,
                    codes=platform.codes,
                    clock=platform.clock,
                )
                return _phone_page(request, phone, sent=True)
            account = await identity.verify_phone(
                VerifyPhone(signed_in, phone, code),
                uow=platform.new_uow(),
                phones=platform.phones,
                clock=platform.clock,
            )
        except DomainError as exc:
            sent = bool(code)
            return _phone_page(request, phone, sent=sent, error=exc.detail, status=status_for(exc))
        return _phone_page(request, account.phone or phone, done=True)


def _phone_page(
    request: AnyRequest,
    phone: str,
    *,
    sent: bool = False,
    done: bool = False,
    error: str = "",
    status: int = 200,
) -> Template:
    context = {"phone": phone, "sent": sent, "done": done, "error": error}
    return render(request, "tickets/phone.html", context, status=status)
