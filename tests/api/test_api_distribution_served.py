"""The hand-over desk served by a real uvicorn on a real database, with real concurrent desks.

20 participants, each confirmed by two desks at the same moment (40 requests at once): for
each, exactly one desk gets 200 and the other 409 already-delivered; every pack leaves its
point's stock once. The live figures stream pushes new figures within a second of a
hand-over. Run on PostgreSQL (a database of its own), SQLite (a temp file) and in memory.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.databases import DATABASES

from adapters.memory import FastPasswordHasher
from adapters.workers.inprocess import InProcessTasks
from entrypoints.container import build_container
from entrypoints.http import create_app
from entrypoints.settings import Settings

from .apiclient import PASSWORD
from .served import served

PEOPLE = 20
STOCK = 100
API = "/api/v1/conferences"


@pytest.fixture(params=sorted(DATABASES))
async def base_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The app on the backend under test, served by uvicorn; commits kick the outbox relay."""
    tasks = InProcessTasks()
    async with DATABASES[request.param](tmp_path, after_commit=tasks.kick) as database:
        platform = await build_container(
            Settings(data_dir=tmp_path), database=database, tasks=tasks, hasher=FastPasswordHasher()
        )
        async with served(create_app(container=platform)) as url:
            yield url


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _register(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    email = f"{name}@example.org"
    body = {"full_name": name.title(), "email": email, "password": PASSWORD}
    ok(await client.post("/api/v1/auth/register", json=body), 201)
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {ok(r)['access_token']}"}


async def _conference(client: httpx.AsyncClient, organiser: dict[str, str]) -> str:
    now = datetime.now(UTC)
    body = {
        "title": "DevConf",
        "handout_starts_at": (now - timedelta(hours=1)).isoformat(),
        "handout_ends_at": (now + timedelta(hours=3)).isoformat(),
    }
    return str(ok(await client.post(API, json=body, headers=organiser), 201)["id"])


async def _point(client: httpx.AsyncClient, organiser: dict[str, str], cid: str, name: str) -> str:
    body = {"name": name, "desks": 2, "stock": STOCK}
    return str(
        ok(await client.post(f"{API}/{cid}/points", json=body, headers=organiser), 201)["id"]
    )


async def _staff(
    client: httpx.AsyncClient, organiser: dict[str, str], cid: str, name: str
) -> dict[str, str]:
    helper = await _register(client, name)
    r = await client.post(f"{API}/{cid}/staff/invitations", json={}, headers=organiser)
    token = ok(r, 201)["token"]
    ok(await client.post(f"{API}/staff/accept", json={"token": token}, headers=helper))
    return helper


async def _stock(client: httpx.AsyncClient, who: dict[str, str], cid: str) -> dict[str, int]:
    r = await client.get(f"{API}/{cid}/points", headers=who)
    return {p["id"]: p["stock"] for p in ok(r)["items"]}


async def test_two_desks_confirming_one_participant_at_once_hand_the_pack_over_once(
    base_url: str,
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        organiser = await _register(client, "organiser")
        cid = await _conference(client, organiser)
        a, b = (
            await _point(client, organiser, cid, "Hall A"),
            await _point(client, organiser, cid, "Hall B"),
        )
        first_desk = await _staff(client, organiser, cid, "first-desk")
        second_desk = await _staff(client, organiser, cid, "second-desk")
        people = []
        for n in range(PEOPLE):
            body = {"last_name": "Иванов", "first_name": f"Гость{n:02}"}
            r = await client.post(f"{API}/{cid}/participants", json=body, headers=organiser)
            people.append(ok(r, 201)["id"])
        # the first half is raced by both desks at Hall A, the second half at A against B
        attempts = [(pid, first_desk, a) for pid in people] + [
            (pid, second_desk, a if n < PEOPLE // 2 else b) for n, pid in enumerate(people)
        ]
        go = asyncio.Event()

        async def confirm(pid: str, desk: dict[str, str], point: str) -> httpx.Response:
            async with httpx.AsyncClient(base_url=base_url, timeout=60) as own:
                await own.get("/health")  # open the connection before the start signal
                await go.wait()
                return await own.post(
                    f"{API}/{cid}/participants/{pid}/deliver",
                    json={"point_id": point},
                    headers=desk,
                )

        runners = [asyncio.create_task(confirm(*attempt)) for attempt in attempts]
        await asyncio.sleep(0.3)
        go.set()
        answers = await asyncio.gather(*runners)

        statuses = Counter(r.status_code for r in answers)
        assert statuses == Counter({200: PEOPLE, 409: PEOPLE}), [r.text for r in answers]
        won: dict[str, str] = {}
        for (pid, _, point), answer in zip(attempts, answers, strict=True):
            if answer.status_code == 200:
                assert answer.json()["repeated"] is False
                assert pid not in won, f"{pid} was handed over twice"
                won[pid] = point
            else:
                assert answer.json()["type"] == "/problems/already-delivered", answer.text
        assert set(won) == set(people)
        for pid, point in won.items():
            stored = ok(await client.get(f"{API}/{cid}/participants/{pid}", headers=organiser))
            assert (stored["delivered"], stored["delivered_point_id"]) == (True, point)
        from_a = sum(point == a for point in won.values())
        assert await _stock(client, organiser, cid) == {
            a: STOCK - from_a,
            b: STOCK - (PEOPLE - from_a),
        }
        stats = ok(await client.get(f"{API}/{cid}/stats", headers=organiser))
        assert (stats["total"]["handed_out"], stats["total"]["remaining"]) == (PEOPLE, 0)
        undelivered = await client.get(
            f"{API}/{cid}/participants", params={"delivered": "false"}, headers=organiser
        )
        assert ok(undelivered)["items"] == []


async def _events(response: httpx.Response) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Server-Sent Events as (event name, parsed data), one per blank-line-ended block."""
    name, data = "", []
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())
        elif line == "" and data:
            yield name, json.loads("\n".join(data))
            name, data = "", []


async def test_the_stats_stream_pushes_new_figures_within_a_second_of_a_hand_over(
    base_url: str,
) -> None:
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=60) as client,
        httpx.AsyncClient(base_url=base_url, timeout=60) as watcher,
    ):
        organiser = await _register(client, "organiser")
        cid = await _conference(client, organiser)
        point = await _point(client, organiser, cid, "Hall A")
        body = {"last_name": "Ёлкина", "first_name": "Анна"}
        pid = ok(await client.post(f"{API}/{cid}/participants", json=body, headers=organiser), 201)[
            "id"
        ]
        async with watcher.stream("GET", f"{API}/{cid}/stats/stream", headers=organiser) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = _events(stream)
            async with asyncio.timeout(2):
                name, first = await anext(events)
            assert name == "stats"
            assert (first["total"]["handed_out"], first["total"]["remaining"]) == (0, 1)
            assert first["points"][0]["stock"] == STOCK

            r = await client.post(
                f"{API}/{cid}/participants/{pid}/deliver",
                json={"point_id": point},
                headers=organiser,
            )
            confirmed = time.monotonic()
            ok(r)
            latest = first
            async with asyncio.timeout(1):
                while latest["total"]["handed_out"] == 0:  # an earlier change may tick first
                    name, latest = await anext(events)
                    assert name == "stats"
            took = time.monotonic() - confirmed

        assert took < 1.0
        assert latest["total"]["handed_out"] == 1
        assert latest["points"][0]["handed_out"] == 1
        assert latest["points"][0]["stock"] == STOCK - 1
        assert latest["points"][0]["last_5_min"] == 1
