"""Events at their edges: the instant a start counts as past, seats taken back after a lapsed
hold, a host managing a private event, invitations, and the words each refusal uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.support import NewUow, PublishHelper, RegisterAccount

from adapters.memory import MemoryStore, SteppingClock
from core.booking.commands import CancelEvent, CreateInvitation, EditEvent
from core.booking.model import (
    Event,
    EventChanges,
    EventDetails,
    EventStatus,
    Visibility,
)
from core.booking.services import (
    cancel_event,
    create_invitation,
    edit_event,
    get_event,
    guest_list,
    hash_invite,
)
from core.identity.model import AccountId
from core.shared.errors import Conflict, ValidationFailed
from core.shared.ids import uuid7

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
START = T0 + timedelta(days=7)
HOST = AccountId(uuid7(T0))


def event(capacity: int = 5) -> Event:
    details = EventDetails(
        "Gig", "", START, START + timedelta(hours=2), "Moscow", "", "Europe/Moscow"
    )
    made = Event.publish(HOST, details, capacity, Visibility.PUBLIC, None, T0)
    made.pull_events()
    return made


def conflict(call: Callable[..., object], *args: object) -> str:
    with pytest.raises(Conflict) as caught:
        call(*args)
    return caught.value.detail


def test_editing_or_cancelling_from_the_start_instant_on_says_it_has_started() -> None:
    live = event()
    assert conflict(live.edit, HOST, EventChanges(title="New"), START) == (
        "the event has already started; cannot edit it"
    )
    assert conflict(live.ensure_cancellable_by, HOST, START) == (
        "the event has already started; cannot cancel it"
    )
    live.edit(HOST, EventChanges(title="New"), START - timedelta(microseconds=1))
    assert live.details.title == "New"


def test_a_cancelled_event_says_so_when_edited_or_cancelled_again() -> None:
    live = event()
    live.cancel(HOST, "rain", (), T0)
    assert conflict(live.edit, HOST, EventChanges(title="New"), T0) == (
        "the event is cancelled; cannot edit it"
    )
    assert conflict(live.ensure_cancellable_by, HOST, T0) == (
        "the event is cancelled; cannot cancel it"
    )


def test_a_new_start_must_lie_strictly_after_now() -> None:
    live = event()
    now = T0 + timedelta(days=1)
    with pytest.raises(ValidationFailed) as caught:
        live.edit(HOST, EventChanges(starts_at=now), now)
    assert (caught.value.detail, caught.value.field) == (
        "starts_at must be in the future",
        "starts_at",
    )
    assert live.starts_at == START
    soon = now + timedelta(microseconds=1)
    live.edit(HOST, EventChanges(starts_at=soon), now)
    assert (live.starts_at, live.updated_at) == (soon, now)


def test_cancelling_stamps_the_instant_and_a_long_reason_names_its_field() -> None:
    live = event()
    with pytest.raises(ValidationFailed) as caught:
        live.cancel(HOST, "x" * 501, (), T0 + timedelta(hours=1))
    assert (caught.value.detail, caught.value.field) == (
        "reason must be at most 500 characters",
        "reason",
    )
    live.cancel(HOST, "x" * 500, (), T0 + timedelta(hours=1))
    assert (live.status, live.updated_at) == (EventStatus.CANCELLED, T0 + timedelta(hours=1))


def test_seats_are_taken_back_on_top_of_those_already_booked() -> None:
    live = event(capacity=5)
    live.booked = 2
    assert live.retake(3, T0) is True
    assert (live.booked, live.seats_left) == (5, 0)
    assert live.retake(1, T0) is False
    assert live.booked == 5


def test_seats_are_not_taken_back_from_the_start_instant_on() -> None:
    live = event()
    assert live.retake(1, START) is False
    assert live.booked == 0
    assert live.retake(1, START - timedelta(microseconds=1)) is True


def test_seats_are_not_taken_back_for_a_cancelled_event_even_before_its_start() -> None:
    live = event()
    live.cancel(HOST, "", (), T0)
    assert live.retake(1, T0) is False
    assert live.booked == 0


def test_releasing_no_seats_is_refused() -> None:
    live = event()
    live.booked = 2
    assert conflict(live.release, 0, T0) == "cannot release 0 seats, 2 are booked"
    live.release(2, T0)
    assert live.booked == 0


async def test_a_host_manages_a_private_event_without_any_invitation(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host = await register_account()
    private = await publish(host, visibility=Visibility.PRIVATE)

    edited = await edit_event(
        EditEvent(private.id, host.id, EventChanges(title="Renamed")), uow=new_uow(), clock=clock
    )
    assert edited.details.title == "Renamed"
    assert await guest_list(private.id, actor_id=host.id, uow=new_uow()) == []
    cancelled = await cancel_event(CancelEvent(private.id, host.id), uow=new_uow(), clock=clock)
    assert cancelled.status is EventStatus.CANCELLED


async def test_every_invitation_a_host_makes_is_stored_and_keeps_working(
    register_account: RegisterAccount,
    publish: PublishHelper,
    new_uow: NewUow,
    clock: SteppingClock,
    store: MemoryStore,
) -> None:
    host = await register_account()
    private = await publish(host, visibility=Visibility.PRIVATE)
    at = clock.current
    first, first_token = await create_invitation(
        CreateInvitation(private.id, host.id), uow=new_uow(), clock=clock
    )
    second, second_token = await create_invitation(
        CreateInvitation(private.id, host.id), uow=new_uow(), clock=clock
    )

    assert len(first_token) == len(second_token) == 24  # 18 random bytes, url-safe base64
    assert (first.event_id, first.created_at, first.token_hash) == (
        private.id,
        at,
        hash_invite(first_token),
    )
    assert first.id != second.id
    assert set(store.table("invitations")) == {first.id, second.id}
    for token in (first_token, second_token):
        seen = await get_event(private.id, viewer=None, invite_token=token, uow=new_uow())
        assert seen.id == private.id
