"""After the buyer pays: the sale, the money in escrow, its release to the seller, refunds.

"The transfer is safe" when the buyer surely has what they paid for. For a Stagedoor ticket
the seller's barcode is revoked and a new one issued to the buyer at the sale, so the seller
has nothing left to use or sell again; but the event could still be called off, so the money
waits for the event's start (as on the big resale sites, sellers are paid after the event
begins). For an external ticket it is the event's start plus `DISPUTE_WINDOW` without a
dispute from the buyer. Then the escrow is released: the ledger moves the money from what is
owed to customers into the seller's payable and the platform's fee revenue, and the seller
is paid out (the price less the fee).

When a Stagedoor event is cancelled before it starts, its resales are unwound: each buyer's
payment is refunded in full, the seller's escrow is never paid out (and no fee taken), and
the booking the ticket came from is refunded to its payer by booking, as if never resold.

Every function here is idempotent: payment news arrives at least once and in any order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

import attrs

from core.booking.model import EventId, EventStatus
from core.identity.model import AccountId
from core.payments import ledger
from core.payments.model import PaymentId, Payout, Refund
from core.payments.ports import ProviderUnavailable
from core.payments.services import Providers, hand_over_refund, reserve_refund, send_payout
from core.resale.model import (
    Listing,
    ListingId,
    ListingStatus,
    Purchase,
    PurchaseId,
    PurchaseStatus,
)
from core.resale.ports import ResaleUnitOfWork
from core.resale.services import off_sale
from core.shared.clock import Clock
from core.tickets.model import TicketId

GONE = "the ticket was no longer for sale when the payment arrived"
CANCELLED = "the event was cancelled"


def _sellable(listing: Listing, purchase: Purchase, now: datetime) -> bool:
    """Held for this purchase, or (its hold lapsed) free again and nobody else took it."""
    if listing.status is ListingStatus.HELD and listing.purchase_id == purchase.id:
        return True
    return listing.free(now)


async def _hand_over_ticket(
    listing: Listing, buyer: AccountId, uow: ResaleUnitOfWork, now: datetime
) -> tuple[bool, TicketId | None]:
    """Reissue a Stagedoor ticket to the buyer: (False, None) when the ticket went bad
    meanwhile (voided with its event), (True, the new ticket) otherwise; (True, None) for an
    external ticket, which stays as it is."""
    if listing.ticket_id is None:
        return True, None
    ticket = await uow.tickets.get_for_update(TicketId(listing.ticket_id))
    if not ticket.is_valid or ticket.holder_id != listing.seller_id or ticket.admitted_at:
        return False, None
    successor = ticket.reissue_to(buyer, now)
    await uow.tickets.save(ticket)
    await uow.tickets.add(successor)
    return True, successor.id


async def release(
    listing: Listing, provider: str, uow: ResaleUnitOfWork, now: datetime
) -> Payout | None:
    """Inside a transaction: release a listing's escrow if due; the payout (through the
    buyer's payment provider) to send after the commit. The fee is at most 30 % of the
    price, so there is always something to pay out."""
    if not listing.release_escrow(now):
        return None
    await uow.ledger.post(ledger.release(listing.id, listing.price, listing.fee, now))
    payout = Payout.create(
        AccountId(listing.seller_id), listing.proceeds, f"resale {listing.id}", now, provider
    )
    listing.payout_id = payout.id
    await uow.payouts.add(payout)
    return payout


@attrs.frozen
class _FollowUp:
    """What to hand the provider once a listing's transaction committed. A payout the
    provider does not take now stays pending; `resend_unsent_payouts` sends it later."""

    payout: Payout | None = None
    refund: Refund | None = None

    async def send(self, uow: ResaleUnitOfWork, providers: Providers, clock: Clock) -> None:
        if self.refund is not None:
            await hand_over_refund(self.refund, uow=uow, providers=providers)
        if self.payout is not None:
            with contextlib.suppress(ProviderUnavailable):
                await send_payout(
                    self.payout,
                    provider=self.payout.provider,
                    uow=uow,
                    providers=providers,
                    clock=clock,
                )


async def complete_purchase(
    purchase_id: PurchaseId, *, uow: ResaleUnitOfWork, clock: Clock, providers: Providers
) -> Purchase:
    """The buyer's payment succeeded: sell them the listing (a Stagedoor ticket is reissued
    to them; the money stays in escrow), or refund them if it went meanwhile."""
    now = clock.now()
    async with uow:
        purchase = await uow.purchases.get(purchase_id)
        if purchase.status not in (PurchaseStatus.PENDING, PurchaseStatus.FAILED):
            return purchase
        assert purchase.payment_id is not None
        payment = await uow.payments.get(PaymentId(purchase.payment_id))
        listing = await uow.listings.get_for_update(purchase.listing_id)
        sellable = _sellable(listing, purchase, now)
        ticket_ok, new_ticket = (False, None)
        if sellable:
            buyer = AccountId(purchase.buyer_id)
            ticket_ok, new_ticket = await _hand_over_ticket(listing, buyer, uow, now)
        if sellable and ticket_ok:
            listing.take_for(purchase, now)
            listing.sell(purchase, new_ticket, now)
            purchase.status, purchase.settled_at = PurchaseStatus.COMPLETED, now
            # paid after the start (a hold still running then): the escrow is due at once
            follow_up = _FollowUp(await release(listing, payment.provider, uow, now))
        else:
            if sellable:  # the ticket went bad meanwhile (voided, or used): the listing goes too
                listing.release(purchase.id, now)  # this purchase's own hold first
                listing.withdraw_for_void_ticket(now)
                await off_sale(listing, uow)
            purchase.status, purchase.settled_at = PurchaseStatus.REFUNDED, now
            refund = await reserve_refund(PaymentId(purchase.payment_id), GONE, uow, now)
            follow_up = _FollowUp(refund=refund)
        await uow.listings.save(listing)
        await uow.purchases.save(purchase)
        await uow.commit()
    await follow_up.send(uow, providers, clock)
    return purchase


async def fail_purchase(
    purchase_id: PurchaseId, *, uow: ResaleUnitOfWork, clock: Clock
) -> Purchase:
    """The payment failed or lapsed: the listing is offered again."""
    now = clock.now()
    async with uow:
        purchase = await uow.purchases.get(purchase_id)
        if purchase.status is not PurchaseStatus.PENDING:
            return purchase
        listing = await uow.listings.get_for_update(purchase.listing_id)
        purchase.status, purchase.settled_at = PurchaseStatus.FAILED, now
        if listing.release(purchase.id, now):
            await uow.listings.save(listing)
        await uow.purchases.save(purchase)
        await uow.commit()
    return purchase


async def resale_upkeep(
    *, uow: ResaleUnitOfWork, clock: Clock, providers: Providers, limit: int = 100
) -> int:
    """The periodic chore: expire listings whose event started, release escrow that is due
    (or unwind the sale if its event was cancelled and the cancellation was not handled
    yet). Each listing in its own transaction; safe to run any number of times. Returns how
    many listings changed."""
    now = clock.now()
    async with uow:
        due = await uow.listings.due(now, limit)

    async def settle(listing: Listing) -> _FollowUp | None:
        return await _settle(listing, uow, now)

    return await _one_by_one(due, settle, uow=uow, providers=providers, clock=clock)


async def _one_by_one(
    listing_ids: Iterable[ListingId],
    step: Callable[[Listing], Awaitable[_FollowUp | None]],
    *,
    uow: ResaleUnitOfWork,
    providers: Providers,
    clock: Clock,
) -> int:
    """Run `step` on each listing in a transaction of its own, under the listing's lock; a
    step that changed it (returned what to send) is committed, and its refund or payout
    handed to the provider after. Returns how many listings changed."""
    changed = 0
    for listing_id in listing_ids:
        async with uow:
            listing = await uow.listings.get_for_update(listing_id)
            follow_up = await step(listing)
            if follow_up is None:
                continue
            await uow.listings.save(listing)
            await uow.commit()
        changed += 1
        await follow_up.send(uow, providers, clock)
    return changed


async def _settle(listing: Listing, uow: ResaleUnitOfWork, now: datetime) -> _FollowUp | None:
    """Inside a transaction: whatever is due on one listing now; None when nothing is."""
    if listing.expire_at_start(now):
        await off_sale(listing, uow)
        return _FollowUp()
    if not listing.escrow_due(now) or listing.purchase_id is None:
        return None
    if await _event_cancelled(listing, uow):
        return await _unwind(listing, uow, now)
    provider = await _provider_of(listing.purchase_id, uow)
    return _FollowUp(await release(listing, provider, uow, now))


async def _event_cancelled(listing: Listing, uow: ResaleUnitOfWork) -> bool:
    if listing.event_id is None:
        return False
    event = await uow.events.get(EventId(listing.event_id))
    return event.status is EventStatus.CANCELLED


async def _provider_of(purchase_id: PurchaseId, uow: ResaleUnitOfWork) -> str:
    purchase = await uow.purchases.get(purchase_id)
    assert purchase.payment_id is not None
    return (await uow.payments.get(PaymentId(purchase.payment_id))).provider


async def _unwind(listing: Listing, uow: ResaleUnitOfWork, now: datetime) -> _FollowUp | None:
    """Inside a transaction: undo a sale whose event was cancelled and reserve the buyer's
    refund of the whole payment; None when there is nothing to undo."""
    if not listing.unwind(now):
        return None
    assert listing.purchase_id is not None
    purchase = await uow.purchases.get(listing.purchase_id)
    purchase.status = PurchaseStatus.REFUNDED
    await uow.purchases.save(purchase)
    assert purchase.payment_id is not None
    refund = await reserve_refund(PaymentId(purchase.payment_id), CANCELLED, uow, now)
    return _FollowUp(refund=refund)


async def close_for_cancelled_event(
    event_id: EventId, *, uow: ResaleUnitOfWork, clock: Clock, providers: Providers
) -> int:
    """The event was cancelled (before its start) and its tickets voided: listings on sale
    go off the market, sales with money in escrow are unwound (the buyer refunded in full,
    the seller not paid). A listing a buyer is paying for right now is left alone: its
    payment finds the ticket void and is refunded. Returns how many listings changed."""
    now = clock.now()
    async with uow:
        found = await uow.listings.open_of_event(event_id)

    async def close(listing: Listing) -> _FollowUp | None:
        if listing.withdraw_for_void_ticket(now):
            await off_sale(listing, uow)
            return _FollowUp()
        return await _unwind(listing, uow, now)

    return await _one_by_one(found, close, uow=uow, providers=providers, clock=clock)


async def dispute_sale(
    listing_id: ListingId, *, actor: AccountId, uow: ResaleUnitOfWork, clock: Clock
) -> Listing:
    """The buyer of an external ticket says it did not work: the seller is not paid."""
    async with uow:
        listing = await uow.listings.get_for_update(listing_id)
        listing.dispute(actor, clock.now())
        await uow.listings.save(listing)
        await uow.commit()
    return listing
