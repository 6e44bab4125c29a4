"""A site for page tests: the app over an in-memory platform, browsers with their own cookie
jars, an organiser and a conference with two points and three participants set up through the
JSON API, and signing in through the login form.

The fixtures are made available to the tests of this folder by `conftest.py`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import attrs
import httpx
import pytest

from adapters.memory import FixedClock
from entrypoints.container import Container
from entrypoints.http import create_app

from .apiclient import PUBLIC_URL, Api, Loopback, User, lifespan_in_task

CONFERENCE = {
    "title": "PyCon Siberia",
    "venue": "Akademgorodok",
    "handout_starts_at": "2030-01-01T11:00:00+00:00",
    "handout_ends_at": "2030-01-01T15:00:00+00:00",
    "time_zone": "UTC",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@attrs.define
class Site:
    """The app under test; `browser()` opens one more person's cookie jar on it."""

    app: Any
    api: Api
    stack: contextlib.AsyncExitStack

    async def browser(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=PUBLIC_URL)
        return await self.stack.enter_async_context(client)


@attrs.define
class Conference:
    id: str
    point_id: str
    other_point_id: str
    people: dict[str, str]  # last name -> participant id


@pytest.fixture
async def site(platform: Container, loopback: Loopback) -> AsyncIterator[Site]:
    app = create_app(container=platform)
    loopback.app = app
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(lifespan_in_task(app))
        api_client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL)
        )
        assert isinstance(platform.clock, FixedClock)
        yield Site(app, Api(api_client, platform, platform.clock), stack)


@pytest.fixture
async def organiser(site: Site) -> User:
    return await site.api.register("Olga Organiser")


@pytest.fixture
async def conference(site: Site, organiser: User) -> Conference:
    client, headers = site.api.client, organiser.headers
    r = await client.post("/api/v1/conferences", json=CONFERENCE, headers=headers)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    points = []
    for name in ("Hall A", "Hall B"):
        r = await client.post(
            f"/api/v1/conferences/{cid}/points", json={"name": name, "stock": 50}, headers=headers
        )
        assert r.status_code == 201, r.text
        points.append(r.json()["id"])
    people = {}
    for last, first, email in [
        ("Petrov", "Pavel", "pavel@example.org"),
        ("Ivanova", "Irina", "irina@example.org"),
        ("Ivanov", "Igor", "igor@example.org"),
    ]:
        body = {"last_name": last, "first_name": first, "email": email}
        r = await client.post(f"/api/v1/conferences/{cid}/participants", json=body, headers=headers)
        assert r.status_code == 201, r.text
        people[last] = r.json()["id"]
    return Conference(cid, points[0], points[1], people)


async def staff_of(site: Site, organiser: User, conference: Conference, **invite: Any) -> User:
    helper = await site.api.register("Stas Staff")
    r = await site.api.client.post(
        f"/api/v1/conferences/{conference.id}/staff/invitations",
        json=invite,
        headers=organiser.headers,
    )
    assert r.status_code == 201, r.text
    r = await site.api.client.post(
        "/api/v1/conferences/staff/accept",
        json={"token": r.json()["token"]},
        headers=helper.headers,
    )
    assert r.status_code == 200, r.text
    return helper


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, user: User) -> str:
    """Sign in through the login form; returns the CSRF token for later posts."""
    page = await client.get("/login")
    token = csrf_of(page.text)
    r = await client.post(
        "/login", data={"email": user.email, "password": user.password, "csrf_token": token}
    )
    assert r.status_code == 303, r.text
    return token


async def signed_in(site: Site, user: User) -> tuple[httpx.AsyncClient, str]:
    client = await site.browser()
    return client, await sign_in(client, user)
