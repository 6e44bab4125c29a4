"""The loaded plugins: which loaded, which failed and why, and what each registered.

Loading never raises: a plugin that is not installed, cannot be imported, wants another API
version or raises in `setup` is skipped and remembered as a `LoadFailure` (the admin report
shows it); the platform runs without it. Whatever a plugin registers is wrapped so that its
failures at run time are counted and cannot hurt the core: its event handlers run as their
own outbox jobs (with their own handler keys) and only for organisers who switched it on.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

import attrs

from core.notifications.events import NotificationRequested
from core.notifications.ports import Notifier
from core.partners.api import (
    API_VERSION,
    PLUGIN_NAME,
    AvailabilityExchange,
    PluginContext,
    PluginError,
    PluginEventHandler,
    Registrations,
    api_supported,
)
from core.partners.runtime import PlatformRuntime, describe, scoped_events
from core.payments.ports import PaymentProvider
from core.shared.events import DomainEvent, Handler
from core.tickets.authenticity import STAGEDOOR, AuthenticityChecker

Candidate = tuple[str, Callable[[], object]]
"""An installed plugin: its entry-point name and how to import its object."""


@attrs.frozen
class LoadedPlugin:
    name: str
    version: str
    requires_api: str
    registrations: Registrations


@attrs.frozen
class LoadFailure:
    """`stage` is where it failed: missing, import, check (name or API version) or setup."""

    name: str
    stage: str
    error: str


@attrs.frozen
class PluginHandler:
    """A plugin's event handler as the outbox relay runs it (a Handler of the core)."""

    plugin: str
    func: PluginEventHandler
    registry: PluginRegistry

    @property
    def handler_key(self) -> str:
        func = self.func  # a function, or an object with __call__
        name = getattr(func, "__qualname__", type(func).__qualname__)
        return f"plugin:{self.plugin}:{func.__module__}:{name}"

    async def __call__(self, event: DomainEvent, ctx: Any) -> None:
        runtime = self.registry.runtime
        organiser = await runtime.organiser_of(event)
        if organiser is None or not await runtime.is_active(self.plugin, organiser):
            return
        try:
            await self.func(event, organiser)
        except Exception as exc:  # counted for the report, then retried by the relay
            await runtime.report(self.plugin, "handler", exc)
            raise


@attrs.frozen
class ChannelHandler:
    """A plugin's notifier channel as a handler of `notification.requested`: every message
    sent to people also goes to the channel (which reaches those who linked it), as its own
    job, outside the email's transaction, retried on failure."""

    plugin: str
    position: int
    channel: Notifier
    registry: PluginRegistry

    @property
    def handler_key(self) -> str:
        kind = type(self.channel)
        return (
            f"plugin:{self.plugin}:notifier:{self.position}:{kind.__module__}:{kind.__qualname__}"
        )

    async def __call__(self, event: NotificationRequested, ctx: Any) -> None:
        runtime = self.registry.runtime
        message = await runtime.message_for(event.notification_id)
        try:
            await self.channel.send(message)
        except Exception as exc:  # counted for the report, then retried by the relay
            await runtime.report(self.plugin, "notifier", exc)
            raise


class PluginRegistry:
    """Plugins loaded in this process, by name, and the failures of those that did not."""

    def __init__(self) -> None:
        self.loaded: dict[str, LoadedPlugin] = {}
        self.failures: list[LoadFailure] = []
        self._runtime: PlatformRuntime | None = None

    @classmethod
    def load(
        cls,
        candidates: Iterable[Candidate],
        *,
        allowed: Collection[str],
        settings: Mapping[str, Mapping[str, str]],
        public_url: str,
        event_types: Mapping[str, type[DomainEvent]],
        taken_providers: Collection[str] = (),
    ) -> PluginRegistry:
        """Load the allowed candidates, in allow-list order; never raises."""
        registry = cls()
        found = dict(candidates)
        scoped = scoped_events(event_types)
        for name in dict.fromkeys(allowed):
            if name not in found:
                registry.failures.append(
                    LoadFailure(name, "missing", "allowed in STAGEDOOR_PLUGINS, not installed")
                )
                continue
            ctx = PluginContext(
                name,
                settings=settings.get(name, {}),
                public_url=public_url,
                scoped_events=scoped,
                runtime=lambda: registry._runtime,
            )
            registry._load_one(name, found[name], ctx, taken_providers)
        return registry

    def _load_one(
        self, name: str, load: Callable[[], object], ctx: PluginContext, taken: Collection[str]
    ) -> None:
        stage = "import"
        try:
            plugin = load()
            stage = "check"
            _check(name, plugin)
            stage = "setup"
            plugin.setup(ctx)  # type: ignore[attr-defined]
            registrations = ctx.registrations()
            self._check_clashes(registrations, taken)
        except Exception as exc:  # a broken plugin is skipped, never fatal
            self.failures.append(LoadFailure(name, stage, describe(exc)))
            return
        self.loaded[name] = LoadedPlugin(
            name=name,
            version=str(plugin.version),  # type: ignore[attr-defined]
            requires_api=str(plugin.requires_api),  # type: ignore[attr-defined]
            registrations=registrations,
        )

    def _check_clashes(self, new: Registrations, taken: Collection[str]) -> None:
        providers = {*taken, *self.payment_providers()}
        for provider in new.payment_providers:
            if provider.name in providers:
                raise PluginError(f"a payment provider named {provider.name!r} exists already")
        issuers = {STAGEDOOR, *self.checkers()}
        for checker in new.checkers:
            if checker.issuer in issuers:
                raise PluginError(f"tickets of {checker.issuer!r} have a checker already")

    # -- run time --------------------------------------------------------------------------

    def bind(self, runtime: PlatformRuntime) -> None:
        """The platform runs: plugins may now use their store and view, hooks may fire."""
        self._runtime = runtime

    @property
    def runtime(self) -> PlatformRuntime:
        if self._runtime is None:
            raise PluginError("plugins are loaded but the platform has not bound its runtime")
        return self._runtime

    # -- what the plugins registered ---------------------------------------------------------

    def _each(self) -> Iterable[tuple[str, Registrations]]:
        return ((name, p.registrations) for name, p in self.loaded.items())

    def handlers(self) -> dict[str, list[Handler]]:
        table: dict[str, list[Handler]] = {}
        for name, reg in self._each():
            for event_name, func in reg.subscriptions:
                table.setdefault(event_name, []).append(PluginHandler(name, func, self))
            for n, channel in enumerate(reg.notifiers):
                table.setdefault(NotificationRequested.name, []).append(
                    ChannelHandler(name, n, channel, self)
                )
        return table

    def notifiers(self) -> list[tuple[str, Notifier]]:
        return [(name, n) for name, reg in self._each() for n in reg.notifiers]

    def exchanges(self) -> dict[str, AvailabilityExchange]:
        return {name: reg.exchange for name, reg in self._each() if reg.exchange is not None}

    def checkers(self) -> dict[str, AuthenticityChecker]:
        return {c.issuer: c for _, reg in self._each() for c in reg.checkers}

    def payment_providers(self) -> dict[str, PaymentProvider]:
        return {p.name: p for _, reg in self._each() for p in reg.payment_providers}

    def routes(self) -> dict[str, tuple[object, ...]]:
        return {name: reg.routes for name, reg in self._each() if reg.routes}


def _check(name: str, plugin: object) -> None:
    for attribute in ("name", "version", "requires_api", "setup"):
        if not hasattr(plugin, attribute):
            raise PluginError(f"the object has no {attribute!r}: it is not a PartnerPlugin")
    declared = getattr(plugin, "name", None)
    if declared != name:
        raise PluginError(f"the entry point is {name!r} but the plugin calls itself {declared!r}")
    if not PLUGIN_NAME.fullmatch(name):
        raise PluginError("plugin names are lowercase letters, digits and inner hyphens")
    spec = str(getattr(plugin, "requires_api", ""))
    if not api_supported(spec):
        major, minor = API_VERSION
        raise PluginError(f"it requires plugin API {spec!r}; this is {major}.{minor}")
