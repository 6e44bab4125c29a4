"""In-memory partner repositories: keys, holds, activations, plugin data, deliveries owed to
partners, their breakers, plugin problems, and an organiser's listed events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import attrs

from core.booking.model import Event, Visibility
from core.identity.model import AccountId
from core.partners.circuit import Circuit, Delivery
from core.partners.model import HoldStatus, PartnerHold, PartnerKey, PluginActivation
from core.partners.ports import PluginProblem
from core.shared.errors import Conflict, NotFound
from core.shared.paging import Page, PageRequest, instant_id_after, instant_id_cursor

if TYPE_CHECKING:
    from adapters.memory.store import _Repo
else:  # imported at the end of adapters.memory.store, once _Repo exists
    from adapters.memory.store import _Repo


class MemoryPartnerKeys(_Repo):
    table = "partner_keys"

    async def add(self, key: PartnerKey) -> None:
        if await self.find_by_hash(key.key_hash) is not None:
            raise Conflict("a partner key with this secret exists; issue another")
        self.tx.put(self.table, key.id, key)

    async def get(self, key_id: UUID) -> PartnerKey:
        return self._get(key_id, "partner key")  # type: ignore[no-any-return]

    async def find_by_hash(self, key_hash: str) -> PartnerKey | None:
        return next((k for k in self.tx.rows(self.table) if k.key_hash == key_hash), None)

    async def list_for(self, organiser_id: AccountId) -> list[PartnerKey]:
        mine = (k for k in self.tx.rows(self.table) if k.organiser_id == organiser_id)
        return sorted(mine, key=lambda k: k.id, reverse=True)

    async def save(self, key: PartnerKey) -> None:
        self.tx.put(self.table, key.id, key)


class MemoryPartnerHolds(_Repo):
    table = "partner_holds"

    async def add(self, hold: PartnerHold) -> None:
        if await self.find(hold.key_id, hold.reference) is not None:
            raise Conflict("this partner already holds seats under this reference")
        self.tx.put(self.table, hold.id, hold)
        self.tx.track(hold)

    async def get(self, hold_id: UUID) -> PartnerHold:
        return self._get(hold_id, "hold")  # type: ignore[no-any-return]

    async def find(self, key_id: UUID, reference: str) -> PartnerHold | None:
        found = next(
            (h for h in self.tx.rows(self.table) if (h.key_id, h.reference) == (key_id, reference)),
            None,
        )
        return self.tx.track(found)

    async def save(self, hold: PartnerHold) -> None:
        self.tx.put(self.table, hold.id, hold)
        self.tx.track(hold)

    async def due_to_expire(self, now: datetime, limit: int) -> list[UUID]:
        due = sorted(
            (h for h in self.tx.rows(self.table) if h.status is HoldStatus.HELD),
            key=lambda h: (h.expires_at, h.id),
        )
        return [h.id for h in due if h.expires_at <= now][:limit]


class MemoryActivations(_Repo):
    table = "plugin_activations"

    async def put(self, activation: PluginActivation) -> None:
        self.tx.put(self.table, (activation.organiser_id, activation.plugin), activation)

    async def active(self, organiser_id: AccountId) -> frozenset[str]:
        return frozenset(
            a.plugin
            for a in self.tx.rows(self.table)
            if a.organiser_id == organiser_id and a.active
        )


class MemoryPluginData(_Repo):
    """Deleted pairs stay as None (the store keeps no deletions), skipped when read."""

    table = "plugin_data"

    async def get(self, plugin: str, key: str) -> str | None:
        return self.tx.get(self.table, (plugin, key))  # type: ignore[no-any-return]

    async def put(self, plugin: str, key: str, value: str, now: datetime) -> None:
        self.tx.put(self.table, (plugin, key), value)

    async def take(self, plugin: str, key: str) -> str | None:
        value = await self.get(plugin, key)
        if value is not None:
            self.tx.put(self.table, (plugin, key), None)
        return value

    async def delete(self, plugin: str, key: str) -> bool:
        return await self.take(plugin, key) is not None

    async def items(self, plugin: str, prefix: str, limit: int) -> list[tuple[str, str]]:
        merged: dict[Any, Any] = {
            **self.tx.store.table(self.table),
            **self.tx.pending.get(self.table, {}),
        }
        pairs = sorted(
            (key, value)
            for (owner, key), value in merged.items()
            if owner == plugin and value is not None and key.startswith(prefix)
        )
        return pairs[:limit]


class MemoryDeliveries(_Repo):
    table = "partner_deliveries"

    def _owed(self, exchange: str, event_id: UUID) -> Delivery | None:
        return next(
            (
                d
                for d in self.tx.rows(self.table)
                if (d.exchange, d.event_id) == (exchange, event_id) and d.delivered_at is None
            ),
            None,
        )

    async def owe(self, delivery: Delivery) -> None:
        owed = self._owed(delivery.exchange, delivery.event_id)
        if owed is None:
            self.tx.put(self.table, delivery.id, delivery)
            return
        owed.revision += 1
        self.tx.put(self.table, owed.id, owed)

    async def lease_due(
        self, exchange: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        due = sorted(
            (
                d
                for d in self.tx.rows(self.table)
                if d.exchange == exchange and d.delivered_at is None and d.next_attempt_at <= now
            ),
            key=lambda d: (d.next_attempt_at, d.id),
        )[:limit]
        for delivery in due:
            self.tx.put(self.table, delivery.id, attrs.evolve(delivery, next_attempt_at=until))
        return due

    async def settle(self, delivery: Delivery) -> None:
        stored: Delivery = await self.get(delivery.id)
        stored.attempts, stored.last_error = delivery.attempts, delivery.last_error
        stored.next_attempt_at = delivery.next_attempt_at
        if stored.revision == delivery.revision:
            stored.delivered_at = delivery.delivered_at
        self.tx.put(self.table, stored.id, stored)

    async def get(self, delivery_id: UUID) -> Delivery:
        found = self.tx.get(self.table, delivery_id)
        if found is None:
            raise NotFound("delivery not found")
        return found  # type: ignore[no-any-return]


class MemoryCircuits(_Repo):
    table = "partner_circuits"

    async def get_for_update(self, exchange: str) -> Circuit:
        found = self.tx.get(self.table, exchange)
        return Circuit(exchange) if found is None else found

    async def save(self, circuit: Circuit) -> None:
        self.tx.put(self.table, circuit.exchange, circuit)


class MemoryProblems(_Repo):
    table = "plugin_problems"

    async def record(self, plugin: str, kind: str, error: str, now: datetime) -> None:
        known = self.tx.get(self.table, (plugin, kind))
        count = 1 if known is None else known.count + 1
        self.tx.put(self.table, (plugin, kind), PluginProblem(plugin, kind, count, error, now))

    async def all(self) -> list[PluginProblem]:
        return sorted(self.tx.rows(self.table), key=lambda p: (p.plugin, p.kind))


def _listed_key(event: Event) -> tuple[datetime, UUID]:
    return (event.starts_at, event.id)


class MemoryOrganiserEvents(_Repo):
    table = "events"

    async def listed(
        self, organiser_id: AccountId, since: datetime, page: PageRequest
    ) -> Page[Event]:
        found = sorted(
            (
                e
                for e in self.tx.rows(self.table)
                if e.host_id == organiser_id
                and e.visibility is Visibility.PUBLIC
                and e.starts_at >= since
            ),
            key=_listed_key,
        )
        if page.cursor is not None:
            after = instant_id_after(page.cursor)
            found = [e for e in found if _listed_key(e) > after]
        chunk = found[: page.limit]
        more = len(found) > page.limit
        cursor = instant_id_cursor(chunk[-1].starts_at, chunk[-1].id) if more and chunk else None
        return Page(chunk, cursor)
