"""Plugins in the running app: one that raises on load and one that raises in its handlers;
the app starts, serves, and reports both. Plus switches, routes under /plugins/<name>/ and
notifier channels."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import httpx
import pytest
from litestar import get
from litestar.di import NamedDependency

from adapters.memory import MemoryNotifier
from core.booking.events import BookingConfirmed
from core.identity.model import AccountId, Role
from core.notifications.model import Message
from core.partners import Caller, PluginContext
from core.shared.events import DomainEvent, Handler
from core.shared.outbox import handler_key
from entrypoints.container import Container
from entrypoints.http import create_app
from entrypoints.plugins import load_plugins
from entrypoints.settings import Settings

from .apiclient import PUBLIC_URL, Api, User, assert_problem, lifespan_in_task, memory_platform


@attrs.define
class Seen:
    events: list[tuple[str, UUID]] = attrs.field(factory=list)
    messages: list[Message] = attrs.field(factory=list)
    failing: bool = True


SEEN = Seen()


@attrs.frozen
class Broken:
    name: str = "broken"
    version: str = "0.1"
    requires_api: str = ">=1.0,<2"

    def setup(self, ctx: PluginContext) -> None:
        raise RuntimeError("cannot reach the partner's API")


@get("/hello")
async def hello(caller: NamedDependency[Caller]) -> dict[str, Any]:
    return {"caller": None if caller.account_id is None else str(caller.account_id)}


@get("/boom")
async def boom() -> dict[str, Any]:
    raise RuntimeError("the plugin's route fell over")


async def on_booking(event: DomainEvent, organiser: UUID) -> None:
    if SEEN.failing:
        raise RuntimeError("the messenger is down")
    SEEN.events.append((event.name, organiser))


class Channel:
    async def send(self, message: Message) -> None:
        SEEN.messages.append(message)


class DeadChannel:
    async def send(self, message: Message) -> None:
        raise ConnectionError("chat not found")


@attrs.frozen
class Flaky:
    name: str = "flaky"
    version: str = "2.0"
    requires_api: str = ">=1.0"

    def setup(self, ctx: PluginContext) -> None:
        ctx.subscribe(BookingConfirmed, on_booking)
        ctx.add_routes(hello, boom)
        ctx.add_notifier(Channel())
        ctx.add_notifier(DeadChannel())


@pytest.fixture
async def platform(tmp_path: Path) -> Container:
    global SEEN
    SEEN = Seen()
    settings = Settings(plugins=("broken", "flaky", "absent"))
    plugins = load_plugins(settings, [("broken", Broken), ("flaky", Flaky)])
    return await memory_platform(tmp_path, plugins=plugins)


@pytest.fixture
async def api(platform: Container) -> AsyncIterator[Api]:
    app = create_app(container=platform)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        lifespan_in_task(app),
        httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client,
    ):
        yield Api(client, platform, platform.clock)  # type: ignore[arg-type]


async def make_admin(api: Api, user: User) -> None:
    async with api.platform.new_uow() as uow:
        account = await uow.accounts.get(AccountId(UUID(user.id)))
        account.roles = frozenset({*account.roles, Role.PLATFORM_ADMIN})
        await uow.accounts.save(account)
        await uow.commit()


async def switch(api: Api, user: User, plugin: str, active: bool) -> httpx.Response:
    return await api.client.put(
        f"/api/v1/plugins/{plugin}/activation", json={"active": active}, headers=user.headers
    )


async def test_the_app_serves_and_reports_a_plugin_that_failed_to_load_and_one_that_raises(
    api: Api, host: User, guest: User
) -> None:
    assert (await api.client.get("/health")).status_code == 200
    assert (await switch(api, host, "flaky", True)).status_code == 200
    event = await api.publish(host)
    assert (await api.book(guest, event["id"])).status_code == 201
    await api.platform.tasks.drain()  # type: ignore[attr-defined]

    notifier = api.platform.notifier
    assert isinstance(notifier, MemoryNotifier)
    # the core's handlers ran although the plugin's raised, and each channel is its own job
    assert [m.subject for m in notifier.sent] == ["Booked: Film night: Solaris"]
    assert [m.subject for m in SEEN.messages] == ["Booked: Film night: Solaris"]

    refused = await api.client.get("/api/v1/admin/plugins", headers=host.headers)
    assert_problem(refused, 403, "permission-denied")
    await make_admin(api, host)
    report = (await api.client.get("/api/v1/admin/plugins", headers=host.headers)).json()

    assert report["api_version"] == "1.0"
    assert [(p["name"], p["version"]) for p in report["loaded"]] == [("flaky", "2.0")]
    assert report["loaded"][0]["registrations"]["subscriptions"] == 1
    assert report["loaded"][0]["registrations"]["routes"] == 2
    assert report["failed"] == [
        {
            "name": "broken",
            "stage": "setup",
            "error": "RuntimeError: cannot reach the partner's API",
        },
        {
            "name": "absent",
            "stage": "missing",
            "error": "allowed in STAGEDOOR_PLUGINS, not installed",
        },
    ]
    problems = {(p["plugin"], p["kind"]): p for p in report["problems"]}
    assert problems[("flaky", "handler")]["count"] >= 1
    assert problems[("flaky", "handler")]["last_error"] == "RuntimeError: the messenger is down"
    assert problems[("flaky", "notifier")]["last_error"] == "ConnectionError: chat not found"


async def test_a_plugin_s_hooks_fire_only_once_its_organiser_switched_it_on(
    api: Api, host: User, guest: User
) -> None:
    SEEN.failing = False
    event = await api.publish(host)
    assert (await api.book(guest, event["id"])).status_code == 201
    await api.platform.tasks.drain()  # type: ignore[attr-defined]
    assert SEEN.events == []

    assert (await switch(api, host, "flaky", True)).json() == {
        "name": "flaky",
        "version": "2.0",
        "active": True,
    }
    other = await api.register("Second Guest")
    assert (await api.book(other, event["id"])).status_code == 201
    await api.platform.tasks.drain()  # type: ignore[attr-defined]
    assert SEEN.events == [("booking.confirmed", UUID(host.id))]


async def test_organisers_list_and_switch_the_plugins_that_run(api: Api, host: User) -> None:
    listed = await api.client.get("/api/v1/plugins", headers=host.headers)
    assert listed.json() == {"items": [{"name": "flaky", "version": "2.0", "active": False}]}
    await switch(api, host, "flaky", True)
    assert (await api.client.get("/api/v1/plugins", headers=host.headers)).json()["items"][0][
        "active"
    ]
    off = await switch(api, host, "flaky", False)
    assert off.json()["active"] is False
    for name in ("broken", "absent", "nothing-here"):
        assert_problem(await switch(api, host, name, True), 404, "not-found")
    assert_problem(await api.client.get("/api/v1/plugins"), 401, "unauthenticated")


async def test_plugin_routes_are_served_under_their_name_with_the_caller(
    api: Api, host: User
) -> None:
    anonymous = await api.client.get("/plugins/flaky/hello")
    assert anonymous.json() == {"caller": None}
    signed_in = await api.client.get("/plugins/flaky/hello", headers=host.headers)
    assert signed_in.json() == {"caller": host.id}
    bad_token = await api.client.get(
        "/plugins/flaky/hello", headers={"Authorization": "Bearer nonsense"}
    )
    assert_problem(bad_token, 401, "unauthenticated")
    assert_problem(await api.client.get("/plugins/broken/hello"), 404, "not-found")


async def test_a_plugin_route_that_raises_is_a_500_counted_against_the_plugin(
    api: Api, host: User
) -> None:
    r = await api.client.get("/plugins/flaky/boom")
    body = assert_problem(r, 500, "internal-error")
    assert "fell over" not in body["detail"]
    assert (await api.client.get("/health")).status_code == 200
    await make_admin(api, host)
    report = (await api.client.get("/api/v1/admin/plugins", headers=host.headers)).json()
    (route,) = [p for p in report["problems"] if p["kind"] == "route"]
    assert (route["plugin"], route["count"]) == ("flaky", 1)


async def test_without_plugins_nothing_is_added(tmp_path: Path) -> None:
    platform = await memory_platform(tmp_path)
    assert platform.plugins.loaded == {}
    assert platform.plugins.failures == []
    assert not any(k.startswith("plugin:") for k in map(handler_key, _all(platform.handlers)))


def _all(table: Mapping[str, Sequence[Handler]]) -> list[Handler]:
    return [h for handlers in table.values() for h in handlers]
