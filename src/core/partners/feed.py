"""What partners and the public read: an organiser's events and what is left of them."""

from __future__ import annotations

from uuid import UUID

from core.booking.model import EventId, Visibility
from core.identity.model import AccountId
from core.partners.availability import AvailabilitySnapshot, snapshot_of
from core.partners.ports import PartnersUnitOfWork
from core.shared.clock import Clock
from core.shared.errors import NotFound
from core.shared.paging import Page, PageRequest


async def organiser_feed(
    organiser_id: AccountId, page: PageRequest, *, uow: PartnersUnitOfWork, clock: Clock
) -> Page[AvailabilitySnapshot]:
    """The organiser's public events from now on (cancelled ones too, so that partners
    delist them), by start time, each with what is left to sell."""
    now = clock.now()
    async with uow:
        found = await uow.organiser_events.listed(organiser_id, now, page)
    return Page([snapshot_of(event, now) for event in found.items], found.next_cursor)


async def event_availability(
    event_id: UUID, *, uow: PartnersUnitOfWork, clock: Clock
) -> AvailabilitySnapshot:
    """One public event's availability now."""
    async with uow:
        event = await uow.events.get(EventId(event_id))
    if event.visibility is not Visibility.PUBLIC:
        raise NotFound("event not found")
    return snapshot_of(event, clock.now())
