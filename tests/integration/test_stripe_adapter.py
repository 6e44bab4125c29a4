"""The Stripe adapter against a local fake of the few Stripe endpoints it calls.

The fake speaks Stripe's wire format (form-encoded bodies, bearer auth, JSON answers and
errors), records every request, and treats idempotency keys as Stripe does: a repeated key
with the same parameters replays the first answer, with other parameters it is an error.
Webhooks are signed here exactly as Stripe signs them.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from uuid import UUID

import attrs
import pytest

from adapters.memory.clock import FixedClock
from adapters.payments.stripe import StripeProvider, is_ignored
from core.payments.model import PaymentId, RefundId
from core.payments.ports import (
    CheckoutRequest,
    InvalidWebhook,
    PayoutRequest,
    ProviderEvent,
    ProviderEventType,
    ProviderStatus,
    ProviderUnavailable,
    RefundRequest,
)
from core.shared.errors import Conflict, NotFound, ValidationFailed
from core.shared.money import Money

# The SDK hands httpx its form body as `data=`, which httpx deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

API_KEY = "sk_test_stagedoor"
SECRET = "whsec_test_stagedoor"
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
PAYMENT = PaymentId(UUID("01900000-0000-7000-8000-000000000001"))
REFUND = RefundId(UUID("01900000-0000-7000-8000-000000000002"))


# -- a fake Stripe ----------------------------------------------------------------------------


@attrs.frozen
class Call:
    method: str
    path: str
    params: dict[str, str]
    idempotency_key: str | None
    authorization: str | None


def _metadata(params: dict[str, str], prefix: str = "metadata") -> dict[str, str]:
    start = f"{prefix}["
    return {k[len(start) : -1]: v for k, v in params.items() if k.startswith(start)}


def _error(status: int, type_: str, message: str, **extra: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"type": type_, "message": message, **extra}}


@attrs.define
class FakeStripe:
    """Checkout sessions, refunds and payouts in memory, answered the way Stripe answers."""

    url: str = ""
    calls: list[Call] = attrs.field(factory=list)
    sessions: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    refunds: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    payouts: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    faults: list[tuple[int, dict[str, Any]]] = attrs.field(factory=list)  # answered first
    delay: float = 0.0
    _saved: dict[str, tuple[dict[str, str], int, dict[str, Any]]] = attrs.field(factory=dict)
    _serial: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    def posts(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and c.path == path]

    def pay(self, session_id: str) -> str:
        intent = f"pi_test_{next(self._serial)}"
        self.sessions[session_id].update(
            status="complete", payment_status="paid", payment_intent=intent
        )
        return intent

    def answer(self, call: Call) -> tuple[int, dict[str, Any], bool]:
        """(status, body, replayed) for one request."""
        with self._lock:
            self.calls.append(call)
            if call.authorization != f"Bearer {API_KEY}":
                return (*_error(401, "invalid_request_error", "Invalid API Key provided"), False)
            if self.faults:
                return (*self.faults.pop(0), False)
            key = call.idempotency_key if call.method == "POST" else None
            if key is not None and key in self._saved:
                params, status, body = self._saved[key]
                if params != call.params:
                    return (
                        *_error(
                            400,
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                        ),
                        False,
                    )
                return status, body, True
            status, body = self._route(call)
            if key is not None and status < 500:
                self._saved[key] = (call.params, status, body)
            return status, body, False

    def _route(self, call: Call) -> tuple[int, dict[str, Any]]:
        if call.method == "POST" and call.path == "/v1/checkout/sessions":
            return self._create_session(call.params)
        if call.method == "GET" and call.path.startswith("/v1/checkout/sessions/"):
            session = self.sessions.get(call.path.rsplit("/", 1)[1])
            if session is None:
                return _error(
                    404,
                    "invalid_request_error",
                    "No such checkout.session",
                    code="resource_missing",
                )
            return 200, session
        if call.method == "POST" and call.path == "/v1/refunds":
            return self._create_refund(call.params)
        if call.method == "POST" and call.path == "/v1/payouts":
            payout_id = f"po_test_{next(self._serial)}"
            self.payouts[payout_id] = {
                "id": payout_id,
                "object": "payout",
                "amount": int(call.params["amount"]),
                "currency": call.params["currency"],
                "status": "pending",
                "metadata": _metadata(call.params),
            }
            return 200, self.payouts[payout_id]
        return _error(404, "invalid_request_error", f"Unrecognized request URL {call.path}")

    def _create_session(self, p: dict[str, str]) -> tuple[int, dict[str, Any]]:
        session_id = f"cs_test_{next(self._serial)}"
        line = "line_items[0][price_data]"
        self.sessions[session_id] = {
            "id": session_id,
            "object": "checkout.session",
            "mode": p["mode"],
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
            "client_reference_id": p.get("client_reference_id"),
            "metadata": _metadata(p),
            "amount_total": int(p[f"{line}[unit_amount]"]),
            "currency": p[f"{line}[currency]"],
            "expires_at": int(p.get("expires_at", int(NOW.timestamp()) + 86400)),
        }
        return 200, self.sessions[session_id]

    def _create_refund(self, p: dict[str, str]) -> tuple[int, dict[str, Any]]:
        intents = {s["payment_intent"] for s in self.sessions.values()} - {None}
        if p.get("payment_intent") not in intents and not p["payment_intent"].startswith("pi_ext"):
            return _error(
                400,
                "invalid_request_error",
                f"No such payment_intent: '{p.get('payment_intent')}'",
                code="resource_missing",
                param="payment_intent",
            )
        refund_id = f"re_test_{next(self._serial)}"
        self.refunds[refund_id] = {
            "id": refund_id,
            "object": "refund",
            "amount": int(p["amount"]),
            "currency": "eur",
            "payment_intent": p["payment_intent"],
            "status": "succeeded",
            "metadata": _metadata(p),
        }
        return 200, self.refunds[refund_id]


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            form = self.rfile.read(length).decode() if length else url.query
            call = Call(
                method=self.command,
                path=url.path,
                params=dict(parse_qsl(form, keep_blank_values=True)),
                idempotency_key=self.headers.get("Idempotency-Key"),
                authorization=self.headers.get("Authorization"),
            )
            if fake.delay:
                time.sleep(fake.delay)
            status, body, replayed = fake.answer(call)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_{len(fake.calls)}")
            if replayed:
                self.send_header("Idempotent-Replayed", "true")
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    stripe = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stripe))
    stripe.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield stripe
    server.shutdown()
    server.server_close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def provider(fake: FakeStripe, clock: FixedClock) -> AsyncIterator[StripeProvider]:
    made = StripeProvider(
        API_KEY, SECRET, api_base=fake.url, timeout=2.0, max_network_retries=0, clock=clock
    )
    yield made
    await made.aclose()


def checkout_request(expires_in: timedelta = timedelta(minutes=45)) -> CheckoutRequest:
    return CheckoutRequest(
        payment_id=PAYMENT,
        amount=Money(2500, "EUR"),
        description="2 seats, Night Concert",
        return_url="https://stagedoor.example/payments/ok",
        cancel_url="https://stagedoor.example/payments/cancel",
        expires_at=NOW + expires_in,
        idempotency_key=f"stagedoor-payment-{PAYMENT}",
    )


def refund_request(provider_ref: str, amount: int = 1000) -> RefundRequest:
    return RefundRequest(
        payment_id=PAYMENT,
        refund_id=REFUND,
        provider_ref=provider_ref,
        amount=Money(amount, "EUR"),
        reason="event cancelled",
        idempotency_key=f"stagedoor-refund-{REFUND}",
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- outbound calls ---------------------------------------------------------------------------


async def test_checkout_session_carries_amount_currency_urls_metadata_and_key(
    provider: StripeProvider, fake: FakeStripe
) -> None:
    checkout = await provider.create_checkout(checkout_request())

    [call] = fake.posts("/v1/checkout/sessions")
    p = call.params
    assert call.authorization == f"Bearer {API_KEY}"
    assert call.idempotency_key == f"stagedoor-payment-{PAYMENT}"
    assert p["mode"] == "payment"
    assert p["line_items[0][quantity]"] == "1"
    assert p["line_items[0][price_data][currency]"] == "eur"
    assert p["line_items[0][price_data][unit_amount]"] == "2500"
    assert p["line_items[0][price_data][product_data][name]"] == "2 seats, Night Concert"
    assert p["success_url"] == "https://stagedoor.example/payments/ok"
    assert p["cancel_url"] == "https://stagedoor.example/payments/cancel"
    assert p["client_reference_id"] == str(PAYMENT)
    assert p["metadata[payment_id]"] == str(PAYMENT)
    assert p["payment_intent_data[metadata][payment_id]"] == str(PAYMENT)
    assert p["expires_at"] == str(int((NOW + timedelta(minutes=45)).timestamp()))
    assert checkout.provider_ref in fake.sessions
    assert checkout.redirect_url == fake.sessions[checkout.provider_ref]["url"]


async def test_retried_checkout_with_one_key_opens_one_session(
    provider: StripeProvider, fake: FakeStripe, clock: FixedClock
) -> None:
    first = await provider.create_checkout(checkout_request(timedelta(minutes=15)))
    clock.advance(timedelta(minutes=10))  # a retry after a timeout: the same parameters
    second = await provider.create_checkout(checkout_request(timedelta(minutes=15)))

    assert second == first
    assert len(fake.sessions) == 1
    assert len(fake.posts("/v1/checkout/sessions")) == 2


@pytest.mark.parametrize(
    ("expires_in", "sent"),
    [
        (timedelta(minutes=15), timedelta(minutes=15 + 32)),
        (timedelta(minutes=31), timedelta(minutes=31 + 32)),
        (timedelta(minutes=32), timedelta(minutes=32)),
        (timedelta(hours=6), timedelta(hours=6)),
        (timedelta(hours=23, minutes=58), timedelta(hours=23, minutes=58)),
        (timedelta(hours=30), None),
    ],
)
async def test_checkout_expiry_is_fitted_into_stripes_window(
    provider: StripeProvider, fake: FakeStripe, expires_in: timedelta, sent: timedelta | None
) -> None:
    await provider.create_checkout(checkout_request(expires_in))

    [call] = fake.posts("/v1/checkout/sessions")
    expected = None if sent is None else str(int((NOW + sent).timestamp()))
    assert call.params.get("expires_at") == expected


async def test_checkout_for_an_expired_payment_is_refused_without_calling_stripe(
    provider: StripeProvider, fake: FakeStripe
) -> None:
    with pytest.raises(Conflict, match="expired"):
        await provider.create_checkout(checkout_request(timedelta(minutes=-5)))
    assert fake.calls == []


async def test_refund_goes_to_the_payment_intent_behind_the_checkout(
    provider: StripeProvider, fake: FakeStripe
) -> None:
    checkout = await provider.create_checkout(checkout_request())
    intent = fake.pay(checkout.provider_ref)

    refund_ref = await provider.refund(refund_request(checkout.provider_ref, 1000))

    [call] = fake.posts("/v1/refunds")
    assert call.idempotency_key == f"stagedoor-refund-{REFUND}"
    assert call.params["payment_intent"] == intent
    assert call.params["amount"] == "1000"
    assert _metadata(call.params) == {
        "refund_id": str(REFUND),
        "payment_id": str(PAYMENT),
        "checkout_session": checkout.provider_ref,
        "reason": "event cancelled",
    }
    assert refund_ref in fake.refunds


async def test_retried_refund_with_one_key_refunds_once(
    provider: StripeProvider, fake: FakeStripe
) -> None:
    checkout = await provider.create_checkout(checkout_request())
    fake.pay(checkout.provider_ref)

    first = await provider.refund(refund_request(checkout.provider_ref))
    second = await provider.refund(refund_request(checkout.provider_ref))

    assert first == second
    assert len(fake.refunds) == 1


async def test_refund_takes_a_payment_intent_reference_as_it_is(
    provider: StripeProvider, fake: FakeStripe
) -> None:
    await provider.refund(refund_request("pi_ext_42", 300))

    assert [c.method for c in fake.calls] == ["POST"]
    assert fake.calls[0].params["payment_intent"] == "pi_ext_42"
    assert "metadata[checkout_session]" not in fake.calls[0].params


async def test_refund_of_an_unpaid_checkout_is_a_conflict(
    provider: StripeProvider, fake: FakeStripe
) -> None:
    checkout = await provider.create_checkout(checkout_request())

    with pytest.raises(Conflict, match="nothing to refund"):
        await provider.refund(refund_request(checkout.provider_ref))
    assert fake.posts("/v1/refunds") == []


async def test_refund_against_an_unknown_payment_intent_is_not_found(
    provider: StripeProvider,
) -> None:
    with pytest.raises(NotFound, match="No such payment_intent"):
        await provider.refund(refund_request("pi_unknown"))


async def test_payout_sends_amount_currency_and_key(
    provider: StripeProvider, fake: FakeStripe
) -> None:
    payout_id, account_id = UUID(int=7), UUID(int=8)
    ref = await provider.payout(
        PayoutRequest(payout_id, account_id, Money(9900, "USD"), f"stagedoor-payout-{payout_id}")
    )

    [call] = fake.posts("/v1/payouts")
    assert call.idempotency_key == f"stagedoor-payout-{payout_id}"
    assert call.params["amount"] == "9900"
    assert call.params["currency"] == "usd"
    assert _metadata(call.params) == {"payout_id": str(payout_id), "account_id": str(account_id)}
    assert ref in fake.payouts


@pytest.mark.parametrize(
    ("status", "payment_status", "expected"),
    [
        ("open", "unpaid", ProviderStatus.PENDING),
        ("complete", "paid", ProviderStatus.SUCCEEDED),
        ("complete", "unpaid", ProviderStatus.PENDING),
        ("expired", "unpaid", ProviderStatus.EXPIRED),
    ],
)
async def test_fetch_status_reads_the_checkout_session(
    provider: StripeProvider,
    fake: FakeStripe,
    status: str,
    payment_status: str,
    expected: ProviderStatus,
) -> None:
    checkout = await provider.create_checkout(checkout_request())
    fake.sessions[checkout.provider_ref].update(status=status, payment_status=payment_status)

    assert await provider.fetch_status(checkout.provider_ref) == expected
    assert fake.calls[-1].method == "GET"
    assert fake.calls[-1].path == f"/v1/checkout/sessions/{checkout.provider_ref}"


async def test_fetch_status_of_an_unknown_checkout_is_not_found(provider: StripeProvider) -> None:
    with pytest.raises(NotFound):
        await provider.fetch_status("cs_test_missing")


# -- failures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_type"),
    [(500, "api_error"), (503, "api_error"), (429, "rate_limit_error")],
)
async def test_server_errors_and_rate_limits_are_provider_unavailable(
    provider: StripeProvider, fake: FakeStripe, status: int, error_type: str
) -> None:
    fake.faults.append(_error(status, error_type, "try later"))

    with pytest.raises(ProviderUnavailable, match="try again"):
        await provider.create_checkout(checkout_request())


async def test_refused_connection_is_provider_unavailable(clock: FixedClock) -> None:
    provider = StripeProvider(
        API_KEY,
        SECRET,
        api_base=f"http://127.0.0.1:{closed_port()}",
        max_network_retries=0,
        clock=clock,
    )
    try:
        with pytest.raises(ProviderUnavailable, match="could not be reached"):
            await provider.create_checkout(checkout_request())
    finally:
        await provider.aclose()


async def test_a_slow_answer_is_provider_unavailable(fake: FakeStripe, clock: FixedClock) -> None:
    provider = StripeProvider(
        API_KEY, SECRET, api_base=fake.url, timeout=0.2, max_network_retries=0, clock=clock
    )
    fake.delay = 1.0
    try:
        with pytest.raises(ProviderUnavailable, match="did not answer in time"):
            await provider.fetch_status("cs_test_1")
    finally:
        await provider.aclose()


async def test_the_sdk_retries_a_server_error_under_the_same_key(
    fake: FakeStripe, clock: FixedClock
) -> None:
    provider = StripeProvider(
        API_KEY, SECRET, api_base=fake.url, max_network_retries=1, clock=clock
    )
    fake.faults.append(_error(500, "api_error", "flaky"))
    try:
        checkout = await provider.create_checkout(checkout_request())
    finally:
        await provider.aclose()

    calls = fake.posts("/v1/checkout/sessions")
    assert [c.idempotency_key for c in calls] == [f"stagedoor-payment-{PAYMENT}"] * 2
    assert list(fake.sessions) == [checkout.provider_ref]


async def test_a_rejected_api_key_is_provider_unavailable(fake: FakeStripe) -> None:
    provider = StripeProvider("sk_test_wrong", SECRET, api_base=fake.url, max_network_retries=0)
    try:
        with pytest.raises(ProviderUnavailable, match="API key"):
            await provider.payout(PayoutRequest(UUID(int=1), UUID(int=2), Money(1, "EUR"), "k"))
    finally:
        await provider.aclose()


async def test_an_invalid_request_says_what_stripe_refused(
    provider: StripeProvider, fake: FakeStripe
) -> None:
    fake.faults.append(
        _error(
            400,
            "invalid_request_error",
            "Invalid currency: xts",
            param="line_items[0][price_data][currency]",
        )
    )

    with pytest.raises(ValidationFailed, match="Invalid currency") as caught:
        await provider.create_checkout(checkout_request())
    assert caught.value.field == "line_items[0][price_data][currency]"


async def test_a_reused_key_with_other_parameters_is_a_conflict(
    provider: StripeProvider, fake: FakeStripe
) -> None:
    await provider.create_checkout(checkout_request(timedelta(hours=2)))

    with pytest.raises(Conflict, match="idempotency key"):
        await provider.create_checkout(checkout_request(timedelta(hours=3)))
    assert len(fake.sessions) == 1


async def test_a_declined_card_is_a_conflict(provider: StripeProvider, fake: FakeStripe) -> None:
    fake.faults.append(_error(402, "card_error", "Your card was declined.", code="card_declined"))

    with pytest.raises(Conflict, match="card was declined"):
        await provider.refund(refund_request("pi_ext_1"))


# -- webhooks ---------------------------------------------------------------------------------


def sign(payload: bytes, secret: str = SECRET, at: datetime = NOW) -> dict[str, str]:
    """The header Stripe sends: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<body>")."""
    t = int(at.timestamp())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={t},v1={mac}"}


def stripe_event(type_: str, obj: dict[str, Any], event_id: str = "evt_1") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(NOW.timestamp()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
            "data": {"object": obj},
        },
        indent=2,
    ).encode()


def session_object(payment_status: str = "paid", status: str = "complete") -> dict[str, Any]:
    return {
        "id": "cs_test_9",
        "object": "checkout.session",
        "amount_total": 2500,
        "currency": "eur",
        "client_reference_id": str(PAYMENT),
        "metadata": {"payment_id": str(PAYMENT)},
        "mode": "payment",
        "payment_intent": "pi_test_9",
        "payment_status": payment_status,
        "status": status,
    }


def refund_object(status: str = "succeeded", **changes: Any) -> dict[str, Any]:
    return {
        "id": "re_test_5",
        "object": "refund",
        "amount": 1000,
        "currency": "eur",
        "charge": "ch_test_9",
        "payment_intent": "pi_test_9",
        "status": status,
        "metadata": {
            "refund_id": str(REFUND),
            "payment_id": str(PAYMENT),
            "checkout_session": "cs_test_9",
        },
        **changes,
    }


def payment_event(type_: ProviderEventType, reason: str = "") -> ProviderEvent:
    return ProviderEvent(
        id="evt_1",
        type=type_,
        provider_ref="cs_test_9",
        payment_id=PAYMENT,
        amount=Money(2500, "EUR"),
        reason=reason,
    )


def refund_event(type_: ProviderEventType, reason: str = "") -> ProviderEvent:
    return ProviderEvent(
        id="evt_1",
        type=type_,
        provider_ref="cs_test_9",
        payment_id=PAYMENT,
        refund_ref="re_test_5",
        refund_id=REFUND,
        amount=Money(1000, "EUR"),
        reason=reason,
    )


CHARGE = {"id": "ch_test_9", "object": "charge", "payment_intent": "pi_test_9", "refunded": True}

MAPPED = [
    pytest.param(
        "checkout.session.completed",
        session_object("paid"),
        payment_event(ProviderEventType.PAYMENT_SUCCEEDED),
        id="completed-paid",
    ),
    pytest.param(
        "checkout.session.async_payment_succeeded",
        session_object("paid"),
        payment_event(ProviderEventType.PAYMENT_SUCCEEDED),
        id="async-succeeded",
    ),
    pytest.param(
        "checkout.session.async_payment_failed",
        session_object("unpaid"),
        payment_event(ProviderEventType.PAYMENT_FAILED, "the payer's delayed payment failed"),
        id="async-failed",
    ),
    pytest.param(
        "checkout.session.expired",
        session_object("unpaid", "expired"),
        payment_event(ProviderEventType.PAYMENT_EXPIRED),
        id="expired",
    ),
    pytest.param(
        "refund.created",
        refund_object("succeeded"),
        refund_event(ProviderEventType.REFUND_SUCCEEDED),
        id="refund-created-succeeded",
    ),
    pytest.param(
        "refund.updated",
        refund_object("succeeded"),
        refund_event(ProviderEventType.REFUND_SUCCEEDED),
        id="refund-updated-succeeded",
    ),
    pytest.param(
        "refund.updated",
        refund_object("failed", failure_reason="expired_or_canceled_card"),
        refund_event(ProviderEventType.REFUND_FAILED, "expired_or_canceled_card"),
        id="refund-updated-failed",
    ),
    pytest.param(
        "refund.failed",
        refund_object("failed", failure_reason="lost_or_stolen_card"),
        refund_event(ProviderEventType.REFUND_FAILED, "lost_or_stolen_card"),
        id="refund-failed",
    ),
    pytest.param(
        "refund.updated",
        refund_object("canceled"),
        refund_event(ProviderEventType.REFUND_FAILED, "canceled"),
        id="refund-canceled",
    ),
    pytest.param(
        "charge.refunded",
        {**CHARGE, "refunds": {"object": "list", "data": [refund_object("succeeded")]}},
        refund_event(ProviderEventType.REFUND_SUCCEEDED),
        id="charge-refunded-with-refunds",
    ),
]


@pytest.mark.parametrize(("type_", "obj", "expected"), MAPPED)
def test_signed_webhooks_become_provider_events(
    provider: StripeProvider, type_: str, obj: dict[str, Any], expected: ProviderEvent
) -> None:
    body = stripe_event(type_, obj)

    event = provider.parse_webhook(body, sign(body), NOW + timedelta(seconds=3))

    assert event == expected
    assert not is_ignored(event)


@pytest.mark.parametrize(
    ("type_", "obj"),
    [
        pytest.param("checkout.session.completed", session_object("unpaid"), id="unpaid"),
        pytest.param("refund.updated", refund_object("pending"), id="refund-pending"),
        pytest.param("charge.refunded", CHARGE, id="charge-without-refunds"),
        pytest.param("customer.created", {"id": "cus_1", "object": "customer"}, id="unknown"),
    ],
)
def test_events_that_settle_nothing_are_ignored_not_refused(
    provider: StripeProvider, type_: str, obj: dict[str, Any]
) -> None:
    body = stripe_event(type_, obj, event_id="evt_7")

    event = provider.parse_webhook(body, sign(body), NOW)

    assert is_ignored(event)
    assert event.id == "evt_7"
    assert event.payment_id is None
    assert "ignored" in event.reason


def test_a_session_from_elsewhere_names_no_payment_of_ours(provider: StripeProvider) -> None:
    obj = {**session_object("paid"), "metadata": {}, "client_reference_id": "order-77"}
    body = stripe_event("checkout.session.completed", obj)

    event = provider.parse_webhook(body, sign(body), NOW)

    assert event.payment_id is None
    assert event.provider_ref == "cs_test_9"


def test_signature_header_is_found_in_any_case(provider: StripeProvider) -> None:
    body = stripe_event("checkout.session.expired", session_object("unpaid", "expired"))
    headers = {"stripe-signature": sign(body)["Stripe-Signature"]}

    assert provider.parse_webhook(body, headers, NOW).type is ProviderEventType.PAYMENT_EXPIRED


def test_a_header_with_a_rotated_secrets_two_signatures_verifies(provider: StripeProvider) -> None:
    body = stripe_event("checkout.session.completed", session_object("paid"))
    old = sign(body, "whsec_old")["Stripe-Signature"].split(",")[1]
    headers = {"Stripe-Signature": f"{sign(body)['Stripe-Signature']},{old}"}

    assert provider.parse_webhook(body, headers, NOW).type is ProviderEventType.PAYMENT_SUCCEEDED


BODY = stripe_event("checkout.session.completed", session_object("paid"))


@pytest.mark.parametrize(
    ("body", "headers", "now", "reason"),
    [
        pytest.param(
            BODY.replace(b"2500", b"25"), sign(BODY), NOW, "does not verify", id="tampered-body"
        ),
        pytest.param(BODY, sign(BODY, "whsec_other"), NOW, "does not verify", id="wrong-secret"),
        pytest.param(BODY, {}, NOW, "header is missing", id="missing-header"),
        pytest.param(BODY, {"Stripe-Signature": ""}, NOW, "header is missing", id="empty-header"),
        pytest.param(
            BODY, {"Stripe-Signature": "garbage"}, NOW, "does not verify", id="malformed-header"
        ),
        pytest.param(
            BODY,
            {"Stripe-Signature": sign(BODY)["Stripe-Signature"].replace("v1=", "v0=")},
            NOW,
            "does not verify",
            id="no-v1-signature",
        ),
        pytest.param(
            BODY, sign(BODY), NOW + timedelta(seconds=301), "300 s from now", id="too-old"
        ),
        pytest.param(
            BODY, sign(BODY), NOW - timedelta(seconds=301), "300 s from now", id="from-the-future"
        ),
        pytest.param(b"not json", sign(b"not json"), NOW, "not a Stripe event", id="not-json"),
        pytest.param(b"[1, 2]", sign(b"[1, 2]"), NOW, "not a Stripe event", id="not-an-event"),
        pytest.param(b"\xff\xfe", sign(b"\xff\xfe"), NOW, "not UTF-8", id="not-utf8"),
    ],
)
def test_untrustworthy_webhooks_are_refused(
    provider: StripeProvider,
    body: bytes,
    headers: dict[str, str],
    now: datetime,
    reason: str,
) -> None:
    with pytest.raises(InvalidWebhook, match=reason):
        provider.parse_webhook(body, headers, now)


def test_a_webhook_just_inside_the_tolerance_is_accepted(provider: StripeProvider) -> None:
    event = provider.parse_webhook(BODY, sign(BODY), NOW + timedelta(seconds=300))

    assert event.type is ProviderEventType.PAYMENT_SUCCEEDED


def test_signature_age_is_judged_by_the_given_now_not_the_wall_clock(
    provider: StripeProvider,
) -> None:
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)  # the SDK's own check would call this stale

    event = provider.parse_webhook(BODY, sign(BODY, at=long_ago), long_ago)

    assert event.type is ProviderEventType.PAYMENT_SUCCEEDED


def test_the_provider_refuses_to_start_without_its_secrets() -> None:
    with pytest.raises(ValueError, match="API key"):
        StripeProvider("", SECRET)
    with pytest.raises(ValueError, match="webhook signing secret"):
        StripeProvider(API_KEY, "")
