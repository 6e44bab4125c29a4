"""Availability pushed to partners: owed when seats move, retried, behind a breaker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from tests.unit.support import (
    BookHelper,
    HandlerContext,
    NewUow,
    PublishHelper,
    RegisterAccount,
    Relay,
)

from adapters.memory import SteppingClock
from adapters.memory.exchange import MemoryExchange
from core.booking.model import Event
from core.identity.model import Account
from core.partners.activation import switch_plugin
from core.partners.api import AvailabilityUpdate, PartnerOffer
from core.partners.circuit import COOLDOWN, THRESHOLD, Circuit, CircuitState, Delivery
from core.partners.commands import SwitchPlugin
from core.partners.pushes import push_due
from core.shared.catalogue import HANDLERS


@pytest.fixture
def shop() -> MemoryExchange:
    return MemoryExchange()


@pytest.fixture
def exchanges(shop: MemoryExchange) -> dict[str, MemoryExchange]:
    return {"shop": shop, "idle": MemoryExchange()}


@pytest.fixture
def relay_to(ctx: HandlerContext, exchanges: dict[str, MemoryExchange]) -> Relay:
    ctx.partner_exchanges = dict(exchanges)
    return Relay(ctx=ctx, handlers=HANDLERS)


Sell = Callable[[int], Awaitable[None]]


@pytest.fixture
def sold(
    organiser: Account,
    show: Event,
    book: BookHelper,
    register_account: RegisterAccount,
    relay_to: Relay,
    new_uow: NewUow,
    clock: SteppingClock,
) -> Sell:
    """The organiser switches "shop" on, then someone books `seats` of the show."""

    async def _sold(seats: int) -> None:
        await switch_on(organiser, "shop", new_uow, clock)
        await book(show, await register_account(), seats)
        await relay_to.drain()

    return _sold


async def switch_on(organiser: Account, plugin: str, new_uow: NewUow, clock: SteppingClock) -> None:
    await switch_plugin(
        SwitchPlugin(organiser.id, plugin, True),
        installed={"shop", "idle"},
        uow=new_uow(),
        clock=clock,
    )


async def owed(new_uow: NewUow) -> list[Delivery]:
    async with new_uow() as uow:
        return [d for d in uow.partner_deliveries.tx.rows("partner_deliveries")]


async def push(new_uow: NewUow, exchanges: dict[str, MemoryExchange], clock: SteppingClock) -> int:
    return await push_due(new_uow=new_uow, exchanges=exchanges, clock=clock)


async def test_partners_switched_on_are_owed_one_push_per_event_however_many_changes(
    organiser: Account,
    show: Event,
    book: BookHelper,
    register_account: RegisterAccount,
    relay_to: Relay,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    await switch_on(organiser, "shop", new_uow, clock)
    await relay_to.drain()  # the event's publication owes nothing
    for _ in range(3):
        await book(show, await register_account())
    await relay_to.drain()

    (delivery,) = await owed(new_uow)
    assert (delivery.exchange, delivery.event_id) == ("shop", show.id)
    assert delivery.revision == 3  # three changes, one push owed
    assert delivery.organiser_id == organiser.id


async def test_a_push_carries_the_state_when_it_is_sent(
    sold: Sell,
    show: Event,
    new_uow: NewUow,
    clock: SteppingClock,
    shop: MemoryExchange,
    exchanges: dict[str, MemoryExchange],
) -> None:
    await sold(4)

    assert await push(new_uow, exchanges, clock) == 1
    assert await push(new_uow, exchanges, clock) == 0

    (update,) = shop.pushed
    assert update.snapshot.event_id == show.id
    assert update.snapshot.seats_left == 6
    assert update.revision == 1
    assert exchanges["idle"].pushed == []  # not switched on by this organiser
    (delivery,) = await owed(new_uow)
    assert delivery.delivered_at is not None


async def test_a_change_during_a_push_is_pushed_again(
    sold: Sell,
    show: Event,
    book: BookHelper,
    register_account: RegisterAccount,
    relay_to: Relay,
    new_uow: NewUow,
    clock: SteppingClock,
    shop: MemoryExchange,
) -> None:
    await sold(1)
    guest = await register_account()

    class BookedMeanwhile:
        """The partner is told; meanwhile (once) someone books two more seats."""

        calls = 0

        async def push(self, update: AvailabilityUpdate) -> None:
            await shop.push(update)
            self.calls += 1
            if self.calls == 1:
                await book(show, guest, 2)
                await relay_to.drain()

        async def pull(self, organiser_id: UUID) -> list[PartnerOffer]:
            return []

    busy = {"shop": BookedMeanwhile()}
    assert await push_due(new_uow=new_uow, exchanges=busy, clock=clock) == 1
    assert await push_due(new_uow=new_uow, exchanges=busy, clock=clock) == 1
    assert await push_due(new_uow=new_uow, exchanges=busy, clock=clock) == 0

    assert [u.snapshot.seats_left for u in shop.pushed] == [9, 7]
    assert [u.revision for u in shop.pushed] == [1, 2]


async def test_failed_pushes_wait_longer_each_time_then_land_once(
    sold: Sell,
    new_uow: NewUow,
    clock: SteppingClock,
    shop: MemoryExchange,
    exchanges: dict[str, MemoryExchange],
) -> None:
    await sold(1)
    shop.fail_next = 3

    waits = []
    for _ in range(3):
        assert await push(new_uow, exchanges, clock) == 0
        (delivery,) = await owed(new_uow)
        waits.append(delivery.next_attempt_at - clock.current)
        assert await push(new_uow, exchanges, clock) == 0  # not due yet
        clock.advance(delivery.next_attempt_at - clock.current)
    assert await push(new_uow, exchanges, clock) == 1

    assert [round(w.total_seconds()) for w in waits] == [2, 4, 8]
    assert shop.attempts == 4
    assert len(shop.pushed) == 1
    (delivery,) = await owed(new_uow)
    assert (delivery.attempts, delivery.last_error) == (0, None)
    async with new_uow() as uow:
        (problem,) = await uow.plugin_problems.all()
    assert (problem.plugin, problem.kind, problem.count) == ("shop", "exchange", 3)
    assert "ConnectionError" in problem.last_error


async def test_the_breaker_spares_a_dead_partner_and_probes_it_later(
    organiser: Account,
    publish: PublishHelper,
    book: BookHelper,
    register_account: RegisterAccount,
    relay_to: Relay,
    new_uow: NewUow,
    clock: SteppingClock,
    shop: MemoryExchange,
    exchanges: dict[str, MemoryExchange],
) -> None:
    await switch_on(organiser, "shop", new_uow, clock)
    shows = [await publish(organiser, title=f"Show {n}") for n in range(THRESHOLD + 3)]
    for show in shows:
        await book(show, await register_account())
    await relay_to.drain()
    shop.fail_next = 10_000

    await push(new_uow, exchanges, clock)  # one batch: every event owed, each fails once

    assert shop.attempts == THRESHOLD  # the breaker opened after five; the rest wait for it
    async with new_uow() as uow:
        circuit = await uow.partner_circuits.get_for_update("shop")
    assert circuit.state(clock.current) is CircuitState.OPEN
    clock.advance(COOLDOWN / 2)
    await push(new_uow, exchanges, clock)
    assert shop.attempts == THRESHOLD  # still cooling down

    clock.advance(COOLDOWN)
    await push(new_uow, exchanges, clock)
    assert shop.attempts == THRESHOLD + 1  # one probe, which fails: open again, for longer
    async with new_uow() as uow:
        circuit = await uow.partner_circuits.get_for_update("shop")
    assert circuit.trips == 2
    assert circuit.open_until is not None
    assert circuit.open_until - clock.current > COOLDOWN

    shop.fail_next = 0
    clock.advance(COOLDOWN * 3)
    assert await push(new_uow, exchanges, clock) == 1  # the probe lands: closed again
    clock.advance(timedelta(minutes=30))
    await push(new_uow, exchanges, clock)
    assert len(shop.pushed) == len(shows)


def test_a_breaker_opens_after_the_threshold_and_cools_down_exponentially() -> None:
    circuit = Circuit("shop")
    t = datetime(2030, 1, 1, tzinfo=UTC)
    assert circuit.allowance(t, 20) == 20
    assert [circuit.failed(t) for _ in range(THRESHOLD)] == [False] * (THRESHOLD - 1) + [True]
    assert circuit.allowance(t, 20) == 0
    assert circuit.failed(t) is False  # a failure already in flight does not trip it again
    assert circuit.open_until == t + COOLDOWN
    half = t + COOLDOWN
    assert circuit.state(half) is CircuitState.HALF_OPEN
    assert circuit.allowance(half, 20) == 1
    circuit.sending(half)
    assert circuit.allowance(half, 20) == 0  # the probe is out: no second one
    assert circuit.failed(half) is True
    assert circuit.open_until == half + COOLDOWN * 2
    circuit.succeeded()
    assert circuit.state(half) is CircuitState.CLOSED
    assert (circuit.failures, circuit.trips) == (0, 0)
