"""Subscription and billing handlers: react to payment news and list changes, and tell
subscribers and organisers about every step. All idempotent (delivery is at least once)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from core.distribution.events import RosterChanged
from core.identity.model import AccountId
from core.notifications.ports import NotificationsUnitOfWork
from core.notifications.services import NotificationRequest, request_notifications
from core.payments.events import PaymentExpired, PaymentFailed, PaymentSucceeded
from core.payments.model import PaymentId, Purpose
from core.payments.services import Providers
from core.shared.clock import Clock
from core.shared.events import DomainEvent, Handler
from core.subscriptions import events
from core.subscriptions.charges import settle_payment
from core.subscriptions.invoicing import review_conference, settle_invoice_payment
from core.subscriptions.ports import BillingUnitOfWork, SubscriptionsUnitOfWork
from core.subscriptions.renewals import UNPAID


class SubscriptionsPlatformUnitOfWork(
    SubscriptionsUnitOfWork, BillingUnitOfWork, NotificationsUnitOfWork, Protocol
):
    """Handlers settle charges and invoices, and write notification requests."""


class SubscriptionsContext(Protocol):
    @property
    def clock(self) -> Clock: ...

    @property
    def payment_providers(self) -> Providers: ...

    def new_uow(self) -> SubscriptionsPlatformUnitOfWork: ...


def day(moment: datetime) -> str:
    """A date for people: `2030-02-01` (UTC)."""
    return f"{moment:%Y-%m-%d}"


async def on_payment_news(
    event: PaymentSucceeded | PaymentFailed | PaymentExpired, ctx: SubscriptionsContext
) -> None:
    payment_id = PaymentId(event.payment_id)
    if event.purpose == Purpose.SUBSCRIPTION:
        await settle_payment(
            payment_id, uow=ctx.new_uow(), providers=ctx.payment_providers, clock=ctx.clock
        )
    elif event.purpose == Purpose.BILLING:
        await settle_invoice_payment(
            payment_id, uow=ctx.new_uow(), providers=ctx.payment_providers, clock=ctx.clock
        )


async def on_roster_changed(event: RosterChanged, ctx: SubscriptionsContext) -> None:
    """The list may have grown past the conference's tier (or shrunk back under it)."""
    if event.what == "participants":
        await review_conference(event.conference_id, uow=ctx.new_uow(), clock=ctx.clock)


async def _tell(
    ctx: SubscriptionsContext, event: DomainEvent, to: UUID, template: str, **data: str
) -> None:
    await request_notifications(
        [NotificationRequest(AccountId(to), template, f"{event.name}:{event.event_id}", data)],
        uow=ctx.new_uow(),
        clock=ctx.clock,
    )


async def on_activated(event: events.SubscriptionActivated, ctx: SubscriptionsContext) -> None:
    template = "subscription_activated" if event.renews else "pass_activated"
    await _tell(
        ctx, event, event.account_id, template, plan=event.plan_name, date=day(event.period_end)
    )


RECEIPTS = {"start": "subscription_receipt", "renewal": "renewal_receipt"}


async def on_charged(event: events.SubscriptionCharged, ctx: SubscriptionsContext) -> None:
    await _tell(
        ctx, event, event.account_id, RECEIPTS.get(event.kind, "upgrade_receipt"),
        plan=event.plan_name, amount=str(event.amount),
        period=f"{day(event.period_start)}/{day(event.period_end)}",
        payment=str(event.payment_id),
    )  # fmt: skip


async def on_renewal_failed(event: events.RenewalFailed, ctx: SubscriptionsContext) -> None:
    await _tell(
        ctx, event, event.account_id, "renewal_failed",
        plan=event.plan_name, amount=str(event.amount), reason=event.reason,
        retry_at=day(event.retry_at),
    )  # fmt: skip


async def on_past_due(event: events.SubscriptionPastDue, ctx: SubscriptionsContext) -> None:
    await _tell(
        ctx, event, event.account_id, "subscription_past_due",
        plan=event.plan_name, amount=str(event.amount), cancel_at=day(event.cancel_at),
    )  # fmt: skip


async def on_cancelled(event: events.SubscriptionCancelled, ctx: SubscriptionsContext) -> None:
    if event.reason == UNPAID:
        template = "subscription_cancelled_unpaid"
    else:
        template = "subscription_cancelled_refund" if event.refund else "subscription_cancelled"
    refund = "" if event.refund is None else str(event.refund)
    await _tell(ctx, event, event.account_id, template, plan=event.plan_name, refund=refund)


async def on_cancellation_scheduled(
    event: events.CancellationScheduled, ctx: SubscriptionsContext
) -> None:
    template = "subscription_resumed" if event.undone else "subscription_ending"
    await _tell(
        ctx, event, event.account_id, template, plan=event.plan_name, date=day(event.ends_at)
    )


async def on_ended(event: events.SubscriptionEnded, ctx: SubscriptionsContext) -> None:
    await _tell(ctx, event, event.account_id, "subscription_ended", plan=event.plan_name)


async def on_plan_changed(event: events.PlanChanged, ctx: SubscriptionsContext) -> None:
    amount = event.difference
    template = "plan_changed"
    if amount.amount > 0:
        template = "plan_changed_charged"
    elif amount.amount < 0:
        template, amount = "plan_changed_refunded", -amount
    await _tell(
        ctx, event, event.account_id, template,
        plan=event.plan_name, previous=event.previous_plan, amount=str(amount),
    )  # fmt: skip


async def on_plan_change_declined(
    event: events.PlanChangeDeclined, ctx: SubscriptionsContext
) -> None:
    await _tell(
        ctx, event, event.account_id, "plan_change_declined",
        plan=event.plan_name, wanted=event.wanted_plan, reason=event.reason,
    )  # fmt: skip


async def on_invoice(
    event: events.InvoiceIssued | events.InvoicePaid, ctx: SubscriptionsContext
) -> None:
    template = "invoice_paid" if isinstance(event, events.InvoicePaid) else "invoice_issued"
    await _tell(
        ctx, event, event.organiser_id, template,
        conference=event.conference_title, tier=event.tier_name, amount=str(event.amount),
        participants=str(event.participants),
    )  # fmt: skip


HANDLERS: dict[str, Sequence[Handler]] = {
    PaymentSucceeded.name: [on_payment_news],
    PaymentFailed.name: [on_payment_news],
    PaymentExpired.name: [on_payment_news],
    RosterChanged.name: [on_roster_changed],
    events.SubscriptionActivated.name: [on_activated],
    events.SubscriptionCharged.name: [on_charged],
    events.RenewalFailed.name: [on_renewal_failed],
    events.SubscriptionPastDue.name: [on_past_due],
    events.SubscriptionCancelled.name: [on_cancelled],
    events.CancellationScheduled.name: [on_cancellation_scheduled],
    events.SubscriptionEnded.name: [on_ended],
    events.PlanChanged.name: [on_plan_changed],
    events.PlanChangeDeclined.name: [on_plan_change_declined],
    events.InvoiceIssued.name: [on_invoice],
    events.InvoicePaid.name: [on_invoice],
}
