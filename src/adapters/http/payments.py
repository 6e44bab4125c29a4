"""Payments over HTTP: a payer's view of a payment, and the providers' webhooks.

A webhook is verified on its raw body, before anything is parsed or written: a bad or
missing signature, or a timestamp more than 300 s old, is a 400 and changes nothing. A valid
one is applied once, however often and in whatever order it arrives; every delivery of it is
answered 2xx, so the provider stops retrying.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath

from adapters.http.auth import BEARER, CurrentAccount
from adapters.http.deps import PlatformDep
from adapters.http.problems import problem_responses
from adapters.http.schemas import PaymentOut, WebhookAck
from core.payments import services
from core.payments.model import PaymentId
from core.shared.errors import NotFound


class PaymentsController(Controller):
    path = "/api/v1/payments"
    tags = ["payments"]

    @get(
        "/{payment_id:uuid}",
        operation_id="getPayment",
        security=BEARER,
        responses=problem_responses(401, 404),
    )
    async def payment(
        self, payment_id: FromPath[UUID], platform: PlatformDep, account_id: CurrentAccount
    ) -> PaymentOut:
        """A payment of the caller's, with its refunds; 404 for anyone else's."""
        payment, refunds = await services.payment_details(
            PaymentId(payment_id), viewer=account_id, uow=platform.new_uow()
        )
        return PaymentOut.of(payment, refunds)

    @post(
        "/webhooks/{provider:str}",
        status_code=200,
        operation_id="paymentWebhook",
        responses=problem_responses(404),
    )
    async def webhook(
        self, provider: FromPath[str], request: Request[Any, Any, Any], platform: PlatformDep
    ) -> WebhookAck:
        """Where a payment provider reports (signed; see the payments guide)."""
        chosen = platform.payment_providers.get(provider)
        if chosen is None:
            raise NotFound(f"no payment provider named {provider!r} is configured here")
        body = await request.body()
        now = platform.clock.now()
        event = chosen.parse_webhook(body, request.headers, now)
        new = await services.record_provider_event(
            event, provider=chosen.name, uow=platform.new_uow(), clock=platform.clock
        )
        return WebhookAck(received=True, duplicate=not new)
