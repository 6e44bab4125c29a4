"""Stripe's saved cards against the local fake: a checkout that keeps the card, renewals as
off-session PaymentIntents under one key, declines, and their webhooks."""

from __future__ import annotations

import itertools
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from http.server import ThreadingHTTPServer
from typing import Any
from uuid import UUID

import attrs
import pytest
from tests.integration.test_stripe_adapter import (
    API_KEY,
    NOW,
    SECRET,
    Call,
    FakeStripe,
    _error,
    _handler,
    checkout_request,
    sign,
    stripe_event,
)

from adapters.memory.clock import FixedClock
from adapters.payments.stripe import StripeProvider, is_ignored
from core.payments.model import PaymentId
from core.payments.ports import (
    OffSessionCharges,
    ProviderEventType,
    ProviderStatus,
    SavedMethodCharge,
)
from core.shared.errors import Conflict
from core.shared.money import Money

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

RENEWAL = PaymentId(UUID("01900000-0000-7000-8000-0000000000aa"))


@attrs.define
class CardKeepingStripe(FakeStripe):
    """The fake, plus Customers kept by checkouts and off-session PaymentIntents."""

    intents: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    decline: str | None = None  # every new off-session charge fails with this code
    processing: bool = False
    _ids: itertools.count[int] = attrs.field(factory=lambda: itertools.count(900))

    def _create_session(self, p: dict[str, str]) -> tuple[int, dict[str, Any]]:
        status, session = super()._create_session(p)
        session["keeps_card"] = (
            p.get("customer_creation") == "always"
            and p.get("payment_intent_data[setup_future_usage]") == "off_session"
        )
        session["customer"] = None
        return status, session

    def pay(self, session_id: str) -> str:
        intent = super().pay(session_id)
        session = self.sessions[session_id]
        method = f"pm_test_{next(self._ids)}"
        if session["keeps_card"]:
            session["customer"] = f"cus_test_{next(self._ids)}"
        self.intents[intent] = {"id": intent, "object": "payment_intent", "status": "succeeded",
                                "payment_method": method, "customer": session["customer"],
                                "metadata": {}}  # fmt: skip
        return intent

    def _route(self, call: Call) -> tuple[int, dict[str, Any]]:
        if call.method == "GET" and call.path.startswith("/v1/checkout/sessions/"):
            status, session = super()._route(call)
            if status == 200 and call.params.get("expand[0]") == "payment_intent":
                session = {**session, "payment_intent": self.intents.get(session["payment_intent"])}
            return status, session
        if call.method == "POST" and call.path == "/v1/payment_intents":
            return self._charge(call.params)
        if call.method == "GET" and call.path.startswith("/v1/payment_intents/"):
            return 200, self.intents[call.path.rsplit("/", 1)[1]]
        return super()._route(call)

    def _charge(self, p: dict[str, str]) -> tuple[int, dict[str, Any]]:
        kept = [i for i in self.intents.values() if i["payment_method"] == p["payment_method"]]
        if not kept or kept[0]["customer"] != p["customer"] or p["off_session"] != "true":
            return _error(400, "invalid_request_error", "No such PaymentMethod for customer")
        intent_id = f"pi_test_{next(self._ids)}"
        status = "processing" if self.processing else "succeeded"
        if self.decline:
            status = "requires_payment_method"
        self.intents[intent_id] = {
            "id": intent_id, "object": "payment_intent", "status": status,
            "amount": int(p["amount"]), "currency": p["currency"], "customer": p["customer"],
            "payment_method": p["payment_method"],
            "metadata": {k[9:-1]: v for k, v in p.items() if k.startswith("metadata[")},
            "last_payment_error": {"code": self.decline} if self.decline else None,
        }  # fmt: skip
        if self.decline:
            return _error(402, "card_error", "Your card was declined.", code=self.decline,
                          payment_intent=self.intents[intent_id])  # type: ignore[arg-type]  # fmt: skip
        return 200, self.intents[intent_id]


@pytest.fixture
def fake() -> Iterator[CardKeepingStripe]:
    stripe = CardKeepingStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stripe))
    stripe.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield stripe
    server.shutdown()
    server.server_close()


@pytest.fixture
async def provider(fake: CardKeepingStripe) -> AsyncIterator[StripeProvider]:
    made = StripeProvider(
        API_KEY, SECRET, api_base=fake.url, timeout=2.0, max_network_retries=0,
        clock=FixedClock(NOW),
    )  # fmt: skip
    yield made
    await made.aclose()


async def _kept(provider: StripeProvider, fake: CardKeepingStripe) -> str:
    checkout = await provider.create_checkout(
        attrs.evolve(
            checkout_request(timedelta(hours=2)), save_method=True, idempotency_key="keep-card"
        )
    )
    fake.pay(checkout.provider_ref)
    return checkout.provider_ref


def _renewal(mandate: str) -> SavedMethodCharge:
    return SavedMethodCharge(
        payment_id=RENEWAL,
        amount=Money(2500, "EUR"),
        description="Fan monthly, renewal",
        mandate_ref=mandate,
        idempotency_key=f"stagedoor-payment-{RENEWAL}",
    )


async def test_a_checkout_that_keeps_the_card_asks_stripe_for_a_customer(
    provider: StripeProvider, fake: CardKeepingStripe
) -> None:
    await provider.create_checkout(checkout_request())
    await _kept(provider, fake)
    plain, keeping = fake.posts("/v1/checkout/sessions")
    assert "customer_creation" not in plain.params
    assert "payment_intent_data[setup_future_usage]" not in plain.params
    assert keeping.params["customer_creation"] == "always"
    assert keeping.params["payment_intent_data[setup_future_usage]"] == "off_session"


async def test_a_renewal_is_an_off_session_intent_made_once_per_key(
    provider: StripeProvider, fake: CardKeepingStripe
) -> None:
    assert isinstance(provider, OffSessionCharges)
    mandate = await _kept(provider, fake)

    first = await provider.charge_saved(_renewal(mandate))
    again = await provider.charge_saved(_renewal(mandate))  # a retry after a timeout

    assert first == again
    assert first.status is ProviderStatus.SUCCEEDED
    charges = fake.posts("/v1/payment_intents")
    assert len(charges) == 2
    assert {c.idempotency_key for c in charges} == {f"stagedoor-payment-{RENEWAL}"}
    p = charges[0].params
    session = fake.sessions[mandate]
    assert (p["customer"], p["off_session"], p["confirm"]) == (session["customer"], "true", "true")
    assert (p["amount"], p["currency"]) == ("2500", "eur")
    assert p["metadata[payment_id]"] == str(RENEWAL)
    assert p["metadata[stagedoor_off_session]"] == "true"
    assert len([i for i in fake.intents.values() if i["metadata"]]) == 1
    assert await provider.fetch_status(first.provider_ref) is ProviderStatus.SUCCEEDED


async def test_a_declined_renewal_is_a_failure_with_stripes_code(
    provider: StripeProvider, fake: CardKeepingStripe
) -> None:
    mandate = await _kept(provider, fake)
    fake.decline = "authentication_required"
    outcome = await provider.charge_saved(_renewal(mandate))
    assert outcome.status is ProviderStatus.FAILED
    assert outcome.reason == "authentication_required"
    assert outcome.provider_ref.startswith("pi_test_")
    assert await provider.fetch_status(outcome.provider_ref) is ProviderStatus.FAILED


async def test_a_processing_renewal_waits_for_its_webhook(
    provider: StripeProvider, fake: CardKeepingStripe
) -> None:
    mandate = await _kept(provider, fake)
    fake.processing = True
    outcome = await provider.charge_saved(_renewal(mandate))
    assert outcome.status is ProviderStatus.PENDING
    intent = {**fake.intents[outcome.provider_ref], "status": "succeeded"}
    body = stripe_event("payment_intent.succeeded", intent, "evt_pi_1")
    event = provider.parse_webhook(body, sign(body), NOW)
    assert (event.type, event.payment_id, event.provider_ref) == (
        ProviderEventType.PAYMENT_SUCCEEDED,
        RENEWAL,
        outcome.provider_ref,
    )
    failed = {**intent, "last_payment_error": {"code": "card_declined"}}
    body = stripe_event("payment_intent.payment_failed", failed, "evt_pi_2")
    event = provider.parse_webhook(body, sign(body), NOW)
    assert (event.type, event.reason) == (ProviderEventType.PAYMENT_FAILED, "card_declined")


async def test_intents_of_checkouts_and_strangers_are_ignored(provider: StripeProvider) -> None:
    body = stripe_event("payment_intent.succeeded", {"id": "pi_x", "metadata": {}}, "evt_pi_3")
    assert is_ignored(provider.parse_webhook(body, sign(body), NOW))


async def test_a_checkout_that_kept_no_card_cannot_be_charged_later(
    provider: StripeProvider, fake: CardKeepingStripe
) -> None:
    checkout = await provider.create_checkout(checkout_request())
    fake.pay(checkout.provider_ref)
    with pytest.raises(Conflict, match="kept no card"):
        await provider.charge_saved(_renewal(checkout.provider_ref))
    assert fake.posts("/v1/payment_intents") == []
