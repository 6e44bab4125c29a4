"""The sandbox's saved cards: charges made without a page, from the card a checkout kept.

A checkout asked to save the payer's method (`CheckoutRequest.save_method`) keeps the test
card it was paid with. `charge_saved` charges that card as a new sandbox payment: at once,
by the card's rule (`4000 0000 0000 0341` declines every such charge), once per idempotency
key, and reported by a signed webhook like every sandbox payment. The payment is refundable
and its status can be asked for, as for a checkout.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core.payments.ports import (
    ChargeOutcome,
    ProviderEventType,
    ProviderStatus,
    SavedMethodCharge,
)
from core.shared.clock import Clock
from core.shared.errors import Conflict

if TYPE_CHECKING:
    from adapters.payments.sandbox import SandboxIntent, SandboxUnitOfWork


class SavedCards:
    """Mixed into SandboxProvider, whose books, clock and webhooks it uses."""

    _new_uow: Callable[[], SandboxUnitOfWork]
    _clock: Clock
    _kick: Callable[[], None]
    _webhook: Callable[..., Any]

    async def charge_saved(self, request: SavedMethodCharge) -> ChargeOutcome:
        from adapters.payments.sandbox import SAVED_CARD_DECLINES, SandboxIntent

        now = self._clock.now()
        async with self._new_uow() as uow:
            known = await uow.sandbox.intent_by_key(request.idempotency_key)
            if known is not None:
                return _outcome(known)
            source = await uow.sandbox.intent(request.mandate_ref)
            if source is None or source.saved_card is None:
                raise Conflict("the sandbox kept no card at that checkout; pay on a page instead")
            decline = SAVED_CARD_DECLINES.get(source.saved_card)
            charge = SandboxIntent(
                id=f"pi_{secrets.token_hex(12)}",
                idempotency_key=request.idempotency_key,
                payment_id=request.payment_id,
                amount=request.amount,
                description=request.description,
                return_url="",
                cancel_url="",
                expires_at=now,
                created_at=now,
                updated_at=now,
                status="failed" if decline else "succeeded",
                decline_reason=decline,
                mandate=source.id,
            )
            kind = (
                ProviderEventType.PAYMENT_FAILED if decline else ProviderEventType.PAYMENT_SUCCEEDED
            )
            await uow.sandbox.add_intent(charge)
            await uow.sandbox.enqueue(self._webhook(kind, charge, now, reason=decline))
            await uow.commit()
        self._kick()
        return _outcome(charge)


def _outcome(intent: SandboxIntent) -> ChargeOutcome:
    if intent.status == "succeeded":
        return ChargeOutcome(intent.id, ProviderStatus.SUCCEEDED)
    return ChargeOutcome(intent.id, ProviderStatus.FAILED, intent.decline_reason or "declined")
