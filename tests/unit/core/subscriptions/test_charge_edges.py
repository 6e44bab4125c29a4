"""Payments that take their time or get lost: a bank still processing, a provider silent for
days, an outage while the job asks, and what may not be done meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.core.subscriptions.support import World
from tests.unit.support import RegisterAccount

from core.payments.model import PaymentStatus
from core.payments.ports import ProviderEventType
from core.payments.services import expire_payments
from core.shared.errors import Conflict, NotFound
from core.shared.ids import uuid7
from core.shared.money import Money
from core.subscriptions import services
from core.subscriptions.charge import ChargeStatus
from core.subscriptions.charges import ATTEMPT_LEASE, OFF_SESSION_TTL, PENDING_RECHECK
from core.subscriptions.model import SubscriptionId, SubscriptionStatus


async def test_a_renewal_the_bank_is_still_processing_is_looked_at_again_later(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.renewal_day(await register_account())
    world.provider.pending_saved = True
    await world.run_job()
    [_, renewal] = await world.charges(subscription.id)
    assert renewal.payment_id is not None
    waiting = await world.payment(renewal.payment_id)
    assert (waiting.status, renewal.status) == (PaymentStatus.PENDING, ChargeStatus.OPEN)
    world.clock.advance(ATTEMPT_LEASE)
    before = world.clock.current
    await world.run_job()
    woken = await world.get(subscription.id)
    assert woken.next_action_at is not None
    assert woken.next_action_at - before >= PENDING_RECHECK - timedelta(seconds=1)
    assert len(world.provider.charges) == 1  # never asked twice while it processes
    assert waiting.provider_ref is not None
    await world.tell(world.provider.settle_pending(waiting.provider_ref, succeeded=True))
    renewed = await world.get(subscription.id)
    assert (renewed.period_index, renewed.next_action_at) == (1, renewed.period_end)


async def test_an_unanswered_renewal_that_expired_here_is_asked_again_before_any_retry(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.renewal_day(await register_account())
    world.provider.down = True
    await world.run_job()  # the call never reaches the provider
    [_, renewal] = await world.charges(subscription.id)
    assert renewal.payment_id is not None
    world.move_to(world.clock.current + OFF_SESSION_TTL + timedelta(seconds=1))
    await expire_payments(uow=world.new_uow(), clock=world.clock)
    await world.relay.drain()
    assert (await world.payment(renewal.payment_id)).status is PaymentStatus.EXPIRED
    [_, renewal] = await world.charges(subscription.id)
    assert (renewal.attempts, renewal.failures) == (1, 0)  # not counted: nobody knows yet

    await world.run_job()  # the provider is still down: nothing is decided
    [_, still] = await world.charges(subscription.id)
    assert (still.attempts, still.failures) == (1, 0)

    world.provider.down = False
    world.clock.advance(ATTEMPT_LEASE)
    await world.run_job()  # asked again with the same key: the provider charges it now

    [_, paid] = await world.charges(subscription.id)
    assert (paid.status, paid.attempts, paid.payment_id) == (
        ChargeStatus.PAID,
        1,
        renewal.payment_id,
    )
    assert len(world.provider.captured_charges()) == 1
    assert (await world.get(subscription.id)).period_index == 1


async def test_an_unanswered_renewal_the_provider_declined_counts_as_one_failure(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.renewal_day(await register_account())
    due = subscription.period_end
    assert due is not None
    world.provider.decline_saved = "card_declined"
    world.provider.lose_answers = 10  # the provider declines, but no answer comes back
    await world.run_job()
    world.move_to(world.clock.current + OFF_SESSION_TTL + timedelta(seconds=1))
    await expire_payments(uow=world.new_uow(), clock=world.clock)
    await world.relay.drain()
    world.provider.lose_answers = 0
    await world.run_job()
    [_, renewal] = await world.charges(subscription.id)
    assert (renewal.status, renewal.attempts, renewal.failures) == (ChargeStatus.OPEN, 1, 1)
    assert renewal.failure_reason == "no answer came in time"
    assert (await world.get(subscription.id)).next_action_at == due + timedelta(days=7)


async def test_nothing_else_moves_while_a_renewal_is_on_its_way(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.renewal_day(await register_account())
    world.provider.down = True
    await world.run_job()
    plus = await world.plan(price=Money(99_900, "RUB"))
    with pytest.raises(Conflict, match="on its way; look again in a minute"):
        await world.pay_now(subscription)
    assert (await world.get(subscription.id)).status is SubscriptionStatus.ACTIVE
    with pytest.raises(Conflict):  # the period is unpaid: no plan change now
        await world.change(subscription, plus)


async def test_a_plan_change_waits_for_a_payment_on_its_way(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    plus = await world.plan(price=Money(99_900, "RUB"))
    world.provider.down = True
    _, charge = await world.change(subscription, plus)
    assert charge is not None
    assert charge.status is ChargeStatus.OPEN
    with pytest.raises(Conflict, match="a payment for this subscription is on its way"):
        await world.change(subscription, await world.plan(price=Money(10_000, "RUB")))
    world.provider.down = False
    world.clock.advance(ATTEMPT_LEASE)
    await world.run_job()  # the job asks again; the upgrade is paid and the plan moves
    moved = await world.get(subscription.id)
    assert moved.plan_id == plus.id
    assert moved.next_action_at == moved.period_end


async def test_details_of_a_subscription_that_does_not_exist_are_not_found(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    with pytest.raises(NotFound, match="subscription not found"):
        await services.subscription_details(
            SubscriptionId(uuid7(world.clock.now())), viewer=guest.id, uow=world.new_uow()
        )
    subscription = await world.subscribe(guest, await world.plan())
    view = await services.subscription_details(
        subscription.id, viewer=guest.id, uow=world.new_uow()
    )
    assert view.subscription.id == subscription.id
    assert view.plan.id == subscription.plan_id
    [(charge, payment)] = view.charges
    assert payment is not None
    assert (charge.payment_id, payment.status) == (payment.id, PaymentStatus.SUCCEEDED)


async def test_a_failure_webhook_for_a_paid_renewal_changes_nothing(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.renewal_day(await register_account())
    await world.run_job()
    [_, renewal] = await world.charges(subscription.id)
    assert renewal.payment_id is not None
    paid = await world.payment(renewal.payment_id)
    assert paid.provider_ref is not None
    before = await world.get(subscription.id)
    await world.tell(world.provider.event(ProviderEventType.PAYMENT_FAILED, paid.provider_ref))
    assert await world.get(subscription.id) == before
    [_, still] = await world.charges(subscription.id)
    assert (still.status, still.failures) == (ChargeStatus.PAID, 0)
