"""Plugins in the scaled-out mode: their hooks are Dramatiq messages of their own, relayed
from the outbox on real Redis and PostgreSQL, retried without touching the core's handlers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import attrs
import pytest
from tests.integration.workers import (
    OutboxTable,
    eventually,
    running_worker,
    settled,
    web_platform,
)

from adapters.memory import MemoryNotifier
from core.booking.commands import BookSeats, PublishEvent
from core.booking.events import BookingConfirmed
from core.booking.model import EventDetails
from core.booking.services import book_seats, publish_event
from core.identity.commands import Register
from core.identity.services import register
from core.partners import PluginContext
from core.partners.activation import switch_plugin
from core.partners.commands import SwitchPlugin
from core.partners.registry import PluginRegistry
from core.shared.events import DomainEvent
from entrypoints.container import Container
from entrypoints.plugins import load_plugins
from entrypoints.settings import Settings

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@attrs.define
class Flaky:
    """A plugin whose hook fails twice, then works; it counts its calls across threads."""

    fail_first: int = 2
    calls: int = 0
    seen: list[UUID] = attrs.field(factory=list)
    lock: threading.Lock = attrs.field(factory=threading.Lock)
    name: str = "flaky"
    version: str = "1.0"
    requires_api: str = ">=1.0,<2"

    def setup(self, ctx: PluginContext) -> None:
        ctx.subscribe(BookingConfirmed, self.on_booking)

    async def on_booking(self, event: DomainEvent, organiser: UUID) -> None:
        with self.lock:
            self.calls += 1
            if self.calls <= self.fail_first:
                raise RuntimeError(f"partner down (call {self.calls})")
            self.seen.append(organiser)


class Broken:
    name, version, requires_api = "broken", "0.1", ">=1.0"

    def setup(self, ctx: PluginContext) -> None:
        raise RuntimeError("cannot start")


def loader(flaky: Flaky) -> Callable[[], PluginRegistry]:
    settings = Settings(plugins=("flaky", "broken"))
    return lambda: load_plugins(settings, [("flaky", lambda: flaky), ("broken", Broken)])


async def book_one(web: Container) -> UUID:
    deps = {"hasher": web.hasher, "phones": web.phones, "clock": web.clock}
    host = await register(
        Register("Hanna", "h@example.org", "s3cret-pass"), uow=web.new_uow(), **deps
    )
    guest = await register(
        Register("Gleb", "g@example.org", "s3cret-pass"), uow=web.new_uow(), **deps
    )
    await switch_plugin(
        SwitchPlugin(host.id, "flaky", True),
        installed={"flaky"},
        uow=web.new_uow(),
        clock=web.clock,
    )
    starts = web.clock.now() + timedelta(days=30)
    details = EventDetails("Gig", "", starts, starts + timedelta(hours=2), "Moscow", "")
    event = await publish_event(
        PublishEvent(host.id, details, capacity=5), uow=web.new_uow(), clock=web.clock
    )
    await book_seats(BookSeats(event.id, guest.id, 1), uow=web.new_uow(), clock=web.clock)
    return host.id


async def test_a_plugin_hook_is_a_worker_message_of_its_own_retried_until_it_works(
    tmp_path: Path, namespace: str
) -> None:
    flaky, notifier = Flaky(), MemoryNotifier()
    plugins = loader(flaky)
    async with web_platform("postgres", tmp_path, namespace, plugins=plugins()) as (url, web):
        outbox = OutboxTable(url)
        async with running_worker(url, tmp_path, namespace, notifier, plugins=plugins) as (
            _,
            tally,
        ):
            host = await book_one(web)

            async def done() -> bool:
                return bool(flaky.seen) and await settled(outbox, tally)

            await eventually(done)

        assert flaky.calls == 3  # failed twice, retried by Dramatiq, then worked
        assert flaky.seen == [host]
        assert [m.subject for m in notifier.sent] == ["Booked: Gig"]  # the core's, once
        assert tally.gave_up == 0
        async with web.new_uow() as uow:
            problems = await uow.plugin_problems.all()
        assert [(p.plugin, p.kind, p.count) for p in problems] == [("flaky", "handler", 2)]
        assert [f.name for f in web.plugins.failures] == ["broken"]
