"""Fixtures of the subscription tests."""

from __future__ import annotations

import pytest
from tests.unit.core.subscriptions.support import World
from tests.unit.support import HandlerContext, NewUow, Relay

from adapters.memory import MemoryNotifier, SteppingClock
from adapters.memory.provider import MemoryPaymentProvider


@pytest.fixture
def world(
    new_uow: NewUow,
    clock: SteppingClock,
    provider: MemoryPaymentProvider,
    relay: Relay,
    notifier: MemoryNotifier,
    ctx: HandlerContext,
) -> World:
    return World(new_uow, clock, provider, relay, notifier)
