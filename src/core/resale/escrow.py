"""After the buyer pays: the sale, the money in escrow, its release to the seller, refunds.

"The transfer is safe" when the buyer surely has what they paid for. For a Stagedoor ticket
that is the moment the sale goes through: the seller's barcode is revoked and a new one is
issued to the buyer in the same transaction, so the seller has nothing left to use or sell
again. For an external ticket it is the event's start plus `DISPUTE_WINDOW` without a
dispute from the buyer. Then the escrow is released: the ledger moves the money from what
is owed to customers into the seller's payable and the platform's fee revenue, and the
seller is paid out (the price less the fee). Every function here is idempotent: payment news
arrives at least once and in any order.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from core.booking.model import EventId
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


def _sellable(listing: Listing, purchase: Purchase, now: datetime) -> bool:
    """Held for this purchase, or (its hold lapsed) free again and nobody else took it."""
    if listing.status is ListingStatus.HELD and listing.purchase_id == purchase.id:
        return True
    free = listing.status is ListingStatus.AVAILABLE or listing.held_lapsed(now)
    return free and now < listing.details.starts_at


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


async def release(listing: Listing, uow: ResaleUnitOfWork, now: datetime) -> Payout | None:
    """Inside a transaction: release a listing's escrow if due; the payout to send after."""
    if not listing.release_escrow(now):
        return None
    await uow.ledger.post(ledger.release(listing.id, listing.price, listing.fee, now))
    if listing.proceeds.amount <= 0:
        return None
    payout = Payout.create(
        AccountId(listing.seller_id), listing.proceeds, f"resale {listing.id}", now
    )
    listing.payout_id = payout.id
    await uow.payouts.add(payout)
    return payout


async def _send(
    payout: Payout | None, provider: str, uow: ResaleUnitOfWork, providers: Providers, clock: Clock
) -> None:
    if payout is not None:
        with contextlib.suppress(ProviderUnavailable):  # stays pending; see docs/resale.md
            await send_payout(payout, provider=provider, uow=uow, providers=providers, clock=clock)


async def complete_purchase(
    purchase_id: PurchaseId, *, uow: ResaleUnitOfWork, clock: Clock, providers: Providers
) -> Purchase:
    """The buyer's payment succeeded: sell them the listing (a Stagedoor ticket is reissued
    to them and the seller paid out at once), or refund them if it went meanwhile."""
    now = clock.now()
    refund: Refund | None = None
    payout: Payout | None = None
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
            payout = await release(listing, uow, now)
        else:
            if sellable:  # the ticket was voided (its event cancelled): the listing goes too
                listing.withdraw_for_void_ticket(now) or listing.release(purchase.id, now)
                await off_sale(listing, uow)
            else:
                listing.release(purchase.id, now)
            purchase.status, purchase.settled_at = PurchaseStatus.REFUNDED, now
            refund = await reserve_refund(PaymentId(purchase.payment_id), GONE, uow, now)
        await uow.listings.save(listing)
        await uow.purchases.save(purchase)
        await uow.commit()
    if refund is not None:
        await hand_over_refund(refund, uow=uow, providers=providers)
    await _send(payout, payment.provider, uow, providers, clock)
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
    """The periodic chore: expire listings whose event started, release escrow that is due.
    Each listing in its own transaction; safe to run any number of times. Returns how many
    listings changed."""
    now = clock.now()
    async with uow:
        due = await uow.listings.due(now, limit)
    done = 0
    for listing_id in due:
        async with uow:
            listing = await uow.listings.get_for_update(listing_id)
            payout, provider = None, ""
            if listing.expire_at_start(now):
                await off_sale(listing, uow)
            elif listing.escrow_due(now) and listing.purchase_id is not None:
                provider = await _provider_of(listing.purchase_id, uow)
                payout = await release(listing, uow, now)
            else:
                continue
            await uow.listings.save(listing)
            await uow.commit()
        done += 1
        await _send(payout, provider, uow, providers, clock)
    return done


async def _provider_of(purchase_id: PurchaseId, uow: ResaleUnitOfWork) -> str:
    purchase = await uow.purchases.get(purchase_id)
    assert purchase.payment_id is not None
    return (await uow.payments.get(PaymentId(purchase.payment_id))).provider


async def withdraw_for_cancelled_event(
    event_id: EventId, *, uow: ResaleUnitOfWork, clock: Clock
) -> int:
    """The event was cancelled and its tickets voided: their listings go off the market."""
    now = clock.now()
    async with uow:
        found = await uow.listings.unsold_of_event(event_id)
    withdrawn = 0
    for listing_id in found:
        async with uow:
            listing = await uow.listings.get_for_update(ListingId(listing_id))
            if listing.withdraw_for_void_ticket(now):
                await uow.listings.save(listing)
                await uow.commit()
                withdrawn += 1
    return withdrawn


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
