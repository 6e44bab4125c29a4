"""Waiting in line inside the web process: first come, first served.

Two queues sit in front of PostgreSQL: one for a pooled connection (`FairSlots`, sized
like the pool) and one per hot row (`HotRowGate`). Both hand a freed place straight to
the oldest waiter. asyncio's own `Queue`, which asyncpg's pool waits on, does not: a
waiter it wakes may find the connection already taken by a request that asked after it,
and then goes to the back of the line again (tests/integration/test_fair_pool.py shows
the pool alone serving units of work out of order). Under load that unfairness is the
long tail: 50 buyers on a 12-connection pool, medians of four benchmark runs, had a p99
of 154-156 ms without this line and 80-100 ms with it (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Hashable


class FairSlots:
    """At most `width` holders at a time; waiters get in strictly in arrival order."""

    def __init__(self, width: int) -> None:
        if width < 1:
            raise ValueError("a queue needs at least one place")
        self.width = width
        self._free = width
        self._waiting: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(1 for f in self._waiting if not f.done())

    @property
    def idle(self) -> bool:
        """Nobody holds a place, and so nobody waits: a place is never free while someone
        waits for one."""
        return self._free == self.width

    async def enter(self) -> None:
        """Take a place, waiting behind everyone who asked before."""
        if self._free and not self._waiting:
            self._free -= 1
            return
        place = asyncio.get_running_loop().create_future()
        self._waiting.append(place)
        try:
            await place
        except BaseException:
            if place.done() and not place.cancelled():
                self.leave()  # handed over just as the waiter was cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):  # leave() may have dropped it already
                    self._waiting.remove(place)
            raise

    def leave(self) -> None:
        """Give the place back: straight to the oldest waiter, or free when nobody waits.

        Handing it over (rather than freeing it and waking someone) is what keeps a
        newcomer from overtaking the waiter between the wake-up and its turn to run.
        """
        while self._waiting:
            place = self._waiting.popleft()
            if not place.done():
                place.set_result(None)
                return
        self._free += 1


class HotRowGate:
    """Queues this process's writers of one hot row in Python instead of in PostgreSQL.

    When forty transactions wait for the same row lock, every commit wakes all of them and
    PostgreSQL spends its time on the herd (measured: 3 ms of server CPU per booking at 50
    clients, against 0.7 ms at 8). Behind this gate at most `width` writers per process
    are at PostgreSQL for a row: with two, one holds the lock and the next is already
    waiting there, so PostgreSQL hands the row over the moment the first commits, instead
    of the lock lying idle until this process's event loop gets round to sending the next
    statement. It changes no outcome: the conditional UPDATE and the CHECK still decide;
    this only decides who asks next.
    """

    def __init__(self, width: int = 2) -> None:
        self.width = width
        self._rows: dict[Hashable, FairSlots] = {}

    async def enter(self, key: Hashable) -> Callable[[], None]:
        """Wait for the key; returns the function that lets the next writer in."""
        row = self._rows.get(key)
        if row is None:
            row = self._rows[key] = FairSlots(self.width)
        try:
            await row.enter()
        except BaseException:
            self._forget_if_idle(key, row)
            raise

        def leave() -> None:
            row.leave()
            self._forget_if_idle(key, row)

        return leave

    def _forget_if_idle(self, key: Hashable, row: FairSlots) -> None:
        """Keep nothing for a row nobody holds (a new line may stand for the key already)."""
        if row.idle and self._rows.get(key) is row:
            del self._rows[key]
