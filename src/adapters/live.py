"""Live updates: "something changed in conference X", from whoever noticed to every open view.

In memory on embedded defaults (one process: the relay and the web requests share it); over
Redis pub/sub when STAGEDOOR_REDIS_URL is set, so a confirmation handled by any worker wakes
the dashboards served by every web process. A tick carries no data: a view that hears one
re-reads its figures, so a lost or doubled tick costs nothing but freshness.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from uuid import UUID

import structlog

log = structlog.get_logger("stagedoor.live")


class MemoryLive:
    """Subscribers in this process, one small queue each (ticks coalesce when it is full)."""

    kind = "memory"

    def __init__(self) -> None:
        self._queues: dict[UUID, set[asyncio.Queue[None]]] = {}

    async def publish(self, conference_id: UUID) -> None:
        for queue in list(self._queues.get(conference_id, ())):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    @contextlib.asynccontextmanager
    async def subscribe(self, conference_id: UUID) -> AsyncIterator[asyncio.Queue[None]]:
        queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        self._queues.setdefault(conference_id, set()).add(queue)
        try:
            yield queue
        finally:
            mine = self._queues.get(conference_id, set())
            mine.discard(queue)
            if not mine:
                self._queues.pop(conference_id, None)

    async def close(self) -> None:
        self._queues.clear()


class RedisLive:
    """Ticks over Redis pub/sub on `<namespace>:live:<conference id>`."""

    kind = "redis"

    def __init__(self, url: str, *, namespace: str = "stagedoor") -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._prefix = f"{namespace}:live:"

    async def publish(self, conference_id: UUID) -> None:
        try:
            await self._redis.publish(f"{self._prefix}{conference_id}", b"1")
        except Exception as exc:  # a live view is a nicety: never fail the handler for it
            log.warning("live.publish_failed", error=repr(exc))

    @contextlib.asynccontextmanager
    async def subscribe(self, conference_id: UUID) -> AsyncIterator[asyncio.Queue[None]]:
        queue: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(f"{self._prefix}{conference_id}")

        async def pump() -> None:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    with contextlib.suppress(asyncio.QueueFull):
                        queue.put_nowait(None)

        task = asyncio.create_task(pump(), name="stagedoor-live")
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def close(self) -> None:
        await self._redis.aclose()
