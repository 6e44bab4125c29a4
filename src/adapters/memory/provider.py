"""A payment provider kept in memory: for unit tests, library users and plugin authors.

It behaves like a real one where it matters to the core: a checkout, refund or off-session
charge asked twice with one idempotency key is made once, calls can be made to fail (`down`)
or to lose their answer after doing their work (`lose_answers`, a timeout), off-session
charges of a saved card can be declined (`decline_saved`) or left processing
(`pending_saved`), and `event()` builds the verified webhook events the provider would
send. It never verifies signatures: `parse_webhook` accepts the JSON `event()` describes.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import attrs

from core.payments.model import PaymentId, RefundId
from core.payments.ports import (
    ChargeOutcome,
    Checkout,
    CheckoutRequest,
    InvalidWebhook,
    PayoutRequest,
    ProviderEvent,
    ProviderEventType,
    ProviderStatus,
    ProviderUnavailable,
    RefundRequest,
    SavedMethodCharge,
)
from core.shared.clock import Clock
from core.shared.errors import Conflict
from core.shared.money import Money


@attrs.define
class MemoryPaymentProvider:
    name: str = "memory"
    down: bool = False
    refuse_refunds: str | None = None  # say why, and every refund is refused outright
    decline_saved: str | None = None  # say why, and every new off-session charge is declined
    pending_saved: bool = False  # new off-session charges answer "pending" (webhook to follow)
    lose_answers: int = 0  # the next calls do their work, then time out before answering
    clock: Clock | None = None  # when set, an unpaid checkout expires with its page
    checkouts: dict[str, CheckoutRequest] = attrs.field(factory=dict)  # by provider ref
    refunds: dict[str, RefundRequest] = attrs.field(factory=dict)
    payouts: dict[str, PayoutRequest] = attrs.field(factory=dict)
    charges: dict[str, SavedMethodCharge] = attrs.field(factory=dict)  # off-session, by ref
    saved: set[str] = attrs.field(factory=set)  # checkouts that saved the payer's method
    outcomes: dict[str, ChargeOutcome] = attrs.field(factory=dict)
    statuses: dict[str, ProviderStatus] = attrs.field(factory=dict)
    calls: list[str] = attrs.field(factory=list)
    _by_key: dict[str, str] = attrs.field(factory=dict)
    _serial: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))

    def _once(self, key: str, prefix: str) -> tuple[str, bool]:
        if self.down:
            raise ProviderUnavailable(f"{self.name} is unreachable (simulated)")
        if key in self._by_key:
            return self._by_key[key], False
        ref = f"{prefix}_{next(self._serial)}"
        self._by_key[key] = ref
        return ref, True

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        self.calls.append(f"checkout {request.idempotency_key}")
        ref, new = self._once(request.idempotency_key, "pi")
        if new:
            self.checkouts[ref] = request
            self.statuses[ref] = ProviderStatus.PENDING
            if request.save_method:
                self.saved.add(ref)
        return Checkout(ref, f"https://pay.example/{ref}")

    async def charge_saved(self, request: SavedMethodCharge) -> ChargeOutcome:
        self.calls.append(f"charge {request.idempotency_key}")
        if request.mandate_ref not in self.saved and not self.down:
            raise Conflict("no payment method was saved at that checkout")
        ref, new = self._once(request.idempotency_key, "ch")
        if new:
            self.charges[ref] = request
            status = ProviderStatus.SUCCEEDED
            if self.decline_saved is not None:
                status = ProviderStatus.FAILED
            elif self.pending_saved:
                status = ProviderStatus.PENDING
            self.statuses[ref] = status
            self.outcomes[ref] = ChargeOutcome(ref, status, self.decline_saved or "")
        if self.lose_answers > 0:
            self.lose_answers -= 1
            raise ProviderUnavailable(f"{self.name} did not answer in time (simulated)")
        return self.outcomes[ref]

    def settle_pending(self, provider_ref: str, succeeded: bool) -> ProviderEvent:
        """A charge that was processing ends; the webhook event that says so."""
        kind = (
            ProviderEventType.PAYMENT_SUCCEEDED if succeeded else ProviderEventType.PAYMENT_FAILED
        )
        self.statuses[provider_ref] = (
            ProviderStatus.SUCCEEDED if succeeded else ProviderStatus.FAILED
        )
        return self.event(kind, provider_ref, reason="" if succeeded else "card_declined")

    def captured_charges(self) -> list[SavedMethodCharge]:
        """Every off-session charge that took money, in the order they were made."""
        return [
            c for ref, c in self.charges.items() if self.statuses[ref] is ProviderStatus.SUCCEEDED
        ]

    async def refund(self, request: RefundRequest) -> str:
        self.calls.append(f"refund {request.idempotency_key}")
        if self.refuse_refunds is not None:
            raise Conflict(self.refuse_refunds)
        ref, new = self._once(request.idempotency_key, "re")
        if new:
            self.refunds[ref] = request
        return ref

    async def payout(self, request: PayoutRequest) -> str:
        self.calls.append(f"payout {request.idempotency_key}")
        ref, new = self._once(request.idempotency_key, "po")
        if new:
            self.payouts[ref] = request
        return ref

    async def fetch_status(self, provider_ref: str) -> ProviderStatus:
        if self.down:
            raise ProviderUnavailable(f"{self.name} is unreachable (simulated)")
        status = self.statuses.get(provider_ref, ProviderStatus.PENDING)
        checkout = self.checkouts.get(provider_ref)
        if status is ProviderStatus.PENDING and checkout is not None and self._lapsed(checkout):
            return ProviderStatus.EXPIRED
        return status

    def _lapsed(self, checkout: CheckoutRequest) -> bool:
        return self.clock is not None and self.clock.now() >= checkout.expires_at

    def pay(self, provider_ref: str) -> ProviderEvent:
        """The payer pays on the checkout page: refused once the page expired, like the
        sandbox's; the webhook event that says it worked."""
        if self._lapsed(self.checkouts[provider_ref]):
            raise Conflict("this payment page has expired")
        return self.event(ProviderEventType.PAYMENT_SUCCEEDED, provider_ref)

    def event(
        self,
        type_: ProviderEventType,
        provider_ref: str,
        *,
        event_id: str | None = None,
        refund_ref: str | None = None,
        amount: Money | None = None,
        reason: str = "",
    ) -> ProviderEvent:
        """The event this provider would send about `provider_ref` (a checkout reference)."""
        checkout = self.checkouts.get(provider_ref) or self.charges.get(provider_ref)
        refund = self.refunds.get(refund_ref) if refund_ref else None
        if type_ is ProviderEventType.PAYMENT_SUCCEEDED:
            self.statuses[provider_ref] = ProviderStatus.SUCCEEDED
        return ProviderEvent(
            id=event_id or f"evt_{next(self._serial)}",
            type=type_,
            provider_ref=provider_ref,
            payment_id=checkout.payment_id if checkout else None,
            refund_ref=refund_ref,
            refund_id=refund.refund_id if refund else None,
            amount=amount or (refund.amount if refund else None),
            reason=reason,
        )

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> ProviderEvent:
        try:
            data = json.loads(body)
            amount = data.get("amount")
            return ProviderEvent(
                id=str(data["id"]),
                type=ProviderEventType(data["type"]),
                provider_ref=str(data["provider_ref"]),
                payment_id=PaymentId(UUID(data["payment_id"])) if data.get("payment_id") else None,
                refund_ref=data.get("refund_ref"),
                refund_id=RefundId(UUID(data["refund_id"])) if data.get("refund_id") else None,
                amount=Money(amount["amount"], amount["currency"]) if amount else None,
                reason=str(data.get("reason", "")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidWebhook(f"the webhook body cannot be read: {exc}") from exc
