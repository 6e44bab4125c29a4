"""Fixtures for the HTTP contract tests: the real app over an in-memory platform, one loop.

`api` runs the app's lifespan (so the outbox relay runs) and talks to it through httpx's
ASGI transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.memory import FixedClock
from entrypoints.container import Container
from entrypoints.http import create_app

from .apiclient import PUBLIC_URL, Api, Loopback, User, lifespan_in_task, memory_platform
from .pagesite import conference, organiser, site  # noqa: F401 - fixtures of the page tests


@pytest.fixture
def loopback() -> Loopback:
    """Where the sandbox provider delivers its webhooks: into the app under test."""
    return Loopback()


@pytest.fixture
async def platform(tmp_path: Path, loopback: Loopback) -> Container:
    return await memory_platform(tmp_path, sandbox_post=loopback)


@pytest.fixture
async def api(platform: Container, loopback: Loopback) -> AsyncIterator[Api]:
    app = create_app(container=platform)
    loopback.app = app
    transport = httpx.ASGITransport(app=app)
    async with (
        lifespan_in_task(app),
        httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client,
    ):
        assert isinstance(platform.clock, FixedClock)
        yield Api(client, platform, platform.clock)


@pytest.fixture
async def host(api: Api) -> User:
    return await api.register("Hanna Host")


@pytest.fixture
async def guest(api: Api) -> User:
    return await api.register("Gleb Guest")
