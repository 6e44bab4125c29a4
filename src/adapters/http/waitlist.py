"""The waiting list: wait for seats at a full event, take an offer, leave."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from adapters.http.auth import BEARER, CurrentAccount
from adapters.http.bookings import checkout_url
from adapters.http.deps import PlatformDep
from adapters.http.events import Invite
from adapters.http.problems import problem_responses
from adapters.http.schemas import BookingOut, WaitIn
from core.booking import waiting
from core.booking.commands import JoinWaitlist, WaitlistAction
from core.booking.model import EventId
from core.booking.waitlist import EntryStatus, WaitlistEntry


class WaitlistEntryOut(msgspec.Struct):
    """`offered`: `seats` are held for you until `offer_expires_at`; accept to book them."""

    id: UUID
    event_id: UUID
    seats: int
    status: EntryStatus
    created_at: datetime
    offer_expires_at: datetime | None
    booking_id: UUID | None

    @classmethod
    def of(cls, entry: WaitlistEntry) -> WaitlistEntryOut:
        return cls(
            entry.id,
            entry.event_id,
            entry.seats,
            entry.status,
            entry.created_at,
            entry.offer_expires_at,
            entry.booking_id,
        )


class WaitlistOut(msgspec.Struct):
    items: list[WaitlistEntryOut]


class WaitlistController(Controller):
    path = "/api/v1"
    tags = ["waiting list"]

    @post(
        "/events/{event_id:uuid}/waitlist",
        status_code=201,
        operation_id="joinWaitlist",
        security=BEARER,
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def join(
        self,
        event_id: FromPath[UUID],
        data: JSONBody[WaitIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
        invite: Invite = None,
    ) -> WaitlistEntryOut:
        """Wait for `seats` at an event without that many free; an email offers them when
        they free up."""
        entry = await waiting.join_waitlist(
            JoinWaitlist(EventId(event_id), account_id, data.seats, invite),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return WaitlistEntryOut.of(entry)

    @get("/waitlist", operation_id="myWaitlist", security=BEARER, responses=problem_responses(401))
    async def mine(self, platform: PlatformDep, account_id: CurrentAccount) -> WaitlistOut:
        """The caller's entries still waiting or holding an offer, newest first."""
        found = await waiting.my_waitlist(account_id, uow=platform.new_uow())
        return WaitlistOut([WaitlistEntryOut.of(e) for e in found])

    @post(
        "/waitlist/{entry_id:uuid}/accept",
        status_code=201,
        operation_id="acceptOffer",
        security=BEARER,
        responses=problem_responses(401, 404, 409, 503),
    )
    async def accept(
        self, entry_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> BookingOut:
        """Book the seats an offer holds; a paid event answers with `payment_url`."""
        booking = await waiting.accept_offer(
            WaitlistAction(entry_id, account_id),
            uow=platform.new_uow(),
            clock=platform.clock,
            terms=platform.payment_terms,
        )
        return BookingOut.of(booking, await checkout_url(platform, booking))

    @post(
        "/waitlist/{entry_id:uuid}/leave",
        status_code=200,
        operation_id="leaveWaitlist",
        security=BEARER,
        responses=problem_responses(401, 404, 409),
    )
    async def leave(
        self, entry_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> WaitlistEntryOut:
        """Stop waiting; seats held for an offer go to the next in line."""
        entry = await waiting.leave_waitlist(
            WaitlistAction(entry_id, account_id), uow=platform.new_uow(), clock=platform.clock
        )
        return WaitlistEntryOut.of(entry)
