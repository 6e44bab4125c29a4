"""Bookings: book seats (idempotently), list mine, cancel one.

A repeated `Idempotency-Key` returns the first answer with `Idempotent-Replayed: true`; the
core decides whether it is a replay, a clash (422) or a new booking.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, HeaderParameter, JSONBody

from adapters.http.auth import BEARER, CurrentAccount
from adapters.http.deps import Platform, PlatformDep
from adapters.http.events import Cursor, Invite, Limit
from adapters.http.problems import problem_responses
from adapters.http.schemas import BookIn, BookingOut, BookingPage
from core.booking import services
from core.booking.commands import BookSeats, CancelBooking
from core.booking.model import Booking, BookingId, BookingStatus, EventId
from core.payments import services as payments
from core.payments.model import PaymentId
from core.shared.idempotency import MAX_KEY_LENGTH
from core.shared.paging import PageRequest

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="Any unique string; a retry with the same key books nothing new",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        required=False,
    ),
]

REPLAYED_HEADER = "Idempotent-Replayed"


class BookingsController(Controller):
    """A guest's bookings under /api/v1."""

    path = "/api/v1"
    tags = ["bookings"]

    @post(
        "/events/{event_id:uuid}/bookings",
        status_code=201,
        operation_id="bookSeats",
        security=BEARER,
        response_headers=[
            ResponseHeader(
                name=REPLAYED_HEADER,
                description="`true` when this answer repeats an earlier request's",
                value="true",  # documents the header's type; never sent by itself
                documentation_only=True,
            )
        ],
        responses=problem_responses(401, 403, 404, 409, 422, 503),
    )
    async def book(
        self,
        event_id: FromPath[UUID],
        data: JSONBody[BookIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
        invite: Invite = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[BookingOut]:
        """Book seats. A free event's booking is confirmed with one ticket per seat; a paid
        one holds the seats (`pending_payment`) and answers with `payment_url`, the page to
        pay on, and is confirmed with its tickets when the payment succeeds. Private events
        need their invitation."""
        booking, payment_url, replayed = await place_booking(
            platform,
            BookSeats(
                event_id=EventId(event_id),
                guest_id=account_id,
                seats=data.seats,
                invite_token=invite,
                idempotency_key=idempotency_key,
                seat_ids=tuple(data.seat_ids),
            ),
        )
        headers = {REPLAYED_HEADER: "true"} if replayed else {}
        return Response(BookingOut.of(booking, payment_url), status_code=201, headers=headers)

    @get(
        "/bookings",
        operation_id="myBookings",
        security=BEARER,
        responses=problem_responses(401, 422),
    )
    async def mine(
        self,
        platform: PlatformDep,
        account_id: CurrentAccount,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> BookingPage:
        """The caller's bookings, newest first, with their tickets."""
        page = await services.my_bookings(
            account_id, PageRequest.parse(cursor, limit), uow=platform.new_uow()
        )
        next_cursor = page.next_cursor.encode() if page.next_cursor else None
        return BookingPage([BookingOut.of(b) for b in page.items], next_cursor)

    @post(
        "/bookings/{booking_id:uuid}/cancel",
        status_code=200,
        operation_id="cancelBooking",
        security=BEARER,
        responses=problem_responses(401, 404, 409),
    )
    async def cancel(
        self, booking_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> BookingOut:
        """Give the seats back before the event starts; a paid booking is refunded in full."""
        booking = await services.cancel_booking(
            CancelBooking(BookingId(booking_id), account_id),
            uow=platform.new_uow(),
            clock=platform.clock,
            providers=platform.payment_providers,
        )
        return BookingOut.of(booking)

    @post(
        "/bookings/{booking_id:uuid}/refund",
        status_code=200,
        operation_id="refundBooking",
        security=BEARER,
        responses=problem_responses(401, 404, 409, 503),
    )
    async def refund(
        self, booking_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> BookingOut:
        """Before the start, give a paid booking back: the seats are released and the money
        refunded through the provider (`GET /api/v1/payments/{payment_id}` shows it land).
        409 after the start, or for a free or unpaid booking."""
        booking = await services.refund_booking(
            CancelBooking(BookingId(booking_id), account_id),
            uow=platform.new_uow(),
            clock=platform.clock,
            providers=platform.payment_providers,
        )
        return BookingOut.of(booking)


async def place_booking(platform: Platform, cmd: BookSeats) -> tuple[Booking, str | None, bool]:
    """Book, and for a booking awaiting payment open its checkout (once per payment).

    Returns the booking, the page to pay on (None when nothing is to be paid) and whether the
    booking repeats an earlier request with the same idempotency key.
    """
    booking, replayed = await services.book_seats(
        cmd, uow=platform.new_uow(), clock=platform.clock, terms=platform.payment_terms
    )
    return booking, await checkout_url(platform, booking), replayed


async def checkout_url(platform: Platform, booking: Booking) -> str | None:
    """For a booking awaiting payment, open its checkout (once per payment): the page to pay
    on; None when nothing is to be paid."""
    if booking.payment_id is None or booking.status is not BookingStatus.PENDING_PAYMENT:
        return None
    payment = await payments.open_checkout(
        PaymentId(booking.payment_id),
        uow=platform.new_uow(),
        providers=platform.payment_providers,
        urls=platform.return_urls,
        clock=platform.clock,
    )
    return payment.redirect_url
