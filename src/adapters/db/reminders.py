"""Reminders on SQL: one row per (subject, kind), claimed with SKIP LOCKED on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from adapters.db.repository import SqlRepository, insert_rows, placeholders
from adapters.db.session import Row, skip_locked
from core.booking.model import EventId
from core.booking.reminders import Reminder, ReminderKind
from core.identity.model import AccountId

_REMINDER = "id, subject_id, event_id, recipient_id, kind, due_at, done_at"


def _reminder(row: Row) -> Reminder:
    return Reminder(
        id=row["id"],
        subject_id=row["subject_id"],
        event_id=EventId(row["event_id"]),
        recipient_id=AccountId(row["recipient_id"]),
        kind=ReminderKind(row["kind"]),
        due_at=row["due_at"],
        done_at=row["done_at"],
    )


class SqlReminders(SqlRepository):
    async def schedule(self, reminders: Sequence[Reminder]) -> None:
        await insert_rows(
            self.db,
            f"INSERT INTO reminders ({_REMINDER})",
            [
                (r.id, r.subject_id, r.event_id, r.recipient_id, r.kind.value, r.due_at, r.done_at)
                for r in reminders
            ],
            " ON CONFLICT (subject_id, kind) DO NOTHING",
        )

    async def move(self, event_id: EventId, starts_at: datetime, now: datetime) -> None:
        for kind in ReminderKind:
            due = starts_at - kind.lead
            done = "NULL" if due > now else "COALESCE(done_at, $4)"
            await self.db.execute(
                f"UPDATE reminders SET due_at = $3, done_at = {done}"
                " WHERE event_id = $1 AND kind = $2",
                event_id,
                kind.value,
                due,
                *([] if due > now else [now]),
            )

    async def drop(self, subject_id: UUID) -> None:
        await self.db.execute("DELETE FROM reminders WHERE subject_id = $1", subject_id)

    async def drop_event(self, event_id: EventId) -> None:
        await self.db.execute("DELETE FROM reminders WHERE event_id = $1", event_id)

    async def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        skip = skip_locked(self.db.dialect)
        rows = await self.db.fetch(
            f"SELECT {_REMINDER} FROM reminders WHERE done_at IS NULL AND due_at <= $1"
            f" ORDER BY due_at, id LIMIT $2{skip}",
            now,
            limit,
        )
        return [_reminder(row) for row in rows]

    async def mark_done(self, ids: Sequence[UUID], now: datetime) -> None:
        if not ids:
            return
        await self.db.execute(
            f"UPDATE reminders SET done_at = $1 WHERE id IN ({placeholders(2, len(ids))})",
            now,
            *ids,
        )
