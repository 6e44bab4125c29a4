"""The app as the browser tests see it: served by uvicorn on SQLite with the in-process relay,
as on embedded defaults, and accounts made through the JSON API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from tests.api.apiclient import PASSWORD
from tests.api.served import free_port, served
from tests.databases import sqlite_database

from adapters.memory import FastPasswordHasher
from adapters.workers.inprocess import InProcessTasks
from core.notifications.ports import Notifier
from entrypoints.container import build_container
from entrypoints.http import create_app
from entrypoints.settings import Settings


@contextlib.asynccontextmanager
async def served_app(
    tmp_path: Path, notifier: Notifier | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A client on a freshly served app; its `base_url` is the address for the browser.
    Notifications go to `notifier` (the console when None)."""
    tasks = InProcessTasks(sweep_interval=0.2)
    port = free_port()
    async with sqlite_database(tmp_path, after_commit=tasks.kick) as database:
        platform = await build_container(
            Settings(data_dir=tmp_path, public_url=f"http://127.0.0.1:{port}"),
            database=database,
            tasks=tasks,
            hasher=FastPasswordHasher(),
            notifier=notifier,
        )
        async with (
            served(create_app(container=platform), port) as url,
            httpx.AsyncClient(base_url=url) as client,
        ):
            yield client


async def bearer(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    """The Authorization header of a fresh API login."""
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def account(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    """Register `name@example.org` and log in; returns the Authorization header."""
    email = f"{name}@example.org"
    body = {"full_name": name, "email": email, "password": PASSWORD}
    assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201
    return await bearer(client, email)
