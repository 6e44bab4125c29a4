"""The plans, my-subscriptions and billing pages (see `pagesite.py` for the site)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx

from .apiclient import User
from .pagesite import Conference, Site, csrf_of, signed_in
from .subscription_steps import GOOD_CARD, RENEWALS_DECLINE, admin, eventually, new_plan, pay_page

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


async def _subscribe_on_page(
    site: Site, user: User, code: str, card: str = GOOD_CARD
) -> httpx.AsyncClient:
    client, _ = await signed_in(site, user)
    page = await client.get("/plans")
    token, key = csrf_of(page.text), KEY.search(page.text)
    assert key
    plan_id = re.search(rf'data-testid="plan-{code}">.*?action="/plans/([0-9a-f-]+)/subscribe"',
                        page.text, re.S)  # fmt: skip
    assert plan_id
    r = await client.post(f"/plans/{plan_id.group(1)}/subscribe",
                          data={"csrf_token": token, "idempotency_key": key.group(1)})  # fmt: skip
    assert r.status_code == 303, r.text
    assert "/pay/sandbox/pi_" in r.headers["location"]
    await pay_page(site.api, r.headers["location"], card)
    return client


async def _mine(client: httpx.AsyncClient) -> str:
    page = await client.get("/subscriptions")
    assert page.status_code == 200
    return page.text


async def test_plans_are_shown_to_visitors_with_a_way_to_sign_in(site: Site) -> None:
    await new_plan(site.api, await admin(site.api), code="fan", name="Fan monthly")
    visitor = await site.browser()
    page = await visitor.get("/plans")
    assert page.status_code == 200
    assert 'data-testid="plan-fan"' in page.text
    assert "499.00 RUB" in page.text
    assert "No resale fee" in page.text
    assert 'data-testid="sign-in-to-subscribe"' in page.text
    russian = await visitor.get("/plans?lang=ru")
    assert "Перепродажа без комиссии" in russian.text


async def test_subscribing_on_the_page_shows_the_perks_and_the_receipt(site: Site) -> None:
    await new_plan(site.api, await admin(site.api), code="fan", name="Fan monthly")
    client = await _subscribe_on_page(site, await site.api.register("Gleb Guest"), "fan")

    async def active() -> bool:
        return 'data-testid="status">active<' in await _mine(client)

    await eventually(active)
    mine = await _mine(client)
    assert 'data-testid="perk-no_resale_fee"' in mine
    assert 'data-testid="renews"' in mine
    assert 'data-testid="charge-start"' in mine
    assert 'data-testid="cancel-at-end"' in mine


async def test_cancelling_at_the_end_then_now_from_the_page(site: Site) -> None:
    await new_plan(site.api, await admin(site.api), code="fan", name="Fan monthly")
    client = await _subscribe_on_page(site, await site.api.register("Gleb Guest"), "fan")

    async def active() -> bool:
        return 'data-testid="status">active<' in await _mine(client)

    await eventually(active)
    mine = await _mine(client)
    sub_id = re.search(r'data-testid="subscription-([0-9a-f-]+)"', mine)
    assert sub_id
    url = f"/subscriptions/{sub_id.group(1)}"
    token = csrf_of(mine)
    r = await client.post(f"{url}/cancel-at-end", data={"csrf_token": token})
    assert (r.status_code, r.headers["location"]) == (303, "/subscriptions?done=scheduled")
    scheduled = await _mine(client)
    assert 'data-testid="ends"' in scheduled
    assert 'data-testid="resume"' in scheduled
    r = await client.post(f"{url}/cancel", data={"csrf_token": token})
    assert r.headers["location"] == "/subscriptions?done=cancelled"
    gone = await client.get(r.headers["location"])
    assert 'data-testid="status">cancelled<' in gone.text
    assert 'data-testid="no-perks"' in gone.text
    again = await client.post(f"{url}/cancel", data={"csrf_token": token})
    assert again.status_code == 409
    assert 'data-testid="subs-error"' in again.text
    forged = await client.post(f"{url}/cancel", data={"csrf_token": "forged"})
    assert forged.status_code == 403


async def test_a_failing_renewal_offers_to_pay_by_hand(site: Site) -> None:
    await new_plan(site.api, await admin(site.api), code="fan", name="Fan monthly")
    guest = await site.api.register("Gleb Guest")
    client = await _subscribe_on_page(site, guest, "fan", RENEWALS_DECLINE)

    async def active() -> bool:
        return 'data-testid="status">active<' in await _mine(client)

    await eventually(active)
    views = (await site.api.client.get("/api/v1/subscriptions", headers=guest.headers)).json()
    due = datetime.fromisoformat(views["items"][0]["period_end"])
    site.api.clock.current = due + timedelta(seconds=1)
    client, _ = await signed_in(site, guest)  # a month on, the page session has expired

    async def retrying() -> bool:
        return 'data-testid="retrying"' in await _mine(client)

    await eventually(retrying)
    mine = await _mine(client)
    assert 'data-testid="pay-now"' in mine
    sub_id = re.search(r'data-testid="subscription-([0-9a-f-]+)"', mine)
    assert sub_id
    r = await client.post(
        f"/subscriptions/{sub_id.group(1)}/pay", data={"csrf_token": csrf_of(mine)}
    )
    assert r.status_code == 303
    assert "/pay/sandbox/pi_" in r.headers["location"]


async def test_the_organiser_sees_the_invoice_of_a_grown_conference_and_pays_it(
    site: Site, organiser: User, conference: Conference
) -> None:
    boss = await admin(site.api)
    await new_plan(site.api, boss, kind="conference", participants=2, perks=[], name="Small",
                   price={"amount": 0, "currency": "RUB"})  # fmt: skip
    await new_plan(site.api, boss, kind="conference", perks=[], name="Large",
                   price={"amount": 250_000, "currency": "RUB"})  # fmt: skip
    await site.api.client.post(f"/api/v1/conferences/{conference.id}/participants",
                               json={"last_name": "Late", "first_name": "Lena"},
                               headers=organiser.headers)  # fmt: skip
    client, _ = await signed_in(site, organiser)

    async def invoiced() -> bool:
        return 'data-testid="open-invoice"' in (await client.get("/billing")).text

    await eventually(invoiced)
    page = (await client.get("/billing")).text
    assert 'data-testid="participants">4<' in page
    assert "2500.00 RUB" in page
    invoice = re.search(r'action="/billing/invoices/([0-9a-f-]+)/pay"', page)
    assert invoice
    r = await client.post(f"/billing/invoices/{invoice.group(1)}/pay",
                          data={"csrf_token": csrf_of(page)})  # fmt: skip
    assert r.status_code == 303
    await pay_page(site.api, r.headers["location"])

    async def settled() -> bool:
        return 'data-testid="settled"' in (await client.get("/billing")).text

    await eventually(settled)
    russian = (await client.get("/billing?lang=ru")).text
    assert "Оплата конференций" in russian
