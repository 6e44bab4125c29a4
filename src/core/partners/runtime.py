"""What plugins reach at run time, built over units of work they never see.

`PlatformRuntime` is bound into the plugin registry when the platform starts. It gives each
plugin its own key-value store and a read-only view of the platform, tells whether an
organiser switched a plugin on, finds the organiser a domain event belongs to, and records
what plugins got wrong (for the admin report).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol
from uuid import UUID

import attrs

from core.booking.model import EventId, Visibility
from core.identity.model import AccountId
from core.notifications.model import Message
from core.notifications.ports import NotificationsUnitOfWork
from core.notifications.services import notification_message
from core.partners.availability import AvailabilitySnapshot, snapshot_of
from core.partners.ports import PartnersUnitOfWork
from core.shared.clock import Clock
from core.shared.errors import NotFound, ValidationFailed
from core.shared.events import DomainEvent

KEY_MAX = 200
VALUE_MAX = 16 * 1024
ERROR_MAX = 500
ORGANISER_FIELDS = ("organiser_id", "host_id")
EVENT_FIELD = "live_event_id"


class RuntimeUnitOfWork(PartnersUnitOfWork, NotificationsUnitOfWork, Protocol):
    """What the runtime reads and writes on plugins' behalf."""


NewUow = Callable[[], RuntimeUnitOfWork]


def scoped_events(types: Mapping[str, type[DomainEvent]]) -> frozenset[str]:
    """Domain events that belong to one organiser: the ones plugins may subscribe to."""
    return frozenset(
        name
        for name, cls in types.items()
        if {a.name for a in attrs.fields(cls)} & {*ORGANISER_FIELDS, EVENT_FIELD}
    )


def describe(exc: BaseException) -> str:
    """An error for the admin report: its type and message, cut short."""
    return f"{type(exc).__name__}: {exc}"[:ERROR_MAX]


def _key(key: str) -> str:
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise ValidationFailed(f"plugin store keys are 1 to {KEY_MAX} printable characters")
    return key


@attrs.frozen
class StoredPluginData:
    """One plugin's key-value store (the PluginStore of the plugin API)."""

    plugin: str
    new_uow: NewUow
    clock: Clock

    async def get(self, key: str) -> str | None:
        async with self.new_uow() as uow:
            return await uow.plugin_data.get(self.plugin, _key(key))

    async def put(self, key: str, value: str) -> None:
        if len(value.encode()) > VALUE_MAX:
            raise ValidationFailed(f"plugin store values are at most {VALUE_MAX} bytes")
        async with self.new_uow() as uow:
            await uow.plugin_data.put(self.plugin, _key(key), value, self.clock.now())
            await uow.commit()

    async def take(self, key: str) -> str | None:
        async with self.new_uow() as uow:
            value = await uow.plugin_data.take(self.plugin, _key(key))
            await uow.commit()
        return value

    async def delete(self, key: str) -> bool:
        async with self.new_uow() as uow:
            deleted = await uow.plugin_data.delete(self.plugin, _key(key))
            await uow.commit()
        return deleted

    async def items(self, prefix: str, limit: int = 100) -> list[tuple[str, str]]:
        if not 1 <= limit <= 1000:
            raise ValidationFailed("ask the plugin store for 1 to 1000 items at a time")
        async with self.new_uow() as uow:
            return await uow.plugin_data.items(self.plugin, prefix, limit)


@attrs.frozen
class PlatformRuntime:
    """The PluginRuntime the registry is bound to, plus what plugin hooks need."""

    new_uow: NewUow
    clock: Clock

    def store_for(self, plugin: str) -> StoredPluginData:
        return StoredPluginData(plugin, self.new_uow, self.clock)

    def view_for(self, plugin: str) -> PluginView:
        return PluginView(plugin, self)

    async def snapshot(self, event_id: UUID) -> AvailabilitySnapshot:
        async with self.new_uow() as uow:
            event = await uow.events.get(EventId(event_id))
        if event.visibility is not Visibility.PUBLIC:
            raise NotFound("event not found")
        return snapshot_of(event, self.clock.now())

    async def is_active(self, plugin: str, organiser_id: UUID) -> bool:
        async with self.new_uow() as uow:
            return plugin in await uow.plugin_activations.active(AccountId(organiser_id))

    async def organiser_of(self, event: DomainEvent) -> UUID | None:
        """Whose domain event this is: its organiser or host, or the host of its live event."""
        for field in ORGANISER_FIELDS:
            value = getattr(event, field, None)
            if isinstance(value, UUID):
                return value
        live = getattr(event, EVENT_FIELD, None)
        if not isinstance(live, UUID):
            return None
        async with self.new_uow() as uow:
            try:
                return (await uow.events.get(EventId(live))).host_id
            except NotFound:
                return None

    async def message_for(self, notification_id: UUID) -> Message:
        return await notification_message(notification_id, uow=self.new_uow())

    async def report(self, plugin: str, kind: str, exc: BaseException) -> None:
        """Count a plugin's failure; never raises (the failure itself is what matters)."""
        try:
            async with self.new_uow() as uow:
                await uow.plugin_problems.record(plugin, kind, describe(exc), self.clock.now())
                await uow.commit()
        except Exception:  # noqa: S110 - a report that cannot be stored must not hide the error
            pass


@attrs.frozen
class PluginView:
    """A plugin's read-only view of the platform (the PlatformView of the plugin API)."""

    plugin: str
    runtime: PlatformRuntime

    async def snapshot(self, event_id: UUID) -> AvailabilitySnapshot:
        return await self.runtime.snapshot(event_id)

    async def is_active(self, organiser_id: UUID) -> bool:
        return await self.runtime.is_active(self.plugin, organiser_id)
