"""Plugins over HTTP: organisers switch them on, admins read their report, and each plugin's
own routes are served under `/plugins/<name>/`.

A plugin's routes get a `caller` (core.partners.Caller) from the bearer token when they ask
for one. An unexpected error in them is counted against the plugin (admin report) and
answered like any other 500; the app keeps serving.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Router, get, put
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.params import FromPath, JSONBody
from litestar.types import Scope

from adapters.http.auth import BEARER, CurrentAccount, provide_viewer
from adapters.http.deps import PlatformDep, provide_platform
from adapters.http.partner_schemas import (
    ActivationIn,
    FailureOut,
    LoadedOut,
    OfferList,
    OfferOut,
    PluginList,
    PluginOut,
    PluginReport,
    ProblemOut,
)
from adapters.http.problems import problem_responses
from core.partners.activation import (
    active_plugins,
    partner_offers,
    plugin_problems,
    switch_plugin,
)
from core.partners.api import API_VERSION, Caller
from core.partners.commands import SwitchPlugin
from core.shared.errors import DomainError

PLUGIN_NAME_PATH = "{name:str}"


class PluginsController(Controller):
    """The plugins running here, and the caller's switch for each."""

    path = "/api/v1/plugins"
    tags = ["plugins"]
    security = BEARER

    @get("/", operation_id="listPlugins", responses=problem_responses(401))
    async def listed(self, platform: PlatformDep, account_id: CurrentAccount) -> PluginList:
        """Every plugin that loaded, and whether the caller switched it on for their events."""
        active = await active_plugins(account_id, uow=platform.new_uow())
        return PluginList(
            [
                PluginOut(p.name, p.version, p.name in active)
                for p in platform.plugins.loaded.values()
            ]
        )

    @put(
        f"/{PLUGIN_NAME_PATH}/activation",
        operation_id="switchPlugin",
        responses=problem_responses(401, 404),
    )
    async def switch(
        self,
        name: FromPath[str],
        data: JSONBody[ActivationIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> PluginOut:
        """Switch a plugin on or off for the caller's events (its hooks fire only when on)."""
        loaded = platform.plugins.loaded
        activation = await switch_plugin(
            SwitchPlugin(account_id, name, data.active),
            installed=loaded.keys(),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return PluginOut(name, loaded[name].version, activation.active)

    @get(
        f"/{PLUGIN_NAME_PATH}/offers",
        operation_id="partnerOffers",
        responses=problem_responses(401, 404, 409, 503),
    )
    async def offers(
        self, name: FromPath[str], platform: PlatformDep, account_id: CurrentAccount
    ) -> OfferList:
        """What the plugin's partner platform offers for the caller's events, asked now."""
        offers = await partner_offers(
            account_id, name, exchanges=platform.plugins.exchanges(), uow=platform.new_uow()
        )
        return OfferList([OfferOut.of(o) for o in offers])


class AdminPluginsController(Controller):
    path = "/api/v1/admin/plugins"
    tags = ["admin"]
    security = BEARER

    @get("/", operation_id="pluginReport", responses=problem_responses(401, 403))
    async def report(self, platform: PlatformDep, account_id: CurrentAccount) -> PluginReport:
        """Platform admins: plugins loaded, those that failed to load and why, and how often
        each failed at run time (handlers, notifier channels, exchanges, routes)."""
        problems = await plugin_problems(account_id, uow=platform.new_uow())
        registry = platform.plugins
        major, minor = API_VERSION
        return PluginReport(
            api_version=f"{major}.{minor}",
            loaded=[LoadedOut.of(p) for p in registry.loaded.values()],
            failed=[FailureOut.of(f) for f in registry.failures],
            problems=[ProblemOut.of(p) for p in problems],
        )


def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    """Who calls a plugin route: the signed-in account, or nobody."""
    platform = provide_platform(request.app.state)
    viewer: UUID | None = provide_viewer(request, platform)
    return Caller(viewer)


async def report_plugin_failure(exc: Exception, scope: Scope) -> None:
    """An `after_exception` hook: an unexpected error in a plugin's route is counted against
    the plugin (refusals the core or Litestar raise on purpose are not failures)."""
    if isinstance(exc, DomainError | HTTPException):
        return
    parts = str(scope.get("path", "")).split("/")
    if len(parts) < 3 or parts[1] != "plugins":
        return
    registry = provide_platform(scope["litestar_app"].state).plugins
    if parts[2] in registry.loaded:
        await registry.runtime.report(parts[2], "route", exc)


def plugin_routers(routes: Mapping[str, Sequence[object]]) -> list[Router]:
    """One router per plugin at /plugins/<name>/, with `caller` to inject."""
    return [
        Router(
            path=f"/plugins/{name}",
            route_handlers=list(handlers),  # type: ignore[arg-type]
            dependencies={"caller": Provide(provide_caller, sync_to_thread=False)},
            tags=[f"plugin: {name}"],
        )
        for name, handlers in routes.items()
    ]
