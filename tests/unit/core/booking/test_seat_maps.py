"""Seat maps: a venue's sections, rows, seats and price categories from JSON; events at a
venue sell each seat once, priced by its category; tickets name their seats."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.support import HOLD_TERMS, NewUow, PublishHelper, RegisterAccount

from adapters.memory import SteppingClock
from core.booking.commands import BookSeats, CancelBooking, EditEvent, PublishEvent
from core.booking.model import Event, EventChanges
from core.booking.paid import release_hold
from core.booking.seating import SEAT_PITCH, Venue, parse_venue
from core.booking.services import (
    add_venue,
    book_seats,
    cancel_booking,
    edit_event,
    get_venue,
    publish_event,
    seat_plan,
)
from core.booking.tickets import Booking, BookingStatus
from core.identity.model import Account
from core.shared.errors import Conflict, NotFound, ValidationFailed
from core.shared.money import Money

HALL: dict[str, Any] = {
    "name": "Hall 2",
    "categories": [
        {"code": "A", "name": "Stalls", "price": {"amount": 90000, "currency": "RUB"}},
        {"code": "B", "name": "Balcony", "price": {"amount": 50000, "currency": "RUB"}},
    ],
    "sections": [
        {
            "name": "Stalls",
            "rows": [
                {"label": "1", "seats": 4, "category": "A"},
                {"label": "2", "seats": [1, 2, 5], "category": "A"},
            ],
        },
        {
            "name": "Balcony",
            "x": 0,
            "y": 200,
            "rows": [{"label": "1", "seats": 3, "category": "B"}],
        },
    ],
}
FREE_HALL: dict[str, Any] = {
    "name": "Club",
    "categories": [{"code": "F", "name": "Anywhere"}],
    "sections": [{"name": "Floor", "rows": [{"label": "A", "seats": 3, "category": "F"}]}],
}


async def venue_of(
    new_uow: NewUow, owner: Account, clock: SteppingClock, raw: dict[str, Any] = HALL
) -> Venue:
    venue = parse_venue(owner.id, raw, clock.now())
    async with new_uow() as uow:
        await uow.venues.add(venue)
        await uow.commit()
    return venue


async def seated(
    new_uow: NewUow, host: Account, venue: Venue, clock: SteppingClock, details: Any
) -> Event:
    return await publish_event(
        PublishEvent(host.id, details(), 1, venue_id=venue.id), uow=new_uow(), clock=clock
    )


async def book(
    new_uow: NewUow, clock: SteppingClock, event: Event, guest: Account, seats: int, *ids: Any
) -> Booking:
    made, _ = await book_seats(
        BookSeats(event.id, guest.id, seats, seat_ids=tuple(ids)),
        uow=new_uow(),
        clock=clock,
        terms=HOLD_TERMS,
    )
    return made


def test_a_map_is_read_from_json_with_positions_and_gaps(clock: SteppingClock) -> None:
    venue = parse_venue(None, HALL, clock.now())  # type: ignore[arg-type]
    assert len(venue.seats) == 10
    assert [s.number for s in venue.seats if s.section == "Stalls" and s.row == "2"] == [1, 2, 5]
    gap = next(s for s in venue.seats if s.row == "2" and s.number == 5)
    assert (gap.x, gap.y) == (4 * SEAT_PITCH, SEAT_PITCH)
    balcony = next(s for s in venue.seats if s.section == "Balcony")
    assert (balcony.y, balcony.category, balcony.label) == (200, "B", "Balcony, row 1, seat 1")
    assert len({s.id for s in venue.seats}) == 10


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"categories": []}, "categories"),
        ({"categories": [{"code": "A"}, {"code": "A"}]}, "categories[1].code"),
        (
            {"categories": [{"code": "A", "price": {"amount": 0, "currency": "RUB"}}]},
            "categories[0].price.amount",
        ),
        (
            {"sections": [{"name": "S", "rows": [{"seats": 2, "category": "Z"}]}]},
            "sections[0].rows[0].category",
        ),
        (
            {"sections": [{"name": "S", "rows": [{"seats": [1, 1], "category": "A"}]}]},
            "sections[0].rows[0].seats",
        ),
        (
            {"sections": [{"name": "S", "rows": [{"seats": 0, "category": "A"}]}]},
            "sections[0].rows[0].seats",
        ),
        ({"sections": [{"name": "S", "rows": []}, {"name": "S", "rows": []}]}, "sections[1].name"),
    ],
)
def test_a_wrong_map_is_refused_naming_the_field(
    clock: SteppingClock, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_venue(None, {**HALL, **change}, clock.now())  # type: ignore[arg-type]
    assert caught.value.field == field


async def test_an_event_at_a_venue_has_a_seat_per_place_and_no_price_of_its_own(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, details: Any
) -> None:
    host = await register_account()
    venue = await venue_of(new_uow, host, clock)
    event = await seated(new_uow, host, venue, clock, details)
    assert (event.capacity, event.venue_id, event.price) == (10, venue.id, None)
    with pytest.raises(ValidationFailed, match="leave price out"):
        await publish_event(
            PublishEvent(host.id, details(), 1, price=Money(100, "RUB"), venue_id=venue.id),
            uow=new_uow(),
            clock=clock,
        )
    with pytest.raises(ValidationFailed, match="as many seats as its seat map"):
        await edit_event(
            EditEvent(event.id, host.id, EventChanges(capacity=12)), uow=new_uow(), clock=clock
        )


async def test_chosen_seats_are_priced_by_category_and_named_on_the_tickets(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, details: Any
) -> None:
    host, guest = await register_account(), await register_account()
    venue = await venue_of(new_uow, host, clock)
    event = await seated(new_uow, host, venue, clock, details)
    stalls, balcony = venue.seats[0], venue.seats[-1]
    booking = await book(new_uow, clock, event, guest, 2, stalls.id, balcony.id)
    assert booking.amount == Money(140000, "RUB")
    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert booking.seat_ids == (stalls.id, balcony.id)
    free = await venue_of(new_uow, host, clock, FREE_HALL)
    club = await seated(new_uow, host, free, clock, details)
    confirmed = await book(new_uow, clock, club, guest, 1, free.seats[1].id)
    assert confirmed.status is BookingStatus.CONFIRMED
    assert [t.seat_id for t in confirmed.tickets] == [free.seats[1].id]


async def test_a_seat_is_sold_once_and_free_again_after_a_cancellation(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, details: Any
) -> None:
    host, ann, bob = [await register_account() for _ in range(3)]
    free = await venue_of(new_uow, host, clock, FREE_HALL)
    event = await seated(new_uow, host, free, clock, details)
    seat = free.seats[0]
    mine = await book(new_uow, clock, event, ann, 1, seat.id)
    with pytest.raises(Conflict, match="already taken: Floor, row A, seat 1"):
        await book(new_uow, clock, event, bob, 1, seat.id)
    await cancel_booking(CancelBooking(mine.id, ann.id), uow=new_uow(), clock=clock)
    again = await book(new_uow, clock, event, bob, 1, seat.id)
    assert again.seat_ids == (seat.id,)


async def test_without_a_choice_the_first_free_seats_are_given(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, details: Any
) -> None:
    host, ann, bob = [await register_account() for _ in range(3)]
    free = await venue_of(new_uow, host, clock, FREE_HALL)
    event = await seated(new_uow, host, free, clock, details)
    await book(new_uow, clock, event, ann, 1, free.seats[0].id)
    given = await book(new_uow, clock, event, bob, 2)
    assert given.seat_ids == (free.seats[1].id, free.seats[2].id)
    with pytest.raises(Conflict, match="only 0 seats left"):
        await book(new_uow, clock, event, await register_account(), 1)


@pytest.mark.parametrize(
    ("pick", "message"),
    [("twice", "each chosen seat once"), ("unknown", "no such seat"), ("count", "one per seat")],
)
async def test_a_wrong_choice_of_seats_is_refused(
    register_account: RegisterAccount,
    new_uow: NewUow,
    clock: SteppingClock,
    details: Any,
    pick: str,
    message: str,
) -> None:
    host, guest = await register_account(), await register_account()
    free = await venue_of(new_uow, host, clock, FREE_HALL)
    event = await seated(new_uow, host, free, clock, details)
    seat = free.seats[0].id
    ids = {"twice": (seat, seat), "unknown": (host.id, seat), "count": (seat,)}[pick]
    with pytest.raises(ValidationFailed, match=message) as caught:
        await book(new_uow, clock, event, guest, 2, *ids)
    assert caught.value.field == "seat_ids"


async def test_seats_cannot_be_chosen_at_an_event_without_a_map(
    register_account: RegisterAccount, publish: PublishHelper, new_uow: NewUow, clock: SteppingClock
) -> None:
    host, guest = await register_account(), await register_account()
    event = await publish(host)
    with pytest.raises(ValidationFailed, match="no seat map"):
        await book(new_uow, clock, event, guest, 1, host.id)


async def test_a_lapsed_hold_frees_its_seats(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, details: Any
) -> None:
    host, ann, bob = [await register_account() for _ in range(3)]
    venue = await venue_of(new_uow, host, clock)
    event = await seated(new_uow, host, venue, clock, details)
    held = await book(new_uow, clock, event, ann, 1, venue.seats[0].id)
    await release_hold(held.id, uow=new_uow(), clock=clock)
    taken = await book(new_uow, clock, event, bob, 1, venue.seats[0].id)
    assert taken.seat_ids == (venue.seats[0].id,)


async def test_a_retried_booking_of_chosen_seats_is_a_replay_and_other_seats_a_new_request(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock, details: Any
) -> None:
    host, guest = await register_account(), await register_account()
    free = await venue_of(new_uow, host, clock, FREE_HALL)
    event = await seated(new_uow, host, free, clock, details)

    async def ask(seat: Any) -> tuple[Booking, bool]:
        return await book_seats(
            BookSeats(event.id, guest.id, 1, idempotency_key="k-1", seat_ids=(seat,)),
            uow=new_uow(),
            clock=clock,
        )

    first, replayed = await ask(free.seats[0].id)
    again, replayed_again = await ask(free.seats[0].id)
    assert (replayed, replayed_again, again.id) == (False, True, first.id)
    with pytest.raises(ValidationFailed, match="different request"):
        await ask(free.seats[1].id)


async def test_an_imported_map_is_stored_and_the_seat_plan_shows_the_seats_taken(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    details: Any,
) -> None:
    host, guest = await register_account(), await register_account()
    before = clock.now()
    venue = await add_venue(host.id, FREE_HALL, uow=new_uow(), clock=clock)
    assert (venue.owner_id, venue.name) == (host.id, "Club")
    assert before < venue.created_at < clock.now()
    assert await get_venue(venue.id, uow=new_uow()) == venue
    event = await seated(new_uow, host, venue, clock, details)
    await book(new_uow, clock, event, guest, 1, venue.seats[1].id)

    mapped, taken = await seat_plan(event.id, viewer=None, invite_token=None, uow=new_uow())
    assert (mapped, taken) == (venue, frozenset({venue.seats[1].id}))
    plain = await publish(host)
    with pytest.raises(NotFound, match=r"^this event has no seat map$"):
        await seat_plan(plain.id, viewer=guest.id, invite_token=None, uow=new_uow())
    with pytest.raises(ValidationFailed) as caught:
        await add_venue(host.id, {**FREE_HALL, "name": ""}, uow=new_uow(), clock=clock)
    assert caught.value.field == "name"
