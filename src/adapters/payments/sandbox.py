"""The sandbox payment provider: the embedded default, built to feel like a real provider.

It keeps its own books (checkouts, refunds, webhooks owed) in the service's database, serves
a hosted payment page at `/pay/sandbox/{intent}` where test cards decide the outcome, and
tells the service what happened the way real providers do: by a signed webhook to
`POST /api/v1/payments/webhooks/sandbox`, delivered by a background job that retries with
backoff while the endpoint fails. Signatures follow Stripe's scheme:

    Stagedoor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

Test cards (any future expiry, any CVC):

    4242 4242 4242 4242   succeeds (and, saved for renewals, keeps succeeding)
    4000 0000 0000 0002   is declined (card_declined)
    4000 0000 0000 9995   fails for insufficient funds (insufficient_funds)
    4000 0000 0000 0341   succeeds on the page, but once saved every renewal is declined
                          (like Stripe's card of that number)

A checkout asked to save the payer's method keeps the card it was paid with; renewals are
then charged from it without a page (`adapters.payments.sandbox_cards`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

import attrs
import structlog

from adapters.payments.sandbox_cards import SavedCards
from core.payments.model import PaymentId, RefundId
from core.payments.ports import (
    Checkout,
    CheckoutRequest,
    InvalidWebhook,
    PayoutRequest,
    ProviderEvent,
    ProviderEventType,
    ProviderStatus,
    RefundRequest,
)
from core.shared import signatures
from core.shared.clock import Clock
from core.shared.errors import Conflict, NotFound, ValidationFailed
from core.shared.money import Money
from core.shared.signatures import SIGNATURE_HEADER, TOLERANCE, sign

log = structlog.get_logger("stagedoor.payments")

NAME = "sandbox"
LEASE = timedelta(seconds=60)  # how long a delivery attempt keeps a webhook to itself
MAX_ATTEMPTS = 16  # about a day and a half of retries, growing to an hour apart
NEVER = datetime(9999, 1, 1, tzinfo=UTC)  # when a webhook that was given up on is due
TEST_CARDS: dict[str, str | None] = {
    "4242424242424242": None,
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000341": None,
}
SAVED_CARD_DECLINES: dict[str, str] = {"4000000000000341": "card_declined"}
"""How a saved card answers when it is charged without the payer (a renewal)."""


@attrs.define
class SandboxIntent:
    """A hosted checkout: what the payer sees at /pay/sandbox/{id}."""

    id: str
    idempotency_key: str
    payment_id: UUID
    amount: Money
    description: str
    return_url: str
    cancel_url: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    status: str = "open"  # open | succeeded | failed | canceled
    decline_reason: str | None = None
    save_card: bool = False  # keep the card it is paid with, for charges without a page
    saved_card: str | None = None  # the test card kept (sandbox test numbers only)
    mandate: str | None = None  # for a charge made without a page: the checkout it used


@attrs.frozen
class SandboxRefund:
    id: str
    idempotency_key: str
    intent_id: str
    refund_id: UUID
    amount: Money
    created_at: datetime


@attrs.define
class SandboxWebhook:
    id: str
    payload: str
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    delivered_at: datetime | None = None
    last_error: str | None = None


class SandboxStore(Protocol):
    """The sandbox's own tables, reached as `uow.sandbox` inside a unit of work."""

    async def intent(self, intent_id: str) -> SandboxIntent | None: ...

    async def intent_by_key(self, key: str) -> SandboxIntent | None: ...

    async def add_intent(self, intent: SandboxIntent) -> None: ...

    async def save_intent(self, intent: SandboxIntent) -> None: ...

    async def refund_by_key(self, key: str) -> str | None: ...

    async def add_refund(self, refund: SandboxRefund) -> None: ...

    async def enqueue(self, webhook: SandboxWebhook) -> None: ...

    async def lease_due(self, now: datetime, until: datetime, limit: int) -> list[SandboxWebhook]:
        """Webhooks due by `now`, oldest first, pushed to `until` so no one else takes them."""
        ...

    async def settle(self, webhook: SandboxWebhook) -> None:
        """Store the outcome of an attempt (delivered_at, attempts, next_attempt_at, error)."""
        ...


class SandboxUnitOfWork(Protocol):
    sandbox: SandboxStore

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...


Poster = Callable[[str, bytes, Mapping[str, str]], Awaitable[int]]
"""POST a body with headers to a URL; returns the HTTP status."""


def verify(secret: str, body: bytes, header: str | None, now: datetime) -> None:
    """Check a signature header against the raw body; InvalidWebhook says what is wrong."""
    try:
        signatures.verify(secret, body, header, now, TOLERANCE)
    except signatures.SignatureInvalid as exc:
        raise InvalidWebhook(str(exc)) from None


def _card(number: str) -> str:
    digits = "".join(ch for ch in number if ch not in " -")
    if digits not in TEST_CARDS:
        raise ValidationFailed(
            "this is a sandbox: use a test card, e.g. 4242 4242 4242 4242", field="card_number"
        )
    return digits


class SandboxProvider(SavedCards):
    """The PaymentProvider port (with charges of saved cards), plus what its hosted page and
    its delivery job need."""

    name = NAME

    def __init__(
        self,
        *,
        new_uow: Callable[[], SandboxUnitOfWork],
        public_url: str,
        secret: str,
        clock: Clock,
        kick: Callable[[], None] = lambda: None,
        post: Poster | None = None,
    ) -> None:
        self._new_uow = new_uow
        self.public_url = public_url.rstrip("/")
        self._secret = secret
        self._clock = clock
        self._kick = kick
        self._post = post or _http_post
        self.webhook_url = f"{self.public_url}/api/v1/payments/webhooks/{NAME}"

    def page_url(self, intent_id: str) -> str:
        return f"{self.public_url}/pay/sandbox/{intent_id}"

    # -- the provider port -------------------------------------------------------------------

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        now = self._clock.now()
        async with self._new_uow() as uow:
            intent = await uow.sandbox.intent_by_key(request.idempotency_key)
            if intent is None:
                intent = SandboxIntent(
                    id=f"pi_{secrets.token_hex(12)}",
                    idempotency_key=request.idempotency_key,
                    payment_id=request.payment_id,
                    amount=request.amount,
                    description=request.description,
                    return_url=request.return_url,
                    cancel_url=request.cancel_url,
                    expires_at=request.expires_at,
                    created_at=now,
                    updated_at=now,
                    save_card=request.save_method,
                )
                await uow.sandbox.add_intent(intent)
                await uow.commit()
        return Checkout(intent.id, self.page_url(intent.id))

    async def refund(self, request: RefundRequest) -> str:
        now = self._clock.now()
        async with self._new_uow() as uow:
            known = await uow.sandbox.refund_by_key(request.idempotency_key)
            if known is not None:
                return known
            intent = await uow.sandbox.intent(request.provider_ref)
            if intent is None or intent.status != "succeeded":
                raise Conflict("the sandbox has no successful payment to refund")
            ref = f"re_{secrets.token_hex(12)}"
            await uow.sandbox.add_refund(
                SandboxRefund(
                    ref, request.idempotency_key, intent.id, request.refund_id, request.amount, now
                )
            )
            await uow.sandbox.enqueue(
                self._webhook(
                    ProviderEventType.REFUND_SUCCEEDED,
                    intent,
                    now,
                    refund=ref,
                    refund_id=request.refund_id,
                    amount=request.amount,
                )
            )
            await uow.commit()
        self._kick()
        return ref

    async def payout(self, request: PayoutRequest) -> str:
        """Sandbox payouts always succeed at once; nothing leaves for real."""
        return f"po_{hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:24]}"

    async def fetch_status(self, provider_ref: str) -> ProviderStatus:
        async with self._new_uow() as uow:
            intent = await uow.sandbox.intent(provider_ref)
        if intent is None:
            raise NotFound("the sandbox knows no such payment")
        if intent.status == "succeeded":
            return ProviderStatus.SUCCEEDED
        if intent.status in ("failed", "canceled"):
            return ProviderStatus.FAILED
        if self._clock.now() >= intent.expires_at:
            return ProviderStatus.EXPIRED
        return ProviderStatus.PENDING

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> ProviderEvent:
        verify(self._secret, body, _header(headers, SIGNATURE_HEADER), now)
        try:
            event = json.loads(body)
            data = event["data"]
            amount = data.get("amount")
            return ProviderEvent(
                id=str(event["id"]),
                type=ProviderEventType(event["type"]),
                provider_ref=str(data["intent"]),
                payment_id=PaymentId(UUID(data["payment_id"])),
                refund_ref=data.get("refund"),
                refund_id=RefundId(UUID(data["refund_id"])) if data.get("refund_id") else None,
                amount=Money(int(amount), str(data["currency"])) if amount is not None else None,
                reason=str(data.get("reason") or ""),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidWebhook(f"the webhook body is not a sandbox event: {exc!r}") from exc

    # -- the hosted page ---------------------------------------------------------------------

    async def show(self, intent_id: str) -> SandboxIntent:
        async with self._new_uow() as uow:
            intent = await uow.sandbox.intent(intent_id)
        if intent is None:
            raise NotFound("there is no sandbox payment with this id")
        return intent

    async def pay(self, intent_id: str, card_number: str) -> SandboxIntent:
        """The payer pressed Pay: the test card decides; a repeat changes nothing."""
        card = _card(card_number)
        return await self._finish(intent_id, TEST_CARDS[card], card=card)

    async def cancel(self, intent_id: str) -> SandboxIntent:
        """The payer gave up on the page."""
        return await self._finish(intent_id, "canceled_by_payer")

    async def _finish(
        self, intent_id: str, decline: str | None, card: str | None = None
    ) -> SandboxIntent:
        now = self._clock.now()
        async with self._new_uow() as uow:
            intent = await uow.sandbox.intent(intent_id)
            if intent is None:
                raise NotFound("there is no sandbox payment with this id")
            if intent.status != "open":
                return intent
            if now >= intent.expires_at:
                raise Conflict("this payment page has expired; go back and book again")
            kind = (
                ProviderEventType.PAYMENT_FAILED if decline else ProviderEventType.PAYMENT_SUCCEEDED
            )
            if decline == "canceled_by_payer":
                intent.status = "canceled"
            else:
                intent.status = "failed" if decline else "succeeded"
            if intent.save_card and not decline:
                intent.saved_card = card
            intent.decline_reason, intent.updated_at = decline, now
            await uow.sandbox.save_intent(intent)
            await uow.sandbox.enqueue(self._webhook(kind, intent, now, reason=decline))
            await uow.commit()
        self._kick()
        return intent

    # -- webhooks ----------------------------------------------------------------------------

    def _webhook(
        self, kind: ProviderEventType, intent: SandboxIntent, now: datetime, **data: Any
    ) -> SandboxWebhook:
        refund_id = data.pop("refund_id", None)
        amount = data.pop("amount", None) or intent.amount
        body = {
            "id": f"evt_{secrets.token_hex(12)}",
            "type": kind.value,
            "created": int(now.timestamp()),
            "data": {
                "intent": intent.id,
                "payment_id": str(intent.payment_id),
                "amount": amount.amount,
                "currency": amount.currency,
                "refund_id": str(refund_id) if refund_id else None,
                **data,
            },
        }
        return SandboxWebhook(
            id=body["id"],
            payload=json.dumps(body, separators=(",", ":")),
            created_at=now,
            next_attempt_at=now,
        )

    async def deliver_due(self, limit: int = 20) -> int:
        """Send the webhooks that are due; failures wait longer each time. How many landed."""
        now = self._clock.now()
        async with self._new_uow() as uow:
            due = await uow.sandbox.lease_due(now, now + LEASE, limit)
            await uow.commit()
        delivered = 0
        for webhook in due:  # outside any transaction: the endpoint may be this very service
            delivered += await self._attempt(webhook)
        return delivered

    async def _attempt(self, webhook: SandboxWebhook) -> int:
        body = webhook.payload.encode()
        now = self._clock.now()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self._secret, body, int(now.timestamp())),
        }
        try:
            status = await self._post(self.webhook_url, body, headers)
            error = None if 200 <= status < 300 else f"HTTP {status}"
        except Exception as exc:  # a provider keeps trying whatever the endpoint does
            error = repr(exc)
        webhook.attempts += 1
        if error is None:
            webhook.delivered_at, webhook.last_error = self._clock.now(), None
        else:
            webhook.last_error = error
            wait = timedelta(seconds=min(2**webhook.attempts, 3600))
            gave_up = webhook.attempts >= MAX_ATTEMPTS
            webhook.next_attempt_at = NEVER if gave_up else now + wait
            log.warning(
                "sandbox.webhook_failed",
                webhook=webhook.id,
                attempts=webhook.attempts,
                error=error,
                gave_up=gave_up,
            )
        async with self._new_uow() as uow:
            await uow.sandbox.settle(webhook)
            await uow.commit()
        return 1 if error is None else 0


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


async def _http_post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    import httpx

    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(url, content=body, headers=dict(headers))
    return response.status_code
