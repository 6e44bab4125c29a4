"""Organiser billing: a conference pays for the tier its participant count needs.

Each conference has an account of what was paid for it. When its list grows past what that
pays for, it gets one open invoice for the difference up to the tier it now needs; the
conference keeps working meanwhile (an invoice, never a block). The invoice follows the list
while nobody is paying it; once paid, the money is credited to the conference, and if it has
grown again meanwhile a new invoice asks for the rest.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import NewType, TypedDict
from uuid import UUID

import attrs

from core.identity.model import AccountId
from core.payments.model import OPEN, Payment, PaymentId, Purpose
from core.shared.errors import Conflict, NotFound
from core.shared.events import Aggregate
from core.shared.ids import uuid7
from core.shared.money import Money
from core.subscriptions import events
from core.subscriptions.plans import Plan, PlanId

InvoiceId = NewType("InvoiceId", UUID)


@attrs.frozen
class ConferenceSize:
    """What billing reads of a conference: whose it is and how many people are listed."""

    conference_id: UUID
    organiser_id: AccountId
    title: str
    participants: int


@attrs.define
class ConferenceAccount:
    """What was paid for one conference's tier, net of refunds."""

    conference_id: UUID
    organiser_id: AccountId
    paid: Money
    created_at: datetime
    updated_at: datetime

    def credit(self, amount: Money, now: datetime) -> None:
        self.paid, self.updated_at = self.paid + amount, now


class _InvoiceFacts(TypedDict):
    event_id: UUID
    occurred_at: datetime
    invoice_id: UUID
    conference_id: UUID
    organiser_id: UUID
    conference_title: str
    tier_name: str
    participants: int
    amount: Money


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    """No longer owed: the list shrank back before anyone paid."""


@attrs.define
class Invoice(Aggregate):
    """The difference a conference owes to reach `tier_name` for `participants` people."""

    id: InvoiceId
    conference_id: UUID
    organiser_id: AccountId
    conference_title: str
    tier_id: PlanId
    tier_name: str
    participants: int
    amount: Money
    created_at: datetime
    updated_at: datetime
    status: InvoiceStatus = InvoiceStatus.OPEN
    payment_id: PaymentId | None = None
    paid_at: datetime | None = None

    @classmethod
    def issue(cls, size: ConferenceSize, tier: Plan, amount: Money, now: datetime) -> Invoice:
        invoice = cls(
            id=InvoiceId(uuid7(now)),
            conference_id=size.conference_id,
            organiser_id=size.organiser_id,
            conference_title=size.title,
            tier_id=tier.id,
            tier_name=tier.name,
            participants=size.participants,
            amount=amount,
            created_at=now,
            updated_at=now,
        )
        invoice._note(now)
        return invoice

    def _note(self, now: datetime, paid_by: PaymentId | None = None) -> None:
        facts: _InvoiceFacts = {
            "event_id": uuid7(now),
            "occurred_at": now,
            "invoice_id": self.id,
            "conference_id": self.conference_id,
            "organiser_id": self.organiser_id,
            "conference_title": self.conference_title,
            "tier_name": self.tier_name,
            "participants": self.participants,
            "amount": self.amount,
        }
        if paid_by is None:
            self.record(events.InvoiceIssued(**facts))
        else:
            self.record(events.InvoicePaid(**facts, payment_id=paid_by))

    def follows(self, size: ConferenceSize, tier: Plan, amount: Money, now: datetime) -> bool:
        """Bring the invoice up to the list as it is now; True when it changed. The
        organiser is told again only when the amount goes up."""
        if (self.tier_id, self.amount, self.participants) == (tier.id, amount, size.participants):
            return False
        raised = amount.amount > self.amount.amount
        self.tier_id, self.tier_name, self.amount = tier.id, tier.name, amount
        self.participants, self.conference_title = size.participants, size.title
        self.updated_at = now
        if raised:
            self._note(now)
        return True

    def void(self, now: datetime) -> None:
        if self.status is InvoiceStatus.OPEN:
            self.status, self.updated_at = InvoiceStatus.VOID, now

    def ensure_payable_by(self, account_id: AccountId) -> None:
        if account_id != self.organiser_id:
            raise NotFound("invoice not found")
        if self.status is not InvoiceStatus.OPEN:
            raise Conflict(f"this invoice is {self.status}; there is nothing to pay")

    def new_payment(self, provider: str, now: datetime, expires_at: datetime) -> Payment:
        payment = Payment.create(
            self.organiser_id,
            self.amount,
            Purpose.BILLING,
            self.id,
            provider,
            f"Stagedoor {self.tier_name}: {self.conference_title}",
            now,
            expires_at,
        )
        self.payment_id, self.updated_at = payment.id, now
        return payment

    def paid_by(self, payment: Payment, now: datetime) -> None:
        self.status, self.paid_at, self.updated_at = InvoiceStatus.PAID, now, now
        self.amount = payment.amount
        self._note(now, paid_by=payment.id)


def in_flight(invoice: Invoice, payment: Payment | None) -> bool:
    """Someone may be paying it right now: its payment is still open."""
    return payment is not None and payment.id == invoice.payment_id and payment.status in OPEN
