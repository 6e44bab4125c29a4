"""The hand-out day in real browsers: a desk confirms a pack, the organiser's dashboard moves.

The app is served by uvicorn on SQLite with the in-process relay, as on embedded defaults; the
dashboard hears of the hand-over through the live channel and its SSE stream, never a reload.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import httpx
from tests.api.apiclient import PASSWORD
from tests.e2e.site import account, bearer, served_app

SHOTS = Path(os.environ.get("STAGEDOOR_SCREENSHOTS", "/tmp"))
PEOPLE = [
    ("Smirnova", "Svetlana", "sveta@example.org"),
    ("Kuznetsov", "Kirill", "kirill@example.org"),
    ("Kuznetsova", "Ksenia", "ksenia@example.org"),
]


@attrs.define
class HandOut:
    url: str
    conference_id: str
    point_id: str
    people: dict[str, str]
    organiser: str
    staff: str


@contextlib.asynccontextmanager
async def hand_out_day(tmp_path: Path) -> AsyncIterator[HandOut]:
    """A served app with a conference under way: one point, three participants, one helper
    invited to that point."""
    async with served_app(tmp_path) as client:
        url = str(client.base_url).rstrip("/")
        organiser = await account(client, "olga")
        staff = await account(client, "stas")
        now = datetime.now(UTC)
        r = await client.post(
            "/api/v1/conferences",
            json={
                "title": "PyCon Siberia",
                "handout_starts_at": (now - timedelta(hours=1)).isoformat(),
                "handout_ends_at": (now + timedelta(hours=3)).isoformat(),
                "time_zone": "Asia/Novosibirsk",
            },
            headers=organiser,
        )
        cid = r.json()["id"]
        r = await client.post(
            f"/api/v1/conferences/{cid}/points",
            json={"name": "Main hall", "desks": 2, "stock": 40},
            headers=organiser,
        )
        point = r.json()["id"]
        people = {}
        for last, first, email in PEOPLE:
            body = {"last_name": last, "first_name": first, "email": email}
            r = await client.post(
                f"/api/v1/conferences/{cid}/participants", json=body, headers=organiser
            )
            people[last] = r.json()["id"]
        r = await client.post(
            f"/api/v1/conferences/{cid}/staff/invitations",
            json={"point_id": point},
            headers=organiser,
        )
        accepted = await client.post(
            "/api/v1/conferences/staff/accept",
            json={"token": r.json()["token"]},
            headers=staff,
        )
        assert accepted.status_code == 200, accepted.text
        yield HandOut(url, cid, point, people, "olga@example.org", "stas@example.org")


@contextlib.asynccontextmanager
async def people_at(browser: Any, url: str) -> AsyncIterator[Any]:
    """Opens a page per person, each in its own browser context (its own cookies) and signed
    in through the login form; every context is closed at the end, which also ends the
    dashboards' SSE streams before the server stops."""
    contexts: list[Any] = []

    async def open_as(email: str, path: str) -> Any:
        context = await browser.new_context(viewport={"width": 1100, "height": 900})
        contexts.append(context)
        page = await context.new_page()
        await page.goto(f"{url}{path}")
        await page.wait_for_url("**/login?next=*")
        await page.fill("#email", email)
        await page.fill("#password", PASSWORD)
        await page.keyboard.press("Enter")
        await page.wait_for_url(lambda address: "/login" not in address)
        return page

    try:
        yield open_as
    finally:
        for context in contexts:
            await context.close()


async def test_a_hand_over_at_the_desk_moves_the_dashboard_without_a_reload(
    browser: Any, tmp_path: Path
) -> None:
    async with hand_out_day(tmp_path) as day, people_at(browser, day.url) as open_as:
        cid, point = day.conference_id, day.point_id
        dashboard = await open_as(day.organiser, f"/conferences/{cid}")
        handed_out = dashboard.locator(f"[data-testid=handed-out-{point}]")
        assert (await handed_out.text_content()) == "0"
        await dashboard.evaluate("window.stillTheSamePage = true")

        desk = await open_as(day.staff, f"/conferences/{cid}/desk")
        await desk.wait_for_url(f"**/desk?point={point}")  # staff of one point go straight there
        await desk.locator("[data-testid=desk-search]").wait_for()
        assert await desk.evaluate("document.activeElement.id") == "desk-q"  # autofocus
        await desk.keyboard.type("Smirn")
        await desk.keyboard.press("Enter")

        outcome = desk.locator("[data-testid=outcome]")
        await outcome.wait_for(timeout=5_000)
        assert await outcome.get_attribute("data-state") == "delivered"
        assert "Smirnova Svetlana" in (await outcome.text_content() or "")
        await desk.screenshot(path=str(SHOTS / "stagedoor-desk.png"), full_page=True)

        await dashboard.wait_for_function(
            "([sel, before]) => document.querySelector(sel).textContent.trim() !== before",
            arg=[f"[data-testid=handed-out-{point}]", "0"],
            timeout=5_000,
        )
        assert (await handed_out.text_content()) == "1"
        assert (await dashboard.locator("[data-testid=total-handed-out]").text_content()) == "1"
        assert await dashboard.evaluate("window.stillTheSamePage === true")  # no reload
        await dashboard.screenshot(path=str(SHOTS / "stagedoor-dashboard.png"), full_page=True)


async def test_the_desk_picks_among_several_matches_with_the_arrow_keys(
    browser: Any, tmp_path: Path
) -> None:
    async with hand_out_day(tmp_path) as day, people_at(browser, day.url) as open_as:
        desk = await open_as(day.organiser, f"/conferences/{day.conference_id}/desk")
        await desk.click(f"[data-testid=choose-{day.point_id}]")  # the organiser picks a point
        await desk.locator("[data-testid=desk-search]").wait_for()
        await desk.keyboard.type("kuzn")
        await desk.locator("button.result").nth(1).wait_for(timeout=5_000)
        await desk.keyboard.press("ArrowDown")
        await desk.keyboard.press("ArrowDown")
        await desk.keyboard.press("Enter")

        outcome = desk.locator("[data-testid=outcome]")
        await outcome.wait_for(timeout=5_000)
        assert "Kuznetsova Ksenia" in (await outcome.text_content() or "")
        assert await desk.evaluate("document.activeElement.id") == "desk-q"  # ready for the next

        await desk.keyboard.type("Kuznetsova")
        await desk.keyboard.press("Enter")
        await desk.wait_for_function(
            "() => document.querySelector('[data-testid=outcome]').textContent"
            ".includes('Already handed over here')",
            timeout=5_000,
        )
        await desk.screenshot(path=str(SHOTS / "stagedoor-desk-repeat.png"), full_page=True)


async def test_the_organiser_closes_a_point_and_moves_its_people_from_the_dashboard(
    browser: Any, tmp_path: Path
) -> None:
    async with hand_out_day(tmp_path) as day, people_at(browser, day.url) as open_as:
        cid = day.conference_id
        async with httpx.AsyncClient(base_url=day.url) as client:
            olga = await bearer(client, day.organiser)
            r = await client.post(
                f"/api/v1/conferences/{cid}/points",
                json={"name": "Foyer", "desks": 1, "stock": 0},
                headers=olga,
            )
            foyer = r.json()["id"]
            closed = await client.patch(
                f"/api/v1/conferences/{cid}/points/{foyer}", json={"is_open": False}, headers=olga
            )
            assert closed.status_code == 200, closed.text
            applied = await client.post(
                f"/api/v1/conferences/{cid}/plan/apply", json={}, headers=olga
            )
            assert applied.status_code == 200, applied.text  # all three at the Main hall
        dashboard = await open_as(day.organiser, f"/conferences/{cid}")
        dashboard.on("dialog", lambda dialog: dialog.accept())

        # reopen the Foyer and close the Main hall through the point forms
        foyer_form = dashboard.locator(f"[data-testid=edit-{foyer}]")
        await foyer_form.locator("select[name=state]").select_option("open")
        await foyer_form.locator("button[type=submit]").click()
        await dashboard.wait_for_load_state()
        hall_form = dashboard.locator(f"[data-testid=edit-{day.point_id}]")
        await hall_form.locator("select[name=state]").select_option("closed")
        await hall_form.locator("button[type=submit]").click()
        await dashboard.wait_for_load_state()

        rebalance = dashboard.locator("[data-testid=rebalance]")
        await rebalance.locator("select[name=from_point]").select_option(day.point_id)
        await rebalance.locator("button[type=submit]").click()
        people = dashboard.locator("[data-testid=rebalance-people]")
        await people.wait_for(timeout=5_000)
        assert "3 participants" in (await people.text_content() or "")
        await dashboard.click("[data-testid=apply-rebalance]")
        moved = dashboard.locator("[data-testid=rebalance-moved]")
        await moved.wait_for(timeout=5_000)
        assert "3 participants moved from Main hall" in (await moved.text_content() or "")
        await dashboard.wait_for_function(  # the figures follow over SSE
            "sel => document.querySelector(sel).textContent.trim() === '3'",
            arg=f"[data-testid=assigned-{foyer}]",
            timeout=5_000,
        )
        await dashboard.screenshot(path=str(SHOTS / "stagedoor-rebalance.png"), full_page=True)
