"""Request and response bodies of the subscriptions and billing API.

Money is integer minor units plus an ISO currency everywhere; instants carry their offset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from adapters.http.schemas import NO_NUL, PRICE_AMOUNT_MAX, MoneyOut
from core.payments.model import Payment
from core.shared.money import Money
from core.shared.perks import Perk
from core.subscriptions import plans as plan_rules
from core.subscriptions.billing import Invoice, InvoiceStatus
from core.subscriptions.charge import Charge, ChargeKind, ChargeStatus
from core.subscriptions.invoicing import ConferenceBill
from core.subscriptions.model import SubscriptionStatus
from core.subscriptions.plans import Plan, PlanKind, PlanSpec
from core.subscriptions.services import SubscriptionView

Code = Annotated[str, Meta(pattern="^[a-z0-9][a-z0-9-]{0,39}$", examples=["fan-monthly"])]


class PlanPriceIn(msgspec.Struct, forbid_unknown_fields=True):
    """A plan's price in minor units; zero only for a free conference tier."""

    amount: Annotated[int, Meta(ge=0, le=PRICE_AMOUNT_MAX)]
    currency: Annotated[str, Meta(pattern="^[A-Z]{3}$", examples=["RUB"])]


class PlanIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new plan. A pass needs `days`; a conference tier may give `participants` (none:
    no limit) and no perks."""

    code: Code
    name: Annotated[str, Meta(min_length=1, max_length=plan_rules.NAME_MAX, pattern=NO_NUL)]
    kind: PlanKind
    price: PlanPriceIn
    perks: list[Perk] = msgspec.field(default_factory=list)
    days: Annotated[int, Meta(ge=1, le=plan_rules.PASS_DAYS_MAX)] | None = None
    participants: Annotated[int, Meta(ge=1, le=plan_rules.PARTICIPANTS_MAX)] | None = None
    description: Annotated[str, Meta(max_length=plan_rules.DESCRIPTION_MAX, pattern=NO_NUL)] = ""

    def to_core(self) -> PlanSpec:
        return PlanSpec(
            code=self.code,
            name=self.name,
            kind=self.kind,
            price=Money(self.price.amount, self.price.currency),
            perks=frozenset(self.perks),
            days=self.days,
            participants=self.participants,
            description=self.description,
        )


class SubscribeIn(msgspec.Struct, forbid_unknown_fields=True):
    plan_id: UUID


class CancelIn(msgspec.Struct, forbid_unknown_fields=True):
    """`at_period_end`: keep it to the end of the paid period, then stop; otherwise end it
    now and refund the unused time."""

    at_period_end: bool = False


class ChangePlanIn(msgspec.Struct, forbid_unknown_fields=True):
    plan_id: UUID


class PlanOut(msgspec.Struct):
    id: UUID
    code: str
    name: str
    kind: PlanKind
    price: MoneyOut
    perks: list[Perk]
    days: int | None
    participants: int | None
    description: str
    active: bool

    @classmethod
    def of(cls, plan: Plan) -> PlanOut:
        return cls(
            id=plan.id,
            code=plan.code,
            name=plan.name,
            kind=plan.kind,
            price=MoneyOut(plan.price.amount, plan.price.currency),
            perks=sorted(plan.perks),
            days=plan.days,
            participants=plan.participants,
            description=plan.description,
            active=plan.active,
        )


class PlanList(msgspec.Struct):
    items: list[PlanOut]


class ChargeOut(msgspec.Struct):
    """One amount owed for the subscription and how it went; `refunded` is what went back."""

    id: UUID
    kind: ChargeKind
    status: ChargeStatus
    amount: MoneyOut
    period_start: datetime | None
    attempts: int
    failure_reason: str | None
    payment_id: UUID | None
    refunded: int
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def of(cls, charge: Charge, payment: Payment | None) -> ChargeOut:
        return cls(
            id=charge.id,
            kind=charge.kind,
            status=charge.status,
            amount=MoneyOut(charge.amount.amount, charge.amount.currency),
            period_start=charge.period_start,
            attempts=charge.attempts,
            failure_reason=charge.failure_reason,
            payment_id=charge.payment_id,
            refunded=0 if payment is None else payment.refunded + payment.refund_pending,
            created_at=charge.created_at,
            settled_at=charge.settled_at,
        )


class SubscriptionOut(msgspec.Struct):
    """A subscription. `renews_at` is when the next renewal is due (a monthly plan not set
    to end); `ends_at` when it will end by itself; `payment_url` is the page to pay its
    first payment on, given when it is made."""

    id: UUID
    status: SubscriptionStatus
    plan: PlanOut
    period_start: datetime | None
    period_end: datetime | None
    renews_at: datetime | None
    ends_at: datetime | None
    cancel_at_period_end: bool
    next_retry_at: datetime | None
    created_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    charges: list[ChargeOut]
    payment_url: str | None = None

    @classmethod
    def of(cls, view: SubscriptionView) -> SubscriptionOut:
        s = view.subscription
        renewing = s.renews and not s.cancel_at_period_end and s.status is SubscriptionStatus.ACTIVE
        owed = view.outstanding
        return cls(
            id=s.id,
            status=s.status,
            plan=PlanOut.of(view.plan),
            period_start=s.period_start,
            period_end=s.period_end,
            renews_at=s.period_end if renewing else None,
            ends_at=None if renewing or not s.live else s.period_end,
            cancel_at_period_end=s.cancel_at_period_end,
            next_retry_at=s.next_action_at if owed is not None else None,
            created_at=s.created_at,
            ended_at=s.ended_at,
            end_reason=s.end_reason,
            charges=[ChargeOut.of(c, p) for c, p in view.charges],
        )


class SubscriptionList(msgspec.Struct):
    items: list[SubscriptionOut]


class PaymentLinkOut(msgspec.Struct):
    payment_id: UUID
    payment_url: str | None


class PerksOut(msgspec.Struct):
    perks: list[Perk]


class InvoiceOut(msgspec.Struct):
    id: UUID
    conference_id: UUID
    status: InvoiceStatus
    tier: str
    participants: int
    amount: MoneyOut
    payment_id: UUID | None
    created_at: datetime
    paid_at: datetime | None

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceOut:
        return cls(
            id=invoice.id,
            conference_id=invoice.conference_id,
            status=invoice.status,
            tier=invoice.tier_name,
            participants=invoice.participants,
            amount=MoneyOut(invoice.amount.amount, invoice.amount.currency),
            payment_id=invoice.payment_id,
            created_at=invoice.created_at,
            paid_at=invoice.paid_at,
        )


class ConferenceBillOut(msgspec.Struct):
    """Where a conference's billing stands: `needed_tier` for its list, `covered_tier` what
    was paid reaches, `open_invoice` what is owed now (never a block)."""

    conference_id: UUID
    title: str
    participants: int
    needed_tier: PlanOut | None
    covered_tier: PlanOut | None
    paid: MoneyOut | None
    open_invoice: InvoiceOut | None
    invoices: list[InvoiceOut]

    @classmethod
    def of(cls, bill: ConferenceBill) -> ConferenceBillOut:
        return cls(
            conference_id=bill.size.conference_id,
            title=bill.size.title,
            participants=bill.size.participants,
            needed_tier=PlanOut.of(bill.needed) if bill.needed else None,
            covered_tier=PlanOut.of(bill.covered) if bill.covered else None,
            paid=MoneyOut.of(bill.paid),
            open_invoice=InvoiceOut.of(bill.open_invoice) if bill.open_invoice else None,
            invoices=[InvoiceOut.of(i) for i in bill.invoices],
        )


class BillList(msgspec.Struct):
    items: list[ConferenceBillOut]
