"""Booking seats at its edges: seats adding up, holds of the agreed length, tickets stamped with
their instant, confirm and expire saying whether they did anything, and the refusals' words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount, invite

from adapters.memory import MemoryStore, SteppingClock
from core.booking.commands import BookSeats
from core.booking.model import BookingStatus, Event, EventDetails, Visibility
from core.booking.services import book_seats, get_event
from core.identity.model import AccountId
from core.payments.services import PaymentTerms
from core.shared.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from core.shared.ids import uuid7
from core.shared.money import Money

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
START = T0 + timedelta(days=7)
HOST = AccountId(uuid7(T0))
GUEST = AccountId(uuid7(T0 + timedelta(seconds=1)))
OTHER = AccountId(uuid7(T0 + timedelta(seconds=2)))


def event(price: Money | None = None, capacity: int = 10) -> Event:
    details = EventDetails("Gig", "", START, START + timedelta(hours=2), "Moscow", "")
    made = Event.publish(HOST, details, capacity, Visibility.PUBLIC, price, T0)
    made.pull_events()
    return made


def refused(error: type[DomainError], call: Callable[..., object], *args: object) -> str:
    with pytest.raises(error) as caught:
        call(*args)
    return caught.value.detail


def test_seats_booked_add_up() -> None:
    live = event(capacity=10)
    live.book(GUEST, 2, T0)
    live.book(OTHER, 3, T0)
    assert (live.booked, live.seats_left) == (5, 5)


def test_a_free_booking_is_confirmed_with_tickets_stamped_now_and_no_hold() -> None:
    booking = event().book(GUEST, 2, T0)
    assert (booking.status, booking.hold_expires_at, booking.amount) == (
        BookingStatus.CONFIRMED,
        None,
        None,
    )
    assert [t.issued_at for t in booking.tickets] == [T0, T0]


def test_a_priced_booking_is_held_for_exactly_the_hold_given() -> None:
    booking = event(price=Money(1_000, "RUB")).book(GUEST, 2, T0, hold=timedelta(minutes=5))
    assert (booking.status, booking.hold_expires_at, booking.amount) == (
        BookingStatus.PENDING_PAYMENT,
        T0 + timedelta(minutes=5),
        Money(2_000, "RUB"),
    )


def test_confirming_twice_issues_the_tickets_once() -> None:
    live = event(price=Money(1_000, "RUB"))
    booking = live.book(GUEST, 1, T0)
    assert booking.confirm(live, T0) is True
    tickets = list(booking.tickets)
    assert booking.confirm(live, T0 + timedelta(minutes=1)) is False
    assert booking.tickets == tickets


def test_only_a_booking_on_hold_expires() -> None:
    live = event()
    booking = live.book(GUEST, 2, T0)
    assert booking.expire(live, T0) is False
    assert (booking.status, live.booked) == (BookingStatus.CONFIRMED, 2)


def test_booking_refusals_say_why() -> None:
    live = event()
    assert refused(PermissionDenied, live.book, HOST, 1, T0) == (
        "a host cannot book their own event"
    )
    assert refused(ValidationFailed, live.book, GUEST, 0, T0) == "seats must be between 1 and 20"
    assert refused(Conflict, live.book, GUEST, 1, START) == (
        "the event has already started; cannot book"
    )
    live.cancel(HOST, "", (), T0)
    assert refused(Conflict, live.book, GUEST, 1, T0) == "the event is cancelled; cannot book"
    assert refused(PermissionDenied, live.ensure_manageable_by, GUEST) == (
        "only the host who created this event may change it"
    )


def test_someone_elses_booking_is_not_found_and_a_started_event_keeps_its_bookings() -> None:
    live = event()
    booking = live.book(GUEST, 1, T0)
    assert refused(NotFound, booking.ensure_owned_by, OTHER) == "booking not found"
    assert refused(Conflict, booking.cancel, GUEST, live, START) == (
        "the event has started; the booking can no longer be cancelled"
    )


async def test_a_paid_booking_is_held_as_long_as_the_terms_say(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    priced = await publish(await register_account(), price=Money(1_000, "RUB"))
    terms = PaymentTerms(provider="memory", hold=timedelta(minutes=5))
    booking, _ = await book_seats(
        BookSeats(priced.id, (await register_account()).id, 1),
        uow=new_uow(),
        clock=clock,
        terms=terms,
    )
    assert booking.hold_expires_at == booking.created_at + timedelta(minutes=5)


async def test_an_idempotency_key_is_remembered_with_the_booking_and_the_instant(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    guest = await register_account()
    live = await publish(await register_account())
    at = clock.current
    booking, replay = await book_seats(
        BookSeats(live.id, guest.id, 1, idempotency_key="k-1"), uow=new_uow(), clock=clock
    )
    [record] = store.table("idempotency").values()
    assert replay is False
    assert (record.scope, record.key, record.resource_id, record.created_at) == (
        f"booking.book:{guest.id}",
        "k-1",
        booking.id,
        at,
    )


async def test_a_guest_of_a_private_event_books_more_without_the_invitation_again(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, guest = await register_account(), await register_account()
    private = await publish(host, visibility=Visibility.PRIVATE)
    token = await invite(private, host.id, new_uow, clock)
    await book(private, guest, 1, invite_token=token)
    more = await book(private, guest, 2)
    assert more.seats == 2
    with pytest.raises(NotFound) as caught:
        await get_event(private.id, viewer=None, invite_token=None, uow=new_uow())
    assert caught.value.detail == "event not found"
