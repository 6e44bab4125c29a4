"""A subscription end to end in a real browser, on the embedded defaults' shape (SQLite, the
in-process relay, the sandbox delivering its webhooks over HTTP): subscribe from the plans
page, pay on the sandbox's page (which keeps the card), see the perk applied, cancel."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from tests.api.apiclient import PASSWORD
from tests.api.served import free_port, served
from tests.databases import sqlite_database
from tests.e2e.site import account

from adapters.memory import FastPasswordHasher
from adapters.workers.inprocess import InProcessTasks
from core.shared.money import Money
from core.shared.perks import Perk
from core.subscriptions.plans import PlanKind, PlanSpec
from core.subscriptions.services import add_plan
from entrypoints.container import build_container
from entrypoints.http import create_app
from entrypoints.settings import Settings


@contextlib.asynccontextmanager
async def with_plan(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The served app with one monthly plan on offer (waiving the resale fee)."""
    tasks = InProcessTasks(sweep_interval=0.2)
    port = free_port()
    async with sqlite_database(tmp_path, after_commit=tasks.kick) as database:
        platform = await build_container(
            Settings(data_dir=tmp_path, public_url=f"http://127.0.0.1:{port}"),
            database=database,
            tasks=tasks,
            hasher=FastPasswordHasher(),
        )
        spec = PlanSpec(
            "fan", "Fan monthly", PlanKind.MONTHLY, Money(49_900, "RUB"),
            frozenset({Perk.NO_RESALE_FEE, Perk.EARLY_ACCESS}),
        )  # fmt: skip
        await add_plan(spec, uow=platform.new_uow(), clock=platform.clock)
        async with (
            served(create_app(container=platform), port) as url,
            httpx.AsyncClient(base_url=url) as client,
        ):
            yield client


async def test_subscribe_see_the_perk_then_cancel_in_the_browser(
    browser: Any, tmp_path: Path
) -> None:
    async with with_plan(tmp_path) as client:
        await account(client, "fan")
        page = await browser.new_page()
        await page.goto(f"{client.base_url}/plans")
        assert "499.00 RUB" in await page.text_content("[data-testid=plan-fan]")
        await page.click("[data-testid=sign-in-to-subscribe]")
        await page.wait_for_url("**/login?next=*")
        await page.fill("#email", "fan@example.org")
        await page.fill("#password", PASSWORD)
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/plans")

        await page.click("[data-testid=subscribe-fan]")
        await page.wait_for_url("**/pay/sandbox/pi_*")
        assert await page.is_visible("[data-testid=saves-card]")
        await page.fill("#card_number", "4242 4242 4242 4242")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/pay/return/*")
        await page.wait_for_selector("[data-state=subscribed]", timeout=15_000)

        await page.click("[data-testid=go-on]")
        await page.wait_for_url("**/subscriptions")
        assert (await page.text_content("[data-testid=status]")) == "active"
        assert "No resale fee" in await page.text_content("[data-testid=perk-no_resale_fee]")
        assert await page.is_visible("[data-testid=renews]")
        assert await page.is_visible("[data-testid=charge-start]")

        await page.click("[data-testid=cancel-now]")
        await page.wait_for_url("**/subscriptions?done=cancelled")
        assert (await page.text_content("[data-testid=status]")) == "cancelled"
        assert await page.is_visible("[data-testid=no-perks]")
        assert "499.00 RUB" in await page.text_content("[data-testid=charges]")
