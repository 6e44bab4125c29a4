"""The sandbox's saved cards on every backend: a checkout keeps the card it was paid with,
charges without a page take it once per key, 4000 0000 0000 0341 declines them."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from tests.contract.support import NewUow

from adapters.memory import SteppingClock
from adapters.payments.sandbox import SIGNATURE_HEADER, SandboxProvider, sign
from core.payments.model import PaymentId
from core.payments.ports import (
    CheckoutRequest,
    OffSessionCharges,
    ProviderEventType,
    ProviderStatus,
    SavedMethodCharge,
)
from core.shared.errors import Conflict
from core.shared.ids import uuid7
from core.shared.money import Money

SECRET = "whsec-test"
AMOUNT = Money(49_900, "RUB")


@pytest.fixture
def sandbox(new_uow: NewUow, clock: SteppingClock) -> SandboxProvider:
    return SandboxProvider(
        new_uow=new_uow, public_url="https://stagedoor.test", secret=SECRET, clock=clock
    )


async def _paid_checkout(
    sandbox: SandboxProvider, clock: SteppingClock, card: str, *, save: bool = True
) -> str:
    checkout = await sandbox.create_checkout(
        CheckoutRequest(
            payment_id=PaymentId(uuid7(clock.now())),
            amount=AMOUNT,
            description="Fan monthly",
            return_url="https://stagedoor.test/pay/return/x",
            cancel_url="https://stagedoor.test/pay/return/x?cancelled=1",
            expires_at=clock.current + timedelta(minutes=15),
            idempotency_key=f"stagedoor-payment-{secrets.token_hex(8)}",
            save_method=save,
        )
    )
    paid = await sandbox.pay(checkout.provider_ref, card)
    assert paid.status == "succeeded"
    return checkout.provider_ref


def _renewal(mandate: str, clock: SteppingClock, key: str | None = None) -> SavedMethodCharge:
    return SavedMethodCharge(
        payment_id=PaymentId(uuid7(clock.now())),
        amount=AMOUNT,
        description="Fan monthly, renewal",
        mandate_ref=mandate,
        idempotency_key=key or f"stagedoor-payment-{secrets.token_hex(8)}",
    )


async def test_a_saved_card_is_charged_once_per_key_and_told_by_webhook(
    sandbox: SandboxProvider, clock: SteppingClock, new_uow: NewUow
) -> None:
    assert isinstance(sandbox, OffSessionCharges)
    mandate = await _paid_checkout(sandbox, clock, "4242 4242 4242 4242")
    assert (await sandbox.show(mandate)).saved_card == "4242424242424242"
    request = _renewal(mandate, clock)

    first = await sandbox.charge_saved(request)
    again = await sandbox.charge_saved(request)

    assert first == again
    assert first.status is ProviderStatus.SUCCEEDED
    assert await sandbox.fetch_status(first.provider_ref) is ProviderStatus.SUCCEEDED
    charged = await sandbox.show(first.provider_ref)
    assert (charged.mandate, charged.payment_id, charged.amount) == (
        mandate,
        request.payment_id,
        AMOUNT,
    )
    async with new_uow() as uow:
        owed = [w for w in await uow.sandbox.lease_due(clock.current, clock.current, 100)]
        await uow.commit()
    about = [json.loads(w.payload) for w in owed if first.provider_ref in w.payload]
    assert [event["type"] for event in about] == [ProviderEventType.PAYMENT_SUCCEEDED.value]
    body = next(w for w in owed if first.provider_ref in w.payload).payload.encode()
    now = clock.now()
    signature = sign(SECRET, body, int(now.timestamp()))
    parsed = sandbox.parse_webhook(body, {SIGNATURE_HEADER: signature}, now)
    assert (parsed.payment_id, parsed.provider_ref) == (request.payment_id, first.provider_ref)


async def test_card_0341_pays_on_the_page_and_declines_every_renewal(
    sandbox: SandboxProvider, clock: SteppingClock
) -> None:
    mandate = await _paid_checkout(sandbox, clock, "4000 0000 0000 0341")
    outcome = await sandbox.charge_saved(_renewal(mandate, clock))
    assert (outcome.status, outcome.reason) == (ProviderStatus.FAILED, "card_declined")
    assert await sandbox.fetch_status(outcome.provider_ref) is ProviderStatus.FAILED


async def test_without_a_card_kept_at_checkout_nothing_is_charged(
    sandbox: SandboxProvider, clock: SteppingClock
) -> None:
    unsaved = await _paid_checkout(sandbox, clock, "4242 4242 4242 4242", save=False)
    assert (await sandbox.show(unsaved)).saved_card is None
    with pytest.raises(Conflict, match="kept no card"):
        await sandbox.charge_saved(_renewal(unsaved, clock))
    with pytest.raises(Conflict, match="kept no card"):
        await sandbox.charge_saved(_renewal("pi_nonexistent", clock))
