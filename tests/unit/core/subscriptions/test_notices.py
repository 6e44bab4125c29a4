"""What subscribers and organisers are told, word for word, at every step."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.core.subscriptions.support import World
from tests.unit.support import RegisterAccount

from core.shared.money import Money
from core.subscriptions import changes
from core.subscriptions.plans import PlanKind


def told(world: World) -> list[tuple[str, str]]:
    return [(m.subject, m.body) for m in world.notifier.sent]


async def test_a_monthly_subscriber_is_welcomed_and_given_a_receipt(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    assert subscription.period_start is not None
    assert subscription.period_end is not None
    start, end = f"{subscription.period_start:%Y-%m-%d}", f"{subscription.period_end:%Y-%m-%d}"
    [charge] = await world.charges(subscription.id)
    assert sorted(told(world)) == [
        (
            "Receipt: 499.00 RUB for monthly plan",
            f"We charged 499.00 RUB for monthly plan, for {start}/{end}. "
            f"Payment reference: {charge.payment_id}.",
        ),
        (
            "Welcome to monthly plan",
            "Your monthly plan subscription is active and your perks apply from now on. It "
            f"renews on {end}.",
        ),
    ]
    assert {m.dedupe_key.split(":")[0] for m in world.notifier.sent} == {
        "subscription.activated",
        "subscription.charged",
    }


async def test_a_pass_is_welcomed_with_its_last_day_and_told_when_it_ends(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(
        await register_account(), await world.plan(PlanKind.PASS, days=30)
    )
    assert subscription.period_end is not None
    assert (
        "Welcome to pass plan",
        f"Your pass plan pass is active until {subscription.period_end:%Y-%m-%d}; your perks "
        "apply from now on.",
    ) in told(world)
    world.move_to(subscription.period_end)
    await world.run_job()
    assert told(world)[-1] == (
        "pass plan has ended",
        "Your pass plan subscription has ended. You can subscribe again at any time.",
    )


async def test_a_renewal_has_its_own_receipt(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    assert subscription.period_end is not None
    world.move_to(subscription.period_end)
    await world.run_job()
    renewed = await world.get(subscription.id)
    [_, renewal] = await world.charges(subscription.id)
    assert told(world)[-1] == (
        "Receipt: 499.00 RUB for monthly plan",
        f"We renewed monthly plan and charged 499.00 RUB, for "
        f"{renewed.period_start:%Y-%m-%d}/{renewed.period_end:%Y-%m-%d}. "
        f"Payment reference: {renewal.payment_id}.",
    )


async def test_dunning_tells_each_failed_try_then_past_due_then_cancelled(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    due = subscription.period_end
    assert due is not None
    world.provider.decline_saved = "card_declined"
    world.move_to(due)
    await world.run_job()
    assert told(world)[-1] == (
        "Payment for monthly plan did not go through",
        "We could not charge 499.00 RUB to renew monthly plan (card declined). We will try again "
        f"on {due + timedelta(days=1):%Y-%m-%d}; your perks stay meanwhile. You can also pay "
        "now, with another card if need be, on your subscriptions page.",
    )
    for day in (1, 3, 7):
        world.move_to(due + timedelta(days=day))
        await world.run_job()
    assert told(world)[-1] == (
        "monthly plan: payment needed",
        "We tried several times but could not charge 499.00 RUB to renew monthly plan. Your "
        "perks are paused. Pay on your subscriptions page before "
        f"{due + timedelta(days=14):%Y-%m-%d}, or the subscription will be cancelled then.",
    )
    world.move_to(due + timedelta(days=14))
    await world.run_job()
    assert told(world)[-1] == (
        "monthly plan cancelled",
        "Your monthly plan subscription is cancelled: its renewal was not paid. You can "
        "subscribe again at any time.",
    )


async def test_cancelling_is_confirmed_with_or_without_a_refund(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    assert subscription.period_end is not None
    await world.cancel(subscription, at_period_end=True)
    assert told(world)[-1] == (
        f"monthly plan will end on {subscription.period_end:%Y-%m-%d}",
        "As you asked, monthly plan will not renew: your perks last until "
        f"{subscription.period_end:%Y-%m-%d}, then it ends. Changed your mind? Resume it on "
        "your subscriptions page before then.",
    )

    await changes.resume_subscription(
        subscription.id, actor=subscription.account_id, uow=world.new_uow(), clock=world.clock
    )
    await world.relay.drain()
    assert told(world)[-1] == (
        "monthly plan will renew",
        f"monthly plan will renew on {subscription.period_end:%Y-%m-%d} as before.",
    )
    world.move_to(subscription.period_end - timedelta(days=15))
    await world.cancel(subscription)
    [charge] = await world.charges(subscription.id)
    assert charge.payment_id is not None
    refunded = (await world.payment(charge.payment_id)).refund_pending
    subject, body = told(world)[-1]
    assert subject == "monthly plan cancelled"
    assert body == (
        "Your monthly plan subscription is cancelled, as you asked. We are refunding "
        f"{Money(refunded, 'RUB')} for the unused time; depending on your bank it may take a "
        "few days to appear."
    )


async def test_cancelling_with_nothing_to_refund_says_only_that(
    world: World, register_account: RegisterAccount
) -> None:
    subscription, _ = await world.start(await register_account(), await world.plan())
    await world.cancel(subscription)
    assert told(world) == [
        ("monthly plan cancelled", "Your monthly plan subscription is cancelled, as you asked.")
    ]


async def test_plan_changes_tell_the_money_that_moved(
    world: World, register_account: RegisterAccount
) -> None:
    basic = await world.plan()
    same = await world.plan()
    plus = await world.plan(price=Money(99_900, "RUB"))
    subscription = await world.subscribe(await register_account(), basic)
    moved, _ = await world.change(subscription, same)
    assert told(world)[-1] == (
        "You moved to monthly plan",
        "Your subscription moved from monthly plan to monthly plan.",
    )
    await world.change(moved, plus)
    charged = [c for c in await world.charges(subscription.id) if c.kind.value == "upgrade"]
    _, body = [m for m in told(world) if m[0].startswith("You moved")][-1]
    assert body == (
        "Your subscription moved from monthly plan to monthly plan. We charged "
        f"{charged[0].amount} for the rest of this period."
    )
    upgrade_receipt = [m for m in told(world) if "to move you to" in m[1]]
    assert upgrade_receipt
    await world.change(await world.get(subscription.id), basic)
    assert told(world)[-1][1].startswith(
        "Your subscription moved from monthly plan to monthly plan. We are refunding "
    )
    assert told(world)[-1][1].endswith(" RUB for the rest of this period.")
    world.provider.decline_saved = "card_declined"
    await world.change(await world.get(subscription.id), plus)
    assert told(world)[-1] == (
        "Could not move to monthly plan",
        "We could not charge the difference to move to monthly plan (card declined); you stay "
        "on monthly plan.",
    )
