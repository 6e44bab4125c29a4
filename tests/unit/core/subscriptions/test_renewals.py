"""A year of monthly renewals on a stepping clock: one charge per period, whatever the job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.unit.core.subscriptions.support import MONTHLY_PRICE, World
from tests.unit.support import RegisterAccount

from core.payments.ledger import LedgerAccount
from core.payments.model import PaymentStatus
from core.shared.perks import Perk
from core.subscriptions.charge import ChargeKind, ChargeStatus
from core.subscriptions.model import SubscriptionStatus
from core.subscriptions.periods import add_months


async def test_a_paid_first_payment_starts_a_monthly_subscription(
    world: World, register_account: RegisterAccount
) -> None:
    plan = await world.plan()
    guest = await register_account()
    subscription, payment = await world.start(guest, plan)
    assert subscription.status is SubscriptionStatus.PENDING
    assert await world.perks(guest) == frozenset()

    await world.news(payment)

    active = await world.get(subscription.id)
    assert active.status is SubscriptionStatus.ACTIVE
    assert active.anchor is not None
    assert active.period_start == active.anchor
    assert active.period_end == add_months(active.anchor, 1)
    assert active.next_action_at == active.period_end
    assert active.mandate_ref == payment.provider_ref
    assert active.perks_until is None
    assert await world.perks(guest) == frozenset({Perk.NO_RESALE_FEE})
    [welcome] = world.sent("Welcome to")
    assert "renews on" in welcome.body
    [receipt] = world.sent("Receipt:")
    assert "499.00 RUB" in receipt.subject


async def test_twelve_months_charge_once_per_period_however_often_the_job_runs(
    world: World, register_account: RegisterAccount
) -> None:
    plan = await world.plan()
    guest = await register_account()
    subscription = await world.subscribe(guest, plan)
    assert subscription.anchor is not None

    for month in range(1, 13):
        world.move_to(add_months(subscription.anchor, month) + timedelta(seconds=1))
        assert await world.run_job() == 1
        assert await world.run_job() == 0  # nothing is due twice
        world.clock.advance(timedelta(hours=6))
        await world.run_job()

    renewed = await world.get(subscription.id)
    charges = await world.charges(subscription.id)
    assert [c.kind for c in charges] == [ChargeKind.START] + [ChargeKind.RENEWAL] * 12
    assert all(c.status is ChargeStatus.PAID and c.attempts == 1 for c in charges)
    starts = [c.period_start for c in charges]
    assert starts == [add_months(subscription.anchor, m) for m in range(13)]
    assert len(world.provider.captured_charges()) == 12
    assert renewed.period_index == 12
    assert renewed.period_end == add_months(subscription.anchor, 13)
    balances = await world.balances()
    assert balances[(LedgerAccount.CUSTOMER_PAYMENTS, "RUB")] == -13 * MONTHLY_PRICE.amount
    assert sum(balances.values()) == 0
    assert len(world.sent("Receipt:")) == 13


async def test_renewals_keep_the_day_of_the_month_it_started_on(
    world: World, register_account: RegisterAccount
) -> None:
    world.clock.current = datetime(2031, 1, 31, 10, 0, tzinfo=UTC)
    plan = await world.plan()
    subscription = await world.subscribe(await register_account(), plan)
    assert subscription.anchor is not None
    ends = []
    for _ in range(3):
        current = await world.get(subscription.id)
        assert current.period_end is not None
        ends.append(current.period_end.date().isoformat())
        world.move_to(current.period_end)
        await world.run_job()
    assert ends == ["2031-02-28", "2031-03-31", "2031-04-30"]


async def test_a_pass_ends_after_its_days_and_never_charges_again(
    world: World, register_account: RegisterAccount
) -> None:
    from core.subscriptions.plans import PlanKind

    plan = await world.plan(PlanKind.PASS, days=30)
    guest = await register_account()
    subscription = await world.subscribe(guest, plan)
    assert subscription.period_end == subscription.anchor + timedelta(days=30)  # type: ignore[operator]
    assert subscription.perks_until == subscription.period_end
    assert subscription.mandate_ref is None

    assert subscription.period_end is not None
    assert await world.perks(guest, subscription.period_end - timedelta(seconds=1))
    assert await world.perks(guest, subscription.period_end) == frozenset()
    world.move_to(subscription.period_end)
    await world.run_job()

    ended = await world.get(subscription.id)
    assert ended.status is SubscriptionStatus.ENDED
    assert ended.next_action_at is None
    assert len(await world.charges(subscription.id)) == 1
    assert world.provider.charges == {}
    assert world.sent("has ended")


async def test_a_timeout_leaves_the_renewal_to_be_asked_again_with_the_same_key(
    world: World, register_account: RegisterAccount
) -> None:
    plan = await world.plan()
    subscription = await world.subscribe(await register_account(), plan)
    assert subscription.period_end is not None
    world.move_to(subscription.period_end)
    world.provider.lose_answers = 1  # the card is charged, the answer never arrives

    await world.run_job()
    [_, renewal] = await world.charges(subscription.id)
    assert renewal.status is ChargeStatus.OPEN
    assert renewal.payment_id is not None
    unknown = await world.payment(renewal.payment_id)
    assert unknown.status is PaymentStatus.CREATED
    assert await world.run_job() == 0  # the attempt is leased: nobody asks again at once

    world.clock.advance(timedelta(minutes=2))
    await world.run_job()

    [_, renewal] = await world.charges(subscription.id)
    assert renewal.status is ChargeStatus.PAID
    assert renewal.attempts == 1
    assert len(world.provider.charges) == 1  # asked twice, charged once
    assert world.provider.calls.count(f"charge {unknown.idempotency_key}") == 2
    assert (await world.get(subscription.id)).period_index == 1
