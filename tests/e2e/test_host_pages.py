"""A host moves an event in the browser; the guest sees the new time on the event page and
gets the email (through a real SMTP server) with the new terms and an updated calendar entry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from tests.api.apiclient import PASSWORD, event_body
from tests.e2e.site import account, served_app
from tests.smtp_server import LocalSmtp, body_of, calendars_of

from adapters.notify.smtp import SmtpNotifier, SmtpSettings

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def smtp() -> Iterator[LocalSmtp]:
    with LocalSmtp() as server:
        yield server


async def sign_in(page: Any, base: str, email: str, then: str) -> None:
    """Sign in on the login page, which goes on to `then`."""
    await page.goto(f"{base}/login?{urlencode({'next': then})}")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**{then}")


async def test_host_edits_the_time_and_the_guest_sees_it_and_gets_the_email(
    browser: Any, tmp_path: Path, smtp: LocalSmtp
) -> None:
    notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=smtp.port))
    async with served_app(tmp_path, notifier=notifier) as client:
        host, guest = await account(client, "host"), await account(client, "guest")
        start = datetime.now(MOSCOW).replace(second=0, microsecond=0) + timedelta(days=10)
        body = event_body(
            starts_at=start.isoformat(), ends_at=(start + timedelta(hours=2)).isoformat()
        )
        event = (await client.post("/api/v1/events", json=body, headers=host)).json()
        r = await client.post(
            f"/api/v1/events/{event['id']}/bookings", json={"seats": 1}, headers=guest
        )
        assert r.status_code == 201, r.text
        [confirmation] = await smtp.arrival(1)
        assert confirmation["Subject"] == "Booked: Film night: Solaris"

        hosting = await (await browser.new_context()).new_page()
        await sign_in(hosting, str(client.base_url), "host@example.org", "/hosting")
        await hosting.click(f"[data-testid=manage-{event['id']}]")
        later = start + timedelta(hours=1, minutes=30)
        await hosting.fill("#starts_at", later.strftime("%Y-%m-%dT%H:%M"))
        await hosting.fill("#ends_at", (later + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
        await hosting.click("[data-testid=save-event]")
        await hosting.wait_for_selector("[data-testid=manage-saved]")

        guest_page = await (await browser.new_context()).new_page()
        await sign_in(
            guest_page, str(client.base_url), "guest@example.org", f"/events/{event['id']}"
        )
        shown = await guest_page.text_content("main")
        assert later.strftime("%Y-%m-%d %H:%M") in shown
        assert start.strftime("%Y-%m-%d %H:%M") not in shown

        _, changed = await smtp.arrival(2)
        assert changed["To"] == "guest <guest@example.org>"
        assert changed["Subject"] == "Changed: Film night: Solaris"
        assert f"- Starts: {later:%Y-%m-%d %H:%M} (UTC+03:00)" in body_of(changed)
        [ics] = calendars_of(changed)
        [entry] = Calendar.from_ical(ics).walk("VEVENT")
        assert entry.decoded("dtstart") == later
