"""A whole Stagedoor in memory, for testing plugins (and anything else) end to end.

    async with PluginHarness.running(tmp_path, plugins=["telegram"], settings={...}) as sd:
        host = await sd.account("Hanna Host")
        event = await sd.event(host, capacity=10)
        await sd.switch_on(host, "telegram")
        await sd.book(await sd.account(), event["id"])
        await sd.settle()      # run the outbox handlers and the periodic jobs

The app is the real one (every route, the plugin's own under /plugins/<name>/), served over
ASGI without a socket; the database is the in-memory reference store; the clock is fixed
(`sd.clock.advance(...)`); messages to people land in `sd.sent`. Plugins are found through
their entry points unless `candidates` are given.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
import httpx
from litestar import Litestar

from adapters.memory import FastPasswordHasher, FixedClock, MemoryNotifier, MemorySmsSender
from adapters.memory.database import MemoryDatabase
from adapters.workers.inprocess import InProcessTasks
from core.notifications.model import Message
from core.partners.registry import Candidate
from entrypoints.container import Container, build_container
from entrypoints.http import create_app
from entrypoints.plugins import load_plugins
from entrypoints.settings import Settings

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
PUBLIC_URL = "https://stagedoor.test"
PASSWORD = "correct horse battery"

_serial = itertools.count(1)


@attrs.frozen
class Person:
    """A registered, signed-in account: `headers` carry its access token."""

    id: str
    email: str
    headers: dict[str, str]


@contextlib.asynccontextmanager
async def lifespan_in_task(app: Litestar) -> AsyncIterator[None]:
    """Run the app's lifespan start to end inside one task.

    pytest-asyncio finalises async fixtures in another task than it set them up in, and
    anyio's cancel scopes (inside Litestar's lifespan) refuse to be left from a different task.
    """
    started, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # startup failed: raise its error here
    try:
        yield
    finally:
        stop.set()
        await task


Respond = Callable[[str, str, Mapping[str, str], bytes], tuple[int, str, bytes]]
"""(method, path, headers, body) -> (status, content type, body)."""


@contextlib.contextmanager
def local_http_server(respond: Respond) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 (a free port) in a thread, answering with `respond`:
    a partner's endpoint, a messenger's API... Yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, media_type, payload = respond(
                self.command, self.path, dict(self.headers.items()), body
            )
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@attrs.define
class PluginHarness:
    container: Container
    client: httpx.AsyncClient
    clock: FixedClock
    notifier: MemoryNotifier

    @classmethod
    @contextlib.asynccontextmanager
    async def running(
        cls,
        data_dir: Path,
        *,
        plugins: Sequence[str],
        settings: Mapping[str, Mapping[str, str]] | None = None,
        candidates: Iterable[Candidate] | None = None,
    ) -> AsyncIterator[PluginHarness]:
        configured = Settings(
            data_dir=data_dir,
            public_url=PUBLIC_URL,
            plugins=tuple(plugins),
            plugin_settings=dict(settings or {}),
        )
        tasks = InProcessTasks()
        clock, notifier = FixedClock(NOW), MemoryNotifier()
        container = await build_container(
            configured,
            database=MemoryDatabase.open(after_commit=tasks.kick),
            tasks=tasks,
            clock=clock,
            hasher=FastPasswordHasher(),
            sms=MemorySmsSender(),
            notifier=notifier,
            plugins=load_plugins(configured, candidates),
        )
        app = create_app(container=container)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            lifespan_in_task(app),
            httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client,
        ):
            yield cls(container, client, clock, notifier)

    @property
    def sent(self) -> list[Message]:
        """Messages the platform sent to people (by email, in real life)."""
        return self.notifier.sent

    async def account(self, name: str = "Ann Lee") -> Person:
        email = f"person{next(_serial)}@example.org"
        body = {"full_name": name, "email": email, "password": PASSWORD}
        created = await self.client.post("/api/v1/auth/register", json=body)
        assert created.status_code == 201, created.text
        login = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        return Person(created.json()["id"], email, {"Authorization": f"Bearer {token}"})

    async def event(self, host: Person, **fields: Any) -> dict[str, Any]:
        """Publish an event a month ahead, 10 seats unless told otherwise."""
        body = {
            "title": "Film night",
            "starts_at": "2030-02-01T19:00:00+00:00",
            "ends_at": "2030-02-01T22:00:00+00:00",
            "city": "Moscow",
            "capacity": 10,
            **fields,
        }
        r = await self.client.post("/api/v1/events", json=body, headers=host.headers)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def switch_on(self, organiser: Person, plugin: str, active: bool = True) -> None:
        r = await self.client.put(
            f"/api/v1/plugins/{plugin}/activation",
            json={"active": active},
            headers=organiser.headers,
        )
        assert r.status_code == 200, r.text

    async def book(self, guest: Person, event_id: str, seats: int = 1) -> dict[str, Any]:
        r = await self.client.post(
            f"/api/v1/events/{event_id}/bookings", json={"seats": seats}, headers=guest.headers
        )
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def settle(self) -> None:
        """Run what follows the requests so far: outbox handlers, then the periodic jobs
        (availability pushes, hold expiry...), then the handlers those caused."""
        tasks = self.container.tasks
        assert isinstance(tasks, InProcessTasks)
        await tasks.drain()
        await self.container.run_jobs()
        await tasks.drain()
