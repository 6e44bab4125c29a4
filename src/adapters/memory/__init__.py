"""Reference in-memory adapters for every port.

Used by the unit tests, by the shared contract suite (which proves SQLite and PostgreSQL
behave the same), by library users who want no database, and by plugin authors' tests.
"""

from adapters.memory.clock import FixedClock, SteppingClock
from adapters.memory.notify import MemoryNotifier
from adapters.memory.security import (
    FastPasswordHasher,
    FixedCodes,
    MemoryAccessTokens,
    MemorySmsSender,
    SimplePhoneNumbers,
)
from adapters.memory.store import MemoryStore, MemoryUnitOfWork

__all__ = [
    "FastPasswordHasher",
    "FixedClock",
    "FixedCodes",
    "MemoryAccessTokens",
    "MemoryNotifier",
    "MemorySmsSender",
    "MemoryStore",
    "MemoryUnitOfWork",
    "SimplePhoneNumbers",
    "SteppingClock",
]
