"""Organiser billing use cases: follow a conference's size, pay its invoice, show the bill.

`review_conference` runs whenever a conference's list changes (the `roster_changed`
handler) and after each of its payments; it is idempotent, and the conference's account row
is locked while it runs, so two reviews of one conference take turns.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from core.identity.model import AccountId
from core.payments.model import CAPTURED, Payment, PaymentId, Purpose, Refund
from core.payments.services import PaymentTerms, Providers, hand_over_refund, reserve_refund
from core.shared.clock import Clock
from core.shared.errors import NotFound
from core.shared.money import Money
from core.subscriptions.billing import (
    ConferenceAccount,
    ConferenceSize,
    Invoice,
    InvoiceId,
    InvoiceStatus,
    in_flight,
)
from core.subscriptions.plans import Plan, Tiers
from core.subscriptions.ports import BillingUnitOfWork

NOT_OWED = "this invoice was no longer owed when the payment arrived"


@attrs.frozen
class ConferenceBill:
    """Where one conference stands: its size, the tier it needs, the tier paid for, what
    was paid, and its invoices (newest first)."""

    size: ConferenceSize
    needed: Plan | None
    covered: Plan | None
    paid: Money | None
    invoices: list[Invoice]

    @property
    def open_invoice(self) -> Invoice | None:
        return next((i for i in self.invoices if i.status is InvoiceStatus.OPEN), None)


async def _tiers(uow: BillingUnitOfWork) -> Tiers:
    return Tiers.of(await uow.plans.all(active_only=True))


async def review_conference(
    conference_id: UUID, *, uow: BillingUnitOfWork, clock: Clock
) -> Invoice | None:
    """Bring the conference's invoice in line with its size: issue one when it needs more
    than was paid, follow the list while nobody is paying, void it when no longer owed.
    Returns the open invoice, if any. Without tiers on offer, billing is off."""
    now = clock.now()
    async with uow:
        tiers = await _tiers(uow)
        size = await uow.conference_sizes.get(conference_id)
        if not tiers or size is None:
            return None
        currency = tiers.tiers[0].price.currency
        account = await uow.conference_accounts.get_for_update(size, currency, now)
        invoice = await _follow_size(size, account, tiers, uow, now)
        await uow.commit()
    return invoice


async def _follow_size(
    size: ConferenceSize,
    account: ConferenceAccount,
    tiers: Tiers,
    uow: BillingUnitOfWork,
    now: datetime,
) -> Invoice | None:
    needed = tiers.for_size(size.participants)
    due = needed.price - account.paid
    invoice = await uow.invoices.open_of(size.conference_id)
    if invoice is not None:
        payment = None if invoice.payment_id is None else await uow.payments.get(invoice.payment_id)
        if in_flight(invoice, payment):
            return invoice  # looked at again once that payment ends
        if due.amount <= 0:
            invoice.void(now)
        else:
            invoice.follows(size, needed, due, now)
        await uow.invoices.save(invoice)
        return invoice if due.amount > 0 else None
    if due.amount <= 0:
        return None
    invoice = Invoice.issue(size, needed, due, now)
    await uow.invoices.add(invoice)
    return invoice


async def pay_invoice(
    invoice_id: InvoiceId,
    *,
    actor: AccountId,
    uow: BillingUnitOfWork,
    clock: Clock,
    terms: PaymentTerms,
) -> Payment:
    """The payment to pay an invoice with (the caller opens its checkout); a payment page
    already open for it is offered again rather than a second one."""
    now = clock.now()
    async with uow:
        found = await uow.invoices.get(invoice_id)
        found.ensure_payable_by(actor)
        size = await uow.conference_sizes.get(found.conference_id)
        assert size is not None
        await uow.conference_accounts.get_for_update(size, found.amount.currency, now)
        invoice = await uow.invoices.get(invoice_id)  # read again under the account's lock
        invoice.ensure_payable_by(actor)
        if invoice.payment_id is not None:
            last = await uow.payments.get(invoice.payment_id)
            if in_flight(invoice, last) and last.redirect_url is not None:
                return last
        payment = invoice.new_payment(terms.provider, now, now + terms.hold)
        await uow.payments.add(payment)
        await uow.invoices.save(invoice)
        await uow.commit()
    return payment


async def settle_invoice_payment(
    payment_id: PaymentId, *, uow: BillingUnitOfWork, clock: Clock, providers: Providers
) -> None:
    """An invoice's payment ended: credit what was taken to the conference (or refund it if
    the invoice was no longer waiting for it), then review the conference again."""
    now = clock.now()
    refund: Refund | None = None
    async with uow:
        payment = await uow.payments.get(payment_id)
        found = await uow.invoices.find(InvoiceId(payment.reference_id))
        if found is None or payment.purpose is not Purpose.BILLING:
            return
        size = await uow.conference_sizes.get(found.conference_id)
        if size is None:
            return
        account = await uow.conference_accounts.get_for_update(size, payment.amount.currency, now)
        invoice = await uow.invoices.get(found.id)
        payment = await uow.payments.get_for_update(payment_id)
        if payment.status in CAPTURED:
            refund = await _credit(invoice, payment, account, uow, now)
        await uow.commit()
    if refund is not None:
        await hand_over_refund(refund, uow=uow, providers=providers)
    await review_conference(size.conference_id, uow=uow, clock=clock)


async def _credit(
    invoice: Invoice,
    payment: Payment,
    account: ConferenceAccount,
    uow: BillingUnitOfWork,
    now: datetime,
) -> Refund | None:
    if invoice.payment_id == payment.id and invoice.status is InvoiceStatus.PAID:
        return None  # news already applied
    if invoice.payment_id != payment.id or invoice.status is not InvoiceStatus.OPEN:
        return await reserve_refund(payment.id, NOT_OWED, uow, now)
    account.credit(payment.amount, now)
    invoice.paid_by(payment, now)
    await uow.conference_accounts.save(account)
    await uow.invoices.save(invoice)
    return None


async def organiser_bills(
    organiser_id: AccountId, *, uow: BillingUnitOfWork
) -> list[ConferenceBill]:
    """Every conference the organiser runs, with where its billing stands."""
    async with uow:
        tiers = await _tiers(uow)
        invoices = await uow.invoices.of_organiser(organiser_id)
        bills = []
        for size in await uow.conference_sizes.of_organiser(organiser_id):
            account = await uow.conference_accounts.get(size.conference_id)
            bills.append(_bill(size, account, tiers, invoices))
    return bills


def _bill(
    size: ConferenceSize,
    account: ConferenceAccount | None,
    tiers: Tiers,
    invoices: list[Invoice],
) -> ConferenceBill:
    mine = [i for i in invoices if i.conference_id == size.conference_id]
    if not tiers:
        return ConferenceBill(size, None, None, account.paid if account else None, mine)
    paid = account.paid if account else Money.zero(tiers.tiers[0].price.currency)
    return ConferenceBill(
        size, tiers.for_size(size.participants), tiers.covered_by(paid), paid, mine
    )


async def conference_bill(
    conference_id: UUID, *, viewer: AccountId, uow: BillingUnitOfWork
) -> ConferenceBill:
    """One conference's bill, for its organiser only."""
    for bill in await organiser_bills(viewer, uow=uow):
        if bill.size.conference_id == conference_id:
            return bill
    raise NotFound("conference not found")
