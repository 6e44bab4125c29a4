"""The in-memory store dressed as a Database, for library users and fast tests."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from adapters.memory.store import MemoryStore, MemoryUnitOfWork


@attrs.define
class MemoryDatabase:
    store: MemoryStore = attrs.field(factory=MemoryStore)
    engine: str = "memory"

    @classmethod
    def open(cls, *, after_commit: Callable[[], None] | None = None) -> MemoryDatabase:
        return cls(MemoryStore(after_commit=after_commit))

    def new_uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    async def migrate(self) -> None:
        return None

    async def reseal_barcodes(self, limit: int = 200) -> int:
        """Memory keeps barcodes as they are: there is nothing to seal."""
        return 0

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
