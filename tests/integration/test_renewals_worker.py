"""The renewal job runs in the Dramatiq worker on real Redis: a subscription that falls due
is renewed from the card the sandbox kept, once, by the worker's periodic sweep."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from tests.integration.workers import eventually, running_worker, web_platform

from adapters.memory import MemoryNotifier
from core.identity.commands import Register
from core.identity.services import register
from core.payments.ports import ProviderEvent, ProviderEventType
from core.payments.services import open_checkout, record_provider_event
from core.shared.money import Money
from core.subscriptions import services
from core.subscriptions.charge import ChargeStatus
from core.subscriptions.commands import Subscribe
from core.subscriptions.model import SubscriptionId, SubscriptionStatus
from core.subscriptions.plans import PlanKind, PlanSpec
from entrypoints.container import Container

pytestmark = pytest.mark.redis

BACKENDS = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


async def subscribed(web: Container) -> SubscriptionId:
    """A monthly subscription paid on the sandbox's page with 4242, which the sandbox keeps."""
    deps = {"hasher": web.hasher, "phones": web.phones, "clock": web.clock}
    fan = await register(
        Register("Fan", "fan@example.org", "s3cret-pass-1"), uow=web.new_uow(), **deps
    )
    plan = await services.add_plan(
        PlanSpec("fan", "Fan", PlanKind.MONTHLY, Money(49_900, "RUB")),
        uow=web.new_uow(),
        clock=web.clock,
    )
    subscription, payment, _ = await services.subscribe(
        Subscribe(fan.id, plan.id), uow=web.new_uow(), clock=web.clock,
        terms=web.payment_terms, providers=web.payment_providers,
    )  # fmt: skip
    opened = await open_checkout(
        payment.id, uow=web.new_uow(), providers=web.payment_providers, urls=web.return_urls,
        clock=web.clock, save_method=True,
    )  # fmt: skip
    assert opened.provider_ref is not None
    await web.sandbox.pay(opened.provider_ref, "4242 4242 4242 4242")
    paid = ProviderEvent(  # what the sandbox's webhook says (no HTTP server here to post to)
        "evt_first", ProviderEventType.PAYMENT_SUCCEEDED, opened.provider_ref, payment.id
    )
    await record_provider_event(paid, provider="sandbox", uow=web.new_uow(), clock=web.clock)
    return subscription.id


async def status_of(web: Container, subscription_id: SubscriptionId) -> tuple[object, ...]:
    async with web.new_uow() as uow:
        subscription = await uow.subscriptions.get(subscription_id)
        charges = await uow.charges.of_subscription(subscription_id)
    return subscription.status, subscription.period_index, [c.status for c in charges]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_worker_renews_a_due_subscription_once(
    backend: str, tmp_path: Path, namespace: str
) -> None:
    async with (
        web_platform(backend, tmp_path, namespace) as (url, web),
        running_worker(url, tmp_path, namespace, MemoryNotifier()),
    ):
        subscription_id = await subscribed(web)

        async def active() -> bool:
            return (await status_of(web, subscription_id))[0] is SubscriptionStatus.ACTIVE

        await eventually(active)  # the worker relayed payment.succeeded and started it
        async with web.new_uow() as uow:  # a month on: its period ended a moment ago
            due = await uow.subscriptions.get_for_update(subscription_id)
            due.period_end = web.clock.now() - timedelta(seconds=1)
            due.wake_at(due.period_end)
            await uow.subscriptions.save(due)
            await uow.commit()

        async def renewed() -> bool:
            return (await status_of(web, subscription_id))[1] == 1

        await eventually(renewed)  # the worker's sweep ran the job and charged the kept card
        status, periods, charges = await status_of(web, subscription_id)
        assert (status, periods) == (SubscriptionStatus.ACTIVE, 1)
        assert charges == [ChargeStatus.PAID, ChargeStatus.PAID]
        async with web.new_uow() as uow:
            intents = [
                await uow.sandbox.intent_by_key(f"stagedoor-payment-{c.payment_id}")
                for c in await uow.charges.of_subscription(subscription_id)
            ]
        assert [i.mandate is not None for i in intents if i] == [True, False]
