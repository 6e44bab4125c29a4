"""Who sees an event: a public one everybody; a private one its host, the holders of an
invitation, and its guests. Anybody else is told it does not exist."""

from __future__ import annotations

import hashlib

from core.booking.model import Event, Visibility
from core.booking.ports import BookingUnitOfWork
from core.identity.model import AccountId
from core.shared.errors import NotFound


def hash_invite(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def ensure_visible(
    event: Event, viewer: AccountId | None, invite_token: str | None, uow: BookingUnitOfWork
) -> None:
    """A private event exists only for its host, holders of an invitation, and its guests."""
    if event.visibility is Visibility.PUBLIC or event.is_host(viewer):
        return
    if invite_token and await uow.invitations.find(event.id, hash_invite(invite_token)):
        return
    if viewer is not None and await uow.bookings.has_active(event.id, viewer):
        return
    raise NotFound("event not found")
