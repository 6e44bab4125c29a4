"""Stripe behind the PaymentProvider port: hosted Checkout, refunds, payouts and webhooks.

A payment's `provider_ref` is its Checkout Session id (`cs_...`). Our payment id travels with
everything Stripe makes for it (the session's `client_reference_id` and metadata, the payment
intent's metadata, each refund's metadata), so webhooks name our payment directly.

Webhook events this adapter reads (subscribe the endpoint to these):

    checkout.session.completed (payment_status "paid")    -> PAYMENT_SUCCEEDED
    checkout.session.async_payment_succeeded              -> PAYMENT_SUCCEEDED
    checkout.session.async_payment_failed                 -> PAYMENT_FAILED
    checkout.session.expired                              -> PAYMENT_EXPIRED
    payment_intent.succeeded / .payment_failed            -> PAYMENT_SUCCEEDED | PAYMENT_FAILED
      (only our off-session charges of a saved card: see adapters.payments.stripe_saved)
    refund.created / refund.updated / refund.failed       -> REFUND_SUCCEEDED | REFUND_FAILED
      (and the legacy charge.refund.updated)                 by the refund's status
    charge.refunded, when the charge embeds its refunds   -> as the newest refund

Every other event, and the ones above in a state that settles nothing yet (a completed but
unpaid checkout, a pending refund), is *ignored* rather than refused: `parse_webhook` returns
an event for which `is_ignored` is true, one that names no payment of ours, so the core
records its id and changes nothing, and the endpoint answers 2xx. Refusing it (InvalidWebhook,
a 400) would make Stripe retry it for three days and flag the endpoint as failing.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import stripe
import structlog
from stripe.params import PayoutCreateParams, RefundCreateParams
from stripe.params.checkout import SessionCreateParams

from adapters.clock import SystemClock
from adapters.payments import stripe_saved
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
from core.shared.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.shared.money import Money

log = structlog.get_logger("stagedoor.payments")

SIGNATURE_HEADER = "Stripe-Signature"
WEBHOOK_TOLERANCE = timedelta(seconds=300)
CHECKOUT_MIN = timedelta(minutes=30)  # Stripe's bounds on a session's expires_at
CHECKOUT_MAX = timedelta(hours=24)
LEEWAY = timedelta(minutes=2)  # for the request's trip and the two clocks' disagreement
IGNORED_REF = ""  # a provider_ref no payment has: the core finds nothing to change

# Invalid-request codes that mean "not now, given the object's state" rather than "malformed".
_STATE_CODES = frozenset(
    {
        "charge_already_refunded",
        "charge_disputed",
        "balance_insufficient",
        "payment_intent_unexpected_state",
        "refund_disputed_payment",
    }
)
_REFUND_EVENTS = frozenset(
    {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}
)


def is_ignored(event: ProviderEvent) -> bool:
    """True for a verified webhook that this adapter reads as news about nothing."""
    return event.provider_ref == IGNORED_REF and event.payment_id is None


class StripeProvider:
    """The PaymentProvider port over Stripe's API, through its own `stripe.StripeClient`.

    `api_base` points the client elsewhere (a local fake in tests). `timeout` bounds each HTTP
    attempt; the SDK retries connection errors, 409s and 5xx up to `max_network_retries`
    times with the same idempotency key. `clock` is read only to fit a checkout's expiry into
    Stripe's window. Call `aclose` when done; the client's connection pool belongs to the
    event loop that first used it.
    """

    def __init__(
        self,
        api_key: str,
        webhook_secret: str,
        *,
        api_base: str | None = None,
        timeout: float = 10.0,
        max_network_retries: int = 2,
        clock: Clock | None = None,
        name: str = "stripe",
    ) -> None:
        if not api_key:
            raise ValueError("a Stripe secret API key (sk_live_... or sk_test_...) is required")
        if not webhook_secret:
            raise ValueError("a Stripe webhook signing secret (whsec_...) is required")
        self._name = name
        self._webhook_secret = webhook_secret
        self._clock: Clock = clock or SystemClock()
        self._http = stripe.HTTPXClient(timeout=timeout)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=max_network_retries,
            http_client=self._http,
        )

    @property
    def name(self) -> str:
        return self._name

    async def aclose(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """Open a Checkout Session in payment mode with one line for the whole amount.

        Stripe keeps a session open between 30 minutes and 24 hours after it is created, and
        a retry under one idempotency key must send exactly the first call's parameters, so
        the expiry sent depends on `request.expires_at` alone wherever it can:
        - 32 minutes to 24 hours ahead: sent as it is;
        - sooner (a short hold): `expires_at + 32 min`, so the page outlives the payment. A
          payer who pays that late pays for an expired payment; the core records the late
          success and refunds what it cannot honour;
        - later than 24 hours ahead: not sent, which is Stripe's default of 24 hours;
        - more than 2 minutes in the past: Conflict, without calling Stripe.
        A retry that crosses one of these lines (hours later) sends other parameters, and
        Stripe's refusal arrives as Conflict.
        """
        payment_id = str(request.payment_id)
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.amount.currency.lower(),
                        "unit_amount": request.amount.amount,
                        "product_data": {"name": request.description or "Stagedoor order"},
                    },
                }
            ],
            "success_url": request.return_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": payment_id,
            "metadata": {"payment_id": payment_id},
            "payment_intent_data": {"metadata": {"payment_id": payment_id}},
        }
        expires_at = self._checkout_expiry(request.expires_at)
        if expires_at is not None:
            params["expires_at"] = expires_at
        if request.save_method:  # keep the card on a new Customer, for renewals
            params["customer_creation"] = "always"
            params["payment_intent_data"]["setup_future_usage"] = "off_session"
        with _translated("open a checkout"):
            session = await self._client.v1.checkout.sessions.create_async(
                params, {"idempotency_key": request.idempotency_key}
            )
        if not session.url:
            raise ProviderUnavailable(f"Stripe opened checkout {session.id} without a page URL")
        return Checkout(provider_ref=session.id, redirect_url=session.url)

    def _checkout_expiry(self, expires_at: datetime) -> int | None:
        ahead = expires_at - self._clock.now()
        if ahead > CHECKOUT_MAX - LEEWAY:
            return None
        if ahead >= CHECKOUT_MIN + LEEWAY:
            return int(expires_at.timestamp())
        if ahead < -LEEWAY:
            raise Conflict("the payment expired before its Stripe checkout could be opened")
        return int((expires_at + CHECKOUT_MIN + LEEWAY).timestamp())

    async def refund(self, request: RefundRequest) -> str:
        """Refund `amount` of the payment intent behind the checkout; returns the refund id.

        `provider_ref` is normally the Checkout Session id the core stored, and the session is
        looked up for its payment intent; a payment intent id (`pi_...`) is taken as it is.
        The refund's metadata names our refund, payment and checkout, which is how its
        webhooks find their way back.
        """
        intent = await self._payment_intent_of(request.provider_ref)
        metadata = {"refund_id": str(request.refund_id), "payment_id": str(request.payment_id)}
        if request.provider_ref.startswith("cs_"):
            metadata["checkout_session"] = request.provider_ref
        if request.reason:
            metadata["reason"] = request.reason[:500]  # Stripe's limit for a metadata value
        params: RefundCreateParams = {
            "payment_intent": intent,
            "amount": request.amount.amount,
            "metadata": metadata,
        }
        with _translated("refund a payment"):
            refund = await self._client.v1.refunds.create_async(
                params, {"idempotency_key": request.idempotency_key}
            )
        return refund.id

    async def _payment_intent_of(self, provider_ref: str) -> str:
        if provider_ref.startswith("pi_"):
            return provider_ref
        if not provider_ref.startswith("cs_"):
            raise ValidationFailed(
                f"{provider_ref!r} is neither a Stripe checkout nor a payment intent id",
                field="provider_ref",
            )
        with _translated("look up a checkout"):
            session = await self._client.v1.checkout.sessions.retrieve_async(provider_ref)
        intent = session.payment_intent
        if intent is None:
            raise Conflict(f"Stripe checkout {provider_ref} took no payment; nothing to refund")
        return intent if isinstance(intent, str) else intent.id

    async def payout(self, request: PayoutRequest) -> str:
        """Pay out from the platform's Stripe balance to its own default bank account.

        This is the platform-balance payout, not money sent to a seller: paying sellers
        directly would take Stripe Connect (a connected account per seller and a Transfer to
        it), which this adapter does not do. The payout and account ids go in metadata.
        """
        params: PayoutCreateParams = {
            "amount": request.amount.amount,
            "currency": request.amount.currency.lower(),
            "metadata": {
                "payout_id": str(request.payout_id),
                "account_id": str(request.account_id),
            },
        }
        with _translated("make a payout"):
            payout = await self._client.v1.payouts.create_async(
                params, {"idempotency_key": request.idempotency_key}
            )
        return payout.id

    async def charge_saved(self, request: SavedMethodCharge) -> ChargeOutcome:
        """Charge the card checkout `mandate_ref` kept, without the payer: an off-session
        PaymentIntent under the payment's idempotency key (see stripe_saved)."""
        with _translated("look up a checkout"):
            session = await self._client.v1.checkout.sessions.retrieve_async(
                request.mandate_ref, {"expand": ["payment_intent"]}
            )
        customer, method = stripe_saved.mandate_of(session)
        params = stripe_saved.charge_params(request, customer, method)
        with _translated("charge a saved card"):
            try:
                intent = await self._client.v1.payment_intents.create_async(
                    params, {"idempotency_key": request.idempotency_key}
                )
            except stripe.CardError as exc:
                return stripe_saved.declined(exc)
        return stripe_saved.outcome_of(intent)

    async def fetch_status(self, provider_ref: str) -> ProviderStatus:
        """How a checkout stands: paid, expired, or still open (or paid by a slow method
        whose money has not arrived; a failed one of those shows as pending too, until
        the payment expires). An off-session charge (`pi_...`) answers by its intent."""
        if provider_ref.startswith("pi_"):
            with _translated("look up a payment"):
                intent = await self._client.v1.payment_intents.retrieve_async(provider_ref)
            return stripe_saved.outcome_of(intent).status
        with _translated("look up a checkout"):
            session = await self._client.v1.checkout.sessions.retrieve_async(provider_ref)
        if session.status == "expired":
            return ProviderStatus.EXPIRED
        if session.status == "complete" and session.payment_status == "paid":
            return ProviderStatus.SUCCEEDED
        return ProviderStatus.PENDING

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> ProviderEvent:
        """Verify a webhook the way Stripe signs it, then read it (see the module's table).

        The SDK checks the `Stripe-Signature` HMAC over the raw body; it can only judge the
        signature's age by the wall clock, so the `t=` timestamp is checked here against
        `now` instead: more than 300 s away from it, in either direction, is refused.
        """
        header = _header(headers, SIGNATURE_HEADER)
        if not header:
            raise InvalidWebhook(f"the {SIGNATURE_HEADER} header is missing; not from Stripe")
        try:
            stripe.WebhookSignature.verify_header(body, header, self._webhook_secret, None)
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook(
                f"the Stripe signature does not verify: {exc.user_message}"
            ) from exc
        except UnicodeDecodeError as exc:
            raise InvalidWebhook("the webhook body is not UTF-8 text") from exc
        _check_age(header, now)
        return _event_of(_read_event(body))


@contextlib.contextmanager
def _translated(action: str) -> Iterator[None]:
    """Stripe's errors in the core's words: refusals say what is wrong, the rest is retried."""
    try:
        yield
    except stripe.IdempotencyError as exc:
        raise Conflict(
            f"Stripe refused to {action}: this idempotency key was used with other "
            f"parameters ({exc.user_message})"
        ) from exc
    except stripe.CardError as exc:
        raise Conflict(f"Stripe declined to {action}: {exc.user_message}") from exc
    except stripe.InvalidRequestError as exc:
        raise _refusal(action, exc) from exc
    except stripe.StripeError as exc:
        log.warning(
            "payments.stripe_unavailable",
            action=action,
            error=type(exc).__name__,
            status=exc.http_status,
            request_id=exc.request_id,
        )
        raise ProviderUnavailable(f"Stripe could not {action}: {_trouble(exc)}") from exc


def _refusal(action: str, exc: stripe.InvalidRequestError) -> DomainError:
    detail = f"Stripe refused to {action}: {exc.user_message}"
    if exc.http_status == 404 or exc.code == "resource_missing":
        return NotFound(detail)
    if exc.code in _STATE_CODES:
        return Conflict(detail)
    return ValidationFailed(detail, field=exc.param)


def _trouble(exc: stripe.StripeError) -> str:
    if isinstance(exc, stripe.APIConnectionError):
        return "it could not be reached or did not answer in time; try again later"
    if isinstance(exc, stripe.RateLimitError):
        return "it is limiting this account's request rate; try again shortly"
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return "it rejected the configured API key; check the key and its permissions"
    return f"it answered with an error (HTTP {exc.http_status}); try again later"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    found = headers.get(name)
    if found is not None:
        return found
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _check_age(header: str, now: datetime) -> None:
    # The signature verified, so the header is well-formed the way the SDK reads it.
    stamp = next((item[2:] for item in header.split(",") if item.startswith("t=")), "")
    try:
        signed_at = datetime.fromtimestamp(int(stamp), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise InvalidWebhook("the Stripe-Signature timestamp is not a time") from exc
    if abs(now - signed_at) > WEBHOOK_TOLERANCE:
        raise InvalidWebhook(
            f"the webhook was signed at {signed_at.isoformat()}, more than "
            f"{WEBHOOK_TOLERANCE.total_seconds():.0f} s from now: a replay, or a clock is off"
        )


def _read_event(body: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(body)
        if not isinstance(raw["id"], str) or not isinstance(raw["type"], str):
            raise TypeError("id and type must be strings")
        if not isinstance(raw["data"]["object"], dict):
            raise TypeError("data.object must be an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidWebhook(f"the webhook body is not a Stripe event: {exc}") from exc
    return dict(raw)


def _event_of(raw: dict[str, Any]) -> ProviderEvent:
    event_id, kind, obj = raw["id"], raw["type"], raw["data"]["object"]
    if kind == "checkout.session.completed" and obj.get("payment_status") == "paid":
        return _session_event(event_id, ProviderEventType.PAYMENT_SUCCEEDED, obj)
    if kind == "checkout.session.async_payment_succeeded":
        return _session_event(event_id, ProviderEventType.PAYMENT_SUCCEEDED, obj)
    if kind == "checkout.session.async_payment_failed":
        return _session_event(event_id, ProviderEventType.PAYMENT_FAILED, obj)
    if kind == "checkout.session.expired":
        return _session_event(event_id, ProviderEventType.PAYMENT_EXPIRED, obj)
    if kind in _REFUND_EVENTS:
        return _refund_event(event_id, kind, obj, obj)
    if kind.startswith("payment_intent."):
        return stripe_saved.intent_event(event_id, kind, obj) or _ignored(event_id, kind)
    if kind == "charge.refunded":
        refunds = (obj.get("refunds") or {}).get("data") or []
        if refunds and isinstance(refunds[0], dict):  # newest first, when the charge has them
            return _refund_event(event_id, kind, refunds[0], obj)
    return _ignored(event_id, kind)


def _session_event(
    event_id: str, kind: ProviderEventType, session: dict[str, Any]
) -> ProviderEvent:
    metadata = session.get("metadata") or {}
    failed = kind is ProviderEventType.PAYMENT_FAILED
    reason = "the payer's delayed payment failed" if failed else ""
    return ProviderEvent(
        id=event_id,
        type=kind,
        provider_ref=str(session["id"]),
        payment_id=_payment_id(metadata.get("payment_id") or session.get("client_reference_id")),
        amount=_money(session.get("amount_total"), session.get("currency")),
        reason=reason,
    )


def _refund_event(
    event_id: str, kind: str, refund: dict[str, Any], source: dict[str, Any]
) -> ProviderEvent:
    status = refund.get("status")
    if status == "succeeded":
        type_, reason = ProviderEventType.REFUND_SUCCEEDED, ""
    elif status in ("failed", "canceled"):
        type_, reason = ProviderEventType.REFUND_FAILED, refund.get("failure_reason") or status
    else:  # pending or requires_action: its end comes in a later event
        return _ignored(event_id, f"{kind} ({status})")
    metadata = refund.get("metadata") or {}
    checkout = metadata.get("checkout_session")
    intent = refund.get("payment_intent") or source.get("payment_intent")
    return ProviderEvent(
        id=event_id,
        type=type_,
        provider_ref=str(checkout or intent or refund.get("charge") or refund["id"]),
        payment_id=_payment_id(metadata.get("payment_id")),
        refund_ref=str(refund["id"]),
        refund_id=_refund_id(metadata.get("refund_id")),
        amount=_money(refund.get("amount"), refund.get("currency")),
        reason=str(reason),
    )


def _ignored(event_id: str, kind: str) -> ProviderEvent:
    return ProviderEvent(
        id=event_id,
        type=ProviderEventType.PAYMENT_FAILED,  # never applied: it names no payment
        provider_ref=IGNORED_REF,
        reason=f"ignored: Stagedoor does not act on Stripe's {kind}",
    )


def _uuid(value: object) -> UUID | None:
    """Ours when it reads as one; anything else (another integration's data) is not."""
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _payment_id(value: object) -> PaymentId | None:
    found = _uuid(value)
    return None if found is None else PaymentId(found)


def _refund_id(value: object) -> RefundId | None:
    found = _uuid(value)
    return None if found is None else RefundId(found)


def _money(amount: object, currency: object) -> Money | None:
    if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(currency, str):
        return None
    try:
        return Money(amount, currency.upper())
    except DomainError:
        return None
