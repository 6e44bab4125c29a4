"""A paid booking end to end in a real browser, on the embedded defaults' shape: SQLite, the
in-process relay, the sandbox provider delivering its webhook over HTTP to the served app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.apiclient import PASSWORD, event_body
from tests.e2e.site import account, served_app

PRICE = {"amount": 120000, "currency": "RUB"}


@contextlib.asynccontextmanager
async def booked(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any]]]:
    """A served app, and a guest's fresh booking of a paid event (with its payment_url)."""
    async with served_app(tmp_path) as client:
        host, guest = await account(client, "host"), await account(client, "guest")
        event = await client.post("/api/v1/events", json=event_body(price=PRICE), headers=host)
        r = await client.post(
            f"/api/v1/events/{event.json()['id']}/bookings", json={"seats": 1}, headers=guest
        )
        assert r.json()["status"] == "pending_payment", r.text
        yield client, r.json()


@pytest.mark.parametrize(
    ("card", "state", "words"),
    [
        ("4242 4242 4242 4242", "confirmed", "Booking confirmed"),
        ("4000 0000 0000 0002", "declined", "Payment declined"),
        ("4000 0000 0000 9995", "declined", "insufficient funds"),
    ],
)
async def test_pay_on_the_sandbox_page_and_land_on_the_result(
    browser: Any, tmp_path: Path, card: str, state: str, words: str
) -> None:
    async with booked(tmp_path) as (_, booking):
        page = await browser.new_page()
        await page.goto(booking["payment_url"])
        assert "1200.00 RUB" in await page.text_content("[data-testid=amount]")
        await page.fill("#card_number", card)
        await page.keyboard.press("Enter")  # the form's first button: Pay

        await page.wait_for_url(f"**/pay/return/{booking['payment_id']}")
        # The page refreshes itself until the webhook has landed and the booking settled.
        await page.wait_for_selector(f"[data-state={state}]", timeout=15_000)
        assert words in await page.content()


async def test_cancelling_on_the_page_charges_nothing(browser: Any, tmp_path: Path) -> None:
    async with booked(tmp_path) as (_, booking):
        page = await browser.new_page()
        await page.goto(booking["payment_url"])
        await page.click("text=Cancel")
        await page.wait_for_url(f"**/pay/return/{booking['payment_id']}?cancelled=1")
        await page.wait_for_selector("[data-state=declined]", timeout=15_000)
        assert "canceled by payer" in await page.content()


async def test_a_guest_books_and_pays_entirely_in_the_browser(browser: Any, tmp_path: Path) -> None:
    async with booked(tmp_path) as (client, first):
        event_id = first["event_id"]
        page = await browser.new_page()
        await page.goto(f"{client.base_url}/events")
        await page.click("text=Film night: Solaris")
        await page.wait_for_url(f"**/events/{event_id}")
        await page.click("[data-testid=sign-in-to-book]")
        await page.wait_for_url("**/login?next=*")
        await page.fill("#email", "guest@example.org")
        await page.fill("#password", PASSWORD)
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"**/events/{event_id}")
        assert (await page.text_content("[data-testid=seats-left]")) == "9"  # one held already

        await page.fill("#seats", "2")
        await page.click("[data-testid=book]")
        await page.wait_for_url("**/pay/sandbox/*")
        assert "2400.00 RUB" in await page.text_content("[data-testid=amount]")
        await page.fill("#card_number", "4242 4242 4242 4242")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/pay/return/*")
        await page.wait_for_selector("[data-state=confirmed]", timeout=15_000)

        await page.goto(f"{client.base_url}/bookings")
        rows = page.locator("[data-testid=bookings] tbody tr")
        assert await rows.count() == 2  # this booking, and the one still awaiting payment
        statuses = await page.locator("[data-testid^=status-]").all_text_contents()
        assert sorted(statuses) == ["awaiting payment", "confirmed"]
        assert await page.locator("[data-testid=bookings] code").count() == 2  # 2 tickets
