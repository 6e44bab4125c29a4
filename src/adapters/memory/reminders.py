"""Reminders in memory: rows keyed by (subject, kind), like the SQL table's unique index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import attrs

from adapters.memory.store import _Repo
from core.booking.model import EventId
from core.booking.reminders import Reminder


class MemoryReminders(_Repo):
    table = "reminders"

    def _live(self) -> list[Reminder]:
        return [r for r in self.tx.rows(self.table) if r is not None]  # None: a dropped row

    def _of_event(self, event_id: EventId) -> list[Reminder]:
        return [r for r in self._live() if r.event_id == event_id]

    async def schedule(self, reminders: Sequence[Reminder]) -> None:
        for reminder in reminders:
            key = (reminder.subject_id, reminder.kind)
            if self.tx.get(self.table, key) is None:  # absent, or dropped: schedule anew
                self.tx.put(self.table, key, reminder)

    async def move(self, event_id: EventId, starts_at: datetime, now: datetime) -> None:
        for reminder in self._of_event(event_id):
            due = starts_at - reminder.kind.lead
            done = None if due > now else (reminder.done_at or now)
            moved = attrs.evolve(reminder, due_at=due, done_at=done)
            self.tx.put(self.table, (reminder.subject_id, reminder.kind), moved)

    async def drop(self, subject_id: UUID) -> None:
        for reminder in self._live():
            if reminder.subject_id == subject_id:
                self._forget(reminder)

    async def drop_event(self, event_id: EventId) -> None:
        for reminder in self._of_event(event_id):
            self._forget(reminder)

    def _forget(self, reminder: Reminder) -> None:
        self.tx.put(self.table, (reminder.subject_id, reminder.kind), None)

    async def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        due = [r for r in self._live() if r.done_at is None and r.due_at <= now]
        return sorted(due, key=lambda r: (r.due_at, r.id))[:limit]

    async def mark_done(self, ids: Sequence[UUID], now: datetime) -> None:
        wanted = set(ids)
        for reminder in self._live():
            if reminder.id in wanted:
                key = (reminder.subject_id, reminder.kind)
                self.tx.put(self.table, key, attrs.evolve(reminder, done_at=now))

    def all(self) -> list[Reminder]:
        """Every stored reminder, for tests that look inside."""
        return self._live()
