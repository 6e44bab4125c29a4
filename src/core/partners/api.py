"""The partner plugin API, version 1.0: everything a plugin sees of Stagedoor.

A plugin is an object with a `name`, a `version`, the range of this API it was written for
(`requires_api`, e.g. ">=1.0,<2") and `setup(ctx)`. In `setup` it registers what it brings
through its `PluginContext`; it never gets a database handle or a unit of work. At run time
it reads its namespaced settings, keeps small facts in its own key-value store, reads
availability snapshots, and is called back for the domain events it subscribed to — only for
organisers who switched it on.

Minor versions of this API only add; a plugin for ">=1.0,<2" keeps working with 1.x.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

import attrs

from core.notifications.ports import Notifier
from core.partners.availability import AvailabilitySnapshot
from core.payments.ports import PaymentProvider
from core.shared.clock import Clock
from core.shared.errors import Unauthenticated
from core.shared.events import DomainEvent
from core.tickets.authenticity import AuthenticityChecker

API_VERSION = (1, 0)
"""The version of this API: (major, minor)."""

PLUGIN_NAME = re.compile(r"[a-z][a-z0-9-]{0,38}[a-z0-9]")
"""Plugin names: lowercase letters, digits and inner hyphens; they become URL segments."""

_CLAUSE = re.compile(r"\s*(>=|<=|==|>|<)\s*(\d+)(?:\.(\d+))?\s*")


class PluginError(Exception):
    """Raised when a plugin misuses the API or lacks a setting; the plugin is then skipped."""


class PartnerPlugin(Protocol):
    """What the entry point `stagedoor.plugins` names."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def requires_api(self) -> str:
        """The API versions this plugin works with, e.g. ">=1.0,<2"."""
        ...

    def setup(self, ctx: PluginContext) -> None:
        """Register what the plugin brings; raising here skips the plugin (and is reported)."""
        ...


def api_supported(spec: str, version: tuple[int, int] = API_VERSION) -> bool:
    """Whether `version` satisfies a spec of comma-separated clauses like ">=1.0,<2".

    Raises PluginError for a spec that cannot be read.
    """
    clauses = [c for c in spec.split(",") if c.strip()]
    if not clauses:
        raise PluginError("requires_api is empty; say e.g. '>=1.0,<2'")
    for clause in clauses:
        found = _CLAUSE.fullmatch(clause)
        if found is None:
            raise PluginError(f"requires_api clause {clause.strip()!r} is not like '>=1.0'")
        op, major, minor = found.group(1), int(found.group(2)), int(found.group(3) or 0)
        bound = (major, minor)
        holds = {
            ">=": version >= bound,
            "<=": version <= bound,
            "==": version == bound,
            ">": version > bound,
            "<": version < bound,
        }[op]
        if not holds:
            return False
    return True


PluginEventHandler = Callable[[DomainEvent, UUID], Awaitable[None]]
"""`async def handler(event, organiser_id)`: runs after the event's transaction, in a worker,
retried on failure (so it must be idempotent), only for organisers who switched it on."""


@attrs.frozen
class AvailabilityUpdate:
    """One push of an event's availability to a partner.

    `delivery_id` and `revision` together name this push: a partner that sees the same pair
    twice (a retry after a lost answer) can ignore the second.
    """

    snapshot: AvailabilitySnapshot
    delivery_id: UUID
    revision: int
    sent_at: datetime


@attrs.frozen
class PartnerOffer:
    """What a partner platform has on offer for an organiser, as it says."""

    name: str
    url: str
    starts_at: datetime | None = None
    seats_left: int | None = None
    availability: str = ""


class AvailabilityExchange(Protocol):
    """Availability between Stagedoor and one partner platform.

    `push` tells the partner how an event stands; raising means "try again later" (the
    platform retries with backoff, and stops hammering a partner that keeps failing).
    `pull` asks the partner what it offers for an organiser.
    """

    async def push(self, update: AvailabilityUpdate) -> None: ...

    async def pull(self, organiser_id: UUID) -> Sequence[PartnerOffer]: ...


class PluginStore(Protocol):
    """A plugin's own small key-value store (keys up to 200 characters, values up to 16 KB
    of text); other plugins never see it. Each call is its own transaction."""

    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str) -> None: ...

    async def take(self, key: str) -> str | None:
        """Read and delete at once: one-time codes are taken by one caller only."""
        ...

    async def delete(self, key: str) -> bool: ...

    async def items(self, prefix: str, limit: int = 100) -> list[tuple[str, str]]:
        """Keys starting with `prefix` and their values, in key order."""
        ...


class PlatformView(Protocol):
    """What a plugin may ask the platform at run time."""

    async def snapshot(self, event_id: UUID) -> AvailabilitySnapshot:
        """How an event stands now; NotFound for an unknown or private event."""
        ...

    async def is_active(self, organiser_id: UUID) -> bool:
        """Whether the organiser switched this plugin on."""
        ...


class PluginRuntime(Protocol):
    """What the platform hands plugins once it runs (the registry binds it at start-up)."""

    @property
    def clock(self) -> Clock: ...

    def store_for(self, plugin: str) -> PluginStore: ...

    def view_for(self, plugin: str) -> PlatformView: ...


@attrs.frozen
class Caller:
    """Who calls a plugin's route: routes declare a parameter `caller: Caller` to get it."""

    account_id: UUID | None = None

    def require(self) -> UUID:
        """The signed-in account; Unauthenticated for anonymous callers."""
        if self.account_id is None:
            raise Unauthenticated("sign in first: send `Authorization: Bearer <access token>`")
        return self.account_id


@attrs.frozen
class Registrations:
    """Everything one plugin registered in `setup`."""

    payment_providers: tuple[PaymentProvider, ...] = ()
    notifiers: tuple[Notifier, ...] = ()
    checkers: tuple[AuthenticityChecker, ...] = ()
    exchange: AvailabilityExchange | None = None
    subscriptions: tuple[tuple[str, PluginEventHandler], ...] = ()
    routes: tuple[object, ...] = ()

    def summary(self) -> dict[str, int]:
        return {
            "payment_providers": len(self.payment_providers),
            "notifiers": len(self.notifiers),
            "authenticity_checkers": len(self.checkers),
            "availability_exchanges": int(self.exchange is not None),
            "subscriptions": len(self.subscriptions),
            "routes": len(self.routes),
        }


def setting_variable(plugin: str, key: str) -> str:
    """The environment variable that sets `key` for `plugin`."""
    return f"STAGEDOOR_PLUGIN_{plugin.upper().replace('-', '_')}__{key.upper()}"


class PluginContext:
    """Handed to `setup`: where a plugin registers what it brings and finds what it may use.

    Registrations take effect only if `setup` returns normally. `store`, `platform` and
    `clock` work once the platform runs (in route handlers and event handlers), not in
    `setup` itself.
    """

    def __init__(
        self,
        name: str,
        *,
        settings: Mapping[str, str],
        public_url: str,
        scoped_events: frozenset[str],
        runtime: Callable[[], PluginRuntime | None],
    ) -> None:
        self.name = name
        self.settings: Mapping[str, str] = dict(settings)
        self.public_url = public_url.rstrip("/")
        self._scoped_events = scoped_events
        self._runtime = runtime
        self._providers: list[PaymentProvider] = []
        self._notifiers: list[Notifier] = []
        self._checkers: list[AuthenticityChecker] = []
        self._exchange: AvailabilityExchange | None = None
        self._subscriptions: list[tuple[str, PluginEventHandler]] = []
        self._routes: list[object] = []

    # -- settings ------------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        """The plugin's setting `key` (STAGEDOOR_PLUGIN_<NAME>__<KEY>), or `default`."""
        return self.settings.get(key.lower(), default)

    def require_setting(self, key: str) -> str:
        """The setting `key`; PluginError naming the variable to set when it is missing."""
        value = self.setting(key)
        if not value:
            raise PluginError(f"set {setting_variable(self.name, key)} to use this plugin")
        return value

    # -- registrations -------------------------------------------------------------------

    def add_payment_provider(self, provider: PaymentProvider) -> None:
        self._providers.append(provider)

    def add_notifier(self, notifier: Notifier) -> None:
        """A channel that also receives every message sent to people (it picks whom it can
        reach, e.g. those who linked a messenger account)."""
        self._notifiers.append(notifier)

    def add_authenticity_checker(self, checker: AuthenticityChecker) -> None:
        """Checks tickets of one issuer (`checker.issuer`), for resale."""
        self._checkers.append(checker)

    def set_availability_exchange(self, exchange: AvailabilityExchange) -> None:
        if self._exchange is not None:
            raise PluginError("a plugin has one availability exchange; it was set already")
        self._exchange = exchange

    def subscribe(self, event: str | type[DomainEvent], handler: PluginEventHandler) -> None:
        """Call `handler(event, organiser_id)` after each such event of an organiser who
        switched the plugin on."""
        name = event if isinstance(event, str) else event.name
        if name not in self._scoped_events:
            known = ", ".join(sorted(self._scoped_events))
            raise PluginError(f"plugins cannot subscribe to {name!r}; they can to: {known}")
        self._subscriptions.append((name, handler))

    def add_routes(self, *handlers: object) -> None:
        """HTTP route handlers (Litestar's), served under /plugins/<name>/."""
        self._routes.extend(handlers)

    def registrations(self) -> Registrations:
        return Registrations(
            payment_providers=tuple(self._providers),
            notifiers=tuple(self._notifiers),
            checkers=tuple(self._checkers),
            exchange=self._exchange,
            subscriptions=tuple(self._subscriptions),
            routes=tuple(self._routes),
        )

    # -- at run time ---------------------------------------------------------------------

    def _running(self) -> PluginRuntime:
        runtime = self._runtime()
        if runtime is None:
            raise PluginError("the platform is not running yet; use this in handlers, not setup")
        return runtime

    @property
    def store(self) -> PluginStore:
        return self._running().store_for(self.name)

    @property
    def platform(self) -> PlatformView:
        return self._running().view_for(self.name)

    @property
    def clock(self) -> Clock:
        return self._running().clock
