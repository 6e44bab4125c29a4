"""Events: publish, find, read, edit, cancel, invite, and the host's guest list.

Each handler turns HTTP into a core command, calls one use case, and shapes the answer.
Who may see or change what is decided in the core: a private event the caller may not see
is a 404 there, an event they see but may not change a 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from adapters.http.auth import BEARER, OPTIONAL_BEARER, CurrentAccount, Viewer
from adapters.http.deps import PlatformDep
from adapters.http.problems import problem_responses
from adapters.http.schemas import (
    NO_NUL,
    CancelEventIn,
    EventIn,
    EventOut,
    EventPage,
    EventPatch,
    GuestListOut,
    GuestOut,
    InvitationOut,
)
from core.booking import reviewing, services
from core.booking.commands import CancelEvent, CreateInvitation, EditEvent, MarkHeld, PublishEvent
from core.booking.model import EventFilter, EventId
from core.booking.reviews import ReviewTarget
from core.shared.clock import require_aware
from core.shared.paging import MAX_LIMIT, PageRequest

Invite = Annotated[
    str | None,
    QueryParameter(
        name="invite",
        description="Invitation token of a private event",
        min_length=1,
        max_length=256,
        pattern=NO_NUL,
        required=False,
    ),
]
Cursor = Annotated[
    str | None,
    QueryParameter(
        description="`next_cursor` of the previous page",
        min_length=1,
        max_length=512,
        pattern=NO_NUL,
        required=False,
    ),
]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size")]


def _aware(value: datetime | None, name: str) -> datetime | None:
    return None if value is None else require_aware(value, name)


class EventsController(Controller):
    """Hosted events under /api/v1/events."""

    path = "/api/v1/events"
    tags = ["events"]

    @post(
        "/",
        status_code=201,
        operation_id="publishEvent",
        security=BEARER,
        responses=problem_responses(401, 404, 422),
    )
    async def publish(
        self, data: JSONBody[EventIn], platform: PlatformDep, account_id: CurrentAccount
    ) -> EventOut:
        """Publish an event hosted by the caller."""
        event = await services.publish_event(
            PublishEvent(
                host_id=account_id,
                details=data.details(),
                capacity=data.capacity,
                visibility=data.visibility,
                price=data.price.to_core() if data.price is not None else None,
                venue_id=data.venue_id,
            ),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return EventOut.of(event)

    @get("/", operation_id="findEvents", responses=problem_responses(422))
    async def find(
        self,
        platform: PlatformDep,
        city: Annotated[str | None, QueryParameter(max_length=100, pattern=NO_NUL)] = None,
        starts_from: Annotated[datetime | None, QueryParameter(name="from")] = None,
        starts_to: Annotated[datetime | None, QueryParameter(name="to")] = None,
        q: Annotated[str | None, QueryParameter(max_length=200, pattern=NO_NUL)] = None,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> EventPage:
        """Upcoming public events by start time, filtered by city, time window and text."""
        page = await services.find_events(
            EventFilter(
                city=city or None,
                starts_from=_aware(starts_from, "from"),
                starts_to=_aware(starts_to, "to"),
                text=q or None,
            ),
            PageRequest.parse(cursor, limit),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        next_cursor = page.next_cursor.encode() if page.next_cursor else None
        return EventPage([EventOut.of(e) for e in page.items], next_cursor)

    @get(
        "/{event_id:uuid}",
        operation_id="getEvent",
        security=OPTIONAL_BEARER,
        responses=problem_responses(401, 404),
    )
    async def read(
        self, event_id: FromPath[UUID], platform: PlatformDep, viewer: Viewer, invite: Invite = None
    ) -> EventOut:
        """One event. A private one only with its invitation, for its host, or for its guests."""
        event = await services.get_event(
            EventId(event_id), viewer=viewer, invite_token=invite, uow=platform.new_uow()
        )
        ratings = await reviewing.ratings_of(ReviewTarget.EVENT, [event.id], uow=platform.new_uow())
        return EventOut.of(event, ratings[event.id])

    @patch(
        "/{event_id:uuid}",
        operation_id="editEvent",
        security=BEARER,
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def edit(
        self,
        event_id: FromPath[UUID],
        data: JSONBody[EventPatch],
        platform: PlatformDep,
        account_id: CurrentAccount,
        invite: Invite = None,
    ) -> EventOut:
        """The host changes some fields; fields left out stay as they are."""
        event = await services.edit_event(
            EditEvent(EventId(event_id), account_id, data.to_core(), invite),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return EventOut.of(event)

    @post(
        "/{event_id:uuid}/cancel",
        status_code=200,
        operation_id="cancelEvent",
        security=BEARER,
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def cancel(
        self,
        event_id: FromPath[UUID],
        platform: PlatformDep,
        account_id: CurrentAccount,
        data: JSONBody[CancelEventIn | None] = None,
        invite: Invite = None,
    ) -> EventOut:
        """The host calls the event off; every booking is cancelled and its guest told."""
        reason = data.reason if data is not None else ""
        event = await services.cancel_event(
            CancelEvent(EventId(event_id), account_id, reason, invite),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return EventOut.of(event)

    @post(
        "/{event_id:uuid}/held",
        status_code=200,
        operation_id="markEventHeld",
        security=BEARER,
        responses=problem_responses(401, 403, 404, 409),
    )
    async def held(
        self, event_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> EventOut:
        """The host says the event took place (from its start on): reviews open."""
        event = await services.mark_held(
            MarkHeld(EventId(event_id), account_id), uow=platform.new_uow(), clock=platform.clock
        )
        return EventOut.of(event)

    @post(
        "/{event_id:uuid}/invitations",
        status_code=201,
        operation_id="createInvitation",
        security=BEARER,
        responses=problem_responses(401, 403, 404),
    )
    async def invite(
        self, event_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> InvitationOut:
        """A new invitation link for the host to share."""
        _, token = await services.create_invitation(
            CreateInvitation(EventId(event_id), account_id),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        base = platform.settings.public_url.rstrip("/")
        return InvitationOut(token, f"{base}/api/v1/events/{event_id}?invite={quote(token)}")

    @get(
        "/{event_id:uuid}/guests",
        operation_id="guestList",
        security=BEARER,
        responses=problem_responses(401, 403, 404),
    )
    async def guests(
        self, event_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> GuestListOut:
        """Who is coming, with each guest's rating from hosts' reviews: the host's view."""
        entries = await services.guest_list(
            EventId(event_id), actor_id=account_id, uow=platform.new_uow()
        )
        return GuestListOut([GuestOut.of(e) for e in entries])
