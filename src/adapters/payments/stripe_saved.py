"""Stripe's saved cards: renewals charged without the payer, as off-session PaymentIntents.

A checkout asked to save the method opens its session with `customer_creation=always` and
`payment_intent_data.setup_future_usage=off_session`, so Stripe attaches the card to a new
Customer. A charge of it later reads that session (its customer and its payment intent's
payment method) and creates a PaymentIntent with `off_session=true, confirm=true` under the
payment's idempotency key: a retry after a timeout replays Stripe's first answer, a decline
included (Stripe stores it against the key).

Answers: `succeeded` → SUCCEEDED; `processing` → PENDING (the end comes as a
`payment_intent.succeeded` or `payment_intent.payment_failed` webhook, which carries our
payment id in metadata); a card error (`card_declined`, `authentication_required`: the bank
wants the payer present) → FAILED with Stripe's code.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import stripe
from stripe.params import PaymentIntentCreateParams

from core.payments.model import PaymentId
from core.payments.ports import (
    ChargeOutcome,
    ProviderEvent,
    ProviderEventType,
    ProviderStatus,
    SavedMethodCharge,
)
from core.shared.errors import Conflict

OFF_SESSION_MARK = "stagedoor_off_session"
"""Metadata key on our off-session PaymentIntents, so that only their webhooks are read."""

_STATUS = {
    "succeeded": ProviderStatus.SUCCEEDED,
    "processing": ProviderStatus.PENDING,
    "canceled": ProviderStatus.FAILED,
    "requires_payment_method": ProviderStatus.FAILED,
    "requires_action": ProviderStatus.FAILED,
    "requires_confirmation": ProviderStatus.FAILED,
}


def mandate_of(session: Any) -> tuple[str, str]:
    """(customer, payment method) a paid checkout session kept; Conflict if it kept none."""
    intent = session.payment_intent
    method = getattr(intent, "payment_method", None) if intent is not None else None
    customer = session.customer
    method_id = method if isinstance(method, str) else getattr(method, "id", None)
    customer_id = customer if isinstance(customer, str) else getattr(customer, "id", None)
    if not method_id or not customer_id:
        raise Conflict(
            f"Stripe checkout {session.id} kept no card for later charges; pay on a page instead"
        )
    return customer_id, method_id


def charge_params(
    request: SavedMethodCharge, customer: str, method: str
) -> PaymentIntentCreateParams:
    payment_id = str(request.payment_id)
    return {
        "amount": request.amount.amount,
        "currency": request.amount.currency.lower(),
        "customer": customer,
        "payment_method": method,
        "off_session": True,
        "confirm": True,
        "description": request.description or "Stagedoor renewal",
        "metadata": {"payment_id": payment_id, OFF_SESSION_MARK: "true"},
    }


def outcome_of(intent: Any) -> ChargeOutcome:
    status = _STATUS.get(str(intent.status), ProviderStatus.PENDING)
    error = getattr(intent, "last_payment_error", None)
    reason = (
        (getattr(error, "code", None) or str(intent.status))
        if status is ProviderStatus.FAILED
        else ""
    )
    return ChargeOutcome(intent.id, status, reason)


def declined(exc: stripe.CardError) -> ChargeOutcome:
    """A card error on confirm: the intent it left (if any) and Stripe's reason."""
    intent = getattr(exc.error, "payment_intent", None) if exc.error is not None else None
    reason = exc.code or "card_declined"
    return ChargeOutcome(getattr(intent, "id", None) or "", ProviderStatus.FAILED, reason)


def intent_event(event_id: str, kind: str, intent: dict[str, Any]) -> ProviderEvent | None:
    """The news in a `payment_intent.*` webhook about one of our off-session charges; None
    for any other PaymentIntent (a checkout's own intent is reported through its session)."""
    metadata = intent.get("metadata") or {}
    if metadata.get(OFF_SESSION_MARK) != "true":
        return None
    if kind == "payment_intent.succeeded":
        type_, reason = ProviderEventType.PAYMENT_SUCCEEDED, ""
    elif kind == "payment_intent.payment_failed":
        error = intent.get("last_payment_error") or {}
        type_, reason = ProviderEventType.PAYMENT_FAILED, str(error.get("code") or "declined")
    else:
        return None
    try:
        payment_id = PaymentId(UUID(str(metadata.get("payment_id"))))
    except ValueError:
        return None
    return ProviderEvent(
        id=event_id,
        type=type_,
        provider_ref=str(intent["id"]),
        payment_id=payment_id,
        reason=reason,
    )
