"""Partner repositories on SQL: keys, holds, plugin switches and data, deliveries owed to
partners, their breakers, plugin problems, and an organiser's listed events."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.db.booking import EVENT_COLUMNS, event_from_row
from adapters.db.repository import SqlRepository, money_fields, page_of, placeholders
from adapters.db.session import Row, skip_locked
from core.booking.model import Event
from core.identity.model import AccountId
from core.partners.circuit import Circuit, Delivery
from core.partners.model import HoldStatus, KeyScope, PartnerHold, PartnerKey, PluginActivation
from core.partners.ports import PluginProblem
from core.shared.errors import NotFound
from core.shared.ids import uuid7
from core.shared.money import Money
from core.shared.paging import Page, PageRequest, instant_id_after, instant_id_cursor

_KEY = "id, organiser_id, name, scopes, key_hash, hint, created_at, revoked_at"


def _key(row: Row) -> PartnerKey:
    return PartnerKey(
        id=row["id"],
        organiser_id=AccountId(row["organiser_id"]),
        name=row["name"],
        scopes=frozenset(KeyScope(s) for s in row["scopes"].split(",") if s),
        key_hash=row["key_hash"],
        hint=row["hint"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


class SqlPartnerKeys(SqlRepository):
    async def add(self, key: PartnerKey) -> None:
        await self.db.execute(
            f"INSERT INTO partner_keys ({_KEY}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            key.id,
            key.organiser_id,
            key.name,
            ",".join(sorted(key.scopes)),
            key.key_hash,
            key.hint,
            key.created_at,
            key.revoked_at,
        )

    async def get(self, key_id: UUID) -> PartnerKey:
        row = await self.db.fetchrow(f"SELECT {_KEY} FROM partner_keys WHERE id = $1", key_id)
        if row is None:
            raise NotFound("partner key not found")
        return _key(row)

    async def find_by_hash(self, key_hash: str) -> PartnerKey | None:
        row = await self.db.fetchrow(
            f"SELECT {_KEY} FROM partner_keys WHERE key_hash = $1", key_hash
        )
        return None if row is None else _key(row)

    async def list_for(self, organiser_id: AccountId) -> list[PartnerKey]:
        rows = await self.db.fetch(
            f"SELECT {_KEY} FROM partner_keys WHERE organiser_id = $1 ORDER BY id DESC",
            organiser_id,
        )
        return [_key(row) for row in rows]

    async def save(self, key: PartnerKey) -> None:
        await self.db.execute(
            "UPDATE partner_keys SET revoked_at = $2 WHERE id = $1", key.id, key.revoked_at
        )


_HOLD = (
    "id, key_id, partner, organiser_id, event_id, seats, reference, status, amount_minor,"
    " currency, created_at, expires_at, confirmed_at, closed_at"
)


def _hold(row: Row) -> PartnerHold:
    amount = money_fields(row["amount_minor"], row["currency"])
    return PartnerHold(
        id=row["id"],
        key_id=row["key_id"],
        partner=row["partner"],
        organiser_id=AccountId(row["organiser_id"]),
        event_id=row["event_id"],
        seats=row["seats"],
        reference=row["reference"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        amount=None if amount is None else Money(*amount),
        status=HoldStatus(row["status"]),
        confirmed_at=row["confirmed_at"],
        closed_at=row["closed_at"],
    )


class SqlPartnerHolds(SqlRepository):
    async def add(self, hold: PartnerHold) -> None:
        h = hold
        amount = (None, None) if h.amount is None else (h.amount.amount, h.amount.currency)
        await self.db.execute(
            f"INSERT INTO partner_holds ({_HOLD})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            h.id,
            h.key_id,
            h.partner,
            h.organiser_id,
            h.event_id,
            h.seats,
            h.reference,
            h.status.value,
            *amount,
            h.created_at,
            h.expires_at,
            h.confirmed_at,
            h.closed_at,
        )
        self.track(hold)

    async def _one(self, where: str, *args: Any) -> PartnerHold | None:
        row = await self.db.fetchrow(f"SELECT {_HOLD} FROM partner_holds WHERE {where}", *args)
        return None if row is None else self.track(_hold(row))

    async def get(self, hold_id: UUID) -> PartnerHold:
        hold = await self._one("id = $1", hold_id)
        if hold is None:
            raise NotFound("hold not found")
        return hold

    async def find(self, key_id: UUID, reference: str) -> PartnerHold | None:
        return await self._one("key_id = $1 AND reference = $2", key_id, reference)

    async def save(self, hold: PartnerHold) -> None:
        await self.db.execute(
            "UPDATE partner_holds SET status = $2, confirmed_at = $3, closed_at = $4 WHERE id = $1",
            hold.id,
            hold.status.value,
            hold.confirmed_at,
            hold.closed_at,
        )
        self.track(hold)

    async def due_to_expire(self, now: datetime, limit: int) -> list[UUID]:
        rows = await self.db.fetch(
            "SELECT id FROM partner_holds WHERE status = $1 AND expires_at <= $2"
            " ORDER BY expires_at, id LIMIT $3",
            HoldStatus.HELD.value,
            now,
            limit,
        )
        return [row["id"] for row in rows]


class SqlActivations(SqlRepository):
    async def put(self, activation: PluginActivation) -> None:
        a = activation
        await self.db.execute(
            "INSERT INTO plugin_activations (id, organiser_id, plugin, active, changed_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organiser_id, plugin)"
            " DO UPDATE SET active = excluded.active, changed_at = excluded.changed_at",
            uuid7(a.changed_at),
            a.organiser_id,
            a.plugin,
            a.active,
            a.changed_at,
        )

    async def active(self, organiser_id: AccountId) -> frozenset[str]:
        rows = await self.db.fetch(
            "SELECT plugin FROM plugin_activations WHERE organiser_id = $1 AND active = $2",
            organiser_id,
            True,
        )
        return frozenset(row["plugin"] for row in rows)


class SqlPluginData(SqlRepository):
    async def get(self, plugin: str, key: str) -> str | None:
        value = await self.db.fetchval(
            "SELECT value FROM plugin_data WHERE plugin = $1 AND key = $2", plugin, key
        )
        return None if value is None else str(value)

    async def put(self, plugin: str, key: str, value: str, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO plugin_data (id, plugin, key, value, updated_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (plugin, key)"
            " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            uuid7(now),
            plugin,
            key,
            value,
            now,
        )

    async def take(self, plugin: str, key: str) -> str | None:
        value = await self.db.fetchval(
            "DELETE FROM plugin_data WHERE plugin = $1 AND key = $2 RETURNING value", plugin, key
        )
        return None if value is None else str(value)

    async def delete(self, plugin: str, key: str) -> bool:
        return await self.take(plugin, key) is not None

    async def items(self, plugin: str, prefix: str, limit: int) -> list[tuple[str, str]]:
        # A range on the key, not LIKE: prefixes may hold % and _, and both engines agree on it.
        rows = await self.db.fetch(
            "SELECT key, value FROM plugin_data WHERE plugin = $1 AND key >= $2 AND key < $3"
            " ORDER BY key LIMIT $4",
            plugin,
            prefix,
            prefix + "\U0010ffff",
            limit,
        )
        return [(row["key"], row["value"]) for row in rows]


_DELIVERY = (
    "id, exchange, event_id, organiser_id, revision, attempts, next_attempt_at, created_at,"
    " delivered_at, last_error"
)


def _delivery(row: Row) -> Delivery:
    return Delivery(
        id=row["id"],
        exchange=row["exchange"],
        event_id=row["event_id"],
        organiser_id=row["organiser_id"],
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        revision=row["revision"],
        attempts=row["attempts"],
        delivered_at=row["delivered_at"],
        last_error=row["last_error"],
    )


class SqlDeliveries(SqlRepository):
    async def owe(self, delivery: Delivery) -> None:
        d = delivery
        await self.db.execute(
            f"INSERT INTO partner_deliveries ({_DELIVERY})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            " ON CONFLICT (exchange, event_id) WHERE delivered_at IS NULL"
            " DO UPDATE SET revision = partner_deliveries.revision + 1",
            d.id,
            d.exchange,
            d.event_id,
            d.organiser_id,
            d.revision,
            d.attempts,
            d.next_attempt_at,
            d.created_at,
            d.delivered_at,
            d.last_error,
        )

    async def lease_due(
        self, exchange: str, now: datetime, until: datetime, limit: int
    ) -> list[Delivery]:
        skip = skip_locked(self.db.dialect)
        rows = await self.db.fetch(
            f"SELECT {_DELIVERY} FROM partner_deliveries"
            " WHERE exchange = $1 AND delivered_at IS NULL AND next_attempt_at <= $2"
            f" ORDER BY next_attempt_at, id LIMIT $3{skip}",
            exchange,
            now,
            limit,
        )
        due = [_delivery(row) for row in rows]
        if due:
            await self.db.execute(
                "UPDATE partner_deliveries SET next_attempt_at = $1"
                f" WHERE id IN ({placeholders(2, len(due))})",
                until,
                *(delivery.id for delivery in due),
            )
        return due

    async def settle(self, delivery: Delivery) -> None:
        d = delivery
        await self.db.execute(
            "UPDATE partner_deliveries SET attempts = $2, last_error = $3, next_attempt_at = $4,"
            " delivered_at = CASE WHEN revision = $6 THEN $5 ELSE delivered_at END"
            " WHERE id = $1",
            d.id,
            d.attempts,
            d.last_error,
            d.next_attempt_at,
            d.delivered_at,
            d.revision,
        )

    async def get(self, delivery_id: UUID) -> Delivery:
        row = await self.db.fetchrow(
            f"SELECT {_DELIVERY} FROM partner_deliveries WHERE id = $1", delivery_id
        )
        if row is None:
            raise NotFound("delivery not found")
        return _delivery(row)


class SqlCircuits(SqlRepository):
    async def get_for_update(self, exchange: str) -> Circuit:
        await self.db.execute(
            "INSERT INTO partner_circuits (exchange, failures, trips, open_until, probing)"
            " VALUES ($1, 0, 0, NULL, $2) ON CONFLICT (exchange) DO NOTHING",
            exchange,
            False,
        )
        row = await self.db.fetchrow(
            "SELECT exchange, failures, trips, open_until, probing FROM partner_circuits"
            f" WHERE exchange = $1{self.for_update}",
            exchange,
        )
        assert row is not None
        return Circuit(
            exchange=row["exchange"],
            failures=row["failures"],
            trips=row["trips"],
            open_until=row["open_until"],
            probing=bool(row["probing"]),
        )

    async def save(self, circuit: Circuit) -> None:
        await self.db.execute(
            "UPDATE partner_circuits SET failures = $2, trips = $3, open_until = $4, probing = $5"
            " WHERE exchange = $1",
            circuit.exchange,
            circuit.failures,
            circuit.trips,
            circuit.open_until,
            circuit.probing,
        )


class SqlProblems(SqlRepository):
    async def record(self, plugin: str, kind: str, error: str, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO plugin_problems (id, plugin, kind, count, last_error, last_at)"
            " VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (plugin, kind) DO UPDATE SET"
            " count = plugin_problems.count + 1, last_error = excluded.last_error,"
            " last_at = excluded.last_at",
            uuid7(now),
            plugin,
            kind,
            error,
            now,
        )

    async def all(self) -> list[PluginProblem]:
        rows = await self.db.fetch(
            "SELECT plugin, kind, count, last_error, last_at FROM plugin_problems"
            " ORDER BY plugin, kind"
        )
        return [
            PluginProblem(
                row["plugin"], row["kind"], int(row["count"]), row["last_error"], row["last_at"]
            )
            for row in rows
        ]


class SqlOrganiserEvents(SqlRepository):
    async def listed(
        self, organiser_id: AccountId, since: datetime, page: PageRequest
    ) -> Page[Event]:
        args: list[Any] = [organiser_id, since]
        after = ""
        if page.cursor is not None:
            args.extend(instant_id_after(page.cursor))
            after = " AND (starts_at, id) > ($3, $4)"
        args.append(page.limit + 1)
        rows = await self.db.fetch(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE host_id = $1 AND visibility = 'public'"
            f" AND starts_at >= $2{after} ORDER BY starts_at, id LIMIT ${len(args)}",
            *args,
        )
        return page_of(
            rows, page.limit, event_from_row, lambda e: instant_id_cursor(e.starts_at, e.id)
        )
