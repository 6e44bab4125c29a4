"""Cancelling now (the unused time refunded) or at period end, resuming, changing plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.core.subscriptions.support import MONTHLY_PRICE, World
from tests.unit.support import RegisterAccount

from core.payments.ledger import LedgerAccount
from core.payments.model import PaymentStatus
from core.payments.ports import ProviderEventType
from core.shared.errors import Conflict, NotFound, ValidationFailed
from core.shared.money import Money
from core.shared.perks import Perk
from core.subscriptions import changes
from core.subscriptions.charge import ChargeKind, ChargeStatus
from core.subscriptions.model import SubscriptionStatus
from core.subscriptions.plans import PlanKind


async def test_cancel_at_period_end_keeps_perks_to_the_end_then_ends_without_a_charge(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    subscription = await world.subscribe(guest, await world.plan())
    end = subscription.period_end
    assert end is not None
    world.clock.advance(timedelta(days=10))

    scheduled = await world.cancel(subscription, at_period_end=True)
    assert scheduled.status is SubscriptionStatus.ACTIVE
    assert scheduled.cancel_at_period_end
    assert scheduled.perks_until == end
    assert await world.perks(guest, end - timedelta(seconds=1)) == frozenset({Perk.NO_RESALE_FEE})
    assert await world.perks(guest, end) == frozenset()
    assert world.sent("will end on")

    world.move_to(end)
    await world.run_job()
    ended = await world.get(subscription.id)
    assert ended.status is SubscriptionStatus.ENDED
    assert ended.ended_at == end
    assert world.provider.charges == {}
    assert len(await world.charges(subscription.id)) == 1
    for month in range(1, 12):  # a year on, still nothing is charged
        world.move_to(end + timedelta(days=31 * month))
        assert await world.run_job() == 0
    assert world.provider.charges == {}


async def test_resuming_before_the_end_renews_as_before(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    await world.cancel(subscription, at_period_end=True)
    resumed = await changes.resume_subscription(
        subscription.id, actor=subscription.account_id, uow=world.new_uow(), clock=world.clock
    )
    await world.relay.drain()
    assert not resumed.cancel_at_period_end
    assert resumed.perks_until is None
    assert world.sent("will renew")
    with pytest.raises(Conflict, match="nothing to resume"):
        await changes.resume_subscription(
            subscription.id, actor=subscription.account_id, uow=world.new_uow(), clock=world.clock
        )
    assert resumed.period_end is not None
    world.move_to(resumed.period_end)
    await world.run_job()
    assert len(world.provider.captured_charges()) == 1


async def test_cancel_now_refunds_the_unused_part_of_the_period(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    subscription = await world.subscribe(guest, await world.plan())
    start, end = subscription.period_start, subscription.period_end
    assert start is not None
    assert end is not None
    world.clock.current = start + (end - start) / 4  # a quarter used
    cancelled = await world.cancel(subscription)

    assert cancelled.status is SubscriptionStatus.CANCELLED
    assert await world.perks(guest) == frozenset()
    [start_charge] = await world.charges(subscription.id)
    assert start_charge.payment_id is not None
    payment = await world.payment(start_charge.payment_id)
    expected = MONTHLY_PRICE.amount * 3 // 4
    assert expected - 1 <= payment.refund_pending + payment.refunded <= expected
    [told] = world.sent("cancelled")
    assert "We are refunding" in told.body
    refund_ref = next(iter(world.provider.refunds))
    await world.news(payment, kind=ProviderEventType.REFUND_SUCCEEDED, refund_ref=refund_ref)
    balances = await world.balances()
    kept = MONTHLY_PRICE.amount - (payment.refund_pending + payment.refunded)
    assert balances[(LedgerAccount.CUSTOMER_PAYMENTS, "RUB")] == -kept
    assert sum(balances.values()) == 0
    with pytest.raises(Conflict, match="already cancelled"):
        await world.cancel(subscription)


async def test_a_pass_cancelled_now_refunds_its_unused_days_and_cannot_wait_for_its_end(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(
        await register_account(), await world.plan(PlanKind.PASS, price=Money(30_000, "RUB"))
    )
    with pytest.raises(Conflict, match="ends by itself"):
        await world.cancel(subscription, at_period_end=True)
    world.clock.advance(timedelta(days=20))
    await world.cancel(subscription)
    [charge] = await world.charges(subscription.id)
    assert charge.payment_id is not None
    payment = await world.payment(charge.payment_id)
    assert 9_990 <= payment.refund_pending <= 10_000  # ten of thirty days left


async def test_someone_else_cannot_cancel_or_change_a_subscription(
    world: World, register_account: RegisterAccount
) -> None:
    from core.subscriptions.commands import CancelSubscription

    subscription = await world.subscribe(await register_account(), await world.plan())
    stranger = await register_account()
    with pytest.raises(NotFound):
        await changes.cancel_subscription(
            CancelSubscription(subscription.id, stranger.id), uow=world.new_uow(),
            clock=world.clock, providers=world.providers,
        )  # fmt: skip
    assert (await world.get(subscription.id)).status is SubscriptionStatus.ACTIVE


async def test_cancelling_while_waiting_for_the_first_payment_refunds_a_late_one(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    subscription, payment = await world.start(guest, await world.plan())
    await world.cancel(subscription)
    await world.news(payment)  # the payer finished paying on the page after cancelling

    assert (await world.get(subscription.id)).status is SubscriptionStatus.CANCELLED
    paid = await world.payment(payment.id)
    assert paid.status is PaymentStatus.SUCCEEDED
    assert paid.refund_pending == MONTHLY_PRICE.amount
    assert await world.perks(guest) == frozenset()


async def test_a_dearer_plan_charges_the_difference_for_the_rest_of_the_period(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    basic = await world.plan()
    plus = await world.plan(price=Money(99_900, "RUB"), perks=frozenset(Perk))
    subscription = await world.subscribe(guest, basic)
    assert subscription.period_start is not None
    assert subscription.period_end is not None
    world.clock.current = (
        subscription.period_start + (subscription.period_end - subscription.period_start) / 2
    )

    moved, charge = await world.change(subscription, plus)

    assert moved.plan_id == plus.id
    assert charge is not None
    assert charge.kind is ChargeKind.UPGRADE
    assert charge.status is ChargeStatus.PAID
    assert 24_990 <= charge.amount.amount <= 25_000  # half of the 500.00 difference
    assert await world.perks(guest) == frozenset(Perk)
    assert moved.next_action_at == moved.period_end
    assert world.sent("You moved to")
    world.move_to(subscription.period_end)
    await world.run_job()
    renewal = world.provider.captured_charges()[-1]
    assert renewal.amount == Money(99_900, "RUB")  # renewals now at the new price


async def test_a_declined_upgrade_leaves_the_plan_as_it_was(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    plus = await world.plan(price=Money(99_900, "RUB"))
    world.provider.decline_saved = "card_declined"

    kept, charge = await world.change(subscription, plus)

    assert kept.plan_id == subscription.plan_id
    assert charge is not None
    assert charge.status is ChargeStatus.FAILED
    assert kept.next_action_at == kept.period_end
    assert world.sent("Could not move to")


async def test_a_cheaper_plan_moves_at_once_and_refunds_the_difference(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    cheaper = await world.plan(price=Money(19_900, "RUB"))
    assert subscription.period_start is not None
    assert subscription.period_end is not None
    world.clock.current = (
        subscription.period_start + (subscription.period_end - subscription.period_start) / 2
    )

    moved, charge = await world.change(subscription, cheaper)

    assert charge is None
    assert moved.plan_id == cheaper.id
    [start] = await world.charges(subscription.id)
    assert start.payment_id is not None
    payment = await world.payment(start.payment_id)
    assert 14_990 <= payment.refund_pending <= 15_000  # half of the 300.00 difference
    [told] = world.sent("You moved to")
    assert "We are refunding" in told.body


async def test_plan_changes_that_make_no_sense_are_refused(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    current = await world.plan()
    one_off = await world.plan(PlanKind.PASS)
    dollars = await world.plan(price=Money(1_000, "USD"))
    async with world.new_uow() as uow:
        mine = await uow.plans.get(subscription.plan_id)
    with pytest.raises(Conflict, match="already on"):
        await world.change(subscription, mine)
    with pytest.raises(Conflict, match="only a monthly plan"):
        await world.change(subscription, one_off)
    with pytest.raises(ValidationFailed, match="USD"):
        await world.change(subscription, dollars)
    assert (await world.get(subscription.id)).plan_id != current.id
