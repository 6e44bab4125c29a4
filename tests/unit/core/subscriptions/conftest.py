"""Fixtures of the subscription tests."""

from __future__ import annotations

import attrs
import pytest
from tests.unit.core.subscriptions.support import World
from tests.unit.support import HandlerContext, NewUow, Relay

from adapters.live import MemoryLive
from adapters.memory import MemoryNotifier, SteppingClock
from adapters.memory.provider import MemoryPaymentProvider
from core.shared.catalogue import HANDLERS


@attrs.define
class PlatformContext(HandlerContext):
    """Every handler's context, the live dashboards' channel included (billing follows the
    participant list, whose changes also wake the dashboards)."""

    live: MemoryLive = attrs.field(factory=MemoryLive)


@pytest.fixture
def world(
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    notifier: MemoryNotifier,
    ctx: HandlerContext,
) -> World:
    provider.clock = clock
    context = PlatformContext(ctx.clock, ctx.notifier, ctx.store, ctx.payment_providers)
    return World(new_uow, clock, provider, Relay(ctx=context, handlers=HANDLERS), notifier)
