"""Resale end to end in a real browser: a seller verifies their phone and puts their ticket
on sale from "My tickets"; a buyer finds it in the feed, pays on the sandbox page and is shown
a new barcode; the seller, and anyone else, never see it, and the seller's own is dead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.api.apiclient import PASSWORD, TEST_PHONES, event_body
from tests.e2e.site import account, served_app


async def _signed_in(browser: Any, base: str, name: str) -> Any:
    """A browser context of its own (its own cookies) signed in as `name@example.org`."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{base}/login")
    await page.fill("#email", f"{name}@example.org")
    await page.fill("#password", PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/conferences")
    return page


async def _verify_phone(page: Any, base: str, phone: str) -> None:
    await page.goto(f"{base}/account/phone")
    await page.fill("#phone", phone)
    await page.click("[data-testid=phone-send]")
    await page.wait_for_selector("[data-testid=phone-sent]")
    await page.fill("#code", TEST_PHONES[phone])
    await page.click("[data-testid=phone-verify]")
    await page.wait_for_selector("[data-testid=phone-done]")


async def test_sell_then_buy_and_only_the_buyer_sees_the_barcode(
    browser: Any, tmp_path: Path
) -> None:
    async with served_app(tmp_path) as client:
        base = str(client.base_url)
        host, seller = await account(client, "host"), await account(client, "seller")
        await account(client, "buyer")
        event = (await client.post("/api/v1/events", json=event_body(), headers=host)).json()
        booked = await client.post(
            f"/api/v1/events/{event['id']}/bookings", json={"seats": 1}, headers=seller
        )
        old_barcode = booked.json()["tickets"][0]["barcode"]

        selling = await _signed_in(browser, base, "seller")
        await _verify_phone(selling, base, "+79990000001")
        await selling.goto(f"{base}/tickets")
        assert old_barcode in await selling.content()  # the holder sees their own
        await selling.click("text=Sell")
        await selling.wait_for_url("**/resale/sell?ticket=*")
        await selling.select_option("#event_type", "cinema")
        await selling.fill("#price", "1500")
        await selling.click("[data-testid=sell]")
        await selling.wait_for_selector("[data-testid=listing-mine]")
        listing_url = selling.url
        assert await selling.text_content("[data-testid=barcode-hint]") == "…" + old_barcode[-4:]
        assert old_barcode not in await selling.content()

        buying = await _signed_in(browser, base, "buyer")
        await _verify_phone(buying, base, "+79990000002")
        await buying.goto(f"{base}/resale")
        await buying.click("text=Film night: Solaris")
        await buying.wait_for_url(listing_url)
        await buying.click("[data-testid=buy]")
        await buying.wait_for_url("**/pay/sandbox/pi_*")
        await buying.fill("#card_number", "4242 4242 4242 4242")
        await buying.keyboard.press("Enter")
        await buying.wait_for_url("**/resale/purchases/*")
        await buying.wait_for_selector("[data-state=completed]", timeout=15_000)
        new_barcode = (await buying.text_content("[data-testid=bought-barcode]")).strip()
        assert len(new_barcode) == 16
        assert new_barcode != old_barcode
        assert await buying.locator("[data-testid=bought-qr] svg").count() == 1

        for path in (listing_url, f"{base}/tickets", f"{base}/resale/mine"):
            await selling.goto(path)
            html = await selling.content()
            assert new_barcode not in html, path
        await selling.goto(f"{base}/tickets")
        assert "resold: its barcode is dead" in await selling.content()
        assert old_barcode not in await selling.content()
        await selling.goto(buying.url)  # the buyer's purchase page is nobody else's
        assert new_barcode not in await selling.content()

        stranger = await (await browser.new_context()).new_page()
        for path in (f"{base}/resale", listing_url):
            await stranger.goto(path)
            html = await stranger.content()
            assert new_barcode not in html
            assert old_barcode not in html
