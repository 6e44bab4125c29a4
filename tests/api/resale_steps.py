"""Steps of the resale API tests: verified people, a ticket in a seller's hands, listing it,
buying it on the sandbox payment page, and waiting for the sale to go through."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import httpx

from core.identity.model import AccountId, Role

from .apiclient import TEST_PHONES, Api, User
from .test_api_payments import eventually

CARD_OK = "4242 4242 4242 4242"
RUB = "RUB"
EXTERNAL = {
    "issuer": "kassa",
    "event": {
        "event_name": "Swan Lake",
        "starts_at": "2030-03-01T19:00:00+03:00",
        "city": "Moscow",
        "place": "Bolshoi",
    },
}
"""A ticket of another site: its issuer and event, as a seller describes them."""


async def verified(api: Api, name: str, phone: str) -> User:
    """A registered account whose phone (one of TEST_PHONES) is verified."""
    user = await api.register(name)
    r = await api.client.post(
        "/api/v1/auth/phone/start", json={"phone": phone}, headers=user.headers
    )
    assert r.status_code == 202, r.text
    r = await api.client.post(
        "/api/v1/auth/phone/verify",
        json={"phone": phone, "code": TEST_PHONES[phone]},
        headers=user.headers,
    )
    assert r.status_code == 200, r.text
    return user


async def make_admin(api: Api, user: User) -> None:
    async with api.platform.new_uow() as uow:
        account = await uow.accounts.get(AccountId(UUID(user.id)))
        account.roles = account.roles | {Role.PLATFORM_ADMIN}
        await uow.accounts.save(account)
        await uow.commit()


async def ticket_of(api: Api, host: User, holder: User, **event: Any) -> dict[str, Any]:
    """`holder` books (and pays, if priced) one seat of a new event of `host`: the ticket,
    with its barcode and `booking_id`."""
    published = await api.publish(host, **event)
    booked = await api.book(holder, published["id"])
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    if booking["payment_url"] is not None:
        await pay(api, booking)

        async def confirmed() -> bool:
            r = await api.client.get("/api/v1/bookings", headers=holder.headers)
            return any(b["id"] == booking["id"] and b["tickets"] for b in r.json()["items"])

        await eventually(confirmed)
    mine = (await api.client.get("/api/v1/bookings", headers=holder.headers)).json()["items"]
    ticket_id = next(b for b in mine if b["id"] == booking["id"])["tickets"][0]["id"]
    r = await api.client.get(f"/api/v1/tickets/{ticket_id}", headers=holder.headers)
    assert r.status_code == 200, r.text
    return {**r.json(), "booking_id": booking["id"]}


async def sell(
    api: Api, seller: User, barcode: str, amount: int = 120_000, **extra: Any
) -> httpx.Response:
    body = {
        "barcode": barcode,
        "price": {"amount": amount, "currency": RUB},
        "event_type": "concert",
        **extra,
    }
    return await api.client.post("/api/v1/resale/listings", json=body, headers=seller.headers)


async def listed(api: Api, seller: User, barcode: str, **extra: Any) -> dict[str, Any]:
    r = await sell(api, seller, barcode, **extra)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def start_buying(api: Api, buyer: User, listing_id: str) -> httpx.Response:
    return await api.client.post(f"/api/v1/resale/listings/{listing_id}/buy", headers=buyer.headers)


async def pay(api: Api, payable: dict[str, Any], card: str = CARD_OK) -> str:
    """Pay a purchase or booking on the sandbox page with `card`; where it sends the payer."""
    match = re.search(r"/pay/sandbox/(pi_[0-9a-f]+)$", payable["payment_url"])
    assert match, payable["payment_url"]
    r = await api.client.post(
        f"/pay/sandbox/{match.group(1)}", data={"card_number": card, "action": "pay"}
    )
    assert r.status_code == 303, r.text
    return r.headers["location"]  # type: ignore[no-any-return]


async def purchase_of(api: Api, buyer: User, purchase_id: str) -> dict[str, Any]:
    r = await api.client.get(f"/api/v1/resale/purchases/{purchase_id}", headers=buyer.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def settled(api: Api, buyer: User, purchase_id: str, status: str) -> dict[str, Any]:
    """Wait until the background relay moved the purchase to `status`; the purchase."""

    async def done() -> bool:
        return (await purchase_of(api, buyer, purchase_id))["status"] == status

    await eventually(done)
    return await purchase_of(api, buyer, purchase_id)


async def bought(api: Api, buyer: User, listing_id: str) -> dict[str, Any]:
    """The buyer buys the listing and pays; the completed purchase."""
    r = await start_buying(api, buyer, listing_id)
    assert r.status_code == 201, r.text
    await pay(api, r.json())
    return await settled(api, buyer, r.json()["id"], "completed")
