"""The API test client: an httpx client on the app plus the steps most tests take.

Register someone, publish an event, make an invitation, book; and `assert_problem`, which
checks an RFC 9457 document. The clock is fixed at 2030-01-01 12:00 UTC, so "the future" is
stable.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import httpx
from litestar import Litestar

from adapters.memory import FastPasswordHasher, FixedClock, MemoryNotifier, MemorySmsSender
from adapters.memory.database import MemoryDatabase
from adapters.workers.inprocess import InProcessTasks
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from entrypoints.testkit import lifespan_in_task

__all__ = ["lifespan_in_task"]

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
PUBLIC_URL = "https://stagedoor.test"
TEST_PHONES = {
    "+79990000001": "123456",
    "+79990000002": "654321",
    "+79990000003": "111111",
    "+79990000004": "222222",
    "+79990000005": "333333",
}
PASSWORD = "correct horse battery"
PROBLEM_KEYS = {"type", "title", "status", "detail"}

_serial = itertools.count(1)


@attrs.define
class User:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def event_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Film night: Solaris",
        "description": "Tarkovsky, 1972",
        "starts_at": "2030-02-01T19:00:00+03:00",
        "ends_at": "2030-02-01T22:00:00+03:00",
        "time_zone": "Europe/Moscow",
        "city": "Moscow",
        "address": "Cinema club, hall 2",
        "capacity": 10,
    }
    body.update(overrides)
    return body


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """An RFC 9457 document with our `type` naming scheme; returns the body for more checks."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["type"] == f"/problems/{code}"
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body  # type: ignore[no-any-return]


@attrs.define
class Api:
    client: httpx.AsyncClient
    platform: Container
    clock: FixedClock

    async def register(self, name: str = "Ann Lee", **extra: Any) -> User:
        email = f"user{next(_serial)}@example.org"
        body = {"full_name": name, "email": email, "password": PASSWORD, **extra}
        created = await self.client.post("/api/v1/auth/register", json=body)
        assert created.status_code == 201, created.text
        return await self.login(User(created.json()["id"], email, PASSWORD, "", ""))

    async def login(self, user: User) -> User:
        """The same account with fresh tokens (after the clock moved past their expiry)."""
        r = await self.client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": user.password}
        )
        assert r.status_code == 200, r.text
        tokens = r.json()
        return attrs.evolve(
            user, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"]
        )

    async def publish(self, host: User, **overrides: Any) -> dict[str, Any]:
        r = await self.client.post(
            "/api/v1/events", json=event_body(**overrides), headers=host.headers
        )
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def invitation(self, host: User, event_id: str) -> str:
        r = await self.client.post(f"/api/v1/events/{event_id}/invitations", headers=host.headers)
        assert r.status_code == 201, r.text
        return r.json()["token"]  # type: ignore[no-any-return]

    async def book(self, guest: User, event_id: str, seats: int = 1, **kw: Any) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/events/{event_id}/bookings",
            json={"seats": seats},
            headers={**guest.headers, **kw.pop("headers", {})},
            **kw,
        )


@attrs.define
class Loopback:
    """Delivers the sandbox provider's webhooks straight into the app under test (ASGI)."""

    app: Litestar | None = None
    statuses: list[int] = attrs.field(factory=list)

    async def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        assert self.app is not None, "set loopback.app once the app exists"
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            response = await client.post(url, content=body, headers=dict(headers))
        self.statuses.append(response.status_code)
        return response.status_code


async def memory_platform(data_dir: Path, **overrides: Any) -> Container:
    """A container on the in-memory store, with fast hashing and a fixed clock."""
    tasks = InProcessTasks()
    options: dict[str, Any] = {
        "database": MemoryDatabase.open(after_commit=tasks.kick),
        "tasks": tasks,
        "hasher": FastPasswordHasher(),
        "clock": FixedClock(NOW),
        "sms": MemorySmsSender(),
        "notifier": MemoryNotifier(),
        "sandbox_post": Loopback(),
        **overrides,
    }
    settings = Settings(data_dir=data_dir, public_url=PUBLIC_URL, test_phones=TEST_PHONES)
    return await build_container(settings, **options)
