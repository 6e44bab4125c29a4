"""What guests and hosts are told about an event, in facts a notification keeps: the start
as people at the place read it, the place, and the entry for their calendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from core.booking.model import Event, EventStatus
from core.notifications.model import CalendarEntry
from core.notifications.templates import calendar_facts

CALENDAR_FIELDS = frozenset({"title", "starts_at", "ends_at", "city", "address", "description"})


def when(moment: datetime) -> str:
    """An instant for people, in the offset it carries: `2030-05-01 19:00 (UTC+03:00)`."""
    offset = moment.strftime("%z") or "+0000"
    return f"{moment:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


def place(event: Event) -> str:
    """Where it happens, for people: address and city."""
    return ", ".join(part for part in (event.details.address, event.details.city) if part)


def calendar_for(event: Event, guest_id: UUID) -> dict[str, str]:
    """The calendar facts of an event for one person: one entry per event and person, its
    sequence (seconds from publication to the last edit) growing with every edit, so
    calendars update the entry they have."""
    return calendar_facts(
        CalendarEntry(
            uid=f"{event.id}.{guest_id}@stagedoor",
            title=event.details.title,
            starts_at=event.starts_at,
            ends_at=event.details.ends_at,
            location=place(event),
            description=event.details.description,
            sequence=(event.updated_at - event.created_at) // timedelta(seconds=1),
            cancelled=event.status is EventStatus.CANCELLED,
        )
    )
