"""Organiser billing over HTTP: a conference that outgrows its tier gets an invoice (and keeps
working), the organiser pays it on the sandbox's page, and it is credited."""

from __future__ import annotations

from typing import Any

from .apiclient import Api, User, assert_problem
from .distribution_steps import new_conference, new_participant
from .subscription_steps import admin, eventually, new_plan, pay_page


async def _tiers(api: Api) -> None:
    boss = await admin(api)
    for limit, price, name in (
        (2, 0, "Up to 2"),
        (4, 100_000, "Up to 4"),
        (None, 300_000, "Unlimited"),
    ):
        money = {"amount": price, "currency": "RUB"}
        await new_plan(
            api, boss, kind="conference", participants=limit, perks=[], price=money, name=name
        )


async def _bill(api: Api, organiser: User, conference_id: str) -> dict[str, Any]:
    r = await api.client.get(f"/api/v1/conferences/{conference_id}/billing",
                             headers=organiser.headers)  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_growing_conference_is_invoiced_and_paid_without_being_blocked(
    api: Api, host: User
) -> None:
    await _tiers(api)
    conference_id = await new_conference(api, host)
    for n in range(3):
        await new_participant(api, host, conference_id, f"Surname{n}", "Name")

    async def invoiced() -> bool:
        return (await _bill(api, host, conference_id))["open_invoice"] is not None

    await eventually(invoiced)
    bill = await _bill(api, host, conference_id)
    assert bill["participants"] == 3
    assert bill["needed_tier"]["name"] == "Up to 4"
    assert bill["covered_tier"]["name"] == "Up to 2"
    invoice = bill["open_invoice"]
    assert invoice["amount"] == {"amount": 100_000, "currency": "RUB"}
    await new_participant(api, host, conference_id, "Still", "Welcome")  # nothing is blocked

    link = await api.client.post(f"/api/v1/invoices/{invoice['id']}/pay", headers=host.headers)
    assert link.status_code == 200, link.text
    await pay_page(api, link.json()["payment_url"])

    async def paid() -> bool:
        return (await _bill(api, host, conference_id))["paid"]["amount"] == 100_000

    await eventually(paid)
    settled = await _bill(api, host, conference_id)
    assert settled["open_invoice"] is None
    assert settled["covered_tier"]["name"] == "Up to 4"
    assert [i["status"] for i in settled["invoices"]] == ["paid"]
    everything = await api.client.get("/api/v1/billing", headers=host.headers)
    assert [b["conference_id"] for b in everything.json()["items"]] == [conference_id]


async def test_only_the_organiser_sees_and_pays_a_conference_bill(
    api: Api, host: User, guest: User
) -> None:
    await _tiers(api)
    conference_id = await new_conference(api, host)
    for n in range(3):
        await new_participant(api, host, conference_id, f"Surname{n}", "Name")

    async def invoiced() -> bool:
        return (await _bill(api, host, conference_id))["open_invoice"] is not None

    await eventually(invoiced)
    invoice = (await _bill(api, host, conference_id))["open_invoice"]
    other = await api.client.get(f"/api/v1/conferences/{conference_id}/billing",
                                 headers=guest.headers)  # fmt: skip
    assert_problem(other, 404, "not-found")
    stranger = await api.client.post(f"/api/v1/invoices/{invoice['id']}/pay",
                                     headers=guest.headers)  # fmt: skip
    assert_problem(stranger, 404, "not-found")
    assert (await api.client.get("/api/v1/billing", headers=guest.headers)).json() == {"items": []}
