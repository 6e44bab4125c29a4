"""A wake-up call any thread may give to a loop: how a commit tells its relay to run soon."""

from __future__ import annotations

import asyncio


class Wakeup:
    """An asyncio.Event bound to one running loop, settable from any thread, never raising."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self) -> None:
        """Belong to the running loop (call from inside it, before `wait`)."""
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def unbind(self) -> None:
        self._loop = self._event = None

    def set(self) -> bool:
        """Wake the waiter; False when not bound yet (nobody could be woken)."""
        loop, event = self._loop, self._event
        if loop is None or event is None:
            return False
        if loop.is_closed():
            return True  # shutting down: nothing left to wake
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)
        return True

    def is_set(self) -> bool:
        return self._event is not None and self._event.is_set()

    def clear(self) -> None:
        if self._event is not None:
            self._event.clear()

    async def wait(self) -> None:
        assert self._event is not None, "bind() first"
        await self._event.wait()
