"""The composition root: the only place that decides which adapter serves which port."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

import attrs

from core.booking.handlers import BookingNotificationsUnitOfWork
from core.identity.ports import (
    AccessTokens,
    CodeSource,
    IdentityUnitOfWork,
    PasswordHasher,
    PhoneNumbers,
    SmsSender,
)
from core.notifications.ports import Notifier
from core.shared.catalogue import HANDLERS
from core.shared.clock import Clock
from core.shared.events import Handler
from core.shared.outbox import OutboxUnitOfWork
from entrypoints.settings import Settings


class PlatformUnitOfWork(
    IdentityUnitOfWork, BookingNotificationsUnitOfWork, OutboxUnitOfWork, Protocol
):
    """Every repository of every domain; each use case sees only its narrow slice."""


class Database(Protocol):
    """A store the platform runs on: memory, SQLite or PostgreSQL."""

    engine: str

    def new_uow(self) -> PlatformUnitOfWork: ...

    async def migrate(self) -> None: ...

    async def ping(self) -> None:
        """Raise if the database cannot answer."""
        ...

    async def close(self) -> None: ...


class Tasks(Protocol):
    """Runs outbox handlers outside requests: in-process, or Dramatiq workers on Redis."""

    kind: str

    def kick(self) -> None:
        """A commit wrote outbox rows: relay soon. Best effort, never raises."""
        ...

    async def publish(self, message_id: UUID, key: str) -> None: ...

    async def start(self, ctx: Container) -> None: ...

    async def stop(self) -> None: ...

    async def ping(self) -> None: ...


@attrs.frozen
class Container:
    """App-lifetime adapters, and `new_uow()` for one transaction each."""

    settings: Settings
    clock: Clock
    database: Database
    tasks: Tasks
    hasher: PasswordHasher
    phones: PhoneNumbers
    codes: CodeSource
    sms: SmsSender
    tokens: AccessTokens
    notifier: Notifier
    handlers: Mapping[str, Sequence[Handler]] = HANDLERS
    extras: Mapping[str, Any] = attrs.field(factory=dict)

    def new_uow(self) -> PlatformUnitOfWork:
        return self.database.new_uow()

    async def start(self) -> None:
        await self.tasks.start(self)

    async def close(self) -> None:
        await self.tasks.stop()
        await self.database.close()
