"""Subscribing: one live subscription per account, idempotent requests, providers that
cannot renew, and payment news that is unknown, repeated or late."""

from __future__ import annotations

import pytest
from tests.unit.core.subscriptions.support import TERMS, World
from tests.unit.support import RegisterAccount

from core.payments.model import PaymentStatus
from core.payments.ports import ProviderEventType
from core.payments.services import PaymentTerms
from core.shared.errors import Conflict, NotFound, ValidationFailed
from core.subscriptions import services
from core.subscriptions.charge import ChargeStatus
from core.subscriptions.commands import Subscribe
from core.subscriptions.model import SubscriptionStatus
from core.subscriptions.plans import PlanKind


async def test_the_same_idempotency_key_starts_one_subscription(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    plan = await world.plan()
    first, payment = await world.start(guest, plan, key="k-1")
    again, same, replayed = await services.subscribe(
        Subscribe(guest.id, plan.id, "k-1"), uow=world.new_uow(), clock=world.clock,
        terms=TERMS, providers=world.providers,
    )  # fmt: skip
    assert (again.id, same.id, replayed) == (first.id, payment.id, True)
    other = await world.plan()
    with pytest.raises(ValidationFailed, match="different request"):
        await services.subscribe(
            Subscribe(guest.id, other.id, "k-1"), uow=world.new_uow(), clock=world.clock,
            terms=TERMS, providers=world.providers,
        )  # fmt: skip


async def test_asking_again_while_the_first_payment_is_open_offers_the_same_page(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    plan = await world.plan()
    first, payment = await world.start(guest, plan)
    second, same = await world.start(guest, plan)
    assert (second.id, same.id) == (first.id, payment.id)
    assert same.redirect_url == payment.redirect_url


async def test_choosing_another_plan_before_paying_gives_the_first_up(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    first, payment = await world.start(guest, await world.plan())
    second, _ = await world.start(guest, await world.plan(PlanKind.PASS))
    assert second.id != first.id
    given_up = await world.get(first.id)
    assert given_up.status is SubscriptionStatus.INCOMPLETE
    [start] = await world.charges(first.id)
    assert start.status is ChargeStatus.VOID
    await world.news(payment)  # the first page paid after all: refunded, nothing starts
    assert (await world.payment(payment.id)).refund_pending == payment.amount.amount
    assert (await world.get(first.id)).status is SubscriptionStatus.INCOMPLETE


async def test_an_active_subscriber_changes_plan_rather_than_subscribing_twice(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    await world.subscribe(guest, await world.plan())
    with pytest.raises(Conflict, match="already subscribe"):
        await world.start(guest, await world.plan())


async def test_a_declined_first_payment_leaves_it_incomplete_and_free_to_try_again(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    plan = await world.plan()
    subscription, payment = await world.start(guest, plan)
    await world.news(payment, ProviderEventType.PAYMENT_FAILED, reason="card_declined")
    failed = await world.get(subscription.id)
    assert failed.status is SubscriptionStatus.INCOMPLETE
    assert failed.end_reason == "the first payment did not go through (card declined)"
    again = await world.subscribe(guest, plan)
    assert again.status is SubscriptionStatus.ACTIVE


async def test_an_unpaid_first_payment_expires_with_its_page(
    world: World, register_account: RegisterAccount
) -> None:
    subscription, payment = await world.start(await register_account(), await world.plan())
    await world.expire(payment)
    assert (await world.get(subscription.id)).status is SubscriptionStatus.INCOMPLETE


async def test_a_provider_that_cannot_charge_saved_cards_offers_no_monthly_plans(
    world: World, register_account: RegisterAccount
) -> None:
    class PageOnly:
        name = "pages"

    guest = await register_account()
    monthly = await world.plan()
    with pytest.raises(Conflict, match="cannot charge a saved card"):
        await services.subscribe(
            Subscribe(guest.id, monthly.id), uow=world.new_uow(), clock=world.clock,
            terms=PaymentTerms(provider="pages"), providers={"pages": PageOnly()},
        )  # fmt: skip
    one_off = await world.plan(PlanKind.PASS)
    subscription, _, _ = await services.subscribe(
        Subscribe(guest.id, one_off.id), uow=world.new_uow(), clock=world.clock,
        terms=PaymentTerms(provider="pages"), providers={"pages": PageOnly()},
    )  # fmt: skip
    assert subscription.status is SubscriptionStatus.PENDING


async def test_retired_plans_and_conference_tiers_cannot_be_subscribed_to(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    tier = await world.plan(PlanKind.CONFERENCE, participants=100)
    with pytest.raises(ValidationFailed, match="per conference"):
        await world.start(guest, tier)
    plan = await world.plan()
    async with world.new_uow() as uow:
        await uow.plans.save(plan.retired())
        await uow.commit()
    with pytest.raises(Conflict, match="no longer offered"):
        await world.start(guest, plan)


async def test_payment_news_about_unknown_or_settled_renewals_changes_nothing(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    assert subscription.period_end is not None
    world.move_to(subscription.period_end)
    await world.run_job()
    [_, renewal] = await world.charges(subscription.id)
    assert renewal.payment_id is not None
    paid = await world.payment(renewal.payment_id)
    before = (await world.get(subscription.id), await world.charges(subscription.id))
    ledger = await world.balances()

    ref = paid.provider_ref or ""
    again = world.provider.event(ProviderEventType.PAYMENT_SUCCEEDED, ref, event_id="evt-again")
    assert await world.tell(again)  # the provider's own webhook about the charge: applied
    assert not await world.tell(again)  # the same event once more: a duplicate
    assert await world.tell(world.provider.event(ProviderEventType.PAYMENT_SUCCEEDED, "ch_x"))
    assert await world.tell(
        world.provider.event(ProviderEventType.PAYMENT_FAILED, ref, reason="card_declined")
    )

    assert (await world.get(subscription.id), await world.charges(subscription.id)) == before
    assert await world.balances() == ledger
    assert (await world.payment(paid.id)).status is PaymentStatus.SUCCEEDED


async def test_a_subscriber_sees_only_their_own_subscriptions(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    subscription = await world.subscribe(guest, await world.plan())
    [view] = await services.my_subscriptions(guest.id, uow=world.new_uow())
    assert view.subscription.id == subscription.id
    assert [c.kind.value for c, _ in view.charges] == ["start"]
    assert view.outstanding is None
    stranger = await register_account()
    with pytest.raises(NotFound):
        await services.subscription_details(
            subscription.id, viewer=stranger.id, uow=world.new_uow()
        )
    assert await services.my_subscriptions(stranger.id, uow=world.new_uow()) == []
