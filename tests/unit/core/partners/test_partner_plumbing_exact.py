"""Exact shapes of what leaves for partners, and the plumbing plugins run through."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import attrs
import pytest
from tests.unit.support import BookHelper, HandlerContext, NewUow, RegisterAccount, Relay

from adapters.memory import MemoryNotifier, SteppingClock
from adapters.memory.exchange import MemoryExchange
from core.booking.model import Event, EventDetails, EventStatus, Visibility
from core.identity.model import Account, AccountId
from core.notifications.model import Message
from core.partners import jsonld
from core.partners.activation import switch_plugin
from core.partners.api import PluginContext, PluginError
from core.partners.availability import AvailabilitySnapshot, snapshot_of
from core.partners.circuit import MAX_ATTEMPTS, NEVER, Circuit, CircuitState, Delivery
from core.partners.commands import SwitchPlugin
from core.partners.pushes import push_due
from core.partners.registry import Candidate, PluginRegistry
from core.partners.runtime import PlatformRuntime
from core.shared.catalogue import EVENT_TYPES, HANDLERS
from core.shared.events import merge_handlers
from core.shared.ids import uuid7
from core.shared.money import Money
from core.shared.outbox import handler_key

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
EVENT_ID, HOST = UUID(int=7), AccountId(UUID(int=9))


def live_event(**changes: object) -> Event:
    details = EventDetails(
        "Quartet", "Strings", T0 + timedelta(days=3), T0 + timedelta(days=3, hours=2),
        "Moscow", "Hall 1", "Europe/Moscow",
    )  # fmt: skip
    fields: dict[str, object] = {
        "id": EVENT_ID,
        "host_id": HOST,
        "details": details,
        "capacity": 100,
        "visibility": Visibility.PUBLIC,
        "created_at": T0,
        "updated_at": T0,
        "price": Money(150_000, "RUB"),
        "booked": 40,
        **changes,
    }
    return Event(**fields)  # type: ignore[arg-type]


def test_a_snapshot_copies_the_event_as_it_stands() -> None:
    assert snapshot_of(live_event(), T0) == AvailabilitySnapshot(
        event_id=EVENT_ID,
        organiser_id=HOST,
        title="Quartet",
        description="Strings",
        starts_at=T0 + timedelta(days=3),
        ends_at=T0 + timedelta(days=3, hours=2),
        time_zone="Europe/Moscow",
        city="Moscow",
        address="Hall 1",
        capacity=100,
        seats_left=60,
        price=Money(150_000, "RUB"),
        cancelled=False,
        public=True,
        taken_at=T0,
    )


def test_sold_out_cancelled_and_private_snapshots() -> None:
    assert snapshot_of(live_event(booked=100), T0).seats_left == 0
    cancelled = snapshot_of(live_event(status=EventStatus.CANCELLED, booked=0), T0)
    assert (cancelled.seats_left, cancelled.cancelled) == (0, True)
    assert snapshot_of(live_event(visibility=Visibility.PRIVATE), T0).public is False


def test_an_event_document_in_full() -> None:
    url = f"https://sd.test/events/{EVENT_ID}"
    assert jsonld.document(snapshot_of(live_event(), T0), "https://sd.test/") == {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": url,
        "identifier": str(EVENT_ID),
        "name": "Quartet",
        "description": "Strings",
        "startDate": "2030-01-04T15:00:00+03:00",
        "endDate": "2030-01-04T17:00:00+03:00",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": {
            "@type": "Place",
            "name": "Hall 1",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": "Hall 1",
                "addressLocality": "Moscow",
            },
        },
        "organizer": {"@type": "Organization", "identifier": str(HOST)},
        "maximumAttendeeCapacity": 100,
        "remainingAttendeeCapacity": 60,
        "offers": {
            "@type": "Offer",
            "url": url,
            "availability": "https://schema.org/InStock",
            "inventoryLevel": {"@type": "QuantitativeValue", "value": 60},
            "price": "1500.00",
            "priceCurrency": "RUB",
        },
    }


def test_a_place_without_an_address_is_named_after_its_city() -> None:
    snapshot = attrs.evolve(snapshot_of(live_event(), T0), address="")
    assert jsonld.event(snapshot, "https://sd.test")["location"]["name"] == "Moscow"


def test_a_list_in_full() -> None:
    snapshot = snapshot_of(live_event(), T0)
    assert jsonld.item_list([snapshot], "https://sd.test") == {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "numberOfItems": 1,
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "item": jsonld.event(snapshot, "https://sd.test")}
        ],
    }


@pytest.mark.parametrize(("amount", "text"), [(0, "0.00"), (-1, "-0.01"), (1, "0.01")])
def test_prices_around_zero(amount: int, text: str) -> None:
    assert jsonld.decimal_price(Money(amount, "EUR")) == text


# --- the registry ------------------------------------------------------------------------------


@attrs.frozen
class Plugin:
    name: str
    setup_with: object = None
    version: str = "3.1"
    requires_api: str = "==1.0"

    def setup(self, ctx: PluginContext) -> None:
        if callable(self.setup_with):
            self.setup_with(ctx)


def load(*candidates: Candidate, allowed: tuple[str, ...]) -> PluginRegistry:
    return PluginRegistry.load(
        candidates, allowed=allowed, settings={}, public_url="https://sd.test",
        event_types=EVENT_TYPES,
    )  # fmt: skip


def test_a_missing_plugin_does_not_stop_the_next_from_loading() -> None:
    good = Plugin("good")
    registry = load(("good", lambda: good), allowed=("ghost", "good"))
    assert list(registry.loaded) == ["good"]
    loaded = registry.loaded["good"]
    assert (loaded.name, loaded.version, loaded.requires_api) == ("good", "3.1", "==1.0")
    (missing,) = registry.failures
    assert missing.error == "allowed in STAGEDOOR_PLUGINS, not installed"


def test_refusals_at_load_name_the_rule() -> None:
    exchange = MemoryExchange()

    def one_exchange(ctx: PluginContext) -> None:
        ctx.set_availability_exchange(exchange)

    def provider(ctx: PluginContext) -> None:
        from adapters.memory.provider import MemoryPaymentProvider

        ctx.add_payment_provider(attrs.evolve(MemoryPaymentProvider(), name="sandbox"))

    registry = PluginRegistry.load(
        [
            ("shop", lambda: Plugin("shop", one_exchange)),
            ("Bad", lambda: Plugin("Bad")),
            ("pay", lambda: Plugin("pay", provider)),
            ("old", lambda: attrs.evolve(Plugin("old"), requires_api="")),
        ],
        allowed=("shop", "Bad", "pay", "old"),
        settings={},
        public_url="https://sd.test",
        event_types=EVENT_TYPES,
        taken_providers=("sandbox",),
    )
    assert registry.exchanges() == {"shop": exchange}
    assert [f.error for f in registry.failures] == [
        "PluginError: plugin names are lowercase letters, digits and inner hyphens",
        "PluginError: a payment provider named 'sandbox' exists already",
        "PluginError: requires_api is empty; say e.g. '>=1.0,<2'",
    ]


def test_setup_cannot_touch_run_time_services() -> None:
    seen: list[str] = []

    def early(ctx: PluginContext) -> None:
        for touch in (lambda: ctx.platform, lambda: ctx.clock):
            try:
                touch()
            except PluginError as exc:
                seen.append(str(exc))

    load(("early", lambda: Plugin("early", early)), allowed=("early",))
    assert seen == ["the platform is not running yet; use this in handlers, not setup"] * 2


@attrs.define
class Channel:
    sent: list[Message] = attrs.field(factory=list)
    fail: bool = False

    async def send(self, message: Message) -> None:
        if self.fail:
            raise ConnectionError("chat unreachable")
        self.sent.append(message)


async def test_notifier_channels_get_every_message_as_jobs_of_their_own(
    organiser: Account,
    show: Event,
    book: BookHelper,
    register_account: RegisterAccount,
    ctx: HandlerContext,
    runtime: PlatformRuntime,
    new_uow: NewUow,
    notifier: MemoryNotifier,
) -> None:
    good, bad = Channel(), Channel(fail=True)

    def setup(plugin_ctx: PluginContext) -> None:
        plugin_ctx.add_notifier(good)
        plugin_ctx.add_notifier(bad)

    registry = load(("chat", lambda: Plugin("chat", setup)), allowed=("chat",))
    registry.bind(runtime)
    handlers = merge_handlers(HANDLERS, registry.handlers())
    keys = [handler_key(h) for h in handlers["notification.requested"]]
    assert keys == [
        "core.notifications.handlers:deliver",
        f"plugin:chat:notifier:0:{Channel.__module__}:Channel",
        f"plugin:chat:notifier:1:{Channel.__module__}:Channel",
    ]
    relay = Relay(ctx=ctx, handlers=handlers)
    guest = await register_account(full_name="Gleb")
    await book(show, guest)
    await relay.relay()
    confirmations, relay.queued = relay.queued, []
    await relay.run(confirmations)
    await relay.relay()
    for job in relay.queued:
        if job[1].endswith(":1:" + f"{Channel.__module__}:Channel"):
            with pytest.raises(ConnectionError):
                await relay.run([job])
        else:
            await relay.run([job])

    assert [m.subject for m in notifier.sent] == ["Booked: Quartet"]
    assert good.sent == notifier.sent  # the same message, to the same person
    assert good.sent[0].recipient_id == guest.id
    async with new_uow() as uow:
        (problem,) = await uow.plugin_problems.all()
    assert (problem.plugin, problem.kind, problem.last_error) == (
        "chat",
        "notifier",
        "ConnectionError: chat unreachable",
    )


# --- pushes and the breaker ---------------------------------------------------------------------


async def test_pushes_carry_their_delivery_and_skip_private_events(
    organiser: Account,
    show: Event,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    await switch_plugin(
        SwitchPlugin(organiser.id, "a", True), installed={"a", "b"}, uow=new_uow(), clock=clock
    )
    a, b = MemoryExchange(), MemoryExchange()
    now = clock.now()
    async with new_uow() as uow:
        for name in ("a", "b"):
            await uow.partner_deliveries.owe(
                Delivery(uuid7(now), name, show.id, organiser.id, now, now)
            )
        await uow.commit()

    sent_at = clock.current
    assert await push_due(new_uow=new_uow, exchanges={"a": a, "b": b}, clock=clock) == 2
    (update,) = a.pushed
    async with new_uow() as uow:
        owed = [
            d for d in uow.partner_deliveries.tx.rows("partner_deliveries") if d.exchange == "a"
        ]
    assert update.delivery_id == owed[0].id
    assert update.sent_at > sent_at
    assert update.snapshot.taken_at > sent_at
    async with new_uow() as uow:
        event = await uow.events.get(show.id)
        event.visibility = Visibility.PRIVATE
        await uow.events.save(event)
        await uow.partner_deliveries.owe(Delivery(uuid7(now), "a", show.id, organiser.id, now, now))
        await uow.commit()
    assert await push_due(new_uow=new_uow, exchanges={"a": a}, clock=clock) == 1  # done, unsent
    assert len(a.pushed) == 1


async def test_a_failed_push_is_recorded_at_the_time_it_failed(
    organiser: Account, show: Event, new_uow: NewUow, clock: SteppingClock
) -> None:
    shop = MemoryExchange(fail_next=1)
    now = clock.now()
    async with new_uow() as uow:
        await uow.partner_deliveries.owe(
            Delivery(uuid7(now), "shop", show.id, organiser.id, now, now)
        )
        await uow.commit()
    assert await push_due(new_uow=new_uow, exchanges={"shop": shop}, clock=clock) == 0
    async with new_uow() as uow:
        (problem,) = await uow.plugin_problems.all()
        circuit = await uow.partner_circuits.get_for_update("shop")
    assert problem.last_at > now
    assert (problem.kind, problem.count) == ("exchange", 1)
    assert (circuit.failures, circuit.state(clock.current)) == (1, CircuitState.CLOSED)


def test_a_delivery_gives_up_after_its_last_attempt() -> None:
    delivery = Delivery(UUID(int=1), "shop", EVENT_ID, HOST, T0, T0)
    outcomes = [delivery.failed(T0, "x" * 600) for _ in range(MAX_ATTEMPTS)]
    assert outcomes == [False] * (MAX_ATTEMPTS - 1) + [True]
    assert delivery.next_attempt_at == NEVER
    assert delivery.last_error == "x" * 500
    assert delivery.attempts == MAX_ATTEMPTS


def test_waits_grow_to_an_hour_at_most() -> None:
    delivery = Delivery(UUID(int=1), "shop", EVENT_ID, HOST, T0, T0)
    waits = []
    for _ in range(14):
        delivery.failed(T0, "503")
        waits.append(int((delivery.next_attempt_at - T0).total_seconds()))
    assert waits[:4] == [2, 4, 8, 16]
    assert waits[-2:] == [3600, 3600]


def test_a_success_resets_the_breaker_completely() -> None:
    circuit = Circuit("shop", failures=7, trips=3, open_until=T0, probing=True)
    circuit.succeeded()
    assert circuit == Circuit("shop")
    tripped = Circuit("shop", failures=4, probing=True, open_until=T0)
    assert tripped.failed(T0) is True
    assert tripped.probing is False
