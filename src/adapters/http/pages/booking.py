"""A guest's pages for booking: upcoming public events, an event with its booking form, and
the guest's bookings.

`/events/{id}` is public for public events (a private one needs `?invite=` or the guest's
own booking); the form asks the visitor to sign in first. Booking a paid event goes straight
on to the payment page (the sandbox's, or Stripe's); a free one is confirmed at once and
lands on `/bookings`. The form carries an idempotency key made when the page was shown, so
a double click or a resent form books once.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from adapters.http.bookings import checkout_url, place_booking
from adapters.http.deps import PlatformDep
from adapters.http.pages.layout import form_fields, int_field, render, see_other, uuid_field
from adapters.http.pages.seatmap import seat_map_svg
from adapters.http.pages.session import SignedIn, login_url, viewer_of
from adapters.http.problems import status_for
from core.booking import reviewing, reviews, services, waiting
from core.booking.commands import BookSeats, JoinWaitlist, WaitlistAction, WriteReview
from core.booking.model import EventFilter, EventId, EventStatus
from core.booking.reviews import ReviewTarget
from core.booking.tickets import TicketStatus
from core.shared.errors import Conflict, PermissionDenied, ValidationFailed
from core.shared.idempotency import MAX_KEY_LENGTH
from core.shared.paging import PageRequest

AnyRequest = Request[Any, Any, Any]


class BookingPages(Controller):
    include_in_schema = False

    @get("/events")
    async def events(
        self,
        request: AnyRequest,
        platform: PlatformDep,
        q: Annotated[str, QueryParameter(max_length=200)] = "",
        city: Annotated[str, QueryParameter(max_length=100)] = "",
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        page = await services.find_events(
            EventFilter(city=city.strip() or None, text=q.strip() or None),
            PageRequest.parse(cursor, 20),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        more = None
        if page.next_cursor is not None:
            more = "/events?" + urlencode(
                {"q": q, "city": city, "cursor": page.next_cursor.encode()}
            )
        return render(
            request,
            "booking/events.html",
            {"events": page.items, "q": q, "city": city, "more": more},
        )

    @get("/events/{event_id:uuid}")
    async def event(
        self,
        request: AnyRequest,
        event_id: FromPath[UUID],
        platform: PlatformDep,
        invite: FromQuery[str] = "",
    ) -> Template:
        return await _event_page(request, platform, EventId(event_id), invite)

    @post("/events/{event_id:uuid}/book", status_code=303)
    async def book(
        self,
        request: AnyRequest,
        event_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        fields = await form_fields(request)
        invite = fields.get("invite", "")
        key = fields.get("idempotency_key", "")[:MAX_KEY_LENGTH] or None
        try:
            chosen = await seat_choice(request)
            _, payment_url, _ = await place_booking(
                platform,
                BookSeats(
                    event_id=EventId(event_id),
                    guest_id=signed_in,
                    seats=len(chosen) or int_field(fields, "seats", 1),
                    invite_token=invite or None,
                    idempotency_key=key,
                    seat_ids=chosen,
                ),
            )
        except (ValidationFailed, Conflict) as exc:
            return await _event_page(
                request, platform, EventId(event_id), invite, error=exc.detail,
                seats=fields.get("seats", "1"), status=status_for(exc),
            )  # fmt: skip
        return Redirect(payment_url, status_code=303) if payment_url else see_other("/bookings")

    @post("/events/{event_id:uuid}/waitlist", status_code=303)
    async def wait(
        self,
        request: AnyRequest,
        event_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        fields = await form_fields(request)
        invite = fields.get("invite", "")
        try:
            await waiting.join_waitlist(
                JoinWaitlist(
                    EventId(event_id), signed_in, int_field(fields, "seats", 1), invite or None
                ),
                uow=platform.new_uow(),
                clock=platform.clock,
            )
        except (ValidationFailed, Conflict, PermissionDenied) as exc:
            return await _event_page(
                request,
                platform,
                EventId(event_id),
                invite,
                error=exc.detail,
                status=status_for(exc),
            )
        return see_other(f"/events/{event_id}")

    @post("/waitlist/{entry_id:uuid}/accept", status_code=303)
    async def take_offer(
        self,
        request: AnyRequest,
        entry_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Redirect:
        booking = await waiting.accept_offer(
            WaitlistAction(entry_id, signed_in),
            uow=platform.new_uow(),
            clock=platform.clock,
            terms=platform.payment_terms,
        )
        payment_url = await checkout_url(platform, booking)
        return Redirect(payment_url, status_code=303) if payment_url else see_other("/bookings")

    @post("/events/{event_id:uuid}/review", status_code=303)
    async def review(
        self,
        request: AnyRequest,
        event_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        fields = await form_fields(request)
        try:
            target = review_target(fields.get("target", "event"))
            await reviewing.write_review(
                WriteReview(
                    EventId(event_id),
                    signed_in,
                    target,
                    int_field(fields, "rating", 0),
                    fields.get("text", ""),
                    uuid_field(fields, "subject_id"),
                ),
                uow=platform.new_uow(),
                clock=platform.clock,
            )
        except (ValidationFailed, Conflict, PermissionDenied) as exc:
            return await _event_page(
                request, platform, EventId(event_id), "", error=exc.detail, status=status_for(exc)
            )
        return see_other(f"/events/{event_id}")

    @get("/bookings")
    async def mine(
        self, request: AnyRequest, platform: PlatformDep, signed_in: SignedIn
    ) -> Template:
        page, events = await services.my_bookings_with_events(
            signed_in, PageRequest.parse(None, 50), uow=platform.new_uow()
        )
        rows = [
            {
                "booking": b,
                "event": events[b.event_id],
                "tickets": [
                    t
                    for t in b.tickets
                    if t.holder_id == signed_in and t.status is TicketStatus.VALID
                ],
            }
            for b in page.items
        ]
        return render(request, "booking/bookings.html", {"rows": rows})


async def seat_choice(request: AnyRequest) -> tuple[UUID, ...]:
    """The seats ticked on the seat map's form (none at a general-admission event)."""
    form = await request.form()
    chosen = [v for v in form.getall("seat_ids", []) if isinstance(v, str) and v]
    try:
        return tuple(UUID(value) for value in chosen)
    except ValueError:
        raise ValidationFailed("seat_ids holds an id that is not one", field="seat_ids") from None


def review_target(raw: str) -> ReviewTarget:
    try:
        return ReviewTarget(raw)
    except ValueError:
        raise ValidationFailed("target must be event, host or guest", field="target") from None


async def _event_page(
    request: AnyRequest,
    platform: PlatformDep,
    event_id: EventId,
    invite: str,
    *,
    error: str = "",
    seats: str = "1",
    status: int = 200,
) -> Template:
    viewer = viewer_of(request)
    event, venue, taken = await services.event_with_seats(
        event_id, viewer=viewer, invite_token=invite or None, uow=platform.new_uow()
    )
    now = platform.clock.now()
    started = now >= event.starts_at
    rating, said = await reviewing.reviews_of(
        ReviewTarget.EVENT, event.id, uow=platform.new_uow(), limit=10
    )
    entry = None
    if viewer is not None:
        mine = await waiting.my_waitlist(viewer, uow=platform.new_uow())
        entry = next((e for e in mine if e.event_id == event.id), None)
    seating = None
    if venue is not None:
        free = [seat for seat in venue.seats if seat.id not in taken]
        seating = {"svg": seat_map_svg(venue, taken), "free": free, "venue": venue}
    context = {
        "seating": seating,
        "rating": rating,
        "reviews": said,
        "over": reviews.is_over(event, now),
        "entry": entry,
        "event": event,
        "invite": invite,
        "bookable": event.status is EventStatus.SCHEDULED and not started and event.seats_left > 0,
        "cancelled": event.status is EventStatus.CANCELLED,
        "started": started,
        "viewer": viewer,
        "error": error,
        "seats": seats,
        "idempotency_key": str(uuid4()),
        "login_url": login_url(
            request.url.path + (f"?{urlencode({'invite': invite})}" if invite else "")
        ),
    }
    return render(request, "booking/event.html", context, status=status)
