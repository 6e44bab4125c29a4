"""Rules pinned down exactly: what subscribing answers, the words of each refusal, when the
job looks again, how refunds are split, what a repeat of news does, which tiers count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.core.subscriptions.support import TERMS, World
from tests.unit.core.subscriptions.test_billing import _conference, _grow, _invoiced, _pay, _tiers
from tests.unit.support import NewUow, RegisterAccount

from adapters.memory import SteppingClock
from core.payments.model import RefundStatus
from core.payments.ports import ProviderEventType
from core.shared.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.shared.money import Money
from core.subscriptions import changes, invoicing, renewals, services
from core.subscriptions.charge import Charge, ChargeKind, ChargeStatus
from core.subscriptions.charges import ATTEMPT_LEASE, NOTHING_OWED
from core.subscriptions.commands import Subscribe
from core.subscriptions.model import SubscriptionStatus
from core.subscriptions.plans import PARTICIPANTS_MAX, Plan, PlanKind, PlanSpec, Tiers


def exactly(caught: pytest.ExceptionInfo[DomainError], detail: str) -> None:
    assert caught.value.detail == detail


async def test_subscribing_answers_a_pending_subscription_and_its_page_to_come(
    world: World, register_account: RegisterAccount
) -> None:
    guest, plan = await register_account(), await world.plan()
    made, payment, replayed = await services.subscribe(
        Subscribe(guest.id, plan.id), uow=world.new_uow(), clock=world.clock, terms=TERMS,
        providers=world.providers,
    )  # fmt: skip
    assert not replayed
    assert payment.expires_at == payment.created_at + TERMS.hold
    assert payment.description == "Stagedoor monthly plan"
    [start] = await world.charges(made.id)
    assert (start.kind, start.via_checkout, start.payment_id) == (
        ChargeKind.START,
        True,
        payment.id,
    )
    again, same, replayed = await services.subscribe(
        Subscribe(guest.id, plan.id), uow=world.new_uow(), clock=world.clock, terms=TERMS,
        providers=world.providers,
    )  # fmt: skip
    assert (again.id, same.id, replayed) == (made.id, payment.id, False)


async def test_one_key_belongs_to_one_account(
    world: World, register_account: RegisterAccount
) -> None:
    plan = await world.plan()
    first, _ = await world.start(await register_account(), plan, key="same-key")
    second, _ = await world.start(await register_account(), plan, key="same-key")
    assert first.id != second.id


async def test_a_plan_given_up_before_paying_says_why(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    first, _ = await world.start(guest, await world.plan())
    at = world.clock.current
    await world.start(guest, await world.plan(PlanKind.PASS))
    given_up = await world.get(first.id)
    assert given_up.end_reason == "another plan was chosen before this one was paid"
    assert given_up.ended_at is not None
    assert given_up.ended_at >= at
    [start] = await world.charges(first.id)
    assert start.settled_at is not None


async def test_refusals_say_exactly_what_is_wrong(
    world: World, register_account: RegisterAccount
) -> None:
    guest = await register_account()
    waiting, _ = await world.start(guest, await world.plan())
    with pytest.raises(Conflict) as nothing:
        await world.pay_now(waiting)
    exactly(nothing, "nothing is owed on this subscription")
    with pytest.raises(NotFound) as stranger:
        await services.subscription_details(
            waiting.id, viewer=(await register_account()).id, uow=world.new_uow()
        )
    exactly(stranger, "subscription not found")
    tier = await world.plan(PlanKind.CONFERENCE, price=Money(0, "RUB"))
    with pytest.raises(ValidationFailed) as per_conference:
        await world.start(guest, tier)
    exactly(per_conference, "a conference tier is paid per conference, not subscribed to")


async def test_a_plan_change_on_an_unpaid_period_says_so(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.renewal_day(await register_account(), declines=True)
    await world.run_job()
    with pytest.raises(Conflict) as unpaid:
        await world.change(subscription, await world.plan(price=Money(1_000, "RUB")))
    exactly(
        unpaid,
        "the renewal of this subscription is unpaid, so it cannot change plan; pay it or "
        "cancel now",
    )
    past_due = await world.get(subscription.id)
    past_due.status = SubscriptionStatus.PAST_DUE
    async with world.new_uow() as uow:
        await uow.subscriptions.save(past_due)
        await uow.commit()
    with pytest.raises(Conflict) as not_active:
        await changes.resume_subscription(
            subscription.id, actor=subscription.account_id, uow=world.new_uow(), clock=world.clock
        )
    exactly(not_active, "only an active subscription can resume; this one is past_due")


async def test_charges_are_described_by_what_they_pay_for(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.renewal_day(await register_account())
    await world.run_job()
    await world.change(
        await world.get(subscription.id), await world.plan(price=Money(99_900, "RUB"))
    )
    payments = [
        await world.payment(c.payment_id)
        for c in await world.charges(subscription.id)
        if c.payment_id
    ]
    assert [p.description for p in payments] == [
        "Stagedoor monthly plan",
        "Stagedoor monthly plan, renewal",
        "Stagedoor monthly plan, upgrade",
    ]
    [_, renewal, upgrade] = await world.charges(subscription.id)
    renewed = await world.get(subscription.id)
    assert upgrade.period_start == renewed.period_start == renewal.period_start
    assert renewal.settled_at is not None
    assert renewal.settled_at >= renewal.created_at


async def test_the_job_batches_and_keeps_going_past_a_lost_race(
    world: World, register_account: RegisterAccount
) -> None:
    plan = await world.plan()
    subscriptions = [await world.subscribe(await register_account(), plan) for _ in range(3)]
    last_end = max(s.period_end for s in subscriptions if s.period_end)
    world.move_to(last_end)
    first = subscriptions[0]
    assert first.period_end is not None
    async with world.new_uow() as uow:  # as if a twin job had renewed this period already
        twin = Charge.open(first, ChargeKind.RENEWAL, plan, plan.price, world.clock.now(),
                           period_start=first.period_end)  # fmt: skip
        twin.pay(twin.id, world.clock.now(), first.period_end)  # type: ignore[arg-type]
        await uow.charges.add(twin)
        await uow.commit()
    first_run = await renewals.renew_due(uow=world.new_uow(), providers=world.providers,
                                         clock=world.clock, limit=2)  # fmt: skip
    second_run = await renewals.renew_due(uow=world.new_uow(), providers=world.providers,
                                          clock=world.clock, limit=2)  # fmt: skip
    assert (first_run, second_run) == (2, 2)  # the lost race stays due: its twin has it in hand
    assert len(world.provider.captured_charges()) == 2  # the twin's period is not charged again
    assert (await world.get(first.id)).period_index == 0


async def test_a_subscription_woken_early_goes_back_to_sleep_until_its_period_ends(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    subscription.wake_at(world.clock.current)
    async with world.new_uow() as uow:
        await uow.subscriptions.save(subscription)
        await uow.commit()
    await world.run_job()
    assert (await world.get(subscription.id)).next_action_at == subscription.period_end
    assert world.provider.charges == {}


async def test_the_job_looks_again_when_the_page_or_the_call_can_have_an_answer(
    world: World, register_account: RegisterAccount
) -> None:
    subscription, due = await world.failed_renewal(await register_account())
    page = await world.checkout(await world.pay_now(subscription))
    world.move_to(due + timedelta(days=1))
    before = world.clock.current
    await world.run_job()  # the page is still open here: wait for it
    waiting = await world.get(subscription.id)
    assert waiting.next_action_at is not None
    assert before + ATTEMPT_LEASE <= waiting.next_action_at <= world.clock.current + ATTEMPT_LEASE
    assert len(world.provider.charges) == 1
    await world.expire(page)
    woken = await world.get(subscription.id)
    assert woken.next_action_at is not None
    assert woken.next_action_at <= world.clock.current  # to ask the provider about the page
    world.provider.down = True
    before = world.clock.current
    await world.run_job()
    leased = await world.get(subscription.id)
    assert leased.next_action_at is not None
    assert before + ATTEMPT_LEASE <= leased.next_action_at <= world.clock.current + ATTEMPT_LEASE


async def test_a_lapsed_past_due_renewal_is_voided_with_the_date(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.renewal_day(await register_account(), declines=True)
    due = subscription.period_end
    assert due is not None
    for day in (0, 1, 3, 7, 14):
        world.move_to(due + timedelta(days=day))
        await world.run_job()
    [_, renewal] = await world.charges(subscription.id)
    assert renewal.status is ChargeStatus.VOID
    assert renewal.settled_at == (await world.get(subscription.id)).ended_at


async def test_a_refund_takes_the_newest_payment_of_the_period_first(
    world: World, register_account: RegisterAccount
) -> None:
    subscription = await world.subscribe(await register_account(), await world.plan())
    assert subscription.period_start is not None
    assert subscription.period_end is not None
    world.clock.current = (
        subscription.period_start + (subscription.period_end - subscription.period_start) / 2
    )
    plus = await world.plan(price=Money(99_900, "RUB"))
    _, upgrade = await world.change(subscription, plus)
    assert upgrade is not None
    await world.cancel(await world.get(subscription.id))
    start, paid_upgrade = [c for c in await world.charges(subscription.id) if c.payment_id]
    upgrade_payment = await world.payment(paid_upgrade.payment_id)  # type: ignore[arg-type]
    start_payment = await world.payment(start.payment_id)  # type: ignore[arg-type]
    assert upgrade_payment.refund_pending == upgrade_payment.captured  # all of the newest
    unused = Money(99_900, "RUB").amount // 2
    given_back = upgrade_payment.refund_pending + start_payment.refund_pending
    assert unused - 2 <= given_back <= unused
    assert 0 < start_payment.refund_pending < start_payment.captured


async def test_money_for_a_renewal_already_paid_is_given_back(
    world: World, register_account: RegisterAccount
) -> None:
    subscription, due = await world.failed_renewal(await register_account())
    page = await world.checkout(await world.pay_now(subscription))
    await world.expire(page)
    world.provider.decline_saved = None
    await world.run_job()  # the provider says the page took nothing: counted, retry on day 1
    world.move_to(due + timedelta(days=1))
    await world.run_job()  # day 1: the kept card pays the renewal
    [_, renewal] = await world.charges(subscription.id)
    assert renewal.status is ChargeStatus.PAID
    assert page.provider_ref is not None
    late = world.provider.event(ProviderEventType.PAYMENT_SUCCEEDED, page.provider_ref)
    await world.tell(late)  # a provider that let the expired page be paid after all
    [refund] = await _refunds(world, page.id)
    assert (refund.reason, refund.amount) == (NOTHING_OWED, page.amount)
    assert refund.status is RefundStatus.PENDING


async def _refunds(world: World, payment_id: object) -> list[object]:
    async with world.new_uow() as uow:
        return list(await uow.refunds.for_payment(payment_id))  # type: ignore[arg-type]


async def test_tiers_no_longer_offered_do_not_count(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    old = await world.plan(PlanKind.CONFERENCE, price=Money(1, "EUR"), participants=10)
    async with world.new_uow() as uow:
        await uow.plans.save(old.retired())
        await uow.commit()
    await _tiers(world)  # in roubles: the retired euro tier does not stand in the way
    organiser = await register_account()
    conference = await _conference(world, organiser, new_uow, clock)
    await _grow(world, organiser, conference, 4)
    [bill] = await invoicing.organiser_bills(organiser.id, uow=world.new_uow())
    assert bill.open_invoice is not None
    assert bill.open_invoice.amount == Money(100_000, "RUB")


async def test_an_invoice_voided_by_review_is_dated_and_none_is_returned(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    _, conference, invoice = await _invoiced(world, register_account, new_uow, clock)
    assert await invoicing.review_conference(conference.id, uow=world.new_uow(), clock=clock) == (
        await _stored(world, invoice.id)
    )
    async with world.new_uow() as uow:
        for participant in await uow.participants.all_of(conference.id):
            await uow.participants.remove(participant.id)
        await uow.commit()
    assert (
        await invoicing.review_conference(conference.id, uow=world.new_uow(), clock=clock) is None
    )
    voided = await _stored(world, invoice.id)
    assert voided.status.value == "void"
    assert voided.updated_at > invoice.updated_at


async def _stored(world: World, invoice_id: object) -> object:
    async with world.new_uow() as uow:
        return await uow.invoices.get(invoice_id)  # type: ignore[arg-type]


async def test_an_invoice_payment_is_credited_once_however_often_it_is_told(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, conference, invoice = await _invoiced(world, register_account, new_uow, clock)
    payment = await _pay(world, invoice, organiser)
    await world.news(payment)
    for _ in range(2):
        await invoicing.settle_invoice_payment(
            payment.id, uow=world.new_uow(), clock=clock, providers=world.providers
        )
    bill = await invoicing.conference_bill(conference.id, viewer=organiser.id, uow=world.new_uow())
    assert bill.paid == Money(100_000, "RUB")
    assert await _refunds(world, payment.id) == []


async def test_a_bill_without_tiers_keeps_what_was_paid_and_one_tier_is_enough(
    world: World, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    only = await world.plan(PlanKind.CONFERENCE, price=Money(500, "RUB"), participants=None)
    organiser = await register_account()
    fresh = await _conference(world, organiser, new_uow, clock)
    [bill] = await invoicing.organiser_bills(organiser.id, uow=world.new_uow())
    assert (bill.paid, bill.needed, bill.covered) == (Money(0, "RUB"), only, None)
    await _grow(world, organiser, fresh, 1)  # opens its account
    async with world.new_uow() as uow:
        await uow.plans.save(only.retired())
        await uow.commit()
    [bill] = await invoicing.organiser_bills(organiser.id, uow=world.new_uow())
    assert (bill.paid, bill.needed, bill.covered) == (Money(0, "RUB"), None, None)
    with pytest.raises(NotFound) as caught:
        await invoicing.conference_bill(fresh.id, viewer=(await register_account()).id,
                                        uow=world.new_uow())  # fmt: skip
    exactly(caught, "conference not found")


def test_an_unlimited_tier_sorts_after_the_largest_limit() -> None:
    def tier(code: str, limit: int | None) -> Plan:
        spec = PlanSpec(code, code, PlanKind.CONFERENCE, Money(1, "RUB"), participants=limit)
        return Plan.create(spec, datetime(2030, 1, 1, tzinfo=UTC))

    unlimited, biggest = tier("unlimited", None), tier("biggest", PARTICIPANTS_MAX)
    assert Tiers.of([unlimited, biggest]).tiers == (biggest, unlimited)
    assert Tiers.of([biggest, unlimited]).for_size(PARTICIPANTS_MAX) == biggest
