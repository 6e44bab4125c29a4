"""A host's pages: their events (upcoming and past, with ratings), and one event to manage —
change it (every guest is emailed the new terms), cancel it (guests told, payments refunded),
mark it held, see the guests with their ratings and review them. Also where an account picks
the language its emails are written in.

Times in the forms are the event's local time (its time zone), as the host thinks of them.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from adapters.http.deps import PlatformDep
from adapters.http.pages.layout import form_fields, int_field, local_datetime, render, see_other
from adapters.http.pages.session import SignedIn
from adapters.http.problems import status_for
from core.booking import services
from core.booking.commands import CancelEvent, EditEvent, MarkHeld
from core.booking.model import Event, EventChanges, EventId, EventStatus
from core.identity import services as identity
from core.identity.commands import ChooseLanguage
from core.identity.model import AccountId
from core.shared.errors import Conflict, PermissionDenied, ValidationFailed
from core.shared.paging import PageRequest

AnyRequest = Request[Any, Any, Any]
REFUSED = (ValidationFailed, Conflict, PermissionDenied)


def local_input(moment: datetime, zone: str) -> str:
    """A moment as a `datetime-local` input shows it, in the event's time zone."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def changes_from(fields: dict[str, str], event: Event) -> EventChanges:
    """What the form changes: fields sent with a new value; the rest stay as they are."""
    zone, d = event.details.time_zone, event.details

    def moment(name: str) -> datetime:
        message = f"{name} must look like 2030-05-01T19:00"
        return local_datetime(fields.get(name, ""), zone, name, message)

    starts, ends = moment("starts_at"), moment("ends_at")
    return EventChanges(
        title=fields.get("title") or None,
        city=fields.get("city") or None,
        address=fields.get("address", d.address),
        starts_at=None if starts == d.starts_at else starts,
        ends_at=None if ends == d.ends_at else ends,
        capacity=int_field(fields, "capacity", event.capacity),
    )


class HostingPages(Controller):
    include_in_schema = False

    @get("/hosting")
    async def mine(
        self, request: AnyRequest, platform: PlatformDep, signed_in: SignedIn
    ) -> Template:
        lists = {}
        for name, past in (("upcoming", False), ("past", True)):
            page, ratings = await services.hosted_events(
                signed_in,
                PageRequest(limit=50),
                past=past,
                viewer=signed_in,
                uow=platform.new_uow(),
                clock=platform.clock,
            )
            lists[name] = [(e, ratings.get(e.id)) for e in page.items]
        account = await identity.get_account(signed_in, uow=platform.new_uow())
        return render(request, "hosting/events.html", {**lists, "account": account})

    @post("/hosting/language", status_code=303)
    async def language(
        self, request: AnyRequest, platform: PlatformDep, signed_in: SignedIn
    ) -> Redirect:
        fields = await form_fields(request)
        await identity.choose_language(
            ChooseLanguage(signed_in, fields.get("language", "")), uow=platform.new_uow()
        )
        return see_other("/hosting")

    @get("/hosting/events/{event_id:uuid}")
    async def manage(
        self,
        request: AnyRequest,
        event_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template:
        saved = request.query_params.get("saved") == "1"
        return await _manage_page(request, platform, EventId(event_id), signed_in, saved=saved)

    @post("/hosting/events/{event_id:uuid}/edit", status_code=303)
    async def edit(
        self,
        request: AnyRequest,
        event_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        fields = await form_fields(request)

        async def change() -> None:
            event = await services.get_event(
                EventId(event_id), viewer=signed_in, invite_token=None, uow=platform.new_uow()
            )
            await services.edit_event(
                EditEvent(event.id, signed_in, changes_from(fields, event)),
                uow=platform.new_uow(),
                clock=platform.clock,
            )

        return await _then_back(
            request, platform, EventId(event_id), signed_in, change(), "?saved=1"
        )

    @post("/hosting/events/{event_id:uuid}/cancel", status_code=303)
    async def cancel(
        self,
        request: AnyRequest,
        event_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        fields = await form_fields(request)
        done = services.cancel_event(
            CancelEvent(EventId(event_id), signed_in, fields.get("reason", "")),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return await _then_back(request, platform, EventId(event_id), signed_in, done)

    @post("/hosting/events/{event_id:uuid}/held", status_code=303)
    async def held(
        self,
        request: AnyRequest,
        event_id: FromPath[UUID],
        platform: PlatformDep,
        signed_in: SignedIn,
    ) -> Template | Redirect:
        done = services.mark_held(
            MarkHeld(EventId(event_id), signed_in), uow=platform.new_uow(), clock=platform.clock
        )
        return await _then_back(request, platform, EventId(event_id), signed_in, done)


async def _then_back(
    request: AnyRequest,
    platform: PlatformDep,
    event_id: EventId,
    host: AccountId,
    action: Awaitable[object],
    query: str = "",
) -> Template | Redirect:
    """Do what a form asked and go back to the event's page; a refusal is shown there."""
    try:
        await action
    except REFUSED as exc:
        return await _manage_page(
            request, platform, event_id, host, error=exc.detail, status=status_for(exc)
        )
    return see_other(f"/hosting/events/{event_id}{query}")


async def _manage_page(
    request: AnyRequest,
    platform: PlatformDep,
    event_id: EventId,
    host: AccountId,
    *,
    error: str = "",
    saved: bool = False,
    status: int = 200,
) -> Template:
    event = await services.get_event(
        event_id, viewer=host, invite_token=None, uow=platform.new_uow()
    )
    guests = await services.guest_list(event.id, actor_id=host, uow=platform.new_uow())
    zone = event.details.time_zone
    context = {
        "event": event,
        "guests": guests,
        "starts_at": local_input(event.starts_at, zone),
        "ends_at": local_input(event.details.ends_at, zone),
        "open": event.is_open(platform.clock.now()),
        "can_mark_held": event.status is EventStatus.SCHEDULED
        and platform.clock.now() >= event.starts_at,
        "error": error,
        "saved": saved,
    }
    return render(request, "hosting/manage.html", context, status=status)
