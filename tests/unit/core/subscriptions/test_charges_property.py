"""One capture per period as a property: whatever the interleaving of renewal jobs, retries,
cancellations, payment pages, timeouts, outages and webhooks (late, repeated, in any order),
no charge is ever paid twice, the books balance to zero, and they agree with the provider."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.unit.core.subscriptions.conftest import PlatformContext
from tests.unit.core.subscriptions.support import World
from tests.unit.support import Relay

from adapters.memory import (
    FastPasswordHasher,
    MemoryNotifier,
    MemoryStore,
    MemoryUnitOfWork,
    SimplePhoneNumbers,
    SteppingClock,
)
from adapters.memory.provider import MemoryPaymentProvider
from core.identity import services as identity
from core.identity.commands import Register
from core.payments.ledger import LedgerAccount, trial_balance
from core.payments.model import CAPTURED, Payment, Purpose, RefundStatus
from core.payments.ports import (
    ProviderEvent,
    ProviderEventType,
    ProviderStatus,
    ProviderUnavailable,
)
from core.payments.services import expire_payments, resend_unsent_refunds
from core.shared.catalogue import HANDLERS
from core.shared.errors import Conflict
from core.shared.money import Money
from core.subscriptions import changes
from core.subscriptions.charge import Charge, ChargeKind
from core.subscriptions.model import Subscription

Step = tuple[str, int]

ACTIONS = [
    "wait", "wait", "wait", "job", "job", "job", "relay", "relay", "expire", "expire",
    "timeout", "down", "decline", "decline", "pending", "settle_pending", "cancel_now",
    "cancel_at_end", "resume", "pay_now", "pay_now", "pay_page", "pay_page", "deliver",
    "deliver", "upgrade",
]  # fmt: skip
steps = st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 50)), max_size=50)


async def _world() -> tuple[World, Subscription, MemoryStore]:
    store, clock = MemoryStore(), SteppingClock()
    provider, notifier = MemoryPaymentProvider(clock=clock), MemoryNotifier()
    context = PlatformContext(clock, notifier, store, {provider.name: provider})
    world = World(
        lambda: MemoryUnitOfWork(store), clock, provider, Relay(context, HANDLERS), notifier
    )
    guest = await identity.register(
        Register("Ada Lovelace", "ada@example.org", "correct horse battery"),
        uow=world.new_uow(), hasher=FastPasswordHasher(), phones=SimplePhoneNumbers(), clock=clock,
    )  # fmt: skip
    subscription = await world.subscribe(guest, await world.plan())
    assert subscription.period_end is not None
    world.move_to(subscription.period_end - timedelta(hours=1))  # the first renewal is near
    return world, subscription, store


class Interleaving:
    """Plays steps against a world, keeping the webhooks the provider owes to deliver them
    late, repeated and out of order."""

    def __init__(self, world: World, subscription: Subscription) -> None:
        self.world, self.subscription = world, subscription
        self.news: list[ProviderEvent] = []

    async def play(self, action: str, n: int) -> None:
        with contextlib.suppress(Conflict, ProviderUnavailable):  # refused, as people would be
            await getattr(self, f"_{action}", self._toggle)(action, n)

    async def _toggle(self, action: str, n: int) -> None:
        provider = self.world.provider
        if action == "timeout":
            provider.lose_answers += 1
        elif action == "down":
            provider.down = not provider.down
        elif action == "decline":
            provider.decline_saved = None if provider.decline_saved else "card_declined"
        elif action == "pending":
            provider.pending_saved = not provider.pending_saved

    async def _wait(self, _: str, n: int) -> None:
        self.world.clock.advance(timedelta(minutes=10 + n * n * 10))  # ten minutes to 17 days

    async def _job(self, _: str, n: int) -> None:
        await self.world.run_job() if n % 2 else await _renew(self.world)

    async def _relay(self, _: str, n: int) -> None:
        await self.world.relay.drain()

    async def _expire(self, _: str, n: int) -> None:
        await expire_payments(uow=self.world.new_uow(), clock=self.world.clock)

    async def _settle_pending(self, _: str, n: int) -> None:
        provider = self.world.provider
        pending = [r for r in provider.charges if provider.statuses[r] is ProviderStatus.PENDING]
        if pending:
            self.news.append(provider.settle_pending(pending[n % len(pending)], n % 3 != 0))

    async def _cancel_now(self, _: str, n: int) -> None:
        await self.world.cancel(self.subscription)

    async def _cancel_at_end(self, _: str, n: int) -> None:
        await self.world.cancel(self.subscription, at_period_end=True)

    async def _resume(self, _: str, n: int) -> None:
        await changes.resume_subscription(
            self.subscription.id, actor=self.subscription.account_id,
            uow=self.world.new_uow(), clock=self.world.clock,
        )  # fmt: skip

    async def _pay_now(self, _: str, n: int) -> None:
        await self.world.checkout(await self.world.pay_now(self.subscription))

    async def _pay_page(self, _: str, n: int) -> None:
        provider = self.world.provider
        open_pages = [r for r, s in provider.statuses.items() if r in provider.checkouts]
        open_pages = [r for r in open_pages if provider.statuses[r] is ProviderStatus.PENDING]
        if open_pages:
            self.news.append(provider.pay(open_pages[n % len(open_pages)]))

    async def _deliver(self, _: str, n: int) -> None:
        if self.news:
            event = self.news[n % len(self.news)]  # kept: it may come again
            await self.world.tell(event) if n % 2 else await _record(self.world, event)

    async def _upgrade(self, _: str, n: int) -> None:
        dearer = await self.world.plan(price=Money(49_900 + 1_000 * (n + 1), "RUB"))
        await self.world.change(self.subscription, dearer)


async def _renew(world: World) -> None:
    from core.subscriptions.renewals import renew_due

    await renew_due(uow=world.new_uow(), providers=world.providers, clock=world.clock)


async def _record(world: World, event: ProviderEvent) -> None:
    from core.payments.services import record_provider_event

    await record_provider_event(event, provider="memory", uow=world.new_uow(), clock=world.clock)


async def _settle_everything(play: Interleaving) -> None:
    """The provider comes back, every webhook it owes arrives, time passes, jobs run."""
    world, provider = play.world, play.world.provider
    provider.down, provider.lose_answers, provider.pending_saved = False, 0, False
    for ref, status in list(provider.statuses.items()):
        if status is ProviderStatus.PENDING and ref in provider.charges:
            play.news.append(provider.settle_pending(ref, True))
    for _ in range(3):
        for event in play.news:
            await world.tell(event)
        for _ in range(3):
            world.clock.advance(timedelta(days=20))
            await expire_payments(uow=world.new_uow(), clock=world.clock)
            await world.relay.drain()
            await world.run_job()
            await resend_unsent_refunds(
                uow=world.new_uow(), providers=world.providers, clock=world.clock
            )
        play.news = [provider.event(_kind(s), r) for r, s in provider.statuses.items() if _told(s)]
        play.news += [
            provider.event(ProviderEventType.REFUND_SUCCEEDED, asked.provider_ref, refund_ref=ref)
            for ref, asked in provider.refunds.items()
        ]


def _told(status: ProviderStatus) -> bool:
    return status in (ProviderStatus.SUCCEEDED, ProviderStatus.FAILED)


def _kind(status: ProviderStatus) -> ProviderEventType:
    if status is ProviderStatus.SUCCEEDED:
        return ProviderEventType.PAYMENT_SUCCEEDED
    return ProviderEventType.PAYMENT_FAILED


async def _check(world: World, subscription: Subscription, store: MemoryStore) -> None:
    async with world.new_uow() as uow:
        charges: list[Charge] = await uow.charges.of_subscription(subscription.id)
        balances = dict(await uow.ledger.balances())
    payments: list[Payment] = [
        p for p in store.table("payments").values() if p.purpose is Purpose.SUBSCRIPTION
    ]
    refunds = list(store.table("refunds").values())
    captured = Counter(p.reference_id for p in payments if p.status in CAPTURED)
    assert all(times <= 1 for times in captured.values()), captured  # one capture per charge
    renewals = [c.period_start for c in charges if c.kind is ChargeKind.RENEWAL]
    assert len(renewals) == len(set(renewals))  # one renewal per period
    periods = Counter(
        c.period_start for c in charges if c.kind is not ChargeKind.UPGRADE and captured[c.id]
    )
    assert all(times <= 1 for times in periods.values()), periods  # one capture per period
    provider_took = [r for r, s in world.provider.statuses.items() if s is ProviderStatus.SUCCEEDED]
    ours = {p.provider_ref for p in payments if p.status in CAPTURED}
    assert set(provider_took) == ours  # every capture at the provider is in our books
    assert trial_balance(balances) in ({}, {"RUB": 0})
    taken = sum(p.captured for p in payments)
    given_back = sum(r.amount.amount for r in refunds if r.status is RefundStatus.SUCCEEDED)
    assert -balances.get((LedgerAccount.CUSTOMER_PAYMENTS, "RUB"), 0) == taken - given_back


LATE_PAGE = [
    ("decline", 0), ("wait", 3), ("job", 1), ("pay_now", 0), ("pay_page", 0), ("wait", 2),
    ("expire", 0), ("relay", 0), ("decline", 0), ("wait", 12), ("job", 1), ("deliver", 0),
]  # fmt: skip
"""A page paid by hand whose webhook is late: it expires here before the next retry."""

LOST_ANSWER = [
    ("timeout", 0), ("wait", 3), ("job", 0), ("cancel_now", 0), ("wait", 30), ("expire", 0),
    ("relay", 0), ("job", 1),
]  # fmt: skip
"""The renewal is charged but the answer is lost, and the subscriber cancels meanwhile."""

SLOW_BANK = [
    ("pending", 0), ("wait", 3), ("job", 1), ("wait", 25), ("expire", 0), ("relay", 0),
    ("job", 1), ("settle_pending", 1), ("deliver", 0), ("job", 1),
]  # fmt: skip
"""The provider is still processing the renewal when it expires here."""


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(steps=LATE_PAGE)
@example(steps=LOST_ANSWER)
@example(steps=SLOW_BANK)
@given(steps=steps)
async def test_any_interleaving_captures_each_period_at_most_once_and_balances(
    steps: list[Step],
) -> None:
    world, subscription, store = await _world()
    play = Interleaving(world, subscription)
    for action, n in steps:
        await play.play(action, n)
    await _settle_everything(play)
    await _check(world, subscription, store)
