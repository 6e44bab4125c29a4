"""Reminders a day and an hour before an event: to each guest with a confirmed booking, and
to the host.

A reminder is a row, one per subject (a booking, or the event itself for its host) and kind,
with the moment it falls due. Rows are made when a booking is confirmed (and an event
published), moved when the event's start moves, dropped when a booking or the event is
cancelled. A periodic job claims the due rows and, in the same transaction, requests the
notification and marks the rows done: a job killed halfway leaves nothing done and runs again;
a job run twice finds nothing left. The notification's dedupe key names the subject, the kind
and the moment, so a reminder re-armed by a move is a new message, and a repeat never is.

The job trusts nothing it did not read in its own transaction: a reminder whose booking was
cancelled meanwhile, or whose event moved after the row was written, is settled or moved
there, never sent wrong.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID

import attrs

from core.booking.model import EventId
from core.identity.model import AccountId
from core.shared.ids import uuid7


class ReminderKind(enum.StrEnum):
    DAY = "24h"
    HOUR = "1h"

    @property
    def lead(self) -> timedelta:
        """How long before the start this reminder goes out."""
        return timedelta(hours=24) if self is ReminderKind.DAY else timedelta(hours=1)


@attrs.frozen
class Reminder:
    """`subject_id` is the booking whose guest is reminded, or the event (for its host).
    `done_at` is when it was sent or settled without sending; None while it waits."""

    id: UUID
    subject_id: UUID
    event_id: EventId
    recipient_id: AccountId
    kind: ReminderKind
    due_at: datetime
    done_at: datetime | None = None

    @property
    def for_host(self) -> bool:
        return self.subject_id == self.event_id


def reminders_for(
    subject_id: UUID, recipient_id: AccountId, event_id: UUID, starts_at: datetime, now: datetime
) -> list[Reminder]:
    """The reminders still ahead for one subject of an event starting at `starts_at`: none
    whose moment has passed (a booking made 30 minutes before the start gets no 'tomorrow'
    and no 'in an hour')."""
    return [
        Reminder(
            id=uuid7(now),
            subject_id=subject_id,
            event_id=EventId(event_id),
            recipient_id=recipient_id,
            kind=kind,
            due_at=(starts_at - kind.lead).astimezone(UTC),
        )
        for kind in ReminderKind
        if starts_at - kind.lead > now
    ]


class ReminderRepository(Protocol):
    async def schedule(self, reminders: Sequence[Reminder]) -> None:
        """Store each unless its (subject, kind) exists: scheduling twice changes nothing."""
        ...

    async def move(self, event_id: EventId, starts_at: datetime, now: datetime) -> None:
        """Every reminder of the event to `starts_at - lead`: those then still ahead wait
        again (even if sent before), those already past are settled as done at `now`."""
        ...

    async def drop(self, subject_id: UUID) -> None:
        """Forget the subject's reminders (a cancelled booking)."""
        ...

    async def drop_event(self, event_id: EventId) -> None:
        """Forget every reminder of the event (a cancelled event)."""
        ...

    async def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        """Waiting reminders due by `now`, earliest first, locked for this transaction; rows
        another transaction holds are skipped, not waited for."""
        ...

    async def mark_done(self, ids: Sequence[UUID], now: datetime) -> None: ...


def reminder_key(reminder: Reminder) -> str:
    """The dedupe key of a reminder's notification: subject, kind and the moment it is for."""
    return f"reminder:{reminder.subject_id}:{reminder.kind.value}:{reminder.due_at.isoformat()}"
