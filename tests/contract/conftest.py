"""The repository contract: every test runs over memory, SQLite and PostgreSQL alike.

Each backend opens one migrated database per test module (PostgreSQL is not re-created per
test); tests keep out of each other's way by making their own data, never by wiping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import cast

import pytest
from tests.contract.support import Make, NewUow
from tests.databases import DATABASES

from adapters.memory import SteppingClock
from entrypoints.container import Database


@pytest.fixture(scope="module", params=sorted(DATABASES))
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """One open, migrated database per backend for the whole module."""
    backend: str = request.param
    opener = cast(Callable[[Path], AbstractAsyncContextManager[Database]], DATABASES[backend])
    async with opener(tmp_path_factory.mktemp(backend)) as opened:
        yield opened


@pytest.fixture(scope="module")
def clock() -> SteppingClock:
    """Distinct, ordered instants (1 ms apart) that keep moving forward across a module."""
    return SteppingClock()


@pytest.fixture
def new_uow(database: Database) -> NewUow:
    """Make a fresh unit of work over the backend under test."""
    return database.new_uow


@pytest.fixture
def make(new_uow: NewUow, clock: SteppingClock) -> Make:
    """Accounts, events and bookings made through the core's services on this backend."""
    return Make(new_uow=new_uow, clock=clock)
