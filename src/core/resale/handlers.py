"""Resale event handlers: payments for purchases, cancelled events, the people told. Idempotent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from core.booking.events import EventCancelled
from core.booking.model import EventId
from core.identity.model import AccountId
from core.notifications.ports import NotificationsUnitOfWork
from core.notifications.services import NotificationRequest, request_notifications
from core.payments.events import PaymentExpired, PaymentFailed, PaymentSucceeded
from core.payments.model import Purpose
from core.payments.services import Providers
from core.resale.escrow import close_for_cancelled_event, complete_purchase, fail_purchase
from core.resale.events import ListingSold, SaleUnwound
from core.resale.model import PurchaseId
from core.resale.ports import ResaleUnitOfWork
from core.shared.clock import Clock
from core.shared.errors import NotFound
from core.shared.events import Handler


class ResaleNotificationsUnitOfWork(ResaleUnitOfWork, NotificationsUnitOfWork, Protocol):
    """Handlers read resale and write notification requests."""


class ResaleContext(Protocol):
    @property
    def clock(self) -> Clock: ...

    @property
    def payment_providers(self) -> Providers: ...

    def new_uow(self) -> ResaleNotificationsUnitOfWork: ...


async def _known(purchase_id: UUID, ctx: ResaleContext) -> bool:
    """Whether a resale payment is for a purchase made here (one made by hand is not)."""
    uow = ctx.new_uow()
    async with uow:
        try:
            await uow.purchases.get(PurchaseId(purchase_id))
        except NotFound:
            return False
    return True


async def on_payment_succeeded(event: PaymentSucceeded, ctx: ResaleContext) -> None:
    if event.purpose == Purpose.RESALE and await _known(event.reference_id, ctx):
        await complete_purchase(
            PurchaseId(event.reference_id),
            uow=ctx.new_uow(),
            clock=ctx.clock,
            providers=ctx.payment_providers,
        )


async def on_payment_closed(event: PaymentFailed | PaymentExpired, ctx: ResaleContext) -> None:
    if event.purpose == Purpose.RESALE and await _known(event.reference_id, ctx):
        await fail_purchase(PurchaseId(event.reference_id), uow=ctx.new_uow(), clock=ctx.clock)


async def on_event_cancelled(event: EventCancelled, ctx: ResaleContext) -> None:
    await close_for_cancelled_event(
        EventId(event.live_event_id),
        uow=ctx.new_uow(),
        clock=ctx.clock,
        providers=ctx.payment_providers,
    )


async def _tell_both(
    event: ListingSold | SaleUnwound,
    ctx: ResaleContext,
    templates: tuple[str, str],
    seller_facts: dict[str, str],
) -> None:
    """Notify the seller and the buyer of a listing, each once (keyed by event and side)."""
    facts = {"event_name": event.event_name, "price": str(event.price)}
    seller, buyer = templates
    await request_notifications(
        [
            NotificationRequest(
                AccountId(event.seller_id),
                seller,
                f"{event.name}:{event.listing_id}:seller",
                {**facts, **seller_facts},
            ),
            NotificationRequest(
                AccountId(event.buyer_id), buyer, f"{event.name}:{event.listing_id}:buyer", facts
            ),
        ],
        uow=ctx.new_uow(),
        clock=ctx.clock,
    )


async def on_listing_sold(event: ListingSold, ctx: ResaleContext) -> None:
    proceeds = {"proceeds": str(event.proceeds)}
    await _tell_both(event, ctx, ("resale_sold", "resale_bought"), proceeds)


async def on_sale_unwound(event: SaleUnwound, ctx: ResaleContext) -> None:
    await _tell_both(event, ctx, ("resale_unwound_seller", "resale_unwound_buyer"), {})


HANDLERS: dict[str, Sequence[Handler]] = {
    PaymentSucceeded.name: [on_payment_succeeded],
    PaymentFailed.name: [on_payment_closed],
    PaymentExpired.name: [on_payment_closed],
    EventCancelled.name: [on_event_cancelled],
    ListingSold.name: [on_listing_sold],
    SaleUnwound.name: [on_sale_unwound],
}
