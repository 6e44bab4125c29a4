"""Payments on the served app over real databases: concurrent webhooks, expired holds and late
payments, with the sandbox delivering its webhooks over HTTP to the app itself.

The app runs on a fixed clock that the tests move, so a hold can lapse without waiting a
quarter of an hour; the sandbox signs with that clock and the app verifies against it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from tests.databases import DATABASES

from adapters.memory import FastPasswordHasher, FixedClock, MemoryNotifier
from adapters.payments.sandbox import SIGNATURE_HEADER, sign
from adapters.workers.inprocess import InProcessTasks
from entrypoints.container import Container, build_container
from entrypoints.http import create_app
from entrypoints.settings import Settings

from .apiclient import NOW, PASSWORD, event_body
from .served import free_port, served

BACKENDS = ["postgres", "sqlite"]
WEBHOOK = "/api/v1/payments/webhooks/sandbox"


@attrs.define
class Served:
    client: httpx.AsyncClient
    platform: Container
    clock: FixedClock
    notifier: MemoryNotifier

    async def account(self, n: int) -> dict[str, str]:
        email = f"payer{n}@example.org"
        body = {"full_name": f"Payer {n}", "email": email, "password": PASSWORD}
        assert (await self.client.post("/api/v1/auth/register", json=body)).status_code == 201
        r = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    async def booking(self, guest: dict[str, str], event_id: str) -> dict[str, Any]:
        r = await self.client.post(
            f"/api/v1/events/{event_id}/bookings", json={"seats": 1}, headers=guest
        )
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def status(self, guest: dict[str, str], booking_id: str) -> str:
        items = (await self.client.get("/api/v1/bookings", headers=guest)).json()["items"]
        return next(b["status"] for b in items if b["id"] == booking_id)  # type: ignore[no-any-return]

    async def payment(self, guest: dict[str, str], payment_id: str) -> dict[str, Any]:
        r = await self.client.get(f"/api/v1/payments/{payment_id}", headers=guest)
        return r.json()  # type: ignore[no-any-return]

    async def pay(self, booking: dict[str, Any]) -> httpx.Response:
        page = booking["payment_url"].replace(str(self.client.base_url).rstrip("/"), "")
        return await self.client.post(page, data={"card_number": "4242424242424242"})

    def webhook(self, booking: dict[str, Any], event_id: str) -> tuple[bytes, dict[str, str]]:
        intent = booking["payment_url"].rsplit("/", 1)[1]
        payload = {
            "id": event_id,
            "type": "payment.succeeded",
            "created": 0,
            "data": {"intent": intent, "payment_id": booking["payment_id"], "amount": 90000,
                     "currency": "RUB", "refund": None, "refund_id": None},
        }  # fmt: skip
        body = json.dumps(payload).encode()
        secret = self.platform.settings.sandbox_webhook_secret
        header = sign(secret, body, int(self.clock.now().timestamp()))
        return body, {SIGNATURE_HEADER: header, "content-type": "application/json"}


@contextlib.asynccontextmanager
async def serve(backend: str, tmp_path: Path) -> AsyncIterator[Served]:
    tasks = InProcessTasks(sweep_interval=0.1)
    port = free_port()
    clock = FixedClock(NOW)
    notifier = MemoryNotifier()
    async with DATABASES[backend](tmp_path, after_commit=tasks.kick) as database:
        platform = await build_container(
            Settings(data_dir=tmp_path, public_url=f"http://127.0.0.1:{port}"),
            database=database,
            tasks=tasks,
            clock=clock,
            notifier=notifier,
            hasher=FastPasswordHasher(),
        )
        async with (
            served(create_app(container=platform), port) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as client,
        ):
            yield Served(client, platform, clock, notifier)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the background work did not finish in time")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_ten_concurrent_copies_of_a_webhook_confirm_one_booking_once(
    backend: str, tmp_path: Path
) -> None:
    async with serve(backend, tmp_path) as app:
        host, guest = await app.account(0), await app.account(1)
        price = {"amount": 90000, "currency": "RUB"}
        event = (
            await app.client.post("/api/v1/events", json=event_body(price=price), headers=host)
        ).json()
        booking = await app.booking(guest, event["id"])
        body, headers = app.webhook(booking, "evt_concurrent")
        url = f"{str(app.client.base_url).rstrip('/')}/api/v1/payments/webhooks/sandbox"

        async def deliver() -> httpx.Response:
            async with httpx.AsyncClient(timeout=30) as own:
                return await own.post(url, content=body, headers=headers)

        answers = await asyncio.gather(*(deliver() for _ in range(10)))

        assert [a.status_code for a in answers] == [200] * 10
        assert sorted(a.json()["duplicate"] for a in answers) == [False] + [True] * 9

        async def confirmed() -> bool:
            return await app.status(guest, booking["id"]) == "confirmed"

        await eventually(confirmed)
        await app.platform.tasks.drain()  # type: ignore[attr-defined]
        assert [m.subject for m in app.notifier.sent] == ["Booked: Film night: Solaris"]
        payment = await app.payment(guest, booking["payment_id"])
        assert (payment["status"], payment["captured"]) == ("succeeded", 90000)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_late_payment_for_a_seat_sold_meanwhile_is_refunded_and_nothing_oversold(
    backend: str, tmp_path: Path
) -> None:
    async with serve(backend, tmp_path) as app:
        host, late = await app.account(0), await app.account(1)
        price = {"amount": 90000, "currency": "RUB"}
        body = event_body(price=price, capacity=1)
        event = (await app.client.post("/api/v1/events", json=body, headers=host)).json()
        sandbox = app.platform.sandbox
        reachable, sandbox.webhook_url = sandbox.webhook_url, "http://127.0.0.1:9/"  # they fail

        held = await app.booking(late, event["id"])
        assert (await app.pay(held)).status_code == 303  # paid in time; the news is stuck
        app.clock.advance(timedelta(minutes=16))  # the hold lapses; the expiry job frees the seat

        async def freed() -> bool:
            seen = (await app.client.get(f"/api/v1/events/{event['id']}")).json()
            return seen["booked"] == 0  # type: ignore[no-any-return]

        await eventually(freed)
        prompt = await app.account(2)  # a token minted at the new time
        taken = await app.booking(prompt, event["id"])
        assert (await app.pay(taken)).status_code == 303
        webhook, headers = app.webhook(taken, "evt_prompt")  # its news arrives first
        r = await app.client.post(WEBHOOK, content=webhook, headers=headers)
        assert r.status_code == 200

        async def prompt_confirmed() -> bool:
            return await app.status(prompt, taken["id"]) == "confirmed"

        await eventually(prompt_confirmed)

        sandbox.webhook_url = reachable  # the endpoint is back: the retries land
        app.clock.advance(timedelta(seconds=5))

        async def refunded() -> bool:
            async with app.platform.new_uow() as uow:
                payment = await uow.payments.get(held["payment_id"])
            return payment.status.value == "refunded"

        await eventually(refunded)
        seen = (await app.client.get(f"/api/v1/events/{event['id']}")).json()
        assert (seen["booked"], seen["capacity"]) == (1, 1)
        async with app.platform.new_uow() as uow:
            stale = await uow.bookings.get(held["id"])
            books = await uow.ledger.balances()
        assert stale.status.value == "expired"
        customer = {k: v for k, v in books.items() if k[0].value == "customer_payments"}
        assert list(customer.values()) == [-90000]  # the prompt guest's seat, nothing else
