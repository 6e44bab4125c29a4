"""Resale use cases: list a ticket, browse the feed, see a listing, withdraw it, buy it.

Authenticity is asked before the listing's transaction (a checker may call a partner over
the network); what it said about a Stagedoor ticket is checked again under the ticket's
lock, so a ticket cannot be listed twice or after it changed hands.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from core.booking.model import Event, EventId
from core.identity.model import AccountId, Role
from core.payments.model import Payment, PaymentId, Purpose
from core.payments.services import PaymentTerms
from core.resale.commands import BuyListing, ListTicket
from core.resale.model import (
    EventType,
    Listing,
    ListingDetails,
    ListingId,
    ListingStatus,
    Purchase,
    PurchaseId,
    ResaleRules,
    checked_price,
)
from core.resale.ports import Checkers, FeedFilter, ResaleUnitOfWork
from core.shared.clock import Clock
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.ids import uuid7
from core.shared.money import Money
from core.shared.paging import Page, PageRequest
from core.shared.perks import Perk
from core.tickets.authenticity import STAGEDOOR, Authenticity, TicketClaim, Verdict
from core.tickets.model import TicketId
from core.tickets.services import checked_barcode

ISSUER_MAX = 40


async def authenticity_of(claim: TicketClaim, checkers: Checkers, now: datetime) -> Verdict:
    """Ask the issuer's checker; no checker, or one that fails, means `unverified`."""
    checker = checkers.get(claim.issuer)
    if checker is None:
        return Verdict(Authenticity.UNVERIFIED, "", f"no checker knows {claim.issuer} tickets")
    try:
        return await checker.check(claim, now)
    except Exception:  # a partner's checker is outside our control: it could not tell
        return Verdict(Authenticity.UNVERIFIED, claim.issuer, "the issuer could not be asked")


_ISSUER_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _issuer(text: str) -> str:
    """An issuer's name as checkers are registered under it: Latin letters, digits, '-'."""
    issuer = text.strip().lower()
    if not issuer or len(issuer) > ISSUER_MAX or not set(issuer) <= _ISSUER_CHARACTERS:
        raise ValidationFailed(
            f"issuer is a name of letters, digits and '-', at most {ISSUER_MAX}", field="issuer"
        )
    return issuer


async def _seller(uow: ResaleUnitOfWork, seller_id: UUID) -> None:
    account = await uow.accounts.get(AccountId(seller_id))
    if not account.phone_verified:
        raise PermissionDenied("verify your phone number before selling tickets")


async def _rules(uow: ResaleUnitOfWork, organiser_id: UUID | None) -> ResaleRules:
    found = None if organiser_id is None else await uow.resale_rules.get(organiser_id)
    return found or ResaleRules(organiser_id or UUID(int=0))


def _event_details(event: Event, event_type: EventType) -> ListingDetails:
    d = event.details
    return ListingDetails(d.title, event_type, d.starts_at, d.city, d.address or d.city)


async def list_ticket(
    cmd: ListTicket, *, uow: ResaleUnitOfWork, clock: Clock, checkers: Checkers
) -> Listing:
    """Offer a ticket: only verified sellers, only tickets their issuer does not refuse, at
    most the organiser's cap, one live listing per barcode."""
    now = clock.now()
    barcode, issuer = checked_barcode(cmd.barcode), _issuer(cmd.issuer)
    if issuer != STAGEDOOR and cmd.details is None:
        raise ValidationFailed("say which event the ticket is for", field="event_name")
    details = None if cmd.details is None else cmd.details.checked(now)
    checked_price(cmd.price, None)
    claim = TicketClaim(
        issuer,
        barcode,
        cmd.seller_id,
        details.event_name if details else "",
        details.starts_at if details else None,
    )
    async with uow:
        await _seller(uow, cmd.seller_id)
    verdict = await authenticity_of(claim, checkers, now)
    if verdict.authenticity is Authenticity.REFUSED:
        raise ValidationFailed(f"the ticket was refused: {verdict.reason}", field="barcode")
    async with uow:
        await _seller(uow, cmd.seller_id)
        event, face_value = None, None
        if issuer == STAGEDOOR:
            assert verdict.ticket_id is not None
            ticket = await uow.tickets.get_for_update(TicketId(verdict.ticket_id))
            if not ticket.is_valid or ticket.holder_id != cmd.seller_id or ticket.on_sale:
                raise Conflict("this ticket is already listed or no longer yours to sell")
            event = await uow.events.get(EventId(ticket.event_id))
            details = _event_details(event, cmd.event_type).checked(now)
            face_value = event.price or Money(0, cmd.price.currency)
            ticket.on_sale = True
            await uow.tickets.save(ticket)
        assert details is not None
        rules = await _rules(uow, None if event is None else event.host_id)
        price = checked_price(cmd.price, rules.cap(face_value))
        perks = await uow.perks.perks_of(cmd.seller_id, now)
        fee = Money(0, price.currency) if Perk.NO_RESALE_FEE in perks else rules.fee(price)
        listing = Listing(
            id=ListingId(uuid7(now)),
            seller_id=cmd.seller_id,
            issuer=issuer,
            details=details,
            price=price,
            fee=fee,
            barcode=barcode,
            authenticity=verdict.authenticity,
            created_at=now,
            updated_at=now,
            checker=verdict.checker,
            ticket_id=verdict.ticket_id,
            event_id=None if event is None else event.id,
        )
        await uow.listings.add(listing)
        await uow.commit()
    return listing


async def feed(
    query: FeedFilter, page: PageRequest, *, uow: ResaleUnitOfWork, clock: Clock
) -> Page[Listing]:
    """Available tickets of events still ahead, newest listing first."""
    async with uow:
        return await uow.listings.feed(query, clock.now(), page)


async def listing_for(
    listing_id: ListingId, *, viewer: UUID | None, uow: ResaleUnitOfWork
) -> Listing:
    """A listing as `viewer` may see it: public while on sale, else its seller and buyer only."""
    async with uow:
        listing = await uow.listings.get(listing_id)
    if not listing.visible_to(viewer):
        raise NotFound("listing not found")
    return listing


async def my_listings(
    seller_id: UUID, page: PageRequest, *, uow: ResaleUnitOfWork
) -> Page[Listing]:
    async with uow:
        return await uow.listings.of_seller(seller_id, page)


async def my_purchases(
    buyer_id: UUID, page: PageRequest, *, uow: ResaleUnitOfWork
) -> Page[Listing]:
    async with uow:
        return await uow.listings.of_buyer(buyer_id, page)


async def _close(
    listing_id: ListingId, actor: UUID, expire: bool, uow: ResaleUnitOfWork, now: datetime
) -> Listing:
    async with uow:
        listing = await uow.listings.get_for_update(listing_id)
        if not listing.visible_to(actor):
            raise NotFound("listing not found")
        if expire:
            listing.mark_expired(actor, now)
        else:
            listing.withdraw(actor, now)
        await off_sale(listing, uow)
        await uow.listings.save(listing)
        await uow.commit()
    return listing


async def off_sale(listing: Listing, uow: ResaleUnitOfWork) -> None:
    """A Stagedoor ticket whose listing closed is its holder's to give back again."""
    if listing.ticket_id is not None:
        ticket = await uow.tickets.get_for_update(TicketId(listing.ticket_id))
        if ticket.on_sale:
            ticket.on_sale = False
            await uow.tickets.save(ticket)


async def withdraw_listing(
    listing_id: ListingId, *, actor: UUID, uow: ResaleUnitOfWork, clock: Clock
) -> Listing:
    return await _close(listing_id, actor, False, uow, clock.now())


async def mark_listing_expired(
    listing_id: ListingId, *, actor: UUID, uow: ResaleUnitOfWork, clock: Clock
) -> Listing:
    return await _close(listing_id, actor, True, uow, clock.now())


async def buy_listing(
    cmd: BuyListing, *, uow: ResaleUnitOfWork, clock: Clock, terms: PaymentTerms
) -> tuple[Purchase, Payment]:
    """Hold the listing for this buyer and make the payment they will pay on the provider's
    page. The hold is one conditional update, the last statement before commit: of many
    buyers at once exactly one gets a payment; the others get a Conflict and pay nothing.
    A buyer asking again while their own hold runs gets their purchase and payment back."""
    now = clock.now()
    async with uow:
        buyer = await uow.accounts.get(AccountId(cmd.buyer_id))
        if not buyer.phone_verified:
            raise PermissionDenied("verify your phone number before buying tickets")
        listing = await uow.listings.get(cmd.listing_id)
        if not listing.visible_to(cmd.buyer_id):
            raise NotFound("listing not found")
        mine = await _own_hold(listing, cmd.buyer_id, uow, now)
        if mine is not None:
            return mine
        listing.ensure_buyable_by(cmd.buyer_id, now)
        until = now + terms.hold
        purchase = Purchase(PurchaseId(uuid7(now)), listing.id, cmd.buyer_id, listing.price, now)
        payment = Payment.create(
            payer_id=AccountId(cmd.buyer_id),
            amount=listing.price,
            purpose=Purpose.RESALE,
            reference_id=purchase.id,
            provider=terms.provider,
            description=f"Resale ticket: {listing.details.event_name}",
            now=now,
            expires_at=until,
        )
        purchase.payment_id = payment.id
        await uow.payments.add(payment)
        await uow.purchases.add(purchase)
        if not await uow.listings.hold(listing.id, purchase.id, now, until):
            fresh = await uow.listings.get(listing.id)
            fresh.ensure_buyable_by(cmd.buyer_id, now)  # raises what refuses it now
            raise Conflict("someone else is paying for this ticket right now; try again later")
        await uow.commit()
    return purchase, payment


async def _own_hold(
    listing: Listing, buyer_id: UUID, uow: ResaleUnitOfWork, now: datetime
) -> tuple[Purchase, Payment] | None:
    """The buyer's own purchase holding the listing now, with its payment, if there is one."""
    if listing.status is not ListingStatus.HELD or listing.held_lapsed(now):
        return None
    assert listing.purchase_id is not None
    purchase = await uow.purchases.get(listing.purchase_id)
    if purchase.buyer_id != buyer_id or purchase.payment_id is None:
        return None
    return purchase, await uow.payments.get(PaymentId(purchase.payment_id))


@attrs.frozen
class Bought:
    """A purchase as its buyer sees it. Once the sale went through: the Stagedoor ticket
    reissued to them (`ticket_id`) and the barcode that now admits them — the new ticket's,
    while they hold it valid, or the listed one of an external ticket."""

    purchase: Purchase
    listing: Listing
    ticket_id: UUID | None = None
    barcode: str | None = attrs.field(default=None, repr=False)


async def purchase_for(purchase_id: PurchaseId, *, viewer: UUID, uow: ResaleUnitOfWork) -> Bought:
    """A purchase for its buyer only (anyone else: not found), with the barcode once paid."""
    async with uow:
        purchase = await uow.purchases.get(purchase_id)
        purchase.ensure_owned_by(viewer)
        listing = await uow.listings.get(purchase.listing_id)
        if listing.purchase_id != purchase.id or not listing.is_buyer(viewer):
            return Bought(purchase, listing)
        if listing.new_ticket_id is None:
            return Bought(purchase, listing, None, listing.barcode_for(viewer))
        ticket = await uow.tickets.get(TicketId(listing.new_ticket_id))
    usable = ticket.is_valid and ticket.holder_id == viewer
    return Bought(purchase, listing, ticket.id, ticket.barcode if usable else None)


async def rules_of(organiser_id: UUID, *, uow: ResaleUnitOfWork) -> ResaleRules:
    async with uow:
        return await _rules(uow, organiser_id)


async def set_price_cap(
    organiser_id: UUID, cap_percent: int | None, *, uow: ResaleUnitOfWork
) -> ResaleRules:
    """An organiser caps the resale price of their events' tickets (None: no cap)."""
    async with uow:
        rules = await _rules(uow, organiser_id)
        changed = ResaleRules(organiser_id, cap_percent, rules.fee_bp).checked()
        await uow.resale_rules.put(changed)
        await uow.commit()
    return changed


async def set_fee(
    organiser_id: UUID, fee_bp: int, *, actor: UUID, uow: ResaleUnitOfWork
) -> ResaleRules:
    """The platform sets the fee on resales of one organiser's tickets (admins only)."""
    async with uow:
        admin = await uow.accounts.get(AccountId(actor))
        if Role.PLATFORM_ADMIN not in admin.roles:
            raise PermissionDenied("only a platform admin may set resale fees")
        await uow.accounts.get(AccountId(organiser_id))
        rules = await _rules(uow, organiser_id)
        changed = ResaleRules(organiser_id, rules.price_cap_percent, fee_bp).checked()
        await uow.resale_rules.put(changed)
        await uow.commit()
    return changed
