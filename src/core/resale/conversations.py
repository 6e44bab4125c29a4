"""Message use cases: a buyer asks about a listing, the seller answers in that buyer's thread."""

from __future__ import annotations

from uuid import UUID

from core.resale.commands import SendMessage
from core.resale.messages import Message, Thread
from core.resale.model import Listing, ListingId
from core.resale.ports import ResaleUnitOfWork
from core.shared.clock import Clock
from core.shared.errors import NotFound, ValidationFailed


async def _thread_of(
    listing: Listing, viewer: UUID, buyer_id: UUID | None, uow: ResaleUnitOfWork
) -> UUID:
    """Whose thread `viewer` means: their own as a buyer, or the named buyer's as the seller
    (who may only answer a buyer who wrote first)."""
    if not listing.is_seller(viewer):
        return viewer
    if buyer_id is None:
        raise ValidationFailed("say which buyer's thread to use", field="buyer_id")
    if not await uow.messages.thread(listing.id, buyer_id):
        raise NotFound("no such conversation on this listing")
    return buyer_id


async def send_message(cmd: SendMessage, *, uow: ResaleUnitOfWork, clock: Clock) -> Message:
    """Write in a listing's thread; contacts in the text are masked before it is stored."""
    now = clock.now()
    async with uow:
        listing = await uow.listings.get(cmd.listing_id)
        if not listing.visible_to(cmd.author_id):
            raise NotFound("listing not found")
        buyer = await _thread_of(listing, cmd.author_id, cmd.buyer_id, uow)
        message = Message.write(listing.id, buyer, cmd.author_id, cmd.body, now)
        await uow.messages.add(message)
        await uow.commit()
    return message


async def read_thread(
    listing_id: ListingId,
    *,
    viewer: UUID,
    buyer_id: UUID | None,
    uow: ResaleUnitOfWork,
) -> list[Message]:
    """One thread, oldest first, for the seller or for the buyer it belongs to."""
    async with uow:
        listing = await uow.listings.get(listing_id)
        if not listing.visible_to(viewer):
            raise NotFound("listing not found")
        buyer = await _thread_of(listing, viewer, buyer_id, uow)
        return await uow.messages.thread(listing.id, buyer)


async def threads_of(listing_id: ListingId, *, viewer: UUID, uow: ResaleUnitOfWork) -> list[Thread]:
    """Every buyer's thread on a listing, for its seller."""
    async with uow:
        listing = await uow.listings.get(listing_id)
        if not listing.is_seller(viewer):
            raise NotFound("listing not found")
        return await uow.messages.threads(listing.id)
