"""A renewal that fails: retried on days 1, 3 and 7, then past due, then cancelled; told at
every step; paid by hand in between; paid late when the card works again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.core.subscriptions.support import World
from tests.unit.support import RegisterAccount

from core.payments.ledger import LedgerAccount
from core.payments.model import PaymentStatus
from core.shared.errors import Conflict
from core.shared.perks import Perk
from core.subscriptions.charge import ChargeStatus
from core.subscriptions.model import SubscriptionStatus
from core.subscriptions.periods import CANCEL_AFTER


async def test_a_declined_renewal_is_retried_on_days_1_3_and_7_then_past_due_then_cancelled(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.renewal_day(await register_account(), declines=True)
    due = subscription.period_end
    assert due is not None
    guest_perks = frozenset({Perk.NO_RESALE_FEE})

    await world.run_job()
    failing = await world.get(subscription.id)
    assert failing.status is SubscriptionStatus.ACTIVE  # perks kept while retrying
    assert failing.next_action_at == due + timedelta(days=1)
    async with world.new_uow() as uow:
        assert await uow.perks.perks_of(failing.account_id, due + timedelta(hours=1)) == guest_perks

    for day, next_try in ((1, 3), (3, 7)):
        world.move_to(due + timedelta(days=day))
        assert await world.run_job() == 1
        assert (await world.get(subscription.id)).next_action_at == due + timedelta(days=next_try)

    world.move_to(due + timedelta(days=7))
    await world.run_job()
    past_due = await world.get(subscription.id)
    assert past_due.status is SubscriptionStatus.PAST_DUE
    assert past_due.next_action_at == due + CANCEL_AFTER
    async with world.new_uow() as uow:
        assert await uow.perks.perks_of(past_due.account_id, world.clock.current) == frozenset()

    world.move_to(due + CANCEL_AFTER - timedelta(seconds=1))
    assert await world.run_job() == 0
    world.move_to(due + CANCEL_AFTER)
    await world.run_job()

    cancelled = await world.get(subscription.id)
    assert cancelled.status is SubscriptionStatus.CANCELLED
    assert cancelled.end_reason == "the renewal was not paid"
    [_, renewal] = await world.charges(subscription.id)
    assert (renewal.status, renewal.attempts, renewal.failures) == (ChargeStatus.VOID, 4, 4)
    assert len(world.provider.charges) == 4
    assert world.provider.captured_charges() == []
    assert [m.subject for m in world.sent("did not go through")] == [
        "Payment for monthly plan did not go through"
    ] * 3
    assert len(world.sent("payment needed")) == 1
    [told] = world.sent("cancelled")
    assert "its renewal was not paid" in told.body
    balances = await world.balances()
    assert balances[(LedgerAccount.CUSTOMER_PAYMENTS, "RUB")] == -49_900  # the first month only


async def test_a_retry_that_goes_through_renews_from_the_due_date(
    world: World, register_account: RegisterAccount
) -> None:
    subscription, due = await world.failed_renewal(await register_account())
    world.provider.decline_saved = None
    world.move_to(due + timedelta(days=1, hours=2))

    await world.run_job()

    renewed = await world.get(subscription.id)
    assert renewed.status is SubscriptionStatus.ACTIVE
    assert renewed.period_start == due
    assert renewed.period_index == 1
    [_, renewal] = await world.charges(subscription.id)
    assert (renewal.status, renewal.attempts) == (ChargeStatus.PAID, 2)
    assert len(world.provider.captured_charges()) == 1


async def test_a_past_due_subscription_paid_by_hand_comes_back_with_the_new_card(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.renewal_day(await register_account(), declines=True)
    due = subscription.period_end
    assert due is not None
    for day in (0, 1, 3, 7):
        world.move_to(due + timedelta(days=day))
        await world.run_job()
    assert (await world.get(subscription.id)).status is SubscriptionStatus.PAST_DUE

    payment = await world.pay_now(subscription)
    again = await world.pay_now(subscription)
    assert again.id == payment.id  # the same page, not a second payment
    opened = await world.checkout(payment)
    await world.news(opened)

    back = await world.get(subscription.id)
    assert back.status is SubscriptionStatus.ACTIVE
    assert back.period_start == due
    assert back.mandate_ref == opened.provider_ref
    async with world.new_uow() as uow:
        perks = await uow.perks.perks_of(back.account_id, world.clock.current)
    assert perks == frozenset({Perk.NO_RESALE_FEE})
    world.provider.decline_saved = None
    assert back.period_end is not None
    world.move_to(back.period_end)
    await world.run_job()
    [_, _, next_renewal] = await world.charges(subscription.id)
    assert next_renewal.status is ChargeStatus.PAID
    assert world.provider.charges[next(reversed(world.provider.charges))].mandate_ref == (
        opened.provider_ref
    )


async def test_nothing_can_be_paid_by_hand_while_nothing_is_owed(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    with pytest.raises(Conflict, match="nothing is owed"):
        await world.pay_now(subscription)


async def test_an_expired_hand_payment_counts_once_the_provider_says_it_took_nothing(
    world: World, register_account: RegisterAccount
) -> None:
    subscription, due = await world.failed_renewal(await register_account())
    payment = await world.pay_now(subscription)
    await world.checkout(payment)
    world.move_to(due + timedelta(days=1))
    assert await world.run_job() == 1  # woken for the retry, it waits for the open page
    assert len(world.provider.charges) == 1
    await world.expire(payment)
    [_, renewal] = await world.charges(subscription.id)
    assert (renewal.attempts, renewal.failures) == (2, 1)  # not counted before the provider says

    await world.run_job()

    assert (await world.payment(payment.id)).status is PaymentStatus.EXPIRED
    [_, renewal] = await world.charges(subscription.id)
    assert (renewal.attempts, renewal.failures) == (2, 2)
    assert (await world.get(subscription.id)).next_action_at == due + timedelta(days=3)


async def test_a_page_paid_after_it_expired_here_pays_the_renewal_instead_of_a_retry(
    world: World, register_account: RegisterAccount
) -> None:
    subscription, due = await world.failed_renewal(await register_account())
    payment = await world.checkout(await world.pay_now(subscription))
    assert payment.provider_ref is not None
    late_news = world.provider.pay(payment.provider_ref)  # paid; the webhook is slow
    await world.expire(payment)
    world.move_to(due + timedelta(days=1))
    world.provider.decline_saved = None

    await world.run_job()  # asks the provider before retrying: the page was paid

    renewed = await world.get(subscription.id)
    assert renewed.status is SubscriptionStatus.ACTIVE
    assert renewed.period_start == due
    assert world.provider.captured_charges() == []  # no second charge for the period
    await world.tell(late_news)  # the slow webhook changes nothing more
    assert world.provider.captured_charges() == []
    [_, renewal] = await world.charges(subscription.id)
    assert renewal.status is ChargeStatus.PAID
    assert renewal.payment_id == payment.id
