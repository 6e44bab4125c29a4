"""Plans, subscriptions, charges, perks and organiser billing: one contract, every backend."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from tests.contract.distribution_support import conference, participants, person
from tests.contract.support import Make, NewUow

from adapters.memory import SteppingClock
from core.identity.model import Account
from core.shared.errors import Conflict, NotFound
from core.shared.money import Money
from core.shared.perks import Perk
from core.subscriptions.billing import ConferenceSize, Invoice, InvoiceStatus
from core.subscriptions.charge import Charge, ChargeKind, ChargeStatus
from core.subscriptions.model import Subscription
from core.subscriptions.plans import Plan, PlanKind, PlanSpec


async def new_plan(
    make: Make, kind: PlanKind = PlanKind.MONTHLY, price: int = 49_900, **extra: object
) -> Plan:
    perks = frozenset() if kind is PlanKind.CONFERENCE else frozenset({Perk.EARLY_ACCESS})
    if kind is PlanKind.PASS:
        extra.setdefault("days", 30)
    spec = PlanSpec(
        f"p-{secrets.token_hex(6)}", f"{kind} plan", kind, Money(price, "RUB"), perks, **extra
    )  # type: ignore[arg-type]
    plan = Plan.create(spec, make.clock.now())
    async with make.new_uow() as uow:
        await uow.plans.add(plan)
        await uow.commit()
    return plan


async def active(make: Make, account: Account, plan: Plan) -> Subscription:
    """A stored subscription of `account` to `plan`, started now."""
    subscription = Subscription.start(account.id, plan, "memory", make.clock.now())
    subscription.activate(plan, make.clock.now(), "pi_saved")
    async with make.new_uow() as uow:
        await uow.subscriptions.add(subscription)
        await uow.commit()
    return subscription


async def test_a_plan_round_trips_and_codes_are_unique(make: Make, new_uow: NewUow) -> None:
    plan = await new_plan(make, PlanKind.PASS, days=365, description="A year of perks")
    async with new_uow() as uow:
        assert await uow.plans.get(plan.id) == plan
        await uow.plans.save(plan.retired())
        await uow.commit()
    async with new_uow() as uow:
        assert not (await uow.plans.get(plan.id)).active
        assert plan.id not in {p.id for p in await uow.plans.all(active_only=True)}
        assert plan.id in {p.id for p in await uow.plans.all(active_only=False)}
        with pytest.raises(NotFound):
            await uow.plans.get(Plan.create(_spec(plan.code), make.clock.now()).id)
    twin = Plan.create(_spec(plan.code), make.clock.now())
    async with new_uow() as uow:
        with pytest.raises(Conflict, match="another plan already has this code"):
            await uow.plans.add(twin)


def _spec(code: str) -> PlanSpec:
    return PlanSpec(code, "Twin", PlanKind.MONTHLY, Money(100, "RUB"))


async def test_plans_are_listed_passes_then_monthly_then_tiers_by_price(
    make: Make, new_uow: NewUow
) -> None:
    tier = await new_plan(make, PlanKind.CONFERENCE, price=0, participants=50)
    dear = await new_plan(make, PlanKind.MONTHLY, price=90_000)
    cheap = await new_plan(make, PlanKind.MONTHLY, price=10_000)
    one_off = await new_plan(make, PlanKind.PASS, price=99_000)
    async with new_uow() as uow:
        listed = [p.id for p in await uow.plans.all(active_only=False)]
    mine = [p for p in listed if p in {tier.id, dear.id, cheap.id, one_off.id}]
    assert mine == [one_off.id, cheap.id, dear.id, tier.id]


async def test_a_subscription_round_trips_every_field(make: Make, new_uow: NewUow) -> None:
    plan = await new_plan(make)
    subscription = await active(make, await make.account(), plan)
    subscription.schedule_cancellation(plan, make.clock.now())
    subscription.wake_at(make.later(days=3))
    async with new_uow() as uow:
        await uow.subscriptions.save(subscription)
        await uow.commit()
    async with new_uow() as uow:
        loaded = await uow.subscriptions.get_for_update(subscription.id)
        mine = await uow.subscriptions.of_account(subscription.account_id)
    assert loaded == subscription
    assert (loaded.cancel_at_period_end, loaded.mandate_ref) == (True, "pi_saved")
    assert mine == [subscription]


async def test_an_account_holds_one_live_subscription(make: Make, new_uow: NewUow) -> None:
    plan = await new_plan(make)
    account = await make.account()
    first = await active(make, account, plan)
    with pytest.raises(Conflict, match="already have a subscription"):
        await active(make, account, plan)
    async with new_uow() as uow:
        assert (await uow.subscriptions.live_of(account.id)) == first
        first.cancel(plan, "cancelled by the subscriber", None, make.clock.now())
        await uow.subscriptions.save(first)
        await uow.commit()
    second = await active(make, account, plan)
    async with new_uow() as uow:
        assert await uow.subscriptions.live_of(account.id) == second
        assert [s.id for s in await uow.subscriptions.of_account(account.id)] == [
            second.id,
            first.id,
        ]


async def test_due_subscriptions_come_soonest_first_up_to_the_limit(
    make: Make, new_uow: NewUow, clock: SteppingClock
) -> None:
    plan = await new_plan(make)
    far = clock.current + timedelta(days=4000)
    made = []
    for hours in (3, 1, 2):
        subscription = await active(make, await make.account(), plan)
        subscription.wake_at(far + timedelta(hours=hours))
        async with new_uow() as uow:
            await uow.subscriptions.save(subscription)
            await uow.commit()
        made.append(subscription)
    async with new_uow() as uow:
        due = await uow.subscriptions.due(far + timedelta(hours=2), 100)
        first = await uow.subscriptions.due(far + timedelta(hours=9), 1)
    mine = [s for s in due if s in {m.id for m in made}]
    assert mine == [made[1].id, made[2].id]
    assert len(first) == 1


async def test_charges_round_trip_and_one_is_open_per_subscription(
    make: Make, new_uow: NewUow
) -> None:
    plan = await new_plan(make)
    subscription = await active(make, await make.account(), plan)
    renewal = Charge.open(
        subscription, ChargeKind.RENEWAL, plan, plan.price, make.clock.now(),
        period_start=subscription.period_end,
    )  # fmt: skip
    payment = renewal.attempt("memory", "renewal", make.clock.now(), make.later(days=3))
    async with new_uow() as uow:
        await uow.payments.add(payment)
        await uow.charges.add(renewal)
        await uow.commit()
    second = Charge.open(subscription, ChargeKind.UPGRADE, plan, plan.price, make.clock.now())
    async with new_uow() as uow:
        with pytest.raises(Conflict, match="already on its way"):
            await uow.charges.add(second)
    renewal.note_failure("card declined")
    async with new_uow() as uow:
        await uow.charges.save(renewal)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.charges.get(renewal.id) == renewal
        assert await uow.charges.open_of(subscription.id) == renewal
        assert await uow.charges.find(second.id) is None
    assert (renewal.attempts, renewal.failures, renewal.failure_reason) == (1, 1, "card declined")


async def test_a_period_is_renewed_by_one_charge(make: Make, new_uow: NewUow) -> None:
    plan = await new_plan(make)
    subscription = await active(make, await make.account(), plan)
    first = Charge.open(
        subscription, ChargeKind.RENEWAL, plan, plan.price, make.clock.now(),
        period_start=subscription.period_end,
    )  # fmt: skip
    first.pay(first.id, make.clock.now(), make.clock.now())  # type: ignore[arg-type]
    async with new_uow() as uow:
        await uow.charges.add(first)
        await uow.commit()
    again = Charge.open(
        subscription, ChargeKind.RENEWAL, plan, plan.price, make.clock.now(),
        period_start=subscription.period_end,
    )  # fmt: skip
    async with new_uow() as uow:
        with pytest.raises(Conflict, match="already being renewed"):
            await uow.charges.add(again)
    async with new_uow() as uow:
        assert [c.id for c in await uow.charges.of_subscription(subscription.id)] == [first.id]
        assert await uow.charges.open_of(subscription.id) is None
        assert (await uow.charges.get(first.id)).status is ChargeStatus.PAID


async def test_perks_come_from_active_subscriptions_in_their_time(
    make: Make, new_uow: NewUow
) -> None:
    plan = await new_plan(make, PlanKind.PASS, days=10)
    account = await make.account()
    subscription = await active(make, account, plan)
    assert subscription.anchor is not None
    assert subscription.perks_until is not None
    stranger = await make.account()
    async with new_uow() as uow:
        inside = await uow.perks.perks_of(account.id, subscription.anchor + timedelta(days=1))
        before = await uow.perks.perks_of(account.id, subscription.anchor - timedelta(seconds=1))
        after = await uow.perks.perks_of(account.id, subscription.perks_until)
        nobody = await uow.perks.perks_of(stranger.id, subscription.anchor)
    assert inside == frozenset({Perk.EARLY_ACCESS})
    assert before == after == nobody == frozenset()


async def test_a_past_due_subscription_gives_no_perks(make: Make, new_uow: NewUow) -> None:
    plan = await new_plan(make)
    account = await make.account()
    subscription = await active(make, account, plan)
    subscription.status = subscription.status.PAST_DUE
    async with new_uow() as uow:
        await uow.subscriptions.save(subscription)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.perks.perks_of(account.id, make.later(hours=1)) == frozenset()


async def test_conference_sizes_count_the_list(make: Make, new_uow: NewUow) -> None:
    organiser = await make.account()
    made = await conference(make, organiser.id)
    await participants(make, made.id, [person("Ivanov", "Ivan"), person("Petrov", "Pyotr")])
    empty = await conference(make, organiser.id)
    async with new_uow() as uow:
        size = await uow.conference_sizes.get(made.id)
        listed = await uow.conference_sizes.of_organiser(organiser.id)
        assert await uow.conference_sizes.get(organiser.id) is None
    assert size == ConferenceSize(made.id, organiser.id, "DevConf", 2)
    assert [(s.conference_id, s.participants) for s in listed] == [(empty.id, 0), (made.id, 2)]


async def test_a_conference_account_is_opened_once_and_one_invoice_is_open(
    make: Make, new_uow: NewUow
) -> None:
    organiser = await make.account()
    made = await conference(make, organiser.id)
    tier = await new_plan(make, PlanKind.CONFERENCE, price=100_000, participants=500)
    size = ConferenceSize(made.id, organiser.id, made.title, 120)
    async with new_uow() as uow:
        opened = await uow.conference_accounts.get_for_update(size, "RUB", make.clock.now())
        opened.credit(Money(2_500, "RUB"), make.clock.now())
        await uow.conference_accounts.save(opened)
        await uow.commit()
    invoice = Invoice.issue(size, tier, Money(97_500, "RUB"), make.clock.now())
    async with new_uow() as uow:
        again = await uow.conference_accounts.get_for_update(size, "RUB", make.clock.now())
        await uow.invoices.add(invoice)
        await uow.commit()
    assert again.paid == Money(2_500, "RUB")
    twin = Invoice.issue(size, tier, Money(1, "RUB"), make.clock.now())
    async with new_uow() as uow:
        with pytest.raises(Conflict, match="already has an open invoice"):
            await uow.invoices.add(twin)
    invoice.void(make.clock.now())
    async with new_uow() as uow:
        await uow.invoices.save(invoice)
        await uow.invoices.add(twin)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.invoices.get(invoice.id) == invoice
        assert await uow.invoices.open_of(made.id) == twin
        assert [i.id for i in await uow.invoices.of_organiser(organiser.id)] == [
            twin.id,
            invoice.id,
        ]
        assert (await uow.conference_accounts.get(made.id)) == again
    assert invoice.status is InvoiceStatus.VOID
