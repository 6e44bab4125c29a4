"""The HTTP service: `create_app(settings)`, e.g. `uvicorn --factory entrypoints.http:create_app`.

Without a container the app builds one from the settings when it starts (inside the server's
event loop, where database pools must live), applies migrations, starts the outbox relay, and
closes everything on shutdown. A container handed in is used as it is: started and closed by
the app, never migrated (its owner decides that).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

import structlog
from litestar import Litestar

from adapters.http.app import build_app
from adapters.http.deps import STATE_KEY
from entrypoints.container import Container, build_container
from entrypoints.plugins import load_plugins
from entrypoints.settings import Settings

log = structlog.get_logger("stagedoor.http")


def _version() -> str:
    try:
        return version("stagedoor")
    except PackageNotFoundError:
        return "0+unknown"


def create_app(settings: Settings | None = None, *, container: Container | None = None) -> Litestar:
    """The Litestar app serving the public API, its OpenAPI document and /health."""
    if settings is None:
        settings = container.settings if container is not None else Settings.from_env()
    # Plugins load before the app exists: their routes are part of it.
    plugins = container.plugins if container is not None else load_plugins(settings)

    @asynccontextmanager
    async def platform(app: Litestar) -> AsyncIterator[None]:
        if container is not None:
            running = container
        else:
            running = await build_container(settings, plugins=plugins)
        try:
            if container is None:
                await running.database.migrate()
            await running.start()
            app.state[STATE_KEY] = running
            log.info("http.started", database=running.database.engine, tasks=running.tasks.kind)
            yield
        finally:
            await running.close()

    return build_app(
        version=_version(),
        lifespan=[platform],
        container=container,
        plugin_routes=plugins.routes(),
    )
