"""Email over a real SMTP server (aiosmtpd on 127.0.0.1): what a guest receives, in English
and Russian, and the calendar entry attached to it, parsed back with icalendar."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from icalendar import Calendar
from tests.smtp_server import LocalSmtp, body_of, calendars_of, free_port
from tests.unit.support import HandlerContext, Relay

from adapters.memory import FastPasswordHasher, MemoryStore, SimplePhoneNumbers, SteppingClock
from adapters.notify.smtp import SmtpNotifier, SmtpSettings, message_id
from core.booking.commands import BookSeats, EditEvent, PublishEvent
from core.booking.model import EventChanges, EventDetails
from core.booking.services import book_seats, edit_event, publish_event
from core.identity.commands import Register
from core.identity.model import Account, AccountId, Language
from core.identity.services import register
from core.notifications.model import CalendarEntry, Message
from core.shared.catalogue import HANDLERS

START = datetime(2030, 1, 8, 16, 0, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[LocalSmtp]:
    with LocalSmtp() as server:
        yield server


@pytest.fixture
def platform(smtp: LocalSmtp) -> HandlerContext:
    notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=smtp.port))
    return HandlerContext(clock=SteppingClock(), notifier=notifier, store=MemoryStore())  # type: ignore[arg-type]


async def account(ctx: HandlerContext, email: str, name: str, language: str) -> Account:
    return await register(
        Register(name, email, "correct horse battery", language=language),
        uow=ctx.new_uow(),
        hasher=FastPasswordHasher(),
        phones=SimplePhoneNumbers(),
        clock=ctx.clock,
    )


async def book_an_evening(ctx: HandlerContext, guest: Account) -> tuple[Account, object]:
    host = await account(ctx, "host@example.org", "Hal Host", "en")
    details = EventDetails(
        title="Casablanca",
        description="Film night on the roof",
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        city="Moscow",
        address="Tverskaya 1",
        time_zone="Europe/Moscow",
    )
    event = await publish_event(
        PublishEvent(host.id, details, 10), uow=ctx.new_uow(), clock=ctx.clock
    )
    await book_seats(BookSeats(event.id, guest.id, 2), uow=ctx.new_uow(), clock=ctx.clock)
    await Relay(ctx=ctx, handlers=HANDLERS).drain()
    return host, event


def only_event(ics: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    return calendar, event


async def test_an_english_guest_gets_the_confirmation_with_a_calendar_entry(
    platform: HandlerContext, smtp: LocalSmtp
) -> None:
    guest = await account(platform, "ann@example.org", "Ann Smith", "en")
    _, event = await book_an_evening(platform, guest)

    [email] = smtp.wait_for(1)
    assert smtp.recipients == [["ann@example.org"]]
    assert email["To"] == "Ann Smith <ann@example.org>"
    assert email["Subject"] == "Booked: Casablanca"
    assert email["Content-Language"] == "en"
    assert body_of(email) == (
        "Your 2 seat(s) for Casablanca on 2030-01-08 19:00 (UTC+03:00) are confirmed.\n"
        "The event is attached for your calendar."
    )
    [ics] = calendars_of(email)
    calendar, entry = only_event(ics)
    assert str(calendar["method"]) == "REQUEST"
    assert str(entry["summary"]) == "Casablanca"
    assert entry.decoded("dtstart") == START
    assert entry.decoded("dtend") == START + timedelta(hours=2)
    assert str(entry["location"]) == "Tverskaya 1, Moscow"
    assert str(entry["uid"]) == f"{event.id}.{guest.id}@stagedoor"  # type: ignore[attr-defined]


async def test_a_russian_guest_gets_the_confirmation_and_the_change_in_russian(
    platform: HandlerContext, smtp: LocalSmtp
) -> None:
    guest = await account(platform, "olga@example.org", "Ольга Петрова", "ru")
    host, event = await book_an_evening(platform, guest)
    platform.clock.advance(timedelta(minutes=10))
    later = START + timedelta(hours=1)
    await edit_event(
        EditEvent(
            event.id,  # type: ignore[attr-defined]
            host.id,
            EventChanges(starts_at=later, ends_at=later + timedelta(hours=2)),
        ),
        uow=platform.new_uow(),
        clock=platform.clock,
    )
    await Relay(ctx=platform, handlers=HANDLERS).drain()

    confirmed, changed = smtp.wait_for(2)
    assert confirmed["Subject"] == "Бронь подтверждена: Casablanca"
    assert confirmed["To"] == "Ольга Петрова <olga@example.org>"
    assert "Ваши места (2) на «Casablanca» 2030-01-08 19:00 (UTC+03:00)" in body_of(confirmed)
    assert changed["Subject"] == "Изменения: Casablanca"
    assert body_of(changed) == (
        "Организатор изменил «Casablanca». Новые условия:\n"
        "- Окончание: 2030-01-08 22:00 (UTC+03:00)\n"
        "- Начало: 2030-01-08 20:00 (UTC+03:00)"
    )
    [first], [second] = calendars_of(confirmed), calendars_of(changed)
    _, old = only_event(first)
    _, new = only_event(second)
    assert new.decoded("dtstart") == later  # type: ignore[attr-defined]
    assert str(new["uid"]) == str(old["uid"])  # type: ignore[index]
    assert int(new["sequence"]) > int(old["sequence"])  # type: ignore[index]


async def test_a_cancelled_entry_goes_out_as_a_calendar_cancel(smtp: LocalSmtp) -> None:
    notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=smtp.port, domain="example.org"))
    entry = CalendarEntry(
        "u-1@stagedoor", "Gig", START, START + timedelta(hours=1), "Hall", cancelled=True
    )
    await notifier.send(
        Message(
            recipient_id=AccountId(uuid4()),
            to_name="Ann",
            to_email="ann@example.org",
            subject="Cancelled: Gig",
            body="Called off.",
            dedupe_key="event.cancelled:1:ann",
            language=Language.EN,
            attachments=(entry,),
        )
    )
    [email] = smtp.wait_for(1)
    assert email["Message-ID"] == message_id("event.cancelled:1:ann", "example.org")
    calendar, parsed = only_event(calendars_of(email)[0])
    assert (str(calendar["method"]), str(parsed["status"])) == ("CANCEL", "CANCELLED")  # type: ignore[index]


async def test_an_unreachable_server_raises_so_delivery_is_retried() -> None:
    notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2))
    message = Message(
        recipient_id=AccountId(uuid4()),
        to_name="Ann",
        to_email="ann@example.org",
        subject="s",
        body="b",
        dedupe_key="k",
    )
    with pytest.raises(OSError):
        await notifier.send(message)
