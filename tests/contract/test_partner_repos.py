"""The partner repositories behave alike on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.contract.support import Make, NewUow, unique_tag

from adapters.memory import FixedClock, SteppingClock
from adapters.memory.exchange import MemoryExchange
from core.booking.model import Visibility
from core.partners import services
from core.partners.circuit import Circuit, Delivery
from core.partners.commands import IssueKey, PlaceHold
from core.partners.model import HoldStatus, KeyScope, PartnerHold, PluginActivation
from core.partners.pushes import push_due
from core.shared.errors import Conflict, NotFound
from core.shared.ids import uuid7
from core.shared.money import Money
from core.shared.paging import PageRequest


async def test_keys_round_trip_and_are_found_by_hash_only(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    organiser = await make.account()
    key, secret = await services.issue_key(
        IssueKey(organiser.id, "Kassir", frozenset({KeyScope.HOLDS_WRITE})),
        uow=new_uow(),
        clock=clock,
    )
    async with new_uow() as uow:
        stored = await uow.partner_keys.get(key.id)
        by_hash = await uow.partner_keys.find_by_hash(key.key_hash)
        by_secret = await uow.partner_keys.find_by_hash(secret)
    assert stored == key
    assert by_hash == key
    assert by_secret is None
    with pytest.raises(NotFound):
        async with new_uow() as uow:
            await uow.partner_keys.get(uuid7(clock.now()))


async def test_a_revocation_is_stored_and_lists_are_newest_first(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    organiser = await make.account()
    first, _ = await services.issue_key(
        IssueKey(organiser.id, "One", frozenset(KeyScope)), uow=new_uow(), clock=clock
    )
    second, _ = await services.issue_key(
        IssueKey(organiser.id, "Two", frozenset(KeyScope)), uow=new_uow(), clock=clock
    )
    async with new_uow() as uow:
        key = await uow.partner_keys.get(first.id)
        key.revoke(organiser.id, clock.now())
        await uow.partner_keys.save(key)
        await uow.commit()
    async with new_uow() as uow:
        listed = await uow.partner_keys.list_for(organiser.id)
    assert [k.id for k in listed] == [second.id, first.id]
    assert listed[1].revoked_at is not None
    assert listed[0].revoked_at is None


async def test_holds_round_trip_and_their_reference_is_unique_per_key(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    organiser = await make.account()
    event = await make.event(organiser, capacity=8, price=Money(50_000, "EUR"))
    key = await make.partner_key(organiser)
    hold, _ = await services.place_hold(
        PlaceHold(key.id, event.id, 3, "order-7", timedelta(minutes=5)), uow=new_uow(), clock=clock
    )
    async with new_uow() as uow:
        stored = await uow.partner_holds.get(hold.id)
        found = await uow.partner_holds.find(key.id, "order-7")
        missing = await uow.partner_holds.find(key.id, "order-8")
        live = await uow.events.get(event.id)
    assert stored == hold
    assert found == hold
    assert missing is None
    assert stored.amount == Money(150_000, "EUR")
    assert live.booked == 3

    async with new_uow() as uow:
        event_now = await uow.events.get(event.id)
        twin = PartnerHold.place(key, event_now, 1, "order-7", timedelta(minutes=5), clock.now())
        with pytest.raises(Conflict, match="already holds seats under this reference"):
            await uow.partner_holds.add(twin)


async def test_holds_due_to_expire_are_the_held_ones_past_their_time(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    organiser = await make.account()
    event = await make.event(organiser, capacity=8)
    key = await make.partner_key(organiser)

    async def hold(reference: str, minutes: int) -> PartnerHold:
        made, _ = await services.place_hold(
            PlaceHold(key.id, event.id, 1, reference, timedelta(minutes=minutes)),
            uow=new_uow(),
            clock=clock,
        )
        return made

    short = await hold("short", 1)
    await hold("long", 20)
    confirmed = await hold("confirmed", 1)
    await services.confirm_hold(key.id, confirmed.id, uow=new_uow(), clock=clock)

    async with new_uow() as uow:
        due = await uow.partner_holds.due_to_expire(make.later(minutes=2), 10)
    assert short.id in due
    assert confirmed.id not in due

    later = FixedClock(make.later(minutes=2))
    assert await services.expire_holds(uow=new_uow(), clock=later) >= 1
    async with new_uow() as uow:
        assert (await uow.partner_holds.get(short.id)).status is HoldStatus.EXPIRED
        assert (await uow.events.get(event.id)).booked == 2


async def test_activations_are_switches_per_organiser_and_plugin(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    one, two = await make.account(), await make.account()
    plugin = f"p-{unique_tag()}"
    async with new_uow() as uow:
        await uow.plugin_activations.put(PluginActivation(one.id, plugin, True, clock.now()))
        await uow.plugin_activations.put(PluginActivation(one.id, "other", True, clock.now()))
        await uow.plugin_activations.put(PluginActivation(two.id, plugin, True, clock.now()))
        await uow.commit()
    async with new_uow() as uow:
        await uow.plugin_activations.put(PluginActivation(two.id, plugin, False, clock.now()))
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.plugin_activations.active(one.id) == {plugin, "other"}
        assert await uow.plugin_activations.active(two.id) == frozenset()


async def test_plugin_data_is_namespaced_and_taken_once(
    new_uow: NewUow, clock: SteppingClock
) -> None:
    plugin, other = f"p-{unique_tag()}", f"q-{unique_tag()}"
    async with new_uow() as uow:
        for key in ("watch:1", "watch:3", "watch:2", "watch%:x", "chat:1"):
            await uow.plugin_data.put(plugin, key, f"v-{key}", clock.now())
        await uow.plugin_data.put(other, "watch:1", "theirs", clock.now())
        await uow.plugin_data.put(plugin, "watch:3", "replaced", clock.now())
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.plugin_data.take(plugin, "watch:2") == "v-watch:2"
        assert await uow.plugin_data.take(plugin, "watch:2") is None
        assert await uow.plugin_data.delete(plugin, "chat:1") is True
        assert await uow.plugin_data.delete(plugin, "chat:1") is False
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.plugin_data.get(plugin, "watch:3") == "replaced"
        assert await uow.plugin_data.get(other, "watch:1") == "theirs"
        assert await uow.plugin_data.items(plugin, "watch:", 10) == [
            ("watch:1", "v-watch:1"),
            ("watch:3", "replaced"),
        ]
        assert await uow.plugin_data.items(plugin, "watch", 1) == [("watch%:x", "v-watch%:x")]
        assert await uow.plugin_data.items(plugin, "", 10) == [
            ("watch%:x", "v-watch%:x"),
            ("watch:1", "v-watch:1"),
            ("watch:3", "replaced"),
        ]


async def test_a_delivery_is_owed_once_per_exchange_and_event_and_settles_by_revision(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    organiser = await make.account()
    event = await make.event(organiser)
    exchange = f"x-{unique_tag()}"

    def owed() -> Delivery:
        now = clock.now()
        return Delivery(uuid7(now), exchange, event.id, organiser.id, now, now)

    async with new_uow() as uow:
        await uow.partner_deliveries.owe(owed())
        await uow.partner_deliveries.owe(owed())
        await uow.commit()
    now = clock.now()
    async with new_uow() as uow:
        (leased,) = await uow.partner_deliveries.lease_due(
            exchange, now, now + timedelta(minutes=1), 10
        )
        assert await uow.partner_deliveries.lease_due(exchange, now, now, 10) == []  # leased away
        await uow.commit()
    assert leased.revision == 2

    async with new_uow() as uow:  # a change while the push is out
        await uow.partner_deliveries.owe(owed())
        await uow.commit()
    leased.sent(now)
    async with new_uow() as uow:
        await uow.partner_deliveries.settle(leased)
        await uow.commit()
    async with new_uow() as uow:
        again = await uow.partner_deliveries.get(leased.id)
    assert (again.delivered_at, again.revision, again.next_attempt_at) == (None, 3, now)

    again.sent(clock.now())
    async with new_uow() as uow:
        await uow.partner_deliveries.settle(again)
        await uow.commit()
    async with new_uow() as uow:
        done = await uow.partner_deliveries.get(leased.id)
        await uow.partner_deliveries.owe(owed())  # a new change: a new row owed
        await uow.commit()
    assert done.delivered_at is not None
    async with new_uow() as uow:
        later = clock.now()
        fresh = await uow.partner_deliveries.lease_due(exchange, later, later, 10)
    assert [d.revision for d in fresh] == [1]
    assert fresh[0].id != leased.id


async def test_a_failed_attempt_is_stored(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    organiser = await make.account()
    event = await make.event(organiser)
    exchange = f"x-{unique_tag()}"
    now = clock.now()
    async with new_uow() as uow:
        await uow.partner_deliveries.owe(
            Delivery(uuid7(now), exchange, event.id, organiser.id, now, now)
        )
        await uow.commit()
    async with new_uow() as uow:
        (leased,) = await uow.partner_deliveries.lease_due(exchange, now, now, 10)
    leased.failed(now, "HTTP 503")
    async with new_uow() as uow:
        await uow.partner_deliveries.settle(leased)
        await uow.commit()
    async with new_uow() as uow:
        stored = await uow.partner_deliveries.get(leased.id)
    assert (stored.attempts, stored.last_error, stored.delivered_at) == (1, "HTTP 503", None)
    assert stored.next_attempt_at == now + timedelta(seconds=2)


async def test_circuits_start_closed_and_keep_what_they_learn(
    new_uow: NewUow, clock: SteppingClock
) -> None:
    exchange = f"x-{unique_tag()}"
    async with new_uow() as uow:
        fresh = await uow.partner_circuits.get_for_update(exchange)
        assert fresh == Circuit(exchange)
        fresh.failures, fresh.trips, fresh.probing = 5, 1, True
        fresh.open_until = clock.now()
        await uow.partner_circuits.save(fresh)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.partner_circuits.get_for_update(exchange) == fresh


async def test_problems_count_per_plugin_and_kind(new_uow: NewUow, clock: SteppingClock) -> None:
    plugin = f"p-{unique_tag()}"
    async with new_uow() as uow:
        await uow.plugin_problems.record(plugin, "handler", "first", clock.now())
        await uow.plugin_problems.record(plugin, "handler", "second", clock.now())
        await uow.plugin_problems.record(plugin, "route", "boom", clock.now())
        await uow.commit()
    async with new_uow() as uow:
        mine = [p for p in await uow.plugin_problems.all() if p.plugin == plugin]
    assert [(p.kind, p.count, p.last_error) for p in mine] == [
        ("handler", 2, "second"),
        ("route", 1, "boom"),
    ]


async def test_an_organisers_listed_events_are_public_upcoming_and_paged(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    organiser = await make.account()
    late = await make.event(organiser, starts_at=make.later(days=30))
    early = await make.event(organiser, starts_at=make.later(days=3))
    await make.event(organiser, visibility=Visibility.PRIVATE)
    await make.event(await make.account())
    async with new_uow() as uow:
        first = await uow.organiser_events.listed(organiser.id, clock.now(), PageRequest(limit=1))
        second = await uow.organiser_events.listed(
            organiser.id, clock.now(), PageRequest(first.next_cursor, 1)
        )
        none = await uow.organiser_events.listed(
            organiser.id, make.later(days=31), PageRequest(limit=5)
        )
    assert [e.id for e in first.items] == [early.id]
    assert [e.id for e in second.items] == [late.id]
    assert second.next_cursor is None
    assert none.items == []
    assert second.items[0] == late


async def test_the_push_job_works_on_every_backend(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    organiser = await make.account()
    event = await make.event(organiser, capacity=4)
    await make.booking(event, await make.account(), 3)
    exchange = f"x-{unique_tag()}"
    shop = MemoryExchange()
    now = clock.now()
    async with new_uow() as uow:
        await uow.partner_deliveries.owe(
            Delivery(uuid7(now), exchange, event.id, organiser.id, now, now)
        )
        await uow.commit()

    assert await push_due(new_uow=new_uow, exchanges={exchange: shop}, clock=clock) == 1
    assert await push_due(new_uow=new_uow, exchanges={exchange: shop}, clock=clock) == 0
    (update,) = shop.pushed
    assert (update.snapshot.event_id, update.snapshot.seats_left) == (event.id, 1)
