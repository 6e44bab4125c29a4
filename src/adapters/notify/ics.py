"""Calendar entries as iCalendar (RFC 5545) files, the attachment calendars understand."""

from __future__ import annotations

from datetime import UTC

from icalendar import Calendar
from icalendar import Event as VEvent

from core.notifications.model import CalendarEntry

PRODID = "-//Stagedoor//Stagedoor bookings//EN"


def method_of(entry: CalendarEntry) -> str:
    """REQUEST adds or updates the entry; CANCEL removes it."""
    return "CANCEL" if entry.cancelled else "REQUEST"


def ics(entry: CalendarEntry) -> bytes:
    """One VEVENT in a VCALENDAR, times in UTC; its UID and SEQUENCE let a calendar update it."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method_of(entry))
    event = VEvent()
    event.add("uid", entry.uid)
    event.add("summary", entry.title)
    event.add("dtstart", entry.starts_at.astimezone(UTC))
    event.add("dtend", entry.ends_at.astimezone(UTC))
    event.add("dtstamp", entry.starts_at.astimezone(UTC))
    event.add("sequence", entry.sequence)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    if entry.location:
        event.add("location", entry.location)
    if entry.description:
        event.add("description", entry.description)
    calendar.add_component(event)
    return calendar.to_ical()
