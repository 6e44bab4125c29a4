"""Availability pushed to partners: owed when seats move, sent by a periodic job.

`owe_availability` (an outbox handler of `availability.changed`) writes one owed delivery per
partner the organiser switched on; `push_due` (a job every worker runs on each sweep) sends
what is due, outside any transaction, reading the event's state at that moment, and retries
failures with growing waits behind each partner's circuit breaker (see `circuit`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from core.booking.events import AvailabilityChanged
from core.booking.model import EventId, Visibility
from core.identity.model import AccountId
from core.partners.api import AvailabilityExchange, AvailabilityUpdate
from core.partners.availability import snapshot_of
from core.partners.circuit import CircuitState, Delivery
from core.partners.ports import PartnersUnitOfWork
from core.shared.clock import Clock
from core.shared.errors import NotFound
from core.shared.ids import uuid7

LEASE = timedelta(seconds=60)
"""How long a worker keeps leased deliveries to itself while it pushes them."""
BATCH = 20


class PushContext(Protocol):
    @property
    def clock(self) -> Clock: ...

    @property
    def partner_exchanges(self) -> Mapping[str, AvailabilityExchange]: ...

    def new_uow(self) -> PartnersUnitOfWork: ...


async def owe_availability(event: AvailabilityChanged, ctx: PushContext) -> None:
    """Seats moved: every partner the organiser switched on is owed the event's new state."""
    exchanges = ctx.partner_exchanges
    if not exchanges:
        return
    now = ctx.clock.now()
    uow = ctx.new_uow()
    async with uow:
        active = await uow.plugin_activations.active(AccountId(event.host_id))
        for name in sorted(set(exchanges) & active):
            await uow.partner_deliveries.owe(
                Delivery(
                    id=uuid7(now),
                    exchange=name,
                    event_id=event.live_event_id,
                    organiser_id=event.host_id,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
        await uow.commit()


NewUow = Callable[[], PartnersUnitOfWork]


async def push_due(
    *,
    new_uow: NewUow,
    exchanges: Mapping[str, AvailabilityExchange],
    clock: Clock,
    batch: int = BATCH,
) -> int:
    """Send the deliveries that are due to every partner whose breaker lets them through;
    returns how many were delivered."""
    delivered = 0
    for name in sorted(exchanges):
        delivered += await _push_to(name, exchanges[name], new_uow, clock, batch)
    return delivered


async def _push_to(
    name: str, exchange: AvailabilityExchange, new_uow: NewUow, clock: Clock, batch: int
) -> int:
    now = clock.now()
    uow = new_uow()
    async with uow:
        circuit = await uow.partner_circuits.get_for_update(name)
        allowance = circuit.allowance(now, batch)
        if not allowance:
            return 0
        due = await uow.partner_deliveries.lease_due(name, now, now + LEASE, allowance)
        if due:
            circuit.sending(now)
            await uow.partner_circuits.save(circuit)
        await uow.commit()
    delivered = 0
    for n, delivery in enumerate(due):
        ok, open_until = await _attempt(name, exchange, delivery, new_uow, clock)
        delivered += ok
        if open_until is not None:  # the breaker opened: the rest wait for it, uncounted
            await _postpone(due[n + 1 :], open_until, new_uow)
            break
    return delivered


async def _attempt(
    name: str, exchange: AvailabilityExchange, delivery: Delivery, new_uow: NewUow, clock: Clock
) -> tuple[bool, datetime | None]:
    """Push one delivery and record the outcome; (delivered, the breaker's open_until if it
    is open now)."""
    uow = new_uow()
    async with uow:
        try:
            event = await uow.events.get(EventId(delivery.event_id))
        except NotFound:
            event = None
    error = None
    if event is not None and event.visibility is Visibility.PUBLIC:
        update = AvailabilityUpdate(
            snapshot_of(event, clock.now()), delivery.id, delivery.revision, clock.now()
        )
        try:
            await exchange.push(update)
        except Exception as exc:  # a partner's failure is recorded and retried, never raised
            error = f"{type(exc).__name__}: {exc}"
    now = clock.now()
    async with uow:
        circuit = await uow.partner_circuits.get_for_update(name)
        if error is None:
            circuit.succeeded()
            delivery.sent(now)
            await uow.partner_deliveries.settle(delivery)
        else:
            delivery.failed(now, error)
            if circuit.failed(now) and circuit.open_until is not None:
                delivery.postponed(circuit.open_until)
            await uow.partner_deliveries.settle(delivery)
            await uow.plugin_problems.record(name, "exchange", error, now)
        await uow.partner_circuits.save(circuit)
        await uow.commit()
    opened = circuit.state(now) is CircuitState.OPEN
    return error is None, circuit.open_until if opened else None


async def _postpone(deliveries: list[Delivery], until: datetime, new_uow: NewUow) -> None:
    if not deliveries:
        return
    uow = new_uow()
    async with uow:
        for delivery in deliveries:
            delivery.postponed(until)
            await uow.partner_deliveries.settle(delivery)
        await uow.commit()
