"""Kernel repositories on SQL: idempotency keys, the outbox, notifications."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from adapters.codec import dump_event, load_event
from adapters.db.repository import SqlRepository, insert_rows, placeholders
from adapters.db.session import Row, skip_locked
from core.identity.model import AccountId
from core.notifications.model import Notification, NotificationStatus
from core.shared.errors import Conflict, NotFound
from core.shared.events import DomainEvent
from core.shared.idempotency import IdempotencyRecord
from core.shared.ids import uuid7
from core.shared.outbox import OutboxMessage


class SqlIdempotency(SqlRepository):
    async def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        row = await self.db.fetchrow(
            "SELECT scope, key, fingerprint, resource_id, created_at FROM idempotency_keys"
            " WHERE scope = $1 AND key = $2",
            scope,
            key,
        )
        if row is None:
            return None
        return IdempotencyRecord(
            scope=row["scope"],
            key=row["key"],
            fingerprint=row["fingerprint"],
            resource_id=row["resource_id"],
            created_at=row["created_at"],
        )

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """On PostgreSQL an INSERT that meets an uncommitted twin waits for it to end."""
        stored = await self.db.fetchval(
            "INSERT INTO idempotency_keys (id, scope, key, fingerprint, resource_id, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, key) DO NOTHING RETURNING id",
            uuid7(record.created_at),
            record.scope,
            record.key,
            record.fingerprint,
            record.resource_id,
            record.created_at,
        )
        if stored is not None:
            return None
        held = await self.get(record.scope, record.key)
        if held is None:  # the twin rolled back between our insert and this read
            raise Conflict("a request with this Idempotency-Key was just abandoned; retry")
        return held


def _message(row: Row) -> OutboxMessage:
    event = load_event(row["name"], row["version"], row["payload"])
    return OutboxMessage(id=row["id"], event=event, created_at=row["created_at"])


class SqlOutbox(SqlRepository):
    async def write(self, events: Sequence[DomainEvent]) -> None:
        """Called by the unit of work at commit, inside the same transaction."""
        await insert_rows(
            self.db,
            "INSERT INTO outbox (id, name, version, payload, created_at)",
            [(e.event_id, e.name, e.version, dump_event(e), e.occurred_at) for e in events],
            defer=True,
        )

    async def claim(self, limit: int) -> list[OutboxMessage]:
        """Oldest unpublished first; on PostgreSQL rows another relay holds are skipped."""
        skip = skip_locked(self.db.dialect)
        rows = await self.db.fetch(
            "SELECT id, name, version, payload, created_at FROM outbox"
            f" WHERE published_at IS NULL ORDER BY id LIMIT $1{skip}",
            limit,
        )
        return [_message(row) for row in rows]

    async def mark_published(self, ids: Sequence[UUID], now: datetime) -> None:
        if not ids:
            return
        await self.db.execute(
            f"UPDATE outbox SET published_at = $1 WHERE id IN ({placeholders(2, len(ids))})",
            now,
            *ids,
        )

    async def get(self, message_id: UUID) -> OutboxMessage:
        row = await self.db.fetchrow(
            "SELECT id, name, version, payload, created_at FROM outbox WHERE id = $1", message_id
        )
        if row is None:
            raise NotFound("outbox message not found")
        return _message(row)


_NOTIFICATION = "id, recipient_id, template, dedupe_key, data, status, created_at, sent_at"


def _notification(row: Row) -> Notification:
    return Notification(
        id=row["id"],
        recipient_id=AccountId(row["recipient_id"]),
        template=row["template"],
        dedupe_key=row["dedupe_key"],
        data=json.loads(row["data"]),
        created_at=row["created_at"],
        status=NotificationStatus(row["status"]),
        sent_at=row["sent_at"],
    )


class SqlNotifications(SqlRepository):
    async def add_if_absent(self, notification: Notification) -> bool:
        """Insert unless the dedupe key is taken; a concurrent twin simply loses."""
        n = notification
        stored = await self.db.fetchval(
            f"INSERT INTO notifications ({_NOTIFICATION})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            n.id,
            n.recipient_id,
            n.template,
            n.dedupe_key,
            json.dumps(n.data, ensure_ascii=False, sort_keys=True),
            n.status.value,
            n.created_at,
            n.sent_at,
        )
        if stored is None:
            return False
        self.track(notification)
        return True

    async def _one(self, notification_id: UUID, lock: str) -> Notification:
        row = await self.db.fetchrow(
            f"SELECT {_NOTIFICATION} FROM notifications WHERE id = $1{lock}", notification_id
        )
        if row is None:
            raise NotFound("notification not found")
        return self.track(_notification(row))

    async def get(self, notification_id: UUID) -> Notification:
        return await self._one(notification_id, "")

    async def get_for_update(self, notification_id: UUID) -> Notification:
        return await self._one(notification_id, self.for_update)

    async def save(self, notification: Notification) -> None:
        await self.db.execute(
            "UPDATE notifications SET status = $2, sent_at = $3 WHERE id = $1",
            notification.id,
            notification.status.value,
            notification.sent_at,
        )

    async def claim_pending(self, limit: int) -> list[Notification]:
        skip = skip_locked(self.db.dialect)
        rows = await self.db.fetch(
            f"SELECT {_NOTIFICATION} FROM notifications WHERE status = $1"
            f" ORDER BY id LIMIT $2{skip}",
            NotificationStatus.PENDING.value,
            limit,
        )
        return [_notification(row) for row in rows]

    async def mark_sent(self, ids: Sequence[UUID], now: datetime) -> None:
        if not ids:
            return
        await self.db.execute(
            f"UPDATE notifications SET status = $1, sent_at = $2"
            f" WHERE id IN ({placeholders(3, len(ids))})",
            NotificationStatus.SENT.value,
            now,
            *ids,
        )
