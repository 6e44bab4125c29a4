"""Health: can this process serve requests, and can it reach its database and its broker?"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

import structlog
from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec

from adapters.http.deps import PlatformDep
from adapters.http.schemas import HealthOut

log = structlog.get_logger("stagedoor.http")

CHECK_TIMEOUT = 2.0
"""A check that hangs longer than this counts as down: a load balancer should not wait."""
VERSION_KEY = "version"


async def _check(name: str, ping: Callable[[], Awaitable[None]]) -> Literal["ok", "down"]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await ping()
    except Exception as exc:  # any failure of a dependency is an answer here, not an error
        log.warning("health.check_failed", check=name, error=type(exc).__name__)
        return "down"
    return "ok"


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get(
        "/",
        operation_id="health",
        responses={
            503: ResponseSpec(
                data_container=HealthOut,
                description="A dependency is down",
                generate_examples=False,
            )
        },
    )
    async def health(self, platform: PlatformDep, state: State) -> Response[HealthOut]:
        """200 when the database and the broker answer, 503 (`degraded`) when one does not."""
        database, broker = await asyncio.gather(
            _check("database", platform.database.ping), _check("broker", platform.tasks.ping)
        )
        ok = database == "ok" and broker == "ok"
        body = HealthOut(
            status="ok" if ok else "degraded",
            database=database,
            broker=broker,
            version=str(state.get(VERSION_KEY, "unknown")),
        )
        return Response(body, status_code=200 if ok else 503)
